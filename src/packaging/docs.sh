#!/bin/sh
# Generated at build time from the commands themselves, so neither can drift from the CLI (run by 'mvn package'):
#   TARGET/completion/pitr   bash completion (picocli's generator: 'pitr completion')
#   TARGET/man/*.1           man pages from each command's --help (help2man, Debian's package of that name)
# Usage: docs.sh TARGET_DIR VERSION
set -eu
target=$1 version=$2
jar="$target/pitr.jar"
mkdir -p "$target/completion" "$target/man"
cds=-Xshare:auto
[ -r "$target/pitr.jsa" ] && cds="-Xshare:auto -XX:SharedArchiveFile=$target/pitr.jsa"
java $cds -jar "$jar" completion >"$target/completion/pitr.tmp"
mv "$target/completion/pitr.tmp" "$target/completion/pitr"
if ! command -v help2man >/dev/null 2>&1; then
  echo "docs.sh: help2man is not installed (scripts/setup.sh installs it): no man pages" >&2
  exit 0
fi
helps=$(mktemp -d)
trap 'rm -rf "$helps"' EXIT
java $cds -jar "$jar" write-help "$helps" # every command's --help, from one JVM
# the top level, each command, and the subcommands an operator reads most: pitr(1), pitr-restore(1), pitr-restore-run(1)
for name in pitr pitr-wal pitr-backup pitr-info pitr-expire pitr-target pitr-restore pitr-verify pitr-drill \
    pitr-salvage pitr-check pitr-metrics pitr-audit pitr-repo pitr-completion pitr-restore-run pitr-restore-plan \
    pitr-restore-resume pitr-target-find pitr-wal-push pitr-wal-fetch pitr-backup-create; do
  # help2man reads the help back through a wrapper
  printf '#!/bin/sh\nexec cat "%s"\n' "$helps/$name.help" >"$helps/$name"
  chmod 755 "$helps/$name"
  # the description: the first line under the usage block, up to its first stop
  what=$(awk 'NR == 1 { next } /^ / { next } { print; exit }' "$helps/$name.help" | sed 's/[.:].*$//')
  help2man --no-info --section=1 --version-string="$version" --name="${what:-pitr}" \
    --output="$target/man/$name.1" "$helps/$name"
done
echo "docs.sh: completion and $(ls "$target/man" | wc -l) man pages in $target"
