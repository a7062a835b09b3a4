#!/usr/bin/env bash
# Restore to a time target, pitr vs pgBackRest, in one run on the same machine: one PostgreSQL 15 cluster
# archives every WAL segment through both tools (local repositories: pitr file://, pgBackRest posix,
# both zstd), both take a full backup, then each restores the same time target into a new directory
# and is timed until the server is paused at the target; a third contender is pitr restoring from pgBackRest's
# repository (pitr --repo pgbackrest://bench: pgBackRest restores the backup pitr chose, archive-get serves
# replay behind pitr's spool). Prints the figures and each ratio against pgBackRest's own restore.
# Usage: bench/restore-vs-pgbackrest.sh [SCALE] [LOAD_SECONDS]     (defaults 5 and 20)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
scale=${1:-5}
load=${2:-20}
work=$(mktemp -d /tmp/pitr-vs-pgbr.XXXXXX)
port=$(free_port)
cleanup() {
  for d in primary r-pitr-1 r-pitr-2 r-pgbr-1 r-pgbr-2 r-over-1 r-over-2; do as_pg "$pgbin/pg_ctl" -D "$work/$d/data" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
pgbackrest_bench_setup "$work" "$port"
start_pg "$work/primary" "$port" <<CONF
wal_level = replica
archive_mode = on
archive_command = '$pitr --repo file://$work/pitr-repo wal push %p && pgbackrest --config=$work/pgbackrest.conf --stanza=bench archive-push %p'
max_wal_size = '1GB'
CONF
# the same parallelism for both: pgBackRest's process-max (pgbackrest.conf) and pitr's writer threads
export PITR_PGPORT="$port" PITR_AUDIT_LOG="$work/audit.jsonl" PITR_PROCESS_MAX=2
echo "== pgbench -i -s $scale, full backups with both tools (archive drained first, order alternated)"
"$pgbin/pgbench" -q -i -s "$scale" -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
pgbr stanza-create
now() { date +%s%N; }
drain() { wait_archived "$port" 3000; } # every segment so far archived by both tools: neither backup waits for the other's backlog
settle() { # every timed run starts from the same memory: nothing dirty, nothing cached (the repositories, the
  # copies restored before it, the binaries). Without it a later run pays for reclaiming and writing back an
  # earlier one's pages: with 'sync' alone, replay of the same WAL took 2.0 to 7.1 s (BENCH_DROP_CACHES=0 keeps
  # the caches; dropping them needs root)
  sync
  if [ "${BENCH_DROP_CACHES:-1}" = 1 ] && [ -w /proc/sys/vm/drop_caches ]; then echo 3 > /proc/sys/vm/drop_caches; fi
}
backup_pitr() { drain; settle; local s e; s=$(now); "$pitr" --repo "file://$work/pitr-repo" backup create >/dev/null; e=$(now); ms=$(( (e - s) / 1000000 )); }
backup_pgbr() { drain; settle; local s e; s=$(now); pgbr backup --type=full; e=$(now); ms=$(( (e - s) / 1000000 )); }
pitr_backup=999999; pgbr_backup=999999
for n in 1 2; do # alternating, the better run counts (the order effect of a quiet VM's first writes removed)
  if [ "$n" = 1 ]; then backup_pitr; a=$ms; backup_pgbr; b=$ms; else backup_pgbr; b=$ms; backup_pitr; a=$ms; fi
  echo "backup run $n: pitr $a ms, pgBackRest $b ms"
  [ "$a" -lt "$pitr_backup" ] && pitr_backup=$a; [ "$b" -lt "$pgbr_backup" ] && pgbr_backup=$b
done
echo "== $load s of pgbench load, the target, 5 s more (-n: no TRUNCATE pgbench_history lock straddling the target)"
"$pgbin/pgbench" -c 2 -T "$load" -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
target=$(psql_at "$port" -At -c "SELECT to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
"$pgbin/pgbench" -n -c 2 -T 5 -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
wait_archived "$port" 600
segs=$(find "$work/pitr-repo/wal" -name '*.pitr' | wc -l)
echo "== restore to $target ($segs WAL segments archived), each tool twice, alternating; the faster run counts"
# (the first writes after a quiet spell are slower on a VM, whichever tool makes them: alternating and
# keeping each tool's better run removes that order effect)
restore_pitr() { # N: restore into r-pitr-N, sets ms and port
  port=$(free_port)
  mkdir -p "$work/r-pitr-$1"; chown postgres: "$work/r-pitr-$1"
  settle
  local s e
  s=$(now)
  "$pitr" --repo "file://$work/pitr-repo" restore run --target-time "$target" --pgdata "$work/r-pitr-$1/data" --port "$port" >/dev/null
  paused "$port"; e=$(now); ms=$(( (e - s) / 1000000 ))
}
restore_pgbr() { # N
  port=$(free_port)
  mkdir -p "$work/r-pgbr-$1/data"; chmod 700 "$work/r-pgbr-$1/data"; chown -R postgres: "$work/r-pgbr-$1"
  settle
  local s e
  s=$(now)
  pgbr restore --pg1-path="$work/r-pgbr-$1/data" --type=time --target="$target" --target-action=pause \
    --recovery-option=port="$port" --recovery-option=archive_mode=off
  local f; f=$(now); pgbr_files_ms=$(( (f - s) / 1000000 ))
  printf "port = %s\nunix_socket_directories = '%s'\nlisten_addresses = '127.0.0.1'\n" "$port" "$work/r-pgbr-$1" >>"$work/r-pgbr-$1/data/postgresql.auto.conf"
  as_pg "$pgbin/pg_ctl" -D "$work/r-pgbr-$1/data" -l "$work/r-pgbr-$1/log" -W start >/dev/null
  paused "$port"; e=$(now); ms=$(( (e - s) / 1000000 )); pgbr_replay_ms=$(( (e - f) / 1000000 ))
}
restore_over() { # N: pitr over pgBackRest's repository, into r-over-N
  port=$(free_port)
  mkdir -p "$work/r-over-$1"; chown postgres: "$work/r-over-$1"
  settle
  local s e
  s=$(now)
  PITR_PGBACKREST_CONFIG="$work/pgbackrest.conf" "$pitr" --repo pgbackrest://bench restore run --target-time "$target" \
    --pgdata "$work/r-over-$1/data" --port "$port" 2> >(stamped "$s" >"$work/over-$1.trace") >/dev/null
  paused "$port"; e=$(now); ms=$(( (e - s) / 1000000 ))
}
stamped() { # START_NS: each line of stdin after the ms since START_NS (where the time of a run went)
  while IFS= read -r line; do printf '%6d ms  %s\n' $(( ($(now) - $1) / 1000000 )) "$line"; done
}
steps_of() { # PGDATA: pitr's step times from its journal, as JSON
  "$pitr" --json restore status --pgdata "$1" | python3 -c '
import json, sys, datetime
j = json.load(sys.stdin)
t = lambda s: datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
out = {}
for st in j["steps"]:
    if st.get("ended_at"):
        out[st["state"].lower() + "_ms"] = int((t(st["ended_at"]) - t(st["started_at"])).total_seconds() * 1000)
print(json.dumps(out))'
}
pitr_restore=999999; pgbr_restore=999999; over_restore=999999; pitr_steps='{}'; pgbr_steps='{}'; over_steps='{}'
for n in 1 2; do # alternating, the better run counts
  if [ "$n" = 1 ]; then order="pitr pgbr over"; else order="over pgbr pitr"; fi
  for tool in $order; do
    if [ "$tool" = over ]; then
      restore_over "$n"; oport=$port; echo "pitr over pgBackRest run $n: $ms ms"
      if [ "$ms" -lt "$over_restore" ]; then over_restore=$ms; over_steps=$(steps_of "$work/r-over-$n/data"); fi
    elif [ "$tool" = pitr ]; then
      restore_pitr "$n"; rport=$port; echo "pitr run $n: $ms ms"
      if [ "$ms" -lt "$pitr_restore" ]; then pitr_restore=$ms; pitr_steps=$(steps_of "$work/r-pitr-$n/data"); fi
    else
      restore_pgbr "$n"; gport=$port; echo "pgBackRest run $n: $ms ms (files $pgbr_files_ms ms, replay $pgbr_replay_ms ms)"
      if [ "$ms" -lt "$pgbr_restore" ]; then pgbr_restore=$ms; pgbr_steps="{\"restore_files_ms\":$pgbr_files_ms,\"replay_ms\":$pgbr_replay_ms}"; fi
    fi
  done
  if [ "$n" = 1 ]; then
    "$pitr" restore status --pgdata "$work/r-pitr-1/data" | sed -n '/PREFLIGHT/,/READY/p' # where pitr's time went
    echo "pitr over pgBackRest, run 1, its progress by the ms since the command started:"; cat "$work/over-1.trace"
    as_pg "$pgbin/pg_ctl" -D "$work/r-pitr-1/data" -m immediate stop >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$work/r-pgbr-1/data" -m immediate stop >/dev/null
    as_pg "$pgbin/pg_ctl" -D "$work/r-over-1/data" -m immediate stop >/dev/null
  fi
done
sum_at() { psql_at "$1" -At -c 'SELECT sum(abalance) FROM pgbench_accounts'; }
same=$( [ "$(sum_at "$rport")" = "$(sum_at "$gport")" ] && [ "$(sum_at "$oport")" = "$(sum_at "$gport")" ] && echo yes || echo NO)
printf '%-40s %10s %10s %8s\n' "scale $scale, $segs segments" "pitr ms" "pgBR ms" "ratio"
printf '%-40s %10s %10s %8.2f\n' "full backup" "$pitr_backup" "$pgbr_backup" "$(awk -v a="$pitr_backup" -v b="$pgbr_backup" 'BEGIN{print a/b}')"
printf '%-40s %10s %10s %8.2f\n' "restore to time, paused at target" "$pitr_restore" "$pgbr_restore" "$(awk -v a="$pitr_restore" -v b="$pgbr_restore" 'BEGIN{print a/b}')"
printf '%-40s %10s %10s %8.2f\n' "restore over pgBackRest's repository" "$over_restore" "$pgbr_restore" "$(awk -v a="$over_restore" -v b="$pgbr_restore" 'BEGIN{print a/b}')"
echo "all three copies hold the same data at the target: $same"
pitr_size=$(du -sb "$work/pitr-repo/backups" | cut -f1)
pgbr_size=$(du -sb "$work/pgbr-repo/backup" | cut -f1)
printf '%-40s %10s %10s %8.2f\n' "backup size in the repository (MB)" "$((pitr_size / 1048576))" "$((pgbr_size / 1048576))" "$(awk -v a="$pitr_size" -v b="$pgbr_size" 'BEGIN{print a/b}')"
echo "BENCH_JSON restore {\"scale\":$scale,\"segments\":$segs,\"pitr_backup_ms\":$pitr_backup,\"pgbackrest_backup_ms\":$pgbr_backup,\"pitr_backup_bytes\":$pitr_size,\"pgbackrest_backup_bytes\":$pgbr_size,\"pitr_restore_ms\":$pitr_restore,\"pgbackrest_restore_ms\":$pgbr_restore,\"restore_ratio\":$(awk -v a="$pitr_restore" -v b="$pgbr_restore" 'BEGIN{printf "%.2f", a/b}'),\"pitr_over_pgbackrest_restore_ms\":$over_restore,\"over_pgbackrest_ratio\":$(awk -v a="$over_restore" -v b="$pgbr_restore" 'BEGIN{printf "%.2f", a/b}'),\"pitr_over_pgbackrest_steps\":$over_steps,\"backup_ratio\":$(awk -v a="$pitr_backup" -v b="$pgbr_backup" 'BEGIN{printf "%.2f", a/b}'),\"pitr_steps\":$pitr_steps,\"pgbackrest_steps\":$pgbr_steps,\"same_data\":\"$same\"}"
