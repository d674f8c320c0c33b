#!/usr/bin/env bash
# Every example flow, end to end at -O0 and -O2, against a real llama-server through the runtime's
# real `openai` backend: the run succeeds, no node errs, and the typed output is
# valid against the plan's output schema (checked by valijson, independently of the runtime).
#   examples_test.sh AWC SCHEMA_CHECK [FLOW...]
set -euo pipefail
AWC=$1 SCHEMA_CHECK=$2
shift 2
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}

flows=("$@")
[ ${#flows[@]} -gt 0 ] || flows=("$RS_REPO"/examples/*.flow)
rs_start_server examples "$MODEL_TINY"

failures=0
for flow in "${flows[@]}"; do
  name=$(basename "$flow" .flow)
  fixtures="$RS_REPO/examples/fixtures"
  for level in 0 2; do
    tag="$name -O$level"
    out="$RS_WORK/$name.O$level"
    rs_awc build "$flow" -O"$level" -o "$out.plan.json"
    args=(run "$out.plan.json" --backend openai --endpoint "$RS_ENDPOINT" --no-cache -q
          --metrics "$out.metrics.json")
    [ -f "$fixtures/$name.inputs.json" ] && args+=(--inputs "$fixtures/$name.inputs.json")
    [ -f "$fixtures/$name.stubs.json" ] && args+=(--tool-stubs "$fixtures/$name.stubs.json")
    if ! timeout 300 "$AWC" "${args[@]}" >"$out.result.json" 2>"$out.stderr"; then
      echo "FAIL $tag: awc run failed:"; cat "$out.stderr"; head -c 2000 "$out.result.json"; echo
      failures=$((failures + 1)); continue
    fi
    problems=$(jq -r '
      [ (if .["run.error"] != null then "run error: \(.["run.error"])" else empty end),
        (if .["run.model_calls"] < 1 then "no model calls" else empty end),
        (.nodes[] | select(.["node.error"] != null) | "node \(.["node.id"]): \(.["node.error"])") ] | .[]' \
      "$out.metrics.json")
    if [ -n "$problems" ]; then
      echo "FAIL $tag:"; echo "$problems"; failures=$((failures + 1)); continue
    fi
    if ! "$SCHEMA_CHECK" "$out.plan.json" "$out.result.json"; then
      echo "FAIL $tag: output does not match the plan's output schema"; jq -c .output "$out.result.json"
      failures=$((failures + 1)); continue
    fi
    jq -r --arg tag "$tag" '"ok   \($tag): \(.["run.model_calls"]) calls (\([.nodes[] | select(.["gen_ai.response.finish_reasons"] // [] | index("length"))] | length) cut at max_tokens), \(.["run.prompt_tokens"]) prompt / \(.["run.cached_tokens"]) cached / \(.["run.output_tokens"]) output tokens, \(.["run.wall_ms"] | floor) ms"' "$out.metrics.json"
  done
done
[ "$failures" = 0 ] || rs_fail "$failures example run(s) failed (llama-server log: $RS_WORK/examples.server.log)"
