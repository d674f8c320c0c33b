#!/usr/bin/env bash
# The server's own prefix cache, seen through the runtime (each run on a fresh server, so no run
# inherits another's cache; result cache off):
#  - flows/hoist.flow (two steps sharing a static instruction written after the dynamic text):
#    at -O2 the later step reports cached_tokens > 0 from the server, covering the hoisted
#    prefix, and the run reports more cached tokens than the same flow at -O0;
#  - examples/rag_answer.flow at -O2: a step that starts after another finished is served from
#    the cache too (printed with -O0 for comparison; see docs/real-server.md on slots).
#   prefix_cache_test.sh AWC
set -euo pipefail
AWC=$1
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}
fixtures="$RS_REPO/examples/fixtures"

# run_level NAME FLOW LEVEL [awc args...]: one run on a fresh server; prints the model nodes.
run_level() {
  local name=$1 flow=$2 level=$3
  shift 3
  rs_start_server "$name.O$level" "$MODEL_TINY"
  timeout 300 "$AWC" run "$flow" -O"$level" --backend openai --endpoint "$RS_ENDPOINT" --no-cache -q \
    --metrics "$RS_WORK/$name.O$level.metrics.json" "$@" >"$RS_WORK/$name.O$level.result.json" ||
    rs_fail "$name -O$level failed: $(cat "$RS_WORK/$name.O$level.result.json")"
  rs_stop_server
  jq -r --arg t "$name -O$level" '.nodes[] | select(.["node.kind"] == "llm") |
    "\($t) \(.["node.id"]): start \(.["node.start_ms"] | floor) ms, end \(.["node.end_ms"] | floor) ms, \(.["gen_ai.usage.input_tokens"]) prompt, \(.["gen_ai.usage.cache_read.input_tokens"]) cached"' \
    "$RS_WORK/$name.O$level.metrics.json"
}
cached() { jq '.["run.cached_tokens"]' "$RS_WORK/$1.metrics.json"; }
# Model steps that started after another model step ended and were served from the cache.
later_hits() {
  jq -r '[.nodes[] | select(.["node.kind"] == "llm")] as $llm | $llm[] |
    select(.["gen_ai.usage.cache_read.input_tokens"] > $min) |
    select(. as $n | any($llm[]; .["node.end_ms"] <= $n["node.start_ms"])) | .["node.id"]' \
    --argjson min "${2:-0}" "$RS_WORK/$1.metrics.json"
}

msg="message=Hi, I am Dana. My parcel was due on Monday and the tracking page still says it is in the depot. Can it come on Saturday?"
run_level hoist "$RS_REPO/tests/real_server/flows/hoist.flow" 0 --input "$msg"
run_level hoist "$RS_REPO/tests/real_server/flows/hoist.flow" 2 --input "$msg"
# The hoisted instruction is about 250 tokens: the later step must reuse at least 200 of them.
hits=$(later_hits hoist.O2 200)
[ "$hits" = polished ] || rs_fail "hoist -O2: 'polished' did not reuse the hoisted prefix from the server's cache"
[ "$(cached hoist.O2)" -gt "$(cached hoist.O0)" ] ||
  rs_fail "hoist: -O2 cached $(cached hoist.O2) tokens, not more than -O0's $(cached hoist.O0)"

for level in 0 2; do
  run_level rag "$RS_REPO/examples/rag_answer.flow" "$level" \
    --inputs "$fixtures/rag_answer.inputs.json" --tool-stubs "$fixtures/rag_answer.stubs.json"
done
[ -n "$(later_hits rag.O2 1000)" ] || rs_fail "rag_answer -O2: no later step reused the shared system prompt"
echo "ok prefix cache: hoist.flow cached -O0 $(cached hoist.O0) / -O2 $(cached hoist.O2) tokens;" \
  "rag_answer -O0 $(cached rag.O0) / -O2 $(cached rag.O2)"
