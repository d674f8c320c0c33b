#!/usr/bin/env bash
# Streaming through the runtime against llama-server: every model node's answer arrives as a
# stream whose first token comes before its end (the runtime measures TTFT client-side), and the
# server's own SSE framing is checked directly once (role delta, content deltas, usage chunk, [DONE]).
#   streaming_test.sh AWC
set -euo pipefail
AWC=$1
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}
rs_start_server stream "$MODEL_TINY"

# 1. The wire: a raw streamed request.
curl -sN -m 60 "$RS_ENDPOINT/chat/completions" -H 'Content-Type: application/json' \
  -d '{"model":"m","messages":[{"role":"user","content":"Say something."}],"max_tokens":16,
       "temperature":0,"stream":true,"stream_options":{"include_usage":true}}' >"$RS_WORK/raw.sse"
grep -q '^data: \[DONE\]' "$RS_WORK/raw.sse" || rs_fail "no [DONE] in the SSE stream"
chunks=$(grep -c '"delta":{"content"' "$RS_WORK/raw.sse" || true)
[ "$chunks" -ge 2 ] || rs_fail "expected several content deltas, got $chunks"
grep '^data: {' "$RS_WORK/raw.sse" | sed 's/^data: //' | jq -e -s 'map(select(.usage != null)) | length >= 1' >/dev/null ||
  rs_fail "no usage chunk with stream_options.include_usage"

# 2. Through the runtime: customer_support at -O2 (two model steps, one of them free text).
flow="$RS_REPO/examples/customer_support.flow"
fixtures="$RS_REPO/examples/fixtures"
timeout 300 "$AWC" run "$flow" -O2 --backend openai --endpoint "$RS_ENDPOINT" --no-cache -q \
  --inputs "$fixtures/customer_support.inputs.json" --tool-stubs "$fixtures/customer_support.stubs.json" \
  --metrics "$RS_WORK/metrics.json" >"$RS_WORK/result.json" || rs_fail "awc run failed: $(cat "$RS_WORK/result.json")"
jq -r '.nodes[] | select(.["node.kind"] == "llm") |
  "\(.["node.id"]): ttft \(.["node.ttft_ms"]) ms, duration \(.["node.duration_ms"]) ms, \(.["gen_ai.usage.output_tokens"]) tokens, \(.["node.tokens_per_s"] | floor) tok/s"' \
  "$RS_WORK/metrics.json"
jq -e '[.nodes[] | select(.["node.kind"] == "llm")] | length >= 1' "$RS_WORK/metrics.json" >/dev/null ||
  rs_fail "no model nodes ran"
bad=$(jq -r '.nodes[] | select(.["node.kind"] == "llm") |
  select(.["node.ttft_ms"] == null or .["node.ttft_ms"] <= 0 or .["node.first_token_ms"] > .["node.end_ms"]) | .["node.id"]' \
  "$RS_WORK/metrics.json")
[ -z "$bad" ] || rs_fail "no client-side TTFT measured for: $bad"
# A streamed answer of several tokens has its first token strictly before its end.
streamed=$(jq '[.nodes[] | select(.["node.kind"] == "llm" and .["gen_ai.usage.output_tokens"] >= 5
                 and .["node.first_token_ms"] < .["node.end_ms"])] | length' "$RS_WORK/metrics.json")
[ "$streamed" -ge 1 ] || rs_fail "no multi-token answer arrived incrementally"
echo "ok streaming: $chunks SSE content deltas; runtime TTFT measured on every model node"
