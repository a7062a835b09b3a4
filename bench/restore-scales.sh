#!/usr/bin/env bash
# Backup and restore to a time target, pitr vs pgBackRest, at several pgbench scales in one run (the fair
# benchmark: archive drained before each backup, order alternated for backups and restores, the same
# parallelism, each step's time for both tools). Every row, with its scale, goes into
# bench/results/latest.json under "restore_scales".
# Usage: bench/restore-scales.sh [SCALE ...]     (default: 5 50 200; bench/run.sh keeps scale 5)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(5 50 200)
rows=()
for s in "${scales[@]}"; do
  echo "=== scale $s"
  out=$(mktemp /tmp/pitr-bench-scale.XXXXXX)
  "$here/restore-vs-pgbackrest.sh" "$s" 20 2>&1 | tee "$out" | grep -v '^BENCH_JSON \|^pitr: \|WARN\|HINT'
  rows+=("$(grep '^BENCH_JSON restore ' "$out" | sed 's/^BENCH_JSON restore //')")
  rm -f "$out"
done
mkdir -p "$here/results"
python3 - "$here/results/latest.json" "${rows[@]}" <<'PY'
import datetime, json, os, sys
path, rows = sys.argv[1], [json.loads(r) for r in sys.argv[2:]]
doc = json.load(open(path)) if os.path.exists(path) else {}
doc["restore_scales"] = rows
doc["restore_scales_date"] = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
tmp = path + ".tmp"
with open(tmp, "w") as f:
    json.dump(doc, f)
os.replace(tmp, path)
for r in rows:
    print(f"scale {r['scale']:>4}: backup {r['backup_ratio']}x, restore {r['restore_ratio']}x pgBackRest;"
          f" pitr FETCH_BACKUP {r['pitr_steps'].get('fetch_backup_ms')} ms, REPLAY {r['pitr_steps'].get('replay_ms')} ms;"
          f" pgBackRest files {r['pgbackrest_steps']['restore_files_ms']} ms, replay {r['pgbackrest_steps']['replay_ms']} ms")
PY
