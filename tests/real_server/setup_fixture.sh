#!/usr/bin/env bash
# ctest fixture `real_server`: builds (or finds cached) llama-server, the GGUF generator and the
# models before any real-server test runs. The first run on a machine builds llama.cpp (~8 min
# on 2 cores); later runs return at once. AWC_SKIP_REAL_SERVER=1 skips (exit 77), for developers.
set -euo pipefail
if [ "${AWC_SKIP_REAL_SERVER:-0}" = 1 ]; then
  echo "AWC_SKIP_REAL_SERVER=1: real-server tests skipped"
  exit 77
fi
bash "$(dirname "$0")/../../scripts/llama/setup.sh"
