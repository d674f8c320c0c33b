#!/usr/bin/env bash
# Embedding test: install awc into a prefix inside the build tree, check that the package holds
# only the runtime (no LLVM, no compiler library, headers that compile on their own), build
# examples/embed against it with find_package(awc), and run the host app (100 concurrent runs,
# one cancelled) against a real `awc sim` process.
set -euo pipefail
src=$1
build=$2
sanitize=${3:-} # the build's -fsanitize list (empty: none), for the host's own compile
prefix="$build/embed-prefix"
work="$build/embed-test"
rm -rf "$prefix" "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
fail() { echo "embed_test: $*" >&2; exit 1; }

# The exported link interface names no LLVM and no compiler library.
targets=$(cat "$prefix"/lib*/cmake/awc/awcTargets*.cmake)
if grep -qi 'llvm' <<<"$targets"; then fail "the exported targets mention LLVM"; fi
for internal in awc_driver awc_syntax awc_sema awc_ast awc_ir awc_passes awc_plan awc_lint \
  awc_diagnostics antlr4; do
  if grep -qw "$internal" <<<"$targets"; then fail "the exported targets mention $internal"; fi
done
# Every installed library is exported, and every installed header compiles with only the prefix
# (an include of a header that is not installed fails here).
for lib in "$prefix"/lib*/libawc_*.a; do
  name=$(basename "$lib" .a)
  grep -q "${name#lib}" <<<"$targets" || fail "$name is installed but not exported"
done
(cd "$prefix/include" && find awc -name '*.h' | sort | sed 's/.*/#include <&>/') >"$work/all_headers.cpp"
c++ -std=c++20 -fsyntax-only -I"$prefix/include" "$work/all_headers.cpp" ||
  fail "the installed headers do not compile on their own"
host_flags=()
[ -n "$sanitize" ] && host_flags=("-DCMAKE_CXX_FLAGS=-fsanitize=$sanitize -fno-omit-frame-pointer")
cmake -S "$src/examples/embed" -B "$work/build" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo "${host_flags[@]}" >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log"
# The host's link line has no LLVM.
link=$(ninja -C "$work/build" -t commands embed_host 2>/dev/null | grep -- '-o embed_host' || true)
[ -n "$link" ] || fail "no link line for embed_host"
if grep -qi 'llvm' <<<"$link"; then fail "embed_host links LLVM: $link"; fi
"$build/awc" build "$src/examples/ticket_triage.flow" -o "$work/plan.json" 2>/dev/null

"$build/awc" sim --port 0 --speed 50 >"$work/sim.out" 2>"$work/sim.err" &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true; wait $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 200); do
  grep -q '^listening on ' "$work/sim.out" 2>/dev/null && break
  sleep 0.05
done
endpoint="$(sed -n 's/^listening on //p' "$work/sim.out")/v1"
"$work/build/embed_host" "$work/plan.json" "$endpoint" \
  "$src/examples/fixtures/ticket_triage.inputs.json"
