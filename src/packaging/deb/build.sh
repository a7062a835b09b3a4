#!/bin/sh
# The Debian package, made from the same files as the tarball with dpkg-deb (run by 'mvn package'):
#   /usr/bin/pitr                      the launcher
#   /usr/share/pitr/pitr.jar, native/  the program and zstd's native library (where the launcher looks)
#   /etc/pitr/pitr.yaml.example        a configuration to copy
#   /lib/systemd/system/pitr-drill.*   the nightly drill (not enabled)
#   /lib/systemd/system/pitr-metrics.* the repository gauges every minute for node_exporter (not enabled)
#   /usr/share/doc/pitr/               README, docs, runbooks
#   /usr/share/bash-completion/completions/pitr, /usr/share/man/man1/pitr*.1.gz   (made by docs.sh)
#   /var/log/pitr/                     the host's audit trail, root's and the server user's (group postgres, setgid)
# and, built by postinst where the jar is installed, /usr/share/pitr/pitr.jsa (AppCDS: a faster archive_command).
# Usage: build.sh PROJECT_DIR TARGET_DIR VERSION
set -eu
project=$1 target=$2 version=$3
command -v dpkg-deb >/dev/null || { echo "dpkg-deb not found: no Debian package built" >&2; exit 0; }
deb_version=$(printf '%s' "$version" | sed 's/-/~/')  # 0.1.0-SNAPSHOT sorts before 0.1.0
arch=$(dpkg --print-architecture)
case "$arch" in amd64) jni=amd64 ;; arm64) jni=aarch64 ;; *) jni=$arch ;; esac
root=$target/deb-root
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/usr/bin" "$root/usr/share/pitr/native/linux/$jni" "$root/etc/pitr" \
  "$root/lib/systemd/system" "$root/usr/share/doc/pitr"
install -m 755 "$project/scripts/pitr" "$root/usr/bin/pitr"
install -m 644 "$target/pitr.jar" "$root/usr/share/pitr/pitr.jar"
install -m 644 "$target/native/linux/$jni/"*.so "$root/usr/share/pitr/native/linux/$jni/"
install -m 644 "$project/src/packaging/etc/pitr.yaml.example" "$root/etc/pitr/"
install -m 644 "$project/src/packaging/systemd/"* "$root/lib/systemd/system/"
cp -r "$project/README.md" "$project/docs" "$project/runbooks" "$root/usr/share/doc/pitr/"
# made by docs.sh just before: bash completion and man pages (gzipped, as Debian keeps them)
install -D -m 644 "$target/completion/pitr" "$root/usr/share/bash-completion/completions/pitr"
mkdir -p "$root/usr/share/man/man1"
for page in "$target"/man/*.1; do
  [ -e "$page" ] || continue
  gzip -9n <"$page" >"$root/usr/share/man/man1/$(basename "$page").gz"
done
size=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: pitr
Version: $deb_version
Architecture: $arch
Maintainer: pitr developers <pitr@localhost>
Installed-Size: $size
Depends: openjdk-17-jre-headless | java17-runtime-headless, postgresql-client-15 | postgresql-client
Section: database
Priority: optional
Description: point-in-time recovery for PostgreSQL, to just before the mistake
 pitr archives WAL and base backups to S3 or a directory, finds the statement that broke
 things in the server log and the WAL, and restores a side-by-side copy to just before its
 commit, as a journaled, resumable runbook; the same path runs as a scheduled drill.
CONTROL
# the class-data archive is tied to the jar's path: built where the jar is installed, removed with the package
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  # one audit trail per host that root and the server user both append to (the group's, setgid)
  if getent group postgres >/dev/null 2>&1; then
    install -d -m 2770 -o root -g postgres /var/log/pitr
  fi
  rm -f /usr/share/pitr/pitr.jsa
  java -XX:ArchiveClassesAtExit=/usr/share/pitr/pitr.jsa -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable \
    -jar /usr/share/pitr/pitr.jar train-cds >/dev/null 2>&1 || echo "pitr: no class-data archive (slower start only)" >&2
fi
POSTINST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
rm -f /usr/share/pitr/pitr.jsa
PRERM
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
  rm -rf /var/log/pitr
fi
POSTRM
chmod 755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"
dpkg-deb --root-owner-group --build "$root" "$target/pitr_${deb_version}_$arch.deb" >/dev/null
rm -rf "$root"
echo "built $target/pitr_${deb_version}_$arch.deb"
