#!/usr/bin/env bash
# The runtime half of `make demo`: run examples/customer_support.flow on the simulator at -O0
# (as written, one step at a time) and at -O2 (parallel, hoisted prefixes, right-sized output),
# print the answer, the per-node tables and the measured speed-up. Each level gets a fresh
# simulator so neither inherits the other's prefix cache; the result cache is off so both
# really run. The order-status HTTP tool points at a host that does not exist here, so it is
# stubbed from examples/fixtures (a testing aid: `awc run --tool-stubs`).
set -euo pipefail
build=${1:-build}
awc="$build/awc"
flow=examples/customer_support.flow
fixtures=examples/fixtures
speed=${AWC_DEMO_SPEED:-4}
tool_ms=$((150 / speed)) # the compiler's 150 ms tool estimate, at the simulator's speed
work=$(mktemp -d)
sim_pid=""

stop_sim() {
  if [[ -n "$sim_pid" ]]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
    sim_pid=""
  fi
}
cleanup() {
  stop_sim
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_sim() {
  local out="$work/sim.$1.out"
  "$awc" sim --port 0 --speed "$speed" --fixtures "$fixtures/sim_fixtures.json" \
    --log "$work/requests.$1.jsonl" >"$out" 2>"$work/sim.$1.err" &
  sim_pid=$!
  for _ in $(seq 100); do
    if grep -q '^listening on ' "$out" 2>/dev/null; then
      endpoint="$(sed -n 's/^listening on //p' "$out" | head -1)/v1"
      return 0
    fi
    sleep 0.05
  done
  echo "awc sim did not start" >&2
  cat "$work/sim.$1.err" >&2
  exit 1
}

run_level() {
  local level=$1
  start_sim "O$level"
  echo
  echo "== awc run $flow -O$level --backend sim (simulator speed x$speed)"
  "$awc" run "$flow" -O"$level" --backend sim --endpoint "$endpoint" --no-cache \
    --inputs "$fixtures/customer_support.inputs.json" \
    --tool-stubs "$fixtures/customer_support.stubs.json" --tool-stub-latency "$tool_ms" \
    --metrics "$work/metrics.O$level.json" --trace "$build/customer_support.O$level.trace.json" \
    >"$work/result.O$level.json"
  stop_sim
  echo "answer (-O$level):"
  sed -n 's/^  "output": //p' "$work/result.O$level.json"
}

wall() { sed -n 's/^ *"run.wall_ms": \([0-9.eE+-]*\).*/\1/p' "$1" | head -1; }

run_level 0
run_level 2
w0=$(wall "$work/metrics.O0.json")
w2=$(wall "$work/metrics.O2.json")
echo
awk -v a="$w0" -v b="$w2" -v s="$speed" 'BEGIN {
  printf "measured wall time: -O0 %.0f ms, -O2 %.0f ms -> speed-up %.2fx", a, b, a / b
  printf " (simulator at x%d: real-model times would be about %.1f s and %.1f s)\n", s, a * s / 1000, b * s / 1000
}'
echo "traces: $build/customer_support.O0.trace.json, $build/customer_support.O2.trace.json (ui.perfetto.dev)"
