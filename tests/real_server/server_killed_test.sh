#!/usr/bin/env bash
# The server dies mid-run: `first` has finished, the stubbed tool is running, then `second`
# cannot reach the model. The runtime retries, then fails with a clear error naming `second`;
# `first`'s result is kept — in the metrics (finished, no error) and in the result cache, so a
# rerun against a restarted server serves `first` from the cache and completes.
#   server_killed_test.sh AWC
set -euo pipefail
AWC=$1
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}
flow="$RS_REPO/tests/real_server/flows/killed.flow"
echo '"stubbed slow work"' >"$RS_WORK/wait.json"
cache="$RS_WORK/cache.sqlite"
run_flow() {
  timeout 180 "$AWC" run "$flow" -O2 --backend openai --endpoint "$RS_ENDPOINT" -q \
    --cache "$cache" --input topic=parcels --tool-stub "wait_a_bit=$RS_WORK/wait.json" \
    --tool-stub-latency "$1" --metrics "$RS_WORK/$2.metrics.json" >"$RS_WORK/$2.result.json" 2>"$RS_WORK/$2.stderr"
}

rs_start_server first "$MODEL_TINY"
set +e
run_flow 5000 killed &
run_pid=$!
RS_PIDS+=("$run_pid")
# Kill the server as soon as it has finished `first` (it logs the timings of every finished task),
# while the 5 s tool runs.
for _ in $(seq 1200); do
  grep -q 'print_timing' "$RS_WORK/first.server.log" && break
  sleep 0.05
done
kill -9 "$RS_PID"
wait "$run_pid"
status=$?
set -e
echo "run error: $(jq -r '.error // empty' "$RS_WORK/killed.result.json")"
jq -r '.nodes[] | "  \(.["node.id"]) \(.["node.kind"]): end \(.["node.end_ms"]), retries \(.["node.retries"]), error \(.["node.error"])"' \
  "$RS_WORK/killed.metrics.json"
[ "$status" != 0 ] || rs_fail "the run succeeded although the server was killed"
[ "$status" != 124 ] || rs_fail "the run hung after the server was killed"
jq -e '.error | test("second")' "$RS_WORK/killed.result.json" >/dev/null ||
  rs_fail "the run error does not name the step 'second'"
jq -e '.nodes[] | select(.["node.id"] == "first") | .["node.error"] == null and .["node.end_ms"] != null' \
  "$RS_WORK/killed.metrics.json" >/dev/null || rs_fail "'first' did not finish before the kill"
retries=$(jq '[.nodes[] | select(.["node.id"] == "second") | .["node.retries"]] | add // 0' "$RS_WORK/killed.metrics.json")
[ "$retries" -ge 1 ] || rs_fail "'second' was not retried before giving up"

# Finished work is kept: a restarted server, the same cache, and `first` is a cache hit.
rs_start_server restarted "$MODEL_TINY"
run_flow 0 rerun || rs_fail "the rerun failed: $(cat "$RS_WORK/rerun.result.json")"
jq -e '.nodes[] | select(.["node.id"] == "first") | .["node.cache_hit"] == true' "$RS_WORK/rerun.metrics.json" >/dev/null ||
  rs_fail "the rerun did not reuse 'first' from the result cache"
echo "ok server killed: $retries retries on 'second', then a clear error; 'first' reused on rerun"
