#!/usr/bin/env bash
# The seed incident on the embedded default: a throwaway PostgreSQL 15 archiving through pitr into a local
# S3 server (S3Proxy, its own process on loopback). A nightly backup, then someone drops
# temp_migration_backup on "production"; pitr finds the DROP in the server log, restores a copy to just
# before it, verifies the rows are back, and prints the incident timeline.
# Usage: scripts/demo.sh            (PITR_DEMO_KEEP=1 keeps the servers running and the work dir)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
"$root/scripts/setup.sh"
build_pitr

work=$(mktemp -d /tmp/pitr-demo.XXXXXX)
chmod 755 "$work"
S3_PID=""
cleanup() {
  if [ "${PITR_DEMO_KEEP:-0}" = 1 ]; then echo "kept: $work (S3 pid $S3_PID)"; return; fi
  as_pg "$pgbin/pg_ctl" -D "$work/restored/data" -m immediate stop >/dev/null 2>&1 || true
  as_pg "$pgbin/pg_ctl" -D "$work/primary/data" -m immediate stop >/dev/null 2>&1 || true
  [ -n "$S3_PID" ] && kill "$S3_PID" 2>/dev/null || true
  pkill -f "archive-pusher --spool $work/" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== starting a local S3 server (S3Proxy) and a PostgreSQL 15 cluster that archives through pitr"
start_s3 "$work/s3" pitr-demo
export AWS_ACCESS_KEY_ID=pitr-test-access AWS_SECRET_ACCESS_KEY=pitr-test-secret-DO-NOT-PRINT
port=$(free_port)
cat >"$work/pitr.yaml" <<YAML
default-cluster: shop
clusters:
  shop:
    environment: production
    repo: s3://pitr-demo/shop
    s3:
      endpoint: $S3_ENDPOINT
    pgdata: $work/primary/data
    port: $port
    log-directory: $work/primary
    log-line-prefix: '%m [%p] %q%u@%d '
YAML
export PITR_CONFIG="$work/pitr.yaml" PITR_AUDIT_LOG="$work/audit.jsonl"
mkdir -p "$work/spool" && chown postgres: "$work/spool" 2>/dev/null || true
start_pg "$work/primary" "$port" <<CONF
wal_level = replica
archive_mode = on
archive_command = '$pitr --config $work/pitr.yaml wal push --async --spool $work/spool %p'
log_statement = 'ddl'
log_line_prefix = '%m [%p] %q%u@%d '
log_timezone = 'Europe/Berlin'
CONF
echo "   PostgreSQL on 127.0.0.1:$port, S3 at $S3_ENDPOINT, repository s3://pitr-demo/shop"

echo "== 14:13 the application writes; the migration backup table is still there"
psql_at "$port" <<'SQL'
CREATE TABLE temp_migration_backup AS SELECT g AS id, 'user' || g AS name FROM generate_series(1, 5000) g;
CREATE TABLE orders (id serial PRIMARY KEY, note text, at timestamptz DEFAULT now());
INSERT INTO orders(note) SELECT 'before drop ' || g FROM generate_series(1, 200) g;
SQL
"$pgbin/pgbench" -q -i -s 2 -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1

echo "== 03:00 the nightly base backup: pitr backup create"
"$pitr" backup create
"$pgbin/pgbench" -c 2 -t 1000 -h 127.0.0.1 -p "$port" -U postgres postgres >/dev/null 2>&1
psql_at "$port" -c "INSERT INTO orders(note) VALUES ('committed just before the drop')"

echo "== 14:14 wrong terminal tab: DROP TABLE temp_migration_backup on production"
psql_at "$port" -c "DROP TABLE temp_migration_backup"
psql_at "$port" -c "INSERT INTO orders(note) SELECT 'after drop ' || g FROM generate_series(1, 50) g"
echo "== waiting until PostgreSQL has archived the current WAL through pitr"
wait_archived "$port"
psql_at "$port" -At -c "SELECT 'archived: ' || archived_count || ' files, failed: ' || failed_count FROM pg_stat_archiver"

echo "== pitr wal list"
"$pitr" wal list

echo "== 14:17 on call: find the statement in the server log (log_timezone Europe/Berlin)"
"$pitr" target find --log "$work/primary/server.log" --log-timezone Europe/Berlin --table temp_migration_backup

echo "== restore side by side, to just before the DROP: pitr restore run --target-from-log"
"$pitr" restore run --target-from-log --log "$work/primary/server.log" --log-timezone Europe/Berlin \
  --table temp_migration_backup --pgdata "$work/restored/data" \
  --check "SELECT count(*) = 5000 FROM temp_migration_backup" \
  --check "SELECT count(*) = 1 FROM orders WHERE note = 'committed just before the drop'" \
  --check "SELECT count(*) = 0 FROM orders WHERE note LIKE 'after drop%'"
rport=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["plan"]["port"])' "$work/restored/data.pitr/journal.json")

echo "== verify on the restored copy (port $rport), stopped just before the DROP commits"
psql_at "$rport" -c "SELECT count(*) AS rows_back FROM temp_migration_backup"
psql_at "$rport" -c "SELECT note FROM orders ORDER BY id DESC LIMIT 1"

echo "== what the repository can restore to: pitr info"
"$pitr" info

echo "== the incident timeline: pitr restore status"
"$pitr" restore status --pgdata "$work/restored/data"
"$pitr" restore abort --pgdata "$work/restored/data" >/dev/null
echo "== the audit trail: pitr audit"
"$pitr" audit
echo "== done: temp_migration_backup is back with all 5000 rows on a side-by-side copy; production kept its later writes"
