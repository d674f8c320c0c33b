#!/usr/bin/env bash
# The main job: take a workflow as a team first writes it (bench/flows/first-version/
# support_reply.flow: one large model everywhere, small questions asked one call at a time,
# arithmetic asked of the model, no length limits), show what the compiler says and does about
# it — its warnings, the estimated latency and cost at -O0/-O1/-O2, each pass's changes and the
# DAG — then run it on `awc sim` at each level and print the measured speed-up and cost.
#
#   bash scripts/demo.sh BUILD [FLOW]      # any flow of bench/flows/first-version or examples/
set -euo pipefail
build=${1:-build}
flow=${2:-bench/flows/first-version/support_reply.flow}
awc="$build/awc"
name=$(basename "$flow" .flow)

echo "== awc check $flow   (the advice a first version gets)"
"$awc" check "$flow" --color never 2>&1 | grep -E '^[^ ].*(warning|error)\[' || true
echo
echo "== awc build $flow -O2"
"$awc" build "$flow" -w -o "$build/$name.plan.json"
echo "wrote $build/$name.plan.json ($(wc -c <"$build/$name.plan.json") bytes)"
echo
echo "== awc explain $flow"
"$awc" explain "$flow"
echo
echo "== awc graph $flow --format mermaid"
"$awc" graph "$flow" --format mermaid

bash scripts/demo_run.sh "$build" "$flow"
