#!/usr/bin/env bash
# The benchmark suite, side by side with pgBackRest where it has an equivalent, in one run on this machine:
# archiving (sync and async, pgbench at full speed), backup, restore to a time target, WAL push per call
# (file and S3 drivers), log scan and inventory. Each part prints its own table; the figures are collected
# in bench/results/latest.json. Defaults finish in under 10 minutes on 2 cores.
# Usage: bench/run.sh [SCALE] [LOAD_SECONDS]     (defaults 5 and 15)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../scripts/lib.sh"
scale=${1:-5}
load=${2:-15}
build_pitr
mkdir -p "$here/results"
log=$(mktemp /tmp/pitr-bench-run.XXXXXX)
trap 'rm -f "$log"' EXIT
part() { # NAME COMMAND...: runs one benchmark, shows its output, keeps its BENCH_JSON line
  echo "=== $1"
  shift
  "$@" 2>&1 | tee -a "$log" | grep -v '^BENCH_JSON '
}
part "archive: pitr vs pgBackRest, sync and async" "$here/archive.sh" "$load" 24
part "backup and restore to a time target: pitr vs pgBackRest" "$here/restore-vs-pgbackrest.sh" "$scale" "$load"
part "wal push per call (file and S3 drivers)" "$here/wal-push.sh" 10
part "log scan" "$here/logscan.sh" 1024
part "inventory of 100,000 WAL objects" "$here/inventory.sh" 100000
{
  printf '{"date":"%s","machine":{"cores":%s,"postgresql":"%s","pgbackrest":"%s"}' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    "$(nproc)" "$("$pgbin/postgres" --version | awk '{print $3}')" "$(pgbackrest version | awk '{print $2}')"
  grep '^BENCH_JSON ' "$log" | while read -r _ name json; do printf ',"%s":%s' "$name" "$json"; done
  echo "}"
} >"$here/results/latest.json.tmp"
mv "$here/results/latest.json.tmp" "$here/results/latest.json"
echo "=== results: bench/results/latest.json"
