#!/usr/bin/env bash
# A prompt over the server's context size: the run fails with a node error that names the step
# and the model's context limit, quickly (no futile retries of a 400), and awc exits non-zero.
#   context_error_test.sh AWC
set -euo pipefail
AWC=$1
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}
RS_CTX=4096 RS_SLOTS=2 rs_start_server ctx "$MODEL_TINY"   # 2 slots of 2048 tokens
limit=2048

# About 6,000 tokens of text.
text=$(printf 'the order is on its way and will arrive %.0s' $(seq 700))
set +e
timeout 120 "$AWC" run "$RS_REPO/tests/real_server/flows/too_long.flow" --backend openai \
  --endpoint "$RS_ENDPOINT" --no-cache -q --input "text=$text" --metrics "$RS_WORK/metrics.json" \
  >"$RS_WORK/result.json" 2>"$RS_WORK/stderr"
status=$?
set -e
[ "$status" != 0 ] || rs_fail "a prompt over the context size succeeded"
[ "$status" != 124 ] || rs_fail "awc run hung on a prompt over the context size"
error=$(jq -r '.error // empty' "$RS_WORK/result.json")
node_error=$(jq -r '.nodes[] | select(.["node.id"] == "digest") | .["node.error"] // empty' "$RS_WORK/metrics.json")
echo "run error:  $error"
echo "node error: $node_error"
[ -n "$node_error" ] || rs_fail "no node error on 'digest'"
grep -q "digest" <<<"$error" || rs_fail "the run error does not name the step 'digest'"
grep -Eq "context|$limit" <<<"$node_error" || rs_fail "the node error does not say it is about the context"
grep -q "$limit" <<<"$error$node_error" || rs_fail "the error does not name the model's limit ($limit tokens)"
retries=$(jq '.["run.retries"]' "$RS_WORK/metrics.json")
[ "$retries" = 0 ] || rs_fail "a prompt over the context was retried $retries times (it cannot succeed)"
echo "ok context error"
