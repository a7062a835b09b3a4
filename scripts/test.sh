#!/usr/bin/env bash
# The test command: installs what is missing, then builds and runs every test (unit, contract, and the
# integration tests against real PostgreSQL 15 clusters and an in-process S3 server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec mvn -B -ntp verify "$@"
