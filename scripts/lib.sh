# Shared helpers for the demo and benchmark scripts (sourced, not run).
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pgbin=${PITR_PG_BIN:-/usr/lib/postgresql/15/bin}
pitr="$root/scripts/pitr"

# Runs a command as the PostgreSQL server user when we are root (PostgreSQL refuses to run as root).
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=postgres --regid=postgres --init-groups -- env HOME=/tmp "$@"; else "$@"; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

build_pitr() {
  if [ ! -f "$root/target/pitr.jar" ] || [ -n "$(find "$root/src" "$root/pom.xml" -newer "$root/target/pitr.jar" -print -quit)" ]; then
    echo "== building pitr"
    (cd "$root" && mvn -B -q -ntp -DskipTests package)
  fi
}

# Starts S3Proxy (a real S3 protocol server) as its own process on loopback; sets S3_PID and S3_ENDPOINT.
start_s3() { # DIR BUCKET
  local dir=$1 bucket=$2 portfile
  portfile=$(mktemp)
  rm -f "$portfile"
  java -cp "$root/target/test-classes:$(cat "$root/target/test-classpath.txt")" dev.pitr.testkit.EmbeddedS3 \
    "$dir" "$bucket" "$portfile" >"$dir.log" 2>&1 &
  S3_PID=$!
  for _ in $(seq 1 100); do [ -s "$portfile" ] && break; sleep 0.2; done
  [ -s "$portfile" ] || { echo "S3 server did not start; see $dir.log" >&2; return 5; }
  S3_ENDPOINT="http://127.0.0.1:$(cat "$portfile")"
  rm -f "$portfile"
}

# initdb + start a throwaway cluster in DIR/data on PORT with extra postgresql.conf lines from stdin.
start_pg() { # DIR PORT
  local dir=$1 port=$2
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  as_pg "$pgbin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
  {
    echo "port = $port"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    cat
  } >>"$dir/data/postgresql.conf"
  as_pg "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

# Switches to a new WAL segment and waits (at most TRIES x 0.2 s) until the archiver has none left to archive.
# No '.ready' left, rather than last_archived_wal compared with the switched segment's name: the archiver takes
# a backup's '.backup' file before the segments ahead of it, so the name it archived last can stay smaller.
wait_archived() { # PORT [TRIES]
  local port=$1 tries=${2:-300}
  psql_at "$port" -At -c "SELECT pg_switch_wal()" >/dev/null
  for _ in $(seq 1 "$tries"); do
    [ "$(psql_at "$port" -At -c "SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready'")" = 0 ] && return 0
    sleep 0.2
  done
  return 1
}

psql_at() { # PORT SQL...
  local port=$1; shift
  "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres "$@"
}

# A bench work directory beside a pgBackRest stanza 'bench' for the cluster that start_pg will create in
# WORK/primary on PORT: installs pgBackRest if missing, creates the repositories and spools (owned by the
# server user) and WORK/pgbackrest.conf (posix repository, zstd, start-fast, process-max=2).
pgbackrest_bench_setup() { # WORK PORT
  local work=$1 port=$2 d
  command -v pgbackrest >/dev/null || "$root/scripts/setup.sh" >/dev/null
  chmod 755 "$work"
  for d in pitr-repo pitr-spool pgbr-repo pgbr-log pgbr-lock pgbr-spool; do mkdir -p "$work/$d"; chown postgres: "$work/$d"; done
  cat >"$work/pgbackrest.conf" <<CONF
[global]
repo1-path=$work/pgbr-repo
compress-type=zst
start-fast=y
log-level-console=warn
log-level-file=off
lock-path=$work/pgbr-lock
spool-path=$work/pgbr-spool
process-max=2
[bench]
pg1-path=$work/primary/data
pg1-port=$port
pg1-socket-path=$work/primary
CONF
  chmod 644 "$work/pgbackrest.conf"
}
pgbr() { as_pg pgbackrest --config="$work/pgbackrest.conf" --stanza=bench "$@"; } # after pgbackrest_bench_setup

# Waits (at most 300 s) until the server on PORT stopped at its recovery target: paused there, or (pitr, when a
# replayed lock would block a table of the paused copy) recovery ended there.
paused() { # PORT
  local state
  for _ in $(seq 1 3000); do
    state=$(psql_at "$1" -At -c "SELECT CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() ELSE 'ended' END" 2>/dev/null || true)
    [ "$state" = paused ] || [ "$state" = ended ] && return 0; sleep 0.1
  done; return 1
}
