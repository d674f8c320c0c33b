#!/usr/bin/env bash
# Runs the whole test suite of a build tree through ctest.
set -euo pipefail
build=${1:-build}
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 300
