#!/usr/bin/env bash
# Runs the compile-scaling benchmark for 1k, 10k and 100k steps (one process per size)
# and prints one JSON object per size, then the ratios the targets are stated in.
set -euo pipefail
build=${1:-build}
runs=${RUNS:-5}
out=$(mktemp)
for n in 1000 10000 100000; do
  r=$runs; [ "$n" -ge 100000 ] && r=3
  "$build/bench/compile_scaling" "$n" "$r" | tee -a "$out"
done
awk -F'[:,}]' '
  { for (i = 1; i < NF; i++) { gsub(/[ "{]/, "", $i); k[$i] = $(i + 1) }
    steps = k["steps"] + 0; total[steps] = k["total_ms_median"] + 0; parse[steps] = k["parse_ms_median"] + 0 }
  END {
    printf "10k total %.1f ms (target <= 300); 100k/10k = %.2f (target <= 12); 10k total/parse = %.2f (target <= 2)\n",
      total[10000], total[100000] / total[10000], total[10000] / parse[10000]
  }' "$out"
rm -f "$out"
# Wide: independent model steps on one model at -O2 (fuse's worst case before its bound).
for n in 1000 10000; do
  "$build/bench/compile_scaling" "$n" 3 independent
done
