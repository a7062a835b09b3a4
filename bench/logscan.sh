#!/usr/bin/env bash
# Log scan speed: 'pitr target find' over a generated stderr log (default 1024 MB), against the anchor
# measured in the same run: reading the same file with cat (the disk/page-cache read rate).
# Usage: bench/logscan.sh [MB]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
mb=${1:-1024}
work=$(mktemp -d /tmp/pitr-logbench.XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work/chunk.log" <<'PY'
import random, sys
random.seed(1)
out = open(sys.argv[1], 'w')
stmts = ["SELECT abalance FROM pgbench_accounts WHERE aid = %d;", "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = %d;",
         "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (1, 1, %d, 5, CURRENT_TIMESTAMP);", "BEGIN;", "END;"]
size = 0
i = 0
while size < 8 * 1024 * 1024:
    line = "2026-03-25 14:%02d:%02d.%03d CET [%d] app@shop LOG:  statement: %s\n" % (
        (i // 60000) % 60, (i // 1000) % 60, i % 1000, 1000 + i % 50, random.choice(stmts).replace('%d', str(i)))
    out.write(line); size += len(line); i += 1
out.write("2026-03-25 14:59:59.999 CET [4243] app@shop LOG:  statement: DROP TABLE temp_migration_backup;\n")
PY
: >"$work/big.log"
while [ "$(stat -c %s "$work/big.log")" -lt $((mb * 1024 * 1024)) ]; do cat "$work/chunk.log" >>"$work/big.log"; done
bytes=$(stat -c %s "$work/big.log")
now() { date +%s%N; }
cat "$work/big.log" >/dev/null # warm the page cache for both
s=$(now); cat "$work/big.log" >/dev/null; e=$(now); cat_ns=$((e - s))
s=$(now); "$pitr" target find --log "$work/big.log" --log-line-prefix '%m [%p] %q%u@%d ' --table temp_migration_backup >"$work/out.txt"; e=$(now); pitr_ns=$((e - s))
grep -q "DROP TABLE temp_migration_backup" "$work/out.txt" || { echo "benchmark run did not find the statement" >&2; exit 3; }
awk -v b="$bytes" -v c="$cat_ns" -v p="$pitr_ns" 'BEGIN {
  printf "%-32s %10s %8s\n", "log scan (" int(b/1048576) " MB stderr)", "MB/s", "ratio";
  printf "%-32s %10.0f %8s\n", "cat (anchor: read rate)", b/1048576/(c/1e9), "1.00";
  printf "%-32s %10.0f %8.2f\n", "pitr target find --table", b/1048576/(p/1e9), c/p }'
awk -v b="$bytes" -v c="$cat_ns" -v p="$pitr_ns" 'BEGIN {
  printf "BENCH_JSON logscan {\"mb\":%d,\"cat_mb_s\":%.0f,\"pitr_mb_s\":%.0f,\"ratio_to_read_rate\":%.2f}\n", b/1048576, b/1048576/(c/1e9), b/1048576/(p/1e9), c/p }'
