# The fuzz targets and the libraries each harness links: shared by the fuzz build trees
# (fuzz/fuzzers.cmake) and the regression tests of the default build (tests/fuzz/).
set(AWC_FUZZ_TARGETS parser_sema plan_loader sse_parser sim_http eval profile record)
set(AWC_FUZZ_parser_sema_DEPS awc_sema awc_support)
set(AWC_FUZZ_plan_loader_DEPS awc_runtime)
# The SSE parser is one self-contained file: compiled into its harness, it needs none of the
# runtime (which does not compile with clang-14: a lambda captures a structured binding).
set(AWC_FUZZ_sse_parser_SOURCES ${AWC_SOURCE_DIR}/runtime/sse_parser.cpp)
set(AWC_FUZZ_sse_parser_DEPS)
set(AWC_FUZZ_sim_http_DEPS awc_sim)
set(AWC_FUZZ_eval_DEPS awc_stdlib)
set(AWC_FUZZ_profile_DEPS awc_profile)
# `awc tune --from-record`'s reader: tune's internal header, and the runtime it links.
set(AWC_FUZZ_record_DEPS awc_tune)
# Code that does not compile with clang-14 runs under AFL++ (GCC): the ANTLR 4.9 runtime headers
# (parser_sema) and the runtime library (plan_loader, record).
set(AWC_FUZZ_AFL_TARGETS parser_sema plan_loader record)
set(AWC_FUZZ_LIBFUZZER_TARGETS sse_parser sim_http eval profile)

# awc_fuzz_harness(<executable> <target> <extra sources...>): the harness of <target> linked
# with its libraries (sim_http also sees the simulator's internal headers).
function(awc_fuzz_harness exe target)
  add_executable(${exe} ${AWC_SOURCE_DIR}/fuzz/${target}.cpp ${AWC_FUZZ_${target}_SOURCES} ${ARGN})
  target_link_libraries(${exe} PRIVATE awc_options ${AWC_FUZZ_${target}_DEPS})
  target_include_directories(${exe} PRIVATE ${AWC_INCLUDE_DIR})
  if(target STREQUAL "sim_http")
    target_include_directories(${exe} PRIVATE ${AWC_SOURCE_DIR}/sim)
  elseif(target STREQUAL "record")
    target_include_directories(${exe} PRIVATE ${AWC_SOURCE_DIR}/tune)
  endif()
endfunction()
