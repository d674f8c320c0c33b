#!/usr/bin/env bash
# The main job: compile the customer-support example and show what the compiler did —
# the estimated latency at -O0/-O1/-O2, the passes, and the DAG; then run it on `awc sim` at -O0
# and -O2 and print the measured speed-up.
set -euo pipefail
build=${1:-build}
awc="$build/awc"
flow=examples/customer_support.flow

echo "== awc build $flow -O2"
"$awc" build "$flow" -o "$build/customer_support.plan.json"
echo "wrote $build/customer_support.plan.json ($(wc -c < "$build/customer_support.plan.json") bytes)"
echo
echo "== awc explain $flow"
"$awc" explain "$flow"
echo
echo "== awc graph $flow --format mermaid"
"$awc" graph "$flow" --format mermaid

bash scripts/demo_run.sh "$build"
