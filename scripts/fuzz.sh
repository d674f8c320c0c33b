#!/usr/bin/env bash
# Builds the fuzz trees and runs every fuzz target for FUZZ_SECONDS each, one after another,
# starting from its seed corpus (fuzz/corpus/<target>/); prints executions and findings per
# target and exits 1 if any target found a crash or a hang (docs/fuzzing.md).
#
#   bash scripts/fuzz.sh                  # every target, FUZZ_SECONDS (default 60) each
#   FUZZ_SECONDS=300 bash scripts/fuzz.sh sim_http eval   # some targets, 5 minutes each
#
# libFuzzer (clang-14, ASan+UBSan) in build-fuzz-clang/ for the targets that compile with clang;
# AFL++ (afl-g++, ASan+UBSan) in build-fuzz-afl/ for parser_sema (the ANTLR 4.9 headers do not)
# and plan_loader and record (the runtime does not).
# New corpus entries stay in build-fuzz-*/work/<target>/; findings in build-fuzz-*/findings/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seconds=${FUZZ_SECONDS:-60}
jobs=${JOBS:-$(nproc)}
libfuzzer_targets=(sse_parser sim_http eval profile)
afl_targets=(parser_sema plan_loader record)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${afl_targets[@]}" "${libfuzzer_targets[@]}"); fi

install_missing() {
  local missing=() p
  for p in clang-14 afl++ libre2-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return
  echo "fuzz: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

is_afl() { [[ " ${afl_targets[*]} " == *" $1 "* ]]; }

configure_and_build() { # <tree> <mode> <c compiler> <c++ compiler> <targets...>
  local tree=$1 mode=$2 cc=$3 cxx=$4
  shift 4
  if [ ! -f "$tree/build.ninja" ]; then
    CC=$cc CXX=$cxx cmake -S . -B "$tree" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DAWC_FUZZ="$mode" -DAWC_BUILD_TESTS=OFF -DAWC_BUILD_BENCH=OFF >/dev/null
  fi
  local t args=()
  for t in "$@"; do args+=(--target "fuzz_$t"); done
  cmake --build "$tree" -j "$jobs" "${args[@]}"
}

run_libfuzzer() { # <target>: prints "execs execs_per_s findings"
  local t=$1 tree=$root/build-fuzz-clang
  local work=$tree/work/$t findings=$tree/findings/$t log=$tree/logs/$t.log
  mkdir -p "$work" "$findings" "$(dirname "$log")"
  # -fork=1 keeps fuzzing past a crash, so one run reports every distinct finding.
  "$tree/fuzz/fuzz_$t" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$findings/" "$work" "$root/fuzz/corpus/$t" >"$log" 2>&1 || true
  # Fork mode's status lines: "#<execs>: cov: .. exec/s <n> oom/timeout/crash: a/b/c ...".
  # Their exec/s is the current job's; the rate printed is over the whole run.
  local last execs
  last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
  execs=$(sed -E 's/^#([0-9]+):.*/\1/' <<<"$last")
  execs=${execs:-0}
  echo "$execs $((execs / seconds)) $(find "$findings" -type f | wc -l)"
}

run_afl() { # <target>: prints "execs execs_per_s findings"
  local t=$1 tree=$root/build-fuzz-afl
  local out=$tree/work/$t log=$tree/logs/$t.log
  mkdir -p "$out" "$(dirname "$log")"
  # A second run resumes the queue it left ("-i -"); the seeds start the first.
  local input=$root/fuzz/corpus/$t
  [ -d "$out/default/queue" ] && input=-
  AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
    AFL_AUTORESUME=1 AFL_SKIP_CRASHES=1 \
    afl-fuzz -i "$input" -o "$out" -V "$seconds" -m none -t 10000 -- \
    "$tree/fuzz/fuzz_$t" @@ >"$log" 2>&1 || true
  local stats=$out/default/fuzzer_stats execs=0 rate=0 found=0
  if [ -f "$stats" ]; then
    execs=$(awk -F' *: *' '$1=="execs_done"{print $2}' "$stats")
    rate=$(awk -F' *: *' '$1=="execs_per_sec"{printf "%d", $2}' "$stats")
    found=$(awk -F' *: *' '$1=="saved_crashes"||$1=="saved_hangs"{n+=$2} END{print n+0}' "$stats")
  fi
  echo "$execs $rate $found"
}

install_missing
want_lf=() want_afl=()
for t in "${targets[@]}"; do
  if is_afl "$t"; then want_afl+=("$t")
  elif [[ " ${libfuzzer_targets[*]} " == *" $t "* ]]; then want_lf+=("$t")
  else echo "fuzz: unknown target '$t'" >&2; exit 2; fi
done
[ ${#want_afl[@]} -gt 0 ] && configure_and_build build-fuzz-afl afl afl-gcc afl-g++ "${want_afl[@]}"
[ ${#want_lf[@]} -gt 0 ] &&
  configure_and_build build-fuzz-clang libfuzzer clang-14 clang++-14 "${want_lf[@]}"

status=0
summary=$(printf '%-12s %-10s %8s %14s %8s %9s\n' target engine seconds executions exec/s findings)
for t in "${targets[@]}"; do
  echo "fuzz: $t for ${seconds} s" >&2
  if is_afl "$t"; then engine=afl++; read -r execs rate found < <(run_afl "$t")
  else engine=libfuzzer; read -r execs rate found < <(run_libfuzzer "$t"); fi
  [ "$found" -gt 0 ] && status=1
  summary+=$'\n'$(printf '%-12s %-10s %8s %14s %8s %9s' "$t" "$engine" "$seconds" "$execs" "$rate" "$found")
done
echo "$summary"
[ $status -eq 0 ] || echo "fuzz: findings in build-fuzz-clang/findings/ and build-fuzz-afl/work/*/default/{crashes,hangs}/" >&2
exit $status
