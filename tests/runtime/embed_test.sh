#!/usr/bin/env bash
# Embedding test: install awc into a prefix inside the build tree, build examples/embed against
# it with find_package(awc), and run the host app (100 concurrent runs, one cancelled) against a
# real `awc sim` process.
set -euo pipefail
src=$1
build=$2
prefix="$build/embed-prefix"
work="$build/embed-test"
rm -rf "$prefix" "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
cmake -S "$src/examples/embed" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log"
"$build/awc" build "$src/examples/ticket_triage.flow" -o "$work/plan.json" 2>/dev/null

"$build/awc" sim --port 0 --speed 50 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; wait $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break
  sleep 0.05
done
endpoint="$(sed -n 's/^listening on //p' "$work/sim.out")/v1"
"$work/build/embed_host" "$work/plan.json" "$endpoint" \
  "$src/examples/fixtures/ticket_triage.inputs.json"
