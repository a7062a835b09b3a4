#!/usr/bin/env bash
# Inventory at scale (issue: 100,000 WAL objects analysed in under 5 s against the in-process S3 server).
# Usage: bench/inventory.sh [N]
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
export AWS_ACCESS_KEY_ID=pitr-test-access AWS_SECRET_ACCESS_KEY=pitr-test-secret-DO-NOT-PRINT
java -cp "$root/target/test-classes:$root/target/classes:$(cat "$root/target/test-classpath.txt")" \
  dev.pitr.bench.InventoryBench "${1:-100000}"
