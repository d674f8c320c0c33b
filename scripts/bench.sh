#!/usr/bin/env bash
# Runs every benchmark that exists in the build tree, one after another (never part of
# `make test`). Each prints medians from several runs; see docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
run() { echo; echo "== $*"; "$@"; }
# The benchmark-only Debian tools (gnuplot-nox for the pictures); a no-op when present.
bash scripts/install-deps.sh bench

# The limits: compile scaling, expression evaluation, the simulator's ceiling, lint throughput,
# the runtime's overhead per node, wall / critical path per example and 1,000 concurrent runs;
# writes bench/results/limits.json and docs/benchmarks.md's "Limits on the last machine".
run node bench/limits.mjs --build "$build"
run bash bench/estimates.sh "$build"
# The real-server ladder and simulator calibration (builds llama-server once; docs/real-server.md).
[ -f bench/real_server.py ] && [ "${AWC_SKIP_REAL_SERVER:-0}" != 1 ] && run python3 bench/real_server.py "$build"
# The ladder (-O0/-O1/-O2, cold/warm, one pass off at a time) and the LangGraph.js peer against one
# `awc sim`, with the first-version corpus (bench/flows/first-version) in the same session; writes
# bench/results/ladder.json and ladder-first-version.json and regenerates docs/benchmarks.md's
# sections from them (bench/ladder/README.md). Needs node + npm (the peer installs its pinned
# lockfile into $build/peer). AWC_LADDER_ARGS adds options (e.g. --examples-only).
# The corpus part includes the "O2+profile" variant: `awc tune` per flow against the same simulator
# first (bench/ladder/tune.mjs; --no-tune in AWC_LADDER_ARGS skips it).
# Then how long `awc tune` takes next to its own calls on a 12-step flow with 50 samples (issue 16;
# bench/tune_time.mjs, ~4 min at the defaults): bench/results/tune-time.json. report.mjs renders both.
if [ -x "$build/awc" ] && command -v node >/dev/null; then
  if [ "${AWC_SKIP_LADDER:-0}" != 1 ]; then
    # shellcheck disable=SC2086 # AWC_LADDER_ARGS is a list of options
    run node bench/ladder/ladder.mjs --build "$build" --reps "${AWC_LADDER_REPS:-7}" --speed "${AWC_LADDER_SPEED:-5}" ${AWC_LADDER_ARGS:-}
  fi
  if [ "${AWC_SKIP_TUNE_TIME:-0}" != 1 ]; then
    run node bench/tune_time.mjs --build "$build" --reps "${AWC_TUNE_TIME_REPS:-3}"
  fi
  run node bench/ladder/report.mjs
fi
exit 0
