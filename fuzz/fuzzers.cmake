# Fuzz executables of a fuzz build tree (-DAWC_FUZZ=libfuzzer|afl, cmake/AwcFuzz.cmake):
# <tree>/fuzz/fuzz_<target>, run by scripts/fuzz.sh (docs/fuzzing.md).
include(${AWC_SOURCE_DIR}/fuzz/targets.cmake)
if(AWC_FUZZ STREQUAL "libfuzzer")
  foreach(target IN LISTS AWC_FUZZ_LIBFUZZER_TARGETS)
    awc_fuzz_harness(fuzz_${target} ${target})
    target_link_options(fuzz_${target} PRIVATE -fsanitize=fuzzer)
    set_target_properties(fuzz_${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  endforeach()
else()
  # AFL++ forks the program per input: a main that reads the input file (@@).
  foreach(target IN LISTS AWC_FUZZ_AFL_TARGETS)
    awc_fuzz_harness(fuzz_${target} ${target} ${AWC_SOURCE_DIR}/fuzz/replay_main.cpp)
    set_target_properties(fuzz_${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/fuzz)
  endforeach()
endif()
