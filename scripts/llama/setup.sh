#!/usr/bin/env bash
# Everything the real-server tests and benchmarks need, cached outside the clone and idempotent:
# llama-server (build_server.sh), our GGUF generator (tools/gguf_gen) and its two models.
#
#   scripts/llama/setup.sh            # prints KEY=VALUE lines: LLAMA_SERVER, GGUF_GEN, MODEL_TINY, MODEL_BENCH
#
# Models live in $cache/models/<generator hash>/, keyed by a hash of the generator's source and of
# the model options below, so changing either regenerates them; unchanged, a rerun costs nothing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
log() { echo "[llama] $*" >&2; }

dir=$(bash "$here/build_server.sh" | tail -1)
src="$dir/src"
vocab="$src/models/ggml-vocab-qwen2.gguf"
[ -f "$vocab" ] || { log "missing $vocab"; exit 1; }

# Model shapes. Tiny: fast enough for tests. Bench: hundreds of dims, several layers, so prefill
# time is a visible part of a call.
tiny_opts="--embd 64 --layers 2 --heads 4 --ff 192 --chain 6"
bench_opts="--embd 512 --layers 8 --heads 8 --ff 1536 --chain 16"

gen_src="$repo/tools/gguf_gen/gguf_gen.cpp"
key=$( (cat "$gen_src"; echo "$tiny_opts"; echo "$bench_opts") | sha256sum | cut -c1-12)
out="$dir/models/$key"

exec 9>"$dir/.tools.lock"
flock -w 600 9 || { log "timed out waiting for $dir/.tools.lock"; exit 1; }

# Models of other generator versions are stale: remove them (under the lock).
for stale in "$dir"/models/*/; do
  [ -d "$stale" ] && [ "${stale%/}" != "$out" ] && rm -rf "$stale"
done

gen="$out/gguf_gen"
if [ ! -x "$gen" ]; then
  mkdir -p "$out"
  log "building gguf_gen ($key)"
  g++ -std=c++17 -O2 -Wall -Wextra -I"$src/ggml/include" "$gen_src" \
    "$dir/build/ggml/src/libggml-base.a" -fopenmp -lpthread -lm -o "$gen.tmp"
  mv "$gen.tmp" "$gen"
fi
for pair in "tiny:$tiny_opts" "bench:$bench_opts"; do
  name=${pair%%:*}; opts=${pair#*:}
  if [ ! -f "$out/$name.gguf" ]; then
    # shellcheck disable=SC2086
    "$gen" --vocab "$vocab" --out "$out/$name.gguf" $opts >&2
  fi
done
echo "LLAMA_SERVER=$dir/bin/llama-server"
echo "GGUF_GEN=$gen"
echo "MODEL_TINY=$out/tiny.gguf"
echo "MODEL_BENCH=$out/bench.gguf"
