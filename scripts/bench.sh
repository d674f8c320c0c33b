#!/usr/bin/env bash
# Runs every benchmark that exists in the build tree, one after another (never part of
# `make test`). Each prints medians from several runs; see docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
run() { echo; echo "== $*"; "$@"; }

[ -x "$build/bench/compile_scaling" ] && run bash bench/compile_scaling.sh "$build"
[ -x "$build/bench/stdlib_eval" ] && run "$build/bench/stdlib_eval"
[ -x "$build/bench/sim_throughput" ] && run "$build/bench/sim_throughput"
for script in bench/estimates.sh bench/lint_bench.sh bench/runtime_bench.sh; do
  [ -f "$script" ] && run bash "$script" "$build"
done
exit 0
