#!/usr/bin/env bash
# `awc tune` against two real llama-servers: bench.gguf serves the flow's large model, tiny.gguf
# its `cheaper:` small one, each on its own port (flows/tune.flow; no --endpoint, so tune routes
# every call by its model's own endpoint). The answers of random-weight models say nothing about
# quality, so agreement is printed, never asserted; what is asserted is that the pipeline is
# real: tune exits 0, the profile parses (explain --profile prints its front) and holds measured
# figures for both models, the small model's candidates were measured on every call with a
# reason, build --profile accepts it, and each server got the calls meant for it (its log
# prints one timing block per finished request).
#   tune_test.sh AWC
set -euo pipefail
AWC=$1
source "$(dirname "$0")/lib.sh"
rs_init
export OPENAI_API_KEY=${OPENAI_API_KEY:-unused-by-llama-server}

rs_start_server big "$MODEL_BENCH"
big_port=$RS_PORT
rs_start_server small "$MODEL_TINY"
small_port=$RS_PORT
flow="$RS_WORK/tune.flow"
sed -e "s#127.0.0.1:9/v1#127.0.0.1:$big_port/v1#" -e "s#127.0.0.1:10/v1#127.0.0.1:$small_port/v1#" \
  "$RS_REPO/tests/real_server/flows/tune.flow" >"$flow"
grep -q "127.0.0.1:$big_port/v1" "$flow" && grep -q "127.0.0.1:$small_port/v1" "$flow" ||
  rs_fail "the servers' ports were not written into the flow"

messages=("My parcel is two weeks late and I need it for a wedding tomorrow."
  "Can I change the delivery address of my order?"
  "The box arrived crushed and the vase inside is broken."
  "Thanks, the courier was very friendly."
  "Where do I find the invoice for last month?"
  "Please cancel my order right now, it was a mistake."
  "Do you deliver on Sundays?")
: >"$RS_WORK/samples.jsonl"
: >"$RS_WORK/held.jsonl"
for i in "${!messages[@]}"; do
  target=samples
  [ "$i" -lt 5 ] || target=held
  jq -cn --arg m "${messages[$i]}" '{message: $m}' >>"$RS_WORK/$target.jsonl"
done
n_samples=5
n_held=2

profile="$RS_WORK/tune.profile.json"
started=$(date +%s)
timeout 240 "$AWC" tune "$flow" --samples "$RS_WORK/samples.jsonl" --holdout "$RS_WORK/held.jsonl" \
  -j 2 -o "$profile" 2>"$RS_WORK/tune.stderr" || rs_fail "awc tune failed: $(cat "$RS_WORK/tune.stderr")"
took=$(($(date +%s) - started))
cat "$RS_WORK/tune.stderr"

# The profile parses with awc's own parser: explain prints its measured front.
"$AWC" explain "$flow" --profile "$profile" >"$RS_WORK/explain.txt" 2>&1 ||
  rs_fail "awc explain --profile failed: $(cat "$RS_WORK/explain.txt")"
grep -q "measured on the samples:" "$RS_WORK/explain.txt" && grep -q -- "-O2 +profile:" "$RS_WORK/explain.txt" ||
  rs_fail "explain --profile printed no front: $(cat "$RS_WORK/explain.txt")"
sed -n '/^profile /,$p' "$RS_WORK/explain.txt"

[ "$(jq '.samples.tuning' "$profile")" = "$n_samples" ] || rs_fail "not every sample ran: $(jq -c .samples "$profile")"
[ "$(jq '.samples.held_out' "$profile")" = "$n_held" ] || rs_fail "the held-out samples did not run"
for model in big small; do
  jq -e --arg m "$model" '.models[$m] | .calls > 0 and .ttft_ms > 0 and .tokens_per_s > 0' "$profile" >/dev/null ||
    rs_fail "no measured figures for model $model: $(jq -c --arg m "$model" '.models[$m]' "$profile")"
done
# Every model step has a `small` candidate, measured on each sample's call (none failed), with a reason.
jq -e --argjson n "$n_samples" '[.steps[] | [.candidates[] | select(.kind == "model" and .value == "small")]] |
  length == 2 and all(length == 1 and (.[0] | .agreement.samples == $n and .stats.calls == $n and
  (.why | length > 0) and (.why | test("failed") | not)))' "$profile" >/dev/null ||
  rs_fail "the small model was not measured on every call: $(jq -c '[.steps[] | {id, candidates}]' "$profile")"
jq -r '.steps[] | .id as $s | .candidates[] | "  \($s): \(.kind) \(.value) \(.agreement.agreed)/\(.agreement.samples) accepted=\(.accepted): \(.why)"' "$profile"

"$AWC" build "$flow" --profile "$profile" -o "$RS_WORK/tuned.plan.json" 2>"$RS_WORK/build.stderr" ||
  rs_fail "awc build --profile failed: $(cat "$RS_WORK/build.stderr")"

# Each server's log prints one "total time" line per finished request. The big server got the
# reference runs (2 steps per sample) and the unchanged replays besides; the small one got its
# model's candidate replays, and the tuned plan's runs only when a move to it was accepted.
count() { grep -c 'total time =' "$RS_WORK/$1.server.log" || true; }
big_requests=$(count big)
small_requests=$(count small)
reference=$(jq '.models.big.calls' "$profile")
candidates=$(jq '.models.small.calls' "$profile")
front_small=$(jq --argjson n $((n_samples + n_held)) \
  'if any(.steps[].candidates[]; .kind == "model" and .accepted) then $n else 0 end' "$profile")
echo "requests: big server $big_requests (reference calls $reference), small server $small_requests" \
  "(candidate calls $candidates, tuned runs' calls to it at most $front_small)"
[ "$reference" = $((2 * n_samples)) ] || rs_fail "expected $((2 * n_samples)) reference calls on big, profile says $reference"
[ "$big_requests" -ge $((2 * reference)) ] ||
  rs_fail "the big server got $big_requests requests, fewer than the reference calls and their replays ($((2 * reference)))"
[ "$small_requests" -ge "$candidates" ] && [ "$small_requests" -le $((candidates + front_small)) ] ||
  rs_fail "the small server got $small_requests requests; expected its $candidates candidate calls (+ at most $front_small)"
echo "ok tune against llama-server: $n_samples samples + $n_held held out in ${took} s; big $big_requests requests, small $small_requests"
