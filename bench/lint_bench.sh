#!/usr/bin/env bash
# Lint benchmark (docs/benchmarks.md, "Lint"): copies the examples/ flows into a temp dir
# until there are N files (default 1000) and times `awc lint` over the directory, end to end.
# Usage: bench/lint_bench.sh [BUILD_DIR] [N]   (run by `make bench` via scripts/bench.sh)
set -euo pipefail
awc=${1:-build}/awc
n=${2:-1000}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
examples=("$root"/examples/*.flow)
for ((i = 0; i < n; i++)); do
  src=${examples[$((i % ${#examples[@]}))]}
  cp "$src" "$tmp/f$(printf %04d "$i")_$(basename "$src")"
done
bytes=$(cat "$tmp"/*.flow | wc -c)
# Wall time depends on what else the machine runs; CPU time (user + sys) is the lint's own cost.
TIMEFORMAT='%R %U %S'
for jobs in 1 0; do
  t=$( { time "$awc" lint --no-config --format json -j "$jobs" "$tmp" >"$tmp/out.json" || true; } 2>&1 )
  read -r wall user sys <<<"$t"
  findings=$(python3 -c "import json;print(len(json.load(open('$tmp/out.json'))['findings']))")
  label=$([ "$jobs" = 0 ] && echo "all CPUs" || echo "1 thread")
  printf 'lint %d flows (%d KB), %s: wall %.2f s, cpu %.2f s (user %.2f + sys %.2f), %d findings, load %s\n' \
    "$n" $((bytes / 1024)) "$label" "$wall" "$(echo "$user + $sys" | bc)" "$user" "$sys" "$findings" \
    "$(cut -d' ' -f1 /proc/loadavg)"
done
