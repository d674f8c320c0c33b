#!/usr/bin/env bash
# The runtime half of `make demo`: run a flow on the simulator at -O0 (as written, one step at a
# time), -O1 (the dependency DAG in parallel, nothing rewritten), -O2 (every pass) and, when the
# flow's models list cheaper alternatives, -O2 with right-sizing opted in
# (-frightsize=classify,extract: a team's consent to move classify/extract steps down), print the
# answer and the measured wall time, model calls, cached prompt tokens and cost of each level.
# Each level gets a fresh simulator so none inherits another's prefix cache; the result cache
# is off so every level really runs. Tools are stubbed (`awc run --tool-stubs`): their hosts do
# not exist here.
#
#   bash scripts/demo_run.sh BUILD [FLOW]
#
# FLOW defaults to the first-version support-reply drafter. Its inputs, stubs and simulator
# fixtures are found beside it (bench/flows/first-version: <name>.inputs.json, <name>.stubs.json,
# sim_fixtures.json) or, for examples/, in examples/fixtures.
set -euo pipefail
build=${1:-build}
flow=${2:-bench/flows/first-version/support_reply.flow}
awc="$build/awc"
name=$(basename "$flow" .flow)
dir=$(dirname "$flow")
if [[ -f "$dir/$name.inputs.json" ]]; then
  inputs="$dir/$name.inputs.json" stubs="$dir/$name.stubs.json" fixtures="$dir/sim_fixtures.json"
else
  inputs="$dir/fixtures/$name.inputs.json" stubs="$dir/fixtures/$name.stubs.json"
  fixtures="$dir/fixtures/sim_fixtures.json"
fi
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
  "$awc" sim --port 0 --speed "$speed" --fixtures "$fixtures" \
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
  local level=$1 opt=-O${1%r} label=-O$1 flags=()
  if [[ $level == *r ]]; then
    flags=(-frightsize=classify,extract)
    label="-O2 +rightsize"
  fi
  start_sim "O$level"
  echo
  echo "== awc run $flow $opt ${flags[*]} --backend sim (simulator speed x$speed)"
  "$awc" run "$flow" "$opt" "${flags[@]}" --backend sim --endpoint "$endpoint" --no-cache \
    --inputs "$inputs" --tool-stubs "$stubs" --tool-stub-latency "$tool_ms" \
    --metrics "$work/metrics.O$level.json" --trace "$build/$name.O$level.trace.json" \
    >"$work/result.O$level.json"
  stop_sim
  echo "answer ($label):"
  # The "output" member: its first line, then (a record or a list) up to its closing line.
  awk '/^  "output": /{sub(/^  "output": /, ""); print; if (!/[{[]$/) exit; on=1; next}
       on{print; if (/^  [}\]]/) exit}' "$work/result.O$level.json" | cut -c1-200
}

# One figure of a metrics file: metric KEY FILE.
metric() { sed -n "s/^ *\"run\\.$1\": \\([0-9.eE+-]*\\).*/\\1/p" "$2" | head -1; }

levels=(0 1 2)
# Right-sizing needs the author's consent: only when a model of the flow lists `cheaper:`.
if grep -q 'cheaper:' "$flow"; then levels+=(2r); fi
for level in "${levels[@]}"; do run_level "$level"; done
echo
printf '%-15s %10s %12s %14s %12s\n' level "wall ms" "model calls" "cached tokens" "cost USD"
for level in "${levels[@]}"; do
  m="$work/metrics.O$level.json"
  label=-O$level
  [[ $level == 2r ]] && label="-O2 +rightsize"
  printf '%-15s %10.0f %12s %14s %12.6f\n' "$label" "$(metric wall_ms "$m")" \
    "$(metric model_calls "$m")" "$(metric cached_tokens "$m")" "$(metric cost_usd "$m")"
done
awk -v a="$(metric wall_ms "$work/metrics.O0.json")" -v b="$(metric wall_ms "$work/metrics.O1.json")" \
  -v c="$(metric wall_ms "$work/metrics.O2.json")" -v ca="$(metric cost_usd "$work/metrics.O0.json")" \
  -v cc="$(metric cost_usd "$work/metrics.O2.json")" -v s="$speed" 'BEGIN {
  printf "measured speed-up: -O2 vs -O0 %.2fx, -O2 vs -O1 %.2fx; cost -O2/-O0 %.2fx", a / c, b / c, cc / ca
  printf " (one run each, simulator at x%d; `make bench` gives medians)\n", s
}'
if [[ -f "$work/metrics.O2r.json" ]]; then
  awk -v a="$(metric wall_ms "$work/metrics.O0.json")" -v c="$(metric wall_ms "$work/metrics.O2r.json")" \
    -v ca="$(metric cost_usd "$work/metrics.O0.json")" -v cc="$(metric cost_usd "$work/metrics.O2r.json")" 'BEGIN {
    printf "with right-sizing opted in: -O2 +rightsize vs -O0 %.2fx, cost %.2fx of -O0\n", a / c, cc / ca
    printf "(the moved steps answer on a cheaper model; this run does not check that their answers stay the same)\n"
  }'
fi
echo "traces: $build/$name.O0.trace.json, $build/$name.O1.trace.json, $build/$name.O2.trace.json (ui.perfetto.dev)"
