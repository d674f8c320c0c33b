#!/usr/bin/env bash
# Wire test: installs the pinned openai and @anthropic-ai/sdk packages (npm ci, into the
# build tree), starts `awc sim --port 0`, runs wire_test.mjs against it, stops it.
# Fails loudly if npm or the registry is unavailable.
set -euo pipefail
AWC="$1"      # path to the awc binary
SRC="$2"      # tests/sim/npm
WORK="$3"     # a directory in the build tree
mkdir -p "$WORK"
cp "$SRC/package.json" "$SRC/package-lock.json" "$SRC/wire_test.mjs" "$WORK/"
cd "$WORK"
if [ ! -f node_modules/.awc-lock ] || ! cmp -s package-lock.json node_modules/.awc-lock; then
  if ! npm ci --no-audit --no-fund --loglevel=error; then
    echo "sim_npm_wire: FAILED: 'npm ci' could not install the pinned SDKs (is the npm registry reachable?)" >&2
    exit 1
  fi
  cp package-lock.json node_modules/.awc-lock
fi
OUT="$WORK/sim.stdout"
: > "$OUT"
"$AWC" sim --port 0 --speed 50 --fixtures "$SRC/fixtures.json" --log "$WORK/requests.jsonl" > "$OUT" 2> "$WORK/sim.stderr" &
SIM_PID=$!
trap 'kill "$SIM_PID" 2>/dev/null || true; wait "$SIM_PID" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$OUT" && break
  sleep 0.1
done
URL=$(sed -n 's/^listening on //p' "$OUT" | head -1)
if [ -z "$URL" ]; then
  echo "sim_npm_wire: FAILED: awc sim did not report its address" >&2
  cat "$WORK/sim.stderr" >&2
  exit 1
fi
node wire_test.mjs "$URL"
# Every SDK call reached the simulator and was logged.
LINES=$(wc -l < "$WORK/requests.jsonl")
if [ "$LINES" -lt 10 ]; then
  echo "sim_npm_wire: FAILED: expected at least 10 logged requests, got $LINES" >&2
  exit 1
fi
echo "request log: $LINES entries"
