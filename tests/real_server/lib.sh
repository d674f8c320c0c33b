# Shared harness of the real-server tests and benchmarks (sourced, bash): finds the cached
# llama-server and models (scripts/llama/setup.sh), starts the server on 127.0.0.1 with a free
# port, waits for /health, and always stops it (EXIT trap). Every loop is bounded.
#
# Callers set RS_WORK (a scratch directory) or get a fresh one; AWC_SKIP_REAL_SERVER=1 makes a
# test exit 77 (ctest's SKIP_RETURN_CODE) — a developer opt-out, never set in CI.

RS_REPO=${RS_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
RS_PIDS=()
RS_KEEP_WORK=${RS_KEEP_WORK:-0}

rs_log() { echo "[real_server] $*" >&2; }
rs_fail() { echo "[real_server] FAIL: $*" >&2; exit 1; }

rs_skip_if_opted_out() {
  if [ "${AWC_SKIP_REAL_SERVER:-0}" = 1 ]; then
    rs_log "AWC_SKIP_REAL_SERVER=1: skipped"
    exit 77
  fi
}

rs_cleanup() {
  local status=$? pid
  for pid in "${RS_PIDS[@]}"; do rs_kill "$pid"; done
  RS_PIDS=()
  # A failed test keeps its scratch directory (server logs, plans, metrics) for the post-mortem.
  if [ -n "${RS_WORK:-}" ] && [ "${RS_WORK_OWNED:-0}" = 1 ]; then
    if [ "$status" = 0 ] && [ "$RS_KEEP_WORK" != 1 ]; then rm -rf "$RS_WORK"; else rs_log "kept $RS_WORK"; fi
  fi
}

# Stops one process: TERM, up to 5 s, then KILL. Never by name.
rs_kill() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for i in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

rs_init() {
  rs_skip_if_opted_out
  if [ -z "${RS_WORK:-}" ]; then
    RS_WORK=$(mktemp -d "${TMPDIR:-/tmp}/awc-real-server.XXXXXX")
    RS_WORK_OWNED=1
  fi
  mkdir -p "$RS_WORK"
  trap rs_cleanup EXIT
  trap 'exit 130' INT TERM
  # The setup is idempotent and returns at once when everything is cached (the ctest fixture
  # real_server_setup did the long build).
  local env_file="$RS_WORK/llama.env"
  bash "$RS_REPO/scripts/llama/setup.sh" >"$env_file" || rs_fail "llama-server setup failed"
  # shellcheck disable=SC1090
  source "$env_file"
  [ -x "$LLAMA_SERVER" ] || rs_fail "no llama-server at $LLAMA_SERVER"
}

# A port the kernel just handed out on 127.0.0.1 (node is a build dependency; python may be absent).
rs_free_port() {
  node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => {
    console.log(s.address().port); s.close(); });'
}

# rs_start_server NAME MODEL [llama-server args...]: sets RS_PID, RS_PORT, RS_ENDPOINT (…/v1),
# RS_BASE. Defaults: 2 slots of 8192 tokens, 2 threads, metrics on. Retries another port if the
# chosen one was taken in the meantime.
rs_start_server() {
  local name=$1 model=$2 attempt i
  shift 2
  for attempt in 1 2 3; do
    RS_PORT=$(rs_free_port)
    "$LLAMA_SERVER" -m "$model" --host 127.0.0.1 --port "$RS_PORT" -c "${RS_CTX:-16384}" \
      -np "${RS_SLOTS:-2}" -t "${RS_THREADS:-1}" --metrics --no-webui "$@" \
      >"$RS_WORK/$name.server.log" 2>&1 &
    RS_PID=$!
    RS_PIDS+=("$RS_PID")
    RS_BASE="http://127.0.0.1:$RS_PORT"
    RS_ENDPOINT="$RS_BASE/v1"
    for i in $(seq 300); do
      if ! kill -0 "$RS_PID" 2>/dev/null; then break; fi
      if curl -sf -m 2 "$RS_BASE/health" >/dev/null 2>&1; then
        rs_log "llama-server $name ready on $RS_BASE (pid $RS_PID, $(basename "$model"))"
        return 0
      fi
      sleep 0.1
    done
    rs_log "llama-server $name did not become healthy (attempt $attempt):"
    tail -5 "$RS_WORK/$name.server.log" >&2
    rs_kill "$RS_PID"
  done
  rs_fail "llama-server would not start"
}

rs_stop_server() { rs_kill "${1:-$RS_PID}"; }

# rs_awc ARGS...: the awc binary under test ($AWC, set by ctest or the caller).
rs_awc() { "${AWC:?set AWC to the awc binary}" "$@"; }
