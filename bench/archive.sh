#!/usr/bin/env bash
# Archiving, pitr vs pgBackRest, sync and async, on one PostgreSQL 15 cluster in one run:
#  - drain: BACKLOG segments pile up while archive_command is unset; the tool's archive_command is set and
#    timed until the archiver has caught up (per-segment cost = time / BACKLOG, what the archiver pays);
#  - load: pgbench at full speed (4 clients, TPC-B plus bulk inserts) for LOAD seconds with the tool archiving; the archive lag
#    (segments between the current WAL and pg_stat_archiver's last archived one) is sampled every second.
# synchronous_commit is off so that pgbench on 2 cores writes WAL as fast as a busy primary does.
# Both tools: local repositories (pitr file://, pgBackRest posix), zstd, 2 parallel uploads in async mode.
# pitr's S3 driver against the local S3 server (S3Proxy) is reported beside them (pitr-async-s3); pgBackRest
# speaks S3 only over TLS, which the local server does not, so that row has no pgBackRest twin.
# Order effects: the modes run forward, then backward (A B C C B A); each row is the mean of its two runs
# (drain) or the worse of them (lag). MODES="..." runs a subset. "first ms" is the time to the first archived
# segment (the archiver's start: a JVM, the key stretched); "then ms/seg" the cost per segment after it.
# pitr-sync-enc and pitr-async-enc push into an encrypted repository (key in a file): not in the default MODES;
# MODES="pitr-async pitr-async-enc pitr-sync pitr-sync-enc" gives encryption's cost against the same run's plain pushes.
# Usage: bench/archive.sh [LOAD_SECONDS] [BACKLOG]     (defaults 30 and 32)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
load=${1:-30}
backlog=${2:-32}
work=$(mktemp -d /tmp/pitr-bench-archive.XXXXXX)
port=$(free_port)
S3_PID=""
cleanup() {
  [ -n "$S3_PID" ] && kill "$S3_PID" 2>/dev/null
  as_pg "$pgbin/pg_ctl" -D "$work/primary/data" -m immediate stop >/dev/null 2>&1 || true
  pkill -f "archive-pusher --spool $work" 2>/dev/null || true
  [ -n "${KEEP:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
pgbackrest_bench_setup "$work" "$port"
start_s3 "$work/s3" bench
# the server runs archive_command with its own environment: the S3 endpoint and credentials go there
export PITR_S3_ENDPOINT=$S3_ENDPOINT AWS_ACCESS_KEY_ID=pitr-test-access AWS_SECRET_ACCESS_KEY=pitr-test-secret-DO-NOT-PRINT
start_pg "$work/primary" "$port" <<CONF
wal_level = replica
archive_mode = on
archive_command = ''
max_wal_size = '4GB'
synchronous_commit = off
CONF
"$pgbin/pgbench" -q -i -s 5 -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
# TPC-B transactions write ~200 bytes of WAL each; a busy primary also loads data. Half the transactions
# insert 100 rows of 1 kB, so the WAL rate is what an archiver has to keep up with on a busy day.
psql_at "$port" -c "CREATE TABLE bulk (id bigserial, pad text)"
echo "INSERT INTO bulk (pad) SELECT repeat(md5(random()::text), 32) FROM generate_series(1, 100);" >"$work/bulk.sql"
load_args=(-c 4 -j 2 -b tpcb-like@1 -f "$work/bulk.sql@1" -h 127.0.0.1 -p "$port" -U postgres postgres)
pgbr stanza-create
psql_at "$port" -c "CREATE FUNCTION segno(w text) RETURNS bigint LANGUAGE sql IMMUTABLE AS
  \$\$ SELECT ('x' || substr(w, 9, 8))::bit(32)::bigint * 256 + ('x' || substr(w, 17, 8))::bit(32)::bigint \$\$"
now() { date +%s%N; }
current_seg() { psql_at "$port" -At -c "SELECT segno(pg_walfile_name(pg_current_wal_lsn()))"; }
archived_seg() { psql_at "$port" -At -c "SELECT coalesce(segno(last_archived_wal), 0) FROM pg_stat_archiver"; }
set_command() { # the archive_command, then reload (wakes the archiver)
  psql_at "$port" -c "ALTER SYSTEM SET archive_command = \$cmd\$$1\$cmd\$" -c "SELECT pg_reload_conf()" >/dev/null
}
wait_archived() { # SEGNO: until the archiver has archived it
  for _ in $(seq 1 6000); do [ "$(archived_seg)" -ge "$1" ] && return 0; sleep 0.05; done
  echo "archiving did not catch up; pg_stat_archiver: $(psql_at "$port" -At -c 'SELECT row_to_json(a) FROM pg_stat_archiver a')" >&2
  return 5
}
pgbench_until() { # N: run pgbench until N more segments exist, then switch so they are all .ready
  local goal=$(( $(current_seg) + $1 ))
  "$pgbin/pgbench" -T 600 "${load_args[@]}" >/dev/null 2>&1 &
  local pid=$!
  while [ "$(current_seg)" -lt "$goal" ]; do sleep 0.2; done
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  psql_at "$port" -At -c "SELECT segno(pg_walfile_name(pg_switch_wal()))"
}
declare -A cmd=(
  [pitr-sync]="$pitr --repo file://$work/pitr-repo wal push %p"
  [pitr-async]="$pitr ${PITR_BENCH_FLAGS:-} --repo file://$work/pitr-repo wal push --async --spool $work/pitr-spool --process-max 2 %p"
  [pitr-sync-enc]="env PITR_ENCRYPTION_KEY_FILE=$work/bench.key $pitr --repo file://$work/pitr-repo-enc wal push %p"
  [pitr-async-enc]="env PITR_ENCRYPTION_KEY_FILE=$work/bench.key $pitr ${PITR_BENCH_FLAGS:-} --repo file://$work/pitr-repo-enc wal push --async --spool $work/pitr-spool-enc --process-max 2 %p"
  [pitr-async-s3]="$pitr ${PITR_BENCH_FLAGS:-} --repo s3://bench/pitr wal push --async --spool $work/pitr-spool-s3 --process-max 2 %p"
  [pgbackrest-sync]="pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p"
  [pgbackrest-async]="pgbackrest --config=$work/pgbackrest.conf --stanza=bench --archive-async archive-push %p"
)
for d in pitr-spool-s3 pitr-repo-enc pitr-spool-enc; do mkdir -p "$work/$d" && chown postgres: "$work/$d"; done
# the encrypted repository's key: a file only the server user reads, as the README recommends
openssl rand -base64 32 >"$work/bench.key" && chmod 600 "$work/bench.key" && chown postgres: "$work/bench.key"
modes=${MODES:-"pitr-sync pgbackrest-sync pitr-async pgbackrest-async pitr-async-s3"}
backwards=$(echo "$modes" | tr ' ' '\n' | tac | tr '\n' ' ')
declare -A drain_ms first_ms after_first per_seg produced end_lag max_lag catchup_ms runs
worse() { [ "${1:-0}" -gt "$2" ] && echo "$1" || echo "$2"; }
for m in $modes $backwards; do
  echo "== $m: drain a backlog of $backlog segments" >&2
  set_command ''
  last=$(pgbench_until "$backlog")
  before=$(archived_seg)
  s=$(now); set_command "${cmd[$m]}"; wait_archived $(( before + 1 )); f=$(now); wait_archived "$last"; e=$(now)
  runs[$m]=$(( ${runs[$m]:-0} + 1 ))
  drain_ms[$m]=$(( ${drain_ms[$m]:-0} + (e - s) / 1000000 ))
  first_ms[$m]=$(( ${first_ms[$m]:-0} + (f - s) / 1000000 ))
  echo "== $m: $load s of pgbench at full speed" >&2
  first=$(current_seg); worst=0
  "$pgbin/pgbench" -T "$load" "${load_args[@]}" >/dev/null 2>&1 &
  bench_pid=$!
  while kill -0 "$bench_pid" 2>/dev/null; do
    lag=$(( $(current_seg) - $(archived_seg) - 1 )); [ "$lag" -gt "$worst" ] && worst=$lag
    sleep 1
  done
  wait "$bench_pid" || true
  cur=$(current_seg)
  produced[$m]=$(( ${produced[$m]:-0} + cur - first ))
  lag=$(( cur - $(archived_seg) - 1 )); [ "$lag" -lt 0 ] && lag=0
  end_lag[$m]=$(worse "${end_lag[$m]:-}" "$lag")
  max_lag[$m]=$(worse "${max_lag[$m]:-}" "$worst")
  s=$(now); wait_archived $(( cur - 1 )); e=$(now)
  catchup_ms[$m]=$(worse "${catchup_ms[$m]:-}" $(( (e - s) / 1000000 )))
done
for m in $modes; do
  drain_ms[$m]=$(( drain_ms[$m] / runs[$m] ))
  first_ms[$m]=$(( first_ms[$m] / runs[$m] ))
  per_seg[$m]=$(( drain_ms[$m] / backlog ))
  after_first[$m]=$(( (drain_ms[$m] - first_ms[$m]) / (backlog - 1) ))
  produced[$m]=$(( produced[$m] / runs[$m] ))
done
set_command ''
printf '%-18s %10s %12s %10s %10s %10s %9s %9s %11s\n' mode "drain ms" "ms/segment" "first ms" "then ms/seg" \
  "segments" "lag end" "lag max" "catch-up ms"
for m in $modes; do
  printf '%-18s %10s %12s %10s %10s %10s %9s %9s %11s\n' "$m" "${drain_ms[$m]}" "${per_seg[$m]}" "${first_ms[$m]}" \
    "${after_first[$m]}" "${produced[$m]}" "${end_lag[$m]}" "${max_lag[$m]}" "${catchup_ms[$m]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/(b>0?b:1)}'; }
echo "sync per-segment cost, pitr/pgBackRest: $(ratio "${per_seg[pitr-sync]:-0}" "${per_seg[pgbackrest-sync]:-0}") (goal <= 2)"
echo "async per-segment cost, pitr/pgBackRest: $(ratio "${per_seg[pitr-async]:-0}" "${per_seg[pgbackrest-async]:-0}") (goal <= 1.2)"
if [ -n "${per_seg[pitr-async-enc]:-}" ]; then
  echo "encrypted/plain per-segment cost, async: $(ratio "${per_seg[pitr-async-enc]}" "${per_seg[pitr-async]:-0}") over the whole drain, $(ratio "${after_first[pitr-async-enc]}" "${after_first[pitr-async]:-0}") after the first segment (goal <= 1.1)"
fi
if [ -n "${per_seg[pitr-sync-enc]:-}" ]; then
  echo "encrypted/plain per-segment cost, sync: $(ratio "${per_seg[pitr-sync-enc]}" "${per_seg[pitr-sync]:-0}")"
fi
json="{\"load_seconds\":$load,\"backlog_segments\":$backlog"
for m in $modes; do
  json+=",\"$m\":{\"drain_ms\":${drain_ms[$m]},\"ms_per_segment\":${per_seg[$m]},\"first_segment_ms\":${first_ms[$m]},\"ms_per_segment_after_first\":${after_first[$m]},\"segments_under_load\":${produced[$m]},\"lag_at_end\":${end_lag[$m]},\"lag_max\":${max_lag[$m]},\"catch_up_ms\":${catchup_ms[$m]}}"
done
json+=",\"sync_cost_ratio\":$(ratio "${per_seg[pitr-sync]:-0}" "${per_seg[pgbackrest-sync]:-0}")"
json+=",\"async_cost_ratio\":$(ratio "${per_seg[pitr-async]:-0}" "${per_seg[pgbackrest-async]:-0}")}"
echo "BENCH_JSON archive $json"
