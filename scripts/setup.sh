#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks to build, test and run pitr: a JDK 17, Maven, PostgreSQL 15,
# util-linux's setpriv (server binaries run as 'postgres' when we are root), the peers pitr is measured against
# and reads the repositories of (pgBackRest, Barman's cloud tools), and, for the tests, the npm package s3rver
# (a second S3 implementation). Idempotent: installs only what is missing.
set -euo pipefail
need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
[ -x /usr/lib/postgresql/15/bin/initdb ] || need+=(postgresql-15)
command -v setpriv >/dev/null 2>&1 || need+=(util-linux)
command -v zstd >/dev/null 2>&1 || need+=(zstd)
command -v help2man >/dev/null 2>&1 || need+=(help2man) # the man pages, made at build time from --help
command -v pgbackrest >/dev/null 2>&1 || need+=(pgbackrest)
command -v barman-cloud-backup >/dev/null 2>&1 || need+=(barman-cli-cloud)
if ((${#need[@]})); then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  echo "setup: installing ${need[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}"
fi
# the tests' second, independent S3 implementation: the npm package s3rver, kept beside the project
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$root/.cache/s3rver/node_modules/s3rver" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    echo "setup: installing nodejs npm"
    $sudo apt-get update -q
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends nodejs npm
  fi
  echo "setup: installing s3rver (npm) into .cache/s3rver"
  npm install --prefix "$root/.cache/s3rver" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >/dev/null
fi
id postgres >/dev/null 2>&1 || { echo "setup: the 'postgres' OS user is missing (it comes with postgresql-15)" >&2; exit 2; }
echo "setup: ok ($(/usr/lib/postgresql/15/bin/postgres --version), $(java -version 2>&1 | head -1))"
