#!/usr/bin/env bash
# Encryption's cost, measured against the same run's plain repository (the anchor): one PostgreSQL 15 cluster
# archives every segment into two local repositories, one plain and one encrypted (key in a file only the
# server user reads), in one archive_command; each gets a full backup of the same data, then each is restored
# to the same target time twice, alternating (plain, encrypted, encrypted, plain); the faster run counts.
# Archive-push cost: bench/archive.sh with MODES="pitr-async pitr-async-enc pitr-sync pitr-sync-enc".
# Usage: bench/encryption.sh [SCALE] [LOAD_SECONDS]      (defaults 20 and 20)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
scale=${1:-20}
load=${2:-20}
work=$(mktemp -d /tmp/pitr-bench-enc.XXXXXX)
chmod 755 "$work"
port=$(free_port)
cleanup() {
  for d in primary r-plain-1 r-plain-2 r-enc-1 r-enc-2; do as_pg "$pgbin/pg_ctl" -D "$work/$d/data" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
for d in plain enc; do mkdir -p "$work/$d"; chown postgres: "$work/$d"; done
openssl rand -base64 32 >"$work/key" && chmod 600 "$work/key" && chown postgres: "$work/key"
enc="env PITR_ENCRYPTION_KEY_FILE=$work/key $pitr --repo file://$work/enc"
start_pg "$work/primary" "$port" <<CONF
wal_level = replica
archive_mode = on
archive_command = '$pitr --repo file://$work/plain wal push %p && $enc wal push %p'
max_wal_size = '1GB'
CONF
export PITR_PGPORT="$port" PITR_AUDIT_LOG="$work/audit.jsonl" PITR_PROCESS_MAX=2
echo "== pgbench -i -s $scale, a full backup into each repository"
"$pgbin/pgbench" -q -i -s "$scale" -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
now() { date +%s%N; }
# one backup each, untimed: the two repositories share one archive_command, so a backup's wait for its stop
# segment includes the other repository's push and would not compare encryption alone
for cmd in "$pitr --repo file://$work/plain" "$enc"; do wait_archived "$port" 3000; $cmd backup create >/dev/null; done
echo "== $load s of pgbench, the target, 5 s more"
"$pgbin/pgbench" -c 2 -T "$load" -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
target=$(psql_at "$port" -At -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
"$pgbin/pgbench" -n -c 2 -T 5 -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
wait_archived "$port" 600
segs=$(find "$work/plain/wal" -name '*.pitr' | wc -l)
restore() { # KIND N: sets ms and rport
  local kind=$1 n=$2 s e cmd
  rport=$(free_port)
  mkdir -p "$work/r-$kind-$n"; chown postgres: "$work/r-$kind-$n"
  sync; [ -w /proc/sys/vm/drop_caches ] && echo 3 > /proc/sys/vm/drop_caches
  if [ "$kind" = enc ]; then cmd=$enc; else cmd="$pitr --repo file://$work/plain"; fi
  s=$(now)
  $cmd restore run --target-time "$target" --pgdata "$work/r-$kind-$n/data" --port "$rport" >/dev/null
  paused "$rport"; e=$(now); ms=$(( (e - s) / 1000000 ))
}
best_plain=999999; best_enc=999999
for n in 1 2; do
  if [ "$n" = 1 ]; then order="plain enc"; else order="enc plain"; fi
  for kind in $order; do
    restore "$kind" "$n"; echo "restore $kind run $n: $ms ms"
    if [ "$kind" = plain ]; then pport=$rport; [ "$ms" -lt "$best_plain" ] && best_plain=$ms
    else eport=$rport; [ "$ms" -lt "$best_enc" ] && best_enc=$ms; fi
  done
  if [ "$n" = 1 ]; then
    for kind in plain enc; do as_pg "$pgbin/pg_ctl" -D "$work/r-$kind-1/data" -m immediate stop >/dev/null; done
  fi
done
sum_at() { psql_at "$1" -At -c 'SELECT sum(abalance) FROM pgbench_accounts'; }
same=$([ "$(sum_at "$pport")" = "$(sum_at "$eport")" ] && echo yes || echo NO)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/(b>0?b:1)}'; }
printf '%-34s %10s %12s %8s\n' "scale $scale, $segs segments" "plain ms" "encrypted ms" "ratio"
printf '%-34s %10s %12s %8s\n' "restore to a time (faster of 2)" "$best_plain" "$best_enc" "$(ratio "$best_enc" "$best_plain")"
echo "same data in both copies: $same"
echo "BENCH_JSON encryption {\"scale\":$scale,\"segments\":$segs,\"restore_plain_ms\":$best_plain,\"restore_encrypted_ms\":$best_enc,\"restore_ratio\":$(ratio "$best_enc" "$best_plain"),\"same_data\":\"$same\"}"
