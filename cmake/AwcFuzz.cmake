# Coverage-guided fuzzing (docs/fuzzing.md), off in the default build. -DAWC_FUZZ=libfuzzer
# (clang-14) or afl (AFL++'s afl-g++) instruments every library with ASan+UBSan and adds the
# fuzz/ executables; scripts/fuzz.sh configures both trees and builds only the fuzz targets.
set(AWC_FUZZ "" CACHE STRING "Fuzz build tree: libfuzzer or afl (empty: none)")
if(AWC_FUZZ STREQUAL "libfuzzer")
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(AWC_FUZZ STREQUAL "afl")
  # afl-g++ instruments at assembly time; the sanitizers are plain flags, so ccache sees them.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
elseif(NOT AWC_FUZZ STREQUAL "")
  message(FATAL_ERROR "AWC_FUZZ must be libfuzzer or afl, not '${AWC_FUZZ}'")
endif()
if(AWC_FUZZ)
  # After every library exists: the harnesses link them (deferred code may not add a
  # subdirectory, so the fuzz targets are an included file).
  cmake_language(DEFER CALL include ${PROJECT_SOURCE_DIR}/fuzz/fuzzers.cmake)
endif()
