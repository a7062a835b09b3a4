#!/usr/bin/env bash
# The lifecycle torture test (src/test/java/dev/pitr/it/TortureIT.java) with a seed of your choice, for longer
# than the suite runs it: random backups, expiry, write bursts, repository outages, kill -9 of wal push and
# restores to random targets against a real PostgreSQL 15, with the invariants checked after every step.
# A failing seed replays the same sequence of operations: add it to the suite.
# Usage: bench/torture.sh [SEED] [MINUTES]     (defaults: a random seed, 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-$RANDOM$RANDOM}
minutes=${2:-10}
echo "torture: seed $seed for $minutes minute(s)"
scripts/setup.sh >/dev/null
exec mvn -B -ntp -q verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.skip=true \
  -Dit.test=TortureIT -Dtorture.seed="$seed" -Dtorture.minutes="$minutes" -Dtorture.steps=1
