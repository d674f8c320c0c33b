# Compiler flags shared by every awc target: warnings on, sanitizers on request.
add_library(awc_options INTERFACE)
target_compile_options(awc_options INTERFACE -Wall -Wextra -Wno-missing-field-initializers)
if(AWC_SANITIZE)
  target_compile_options(awc_options INTERFACE -fsanitize=${AWC_SANITIZE} -fno-omit-frame-pointer)
  target_link_options(awc_options INTERFACE -fsanitize=${AWC_SANITIZE})
endif()

# awc_add_library(name SOURCES... [DEPS ...] [PRIVATE_DEPS ...])
# One static library per folder, public headers under include/awc/.
function(awc_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC
    $<BUILD_INTERFACE:${AWC_INCLUDE_DIR}> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE awc_options ${ARG_PRIVATE_DEPS})
  set_target_properties(${name} PROPERTIES POSITION_INDEPENDENT_CODE ON)
endfunction()

# awc_add_test(name SOURCES... [DEPS ...]) — one Catch2 binary per module, every case
# visible to ctest.
# Catch2's main() is compiled once for all of them: that translation unit holds Catch's whole
# implementation and took ~45 s per test binary to compile, a third of a clean build.
function(awc_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(NOT TARGET awc_catch_main)
    add_library(awc_catch_main STATIC ${AWC_SOURCE_DIR}/tests/catch_main.cpp)
    target_link_libraries(awc_catch_main PUBLIC Catch2::Catch2 PRIVATE awc_options)
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE awc_options awc_catch_main ${ARG_DEPS})
  target_include_directories(${name} PRIVATE ${AWC_SOURCE_DIR}/tests/common)
  target_compile_definitions(${name} PRIVATE
    AWC_SOURCE_DIR="${AWC_SOURCE_DIR}" AWC_BINARY_DIR="${CMAKE_BINARY_DIR}")
  set(properties TIMEOUT 120)
  if(AWC_SANITIZE MATCHES "thread")
    # Races inside uninstrumented third-party libraries the tests use (tests/tsan.supp).
    list(APPEND properties ENVIRONMENT "TSAN_OPTIONS=suppressions=${AWC_SOURCE_DIR}/tests/tsan.supp")
  endif()
  catch_discover_tests(${name} TEST_PREFIX "${name}:" PROPERTIES ${properties})
endfunction()
