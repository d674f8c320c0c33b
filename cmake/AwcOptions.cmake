# Compiler flags shared by every awc target: warnings on, sanitizers on request.
add_library(awc_options INTERFACE)
# -Winvalid-pch: a precompiled header that does not fit a file's flags is a warning, not a silent
# slow build.
target_compile_options(awc_options INTERFACE -Wall -Wextra -Wno-missing-field-initializers
  $<$<COMPILE_LANGUAGE:CXX>:-Winvalid-pch>)
# GCC 12 reports std::string and std::vector code inlined at -O2 as out of bounds or overflowing
# (GCC bugs 105329, 105651; fixed in 13). Behind a precompiled header those reports are no longer
# hidden as a system header's, and they appear wherever a string is appended, so they are off
# for GCC 12 only; ASan covers real out-of-bounds accesses.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(awc_options INTERFACE
    $<$<COMPILE_LANGUAGE:CXX>:-Wno-array-bounds -Wno-stringop-overflow -Wno-stringop-overread>)
endif()
if(AWC_SANITIZE)
  target_compile_options(awc_options INTERFACE -fsanitize=${AWC_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(awc_options INTERFACE -fsanitize=${AWC_SANITIZE})
endif()

# Test code: no optimisation and line tables only, whatever the build type. The code under test
# lives in the libraries, built with the build type's flags; the test files are mostly Catch2
# macro expansions, which took 10-20 s each at -O2 -g and about half that at -O0 -g1.
add_library(awc_test_options INTERFACE)
target_link_libraries(awc_test_options INTERFACE awc_options)
target_compile_options(awc_test_options INTERFACE
  $<$<CONFIG:RelWithDebInfo,Release,MinSizeRel>:-O0 -g1>)

# Precompiled headers. Parsing nlohmann/json, fmt and the standard library took 2-4 s of every
# translation unit, Catch2 another 3-5 s of every test file, CLI11 most of each cli/ file. One PCH
# is built per group of targets with the same flags and reused (REUSE_FROM) by the others:
# awc_pch_lib for the libraries (PIC), awc_pch_test for the test binaries (Catch2 added); the awc
# binary (CLI11) and awc_syntax (ANTLR) have their own. LLVM headers are not in any: the compiler
# uses only Casting.h and StringMap.h, and the runtime's group must stay free of LLVM.
set(AWC_PCH_HEADERS
  <algorithm> <cstdint> <functional> <map> <memory> <optional> <set> <string> <string_view>
  <unordered_map> <vector> <nlohmann/json.hpp> <fmt/format.h>)
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/awc_pch_stub.cpp
  CONTENT "// Owner of a shared precompiled header (cmake/AwcOptions.cmake); no code.\n")

# Unity builds. With the precompiled headers, what was left of a clean build was code generation,
# and most of it was the same code generated again in every file: nlohmann/json's, fmt's, Catch2's
# and the standard library's templates and inline functions, emitted (and given debug info) once
# per translation unit and thrown away at link time. Compiling a target's files in batches emits
# them once per batch. Libraries use small batches, so touching one file recompiles a few of its
# neighbours only (the incremental build); the test binaries (-O0 -g1, edited less often than the
# code they test) use larger ones. -DAWC_UNITY_BUILD=OFF compiles file by file, e.g. to check that
# every file includes what it uses. Files in one batch share a translation unit, so file-local
# names (anonymous namespaces, statics) must not repeat within a target.
option(AWC_UNITY_BUILD "Compile the files of each target in batches (unity build)" ON)
set(AWC_UNITY_BATCH_LIB 4 CACHE STRING "Files per batch in a unity build of a library")
set(AWC_UNITY_BATCH_TEST 16 CACHE STRING "Files per batch in a unity build of a test binary")

# awc_unity(target batch-size): compile target in batches when AWC_UNITY_BUILD is on.
function(awc_unity target batch)
  if(AWC_UNITY_BUILD)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${batch})
  endif()
endfunction()

# awc_add_pch_owner(name [PIC] HEADERS ... DEPS ...): an empty library whose only job is to build
# a precompiled header that targets with the same flags reuse.
function(awc_add_pch_owner name)
  cmake_parse_arguments(ARG "PIC" "" "HEADERS;DEPS" ${ARGN})
  add_library(${name} STATIC ${CMAKE_BINARY_DIR}/awc_pch_stub.cpp)
  target_link_libraries(${name} PRIVATE awc_options ${ARG_DEPS})
  target_precompile_headers(${name} PRIVATE ${ARG_HEADERS})
  if(ARG_PIC)
    set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  endif()
endfunction()

# awc_add_library(name SOURCES... [DEPS ...] [PRIVATE_DEPS ...] [NO_SHARED_PCH])
# One static library per folder, public headers under include/awc/. NO_SHARED_PCH: the library
# sets up its own precompiled header (or none).
function(awc_add_library name)
  cmake_parse_arguments(ARG "NO_SHARED_PCH" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${AWC_INCLUDE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE awc_options ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
  awc_unity(${name} ${AWC_UNITY_BATCH_LIB})
  if(NOT ARG_NO_SHARED_PCH)
    if(NOT TARGET awc_pch_lib)
      awc_add_pch_owner(awc_pch_lib PIC HEADERS ${AWC_PCH_HEADERS}
        DEPS fmt::fmt nlohmann_json::nlohmann_json)
    endif()
    target_precompile_headers(${name} REUSE_FROM awc_pch_lib)
  endif()
endfunction()

# awc_add_test(name SOURCES... [DEPS ...]) — one Catch2 binary per module, every case
# visible to ctest. Links the shared Catch2 main and test helpers (tests/CMakeLists.txt) and
# reuses the tests' precompiled header.
function(awc_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE awc_test_options awc_catch_main awc_test_common
    ${ARG_DEPS})
  target_precompile_headers(${name} REUSE_FROM awc_pch_test)
  awc_unity(${name} ${AWC_UNITY_BATCH_TEST})
  target_compile_definitions(${name} PRIVATE
    AWC_SOURCE_DIR="${AWC_SOURCE_DIR}" AWC_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(properties TIMEOUT 120)
  if(AWC_SANITIZE MATCHES "thread")
    # Races inside uninstrumented third-party libraries the tests use (tests/tsan.supp).
    list(APPEND properties ENVIRONMENT "TSAN_OPTIONS=suppressions=${AWC_SOURCE_DIR}/tests/tsan.supp")
  endif()
  catch_discover_tests(${name} TEST_PREFIX "${name}:" PROPERTIES ${properties})
endfunction()
