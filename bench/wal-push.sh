#!/usr/bin/env bash
# Per-call cost of 'pitr wal push' (what archive_command pays per 16 MB segment), against anchors measured
# in the same run: a bare JVM start, and zstd + cp of the same segment (the native cost of the work itself).
# Usage: bench/wal-push.sh [N]   (default 20 segments per mode)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
build_pitr
n=${1:-20}
work=$(mktemp -d /tmp/pitr-bench.XXXXXX)
S3_PID=""
trap '[ -n "$S3_PID" ] && kill $S3_PID 2>/dev/null; rm -rf "$work"' EXIT
start_s3 "$work/s3" bench
export AWS_ACCESS_KEY_ID=pitr-test-access AWS_SECRET_ACCESS_KEY=pitr-test-secret-DO-NOT-PRINT
mkdir -p "$work/segs" "$work/filerepo"
python3 - "$work/segs" "$n" <<'PY'
import os, struct, sys
d, n = sys.argv[1], int(sys.argv[2])
size = 16 * 1024 * 1024
for i in range(1, n + 1):
    seg = bytearray(os.urandom(size // 4)) + bytearray(size - size // 4)  # a quarter incompressible, like busy WAL
    struct.pack_into('<HHIQ', seg, 0, 0xD110, 2, 1, i * size)
    struct.pack_into('<QII', seg, 24, 7300000000000000001, size, 8192)
    open(os.path.join(d, '%08X%08X%08X' % (1, 0, i)), 'wb').write(seg)
PY
now() { date +%s%N; }
per_call() { # label, then a command run once per segment with {} replaced by the segment path
  local label=$1; shift
  local start end
  start=$(now)
  for f in "$work"/segs/*; do "${@//\{\}/$f}" >/dev/null 2>&1; done
  end=$(now)
  echo $(( (end - start) / n / 1000000 ))
}
jvm=$(per_call jvm java -Xshare:auto -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -version)
native=$(per_call native sh -c 'zstd -q -3 -c {} > {}.zst && cp {}.zst /dev/null && rm {}.zst')
file=$(per_call file "$pitr" --repo "file://$work/filerepo" wal push {})
s3=$(per_call s3 env PITR_S3_ENDPOINT="$S3_ENDPOINT" "$pitr" --repo s3://bench/r wal push {})
s3again=$(per_call s3-repush env PITR_S3_ENDPOINT="$S3_ENDPOINT" "$pitr" --repo s3://bench/r wal push {})
printf '%-34s %8s %10s\n' "per-call wall time ($n segments)" "ms" "vs zstd+cp"
for row in "bare JVM start:$jvm" "zstd -3 + cp (anchor):$native" "pitr wal push, file repo:$file" \
           "pitr wal push, S3 (S3Proxy):$s3" "pitr wal push, S3 re-push:$s3again"; do
  ms=${row##*:}
  printf '%-34s %8s %9sx\n' "${row%%:*}" "$ms" "$(awk -v a="$ms" -v b="$native" 'BEGIN{printf "%.1f", a/(b>0?b:1)}')"
done
echo "BENCH_JSON wal_push {\"segments\":$n,\"jvm_start_ms\":$jvm,\"zstd_cp_ms\":$native,\"pitr_file_ms\":$file,\"pitr_s3_ms\":$s3,\"pitr_s3_repush_ms\":$s3again}"
