#!/usr/bin/env bash
# Obtains llama.cpp from the pinned npm package, builds only llama-server, caches it outside the clone.
#
# Idempotent: a second run with the same pin finds "$dir/bin/llama-server" and returns at once.
# Interrupt-safe: every stage works in a temporary directory and is renamed into place only when
# complete, and a lock (flock) keeps two concurrent runs (e.g. parallel ctest fixtures) apart.
# Prints the cache directory on the last line of stdout.
set -euo pipefail

version=3.22.1
cache_root=${AWC_CACHE_DIR:-$HOME/.cache/awc}
dir="$cache_root/llama/$version"
jobs=${AWC_LLAMA_JOBS:-2}
log() { echo "[llama] $*" >&2; }

mkdir -p "$dir"
exec 9>"$dir/.lock"
if ! flock -w 3600 9; then
  log "timed out waiting for the lock on $dir"; exit 1
fi

# Leftovers of a fetch that was killed (SIGKILL skips the trap below).
rm -rf "$dir"/.fetch.*

if [ -x "$dir/bin/llama-server" ]; then
  log "cached: $dir/bin/llama-server"
  echo "$dir"; exit 0
fi

for tool in npm git cmake tar; do
  command -v "$tool" >/dev/null || { log "missing tool: $tool"; exit 1; }
done

# 1. The source: npm pack (no install scripts run), then clone the bundle it ships.
if [ ! -d "$dir/src/.git" ]; then
  tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  log "fetching node-llama-cpp@$version from npm"
  (cd "$tmp" && timeout 600 npm pack --silent "node-llama-cpp@$version" >/dev/null)
  tar -xzf "$tmp"/node-llama-cpp-"$version".tgz -C "$tmp" package/llama/gitRelease.bundle
  timeout 600 git -c advice.detachedHead=false clone --quiet "$tmp/package/llama/gitRelease.bundle" "$tmp/src"
  rm -rf "$dir/src"
  mv "$tmp/src" "$dir/src"
  rm -rf "$tmp"; trap - EXIT
  log "source at $dir/src ($(git -C "$dir/src" rev-parse --short HEAD))"
fi

# 2. Build only llama-server in a temporary build tree (reused if a previous run was interrupted
#    there: CMake/Ninja resume cleanly), then publish the binary with an atomic rename.
build="$dir/build"
log "building llama-server with -j$jobs (about 8 minutes on 2 cores)"
timeout 3000 cmake -S "$dir/src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_USE_PREBUILT_UI=OFF \
  -DLLAMA_BUILD_UI=OFF -DLLAMA_OPENSSL=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
  -DGGML_NATIVE=ON >"$dir/cmake.log" 2>&1 || { tail -30 "$dir/cmake.log" >&2; exit 1; }
timeout 3000 cmake --build "$build" --target llama-server -j "$jobs" >"$dir/build.log" 2>&1 ||
  { tail -40 "$dir/build.log" >&2; exit 1; }
mkdir -p "$dir/bin"
cp "$build/bin/llama-server" "$dir/bin/.llama-server.tmp"
mv "$dir/bin/.llama-server.tmp" "$dir/bin/llama-server"
log "built $dir/bin/llama-server"
echo "$dir"
