# `cmake --install`: the runtime's static libraries, their public headers and a CMake package, so
# a host application can `find_package(awc)` and link `awc::runtime` (docs/embedding.md). Nothing
# of the compiler is installed or exported, and nothing installed links LLVM.
include(CMakePackageConfigHelpers)

# awc_install_library(target HEADERS paths...) installs a static library, exports it as
# awc::<target without "awc_"> and installs the headers (files or folders under include/).
function(awc_install_library target)
  cmake_parse_arguments(ARG "" "" "HEADERS" ${ARGN})
  string(REGEX REPLACE "^awc_" "" export_name ${target})
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${export_name})
  install(TARGETS ${target} EXPORT awcTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  foreach(header IN LISTS ARG_HEADERS)
    get_filename_component(dir ${header} DIRECTORY)
    if(IS_DIRECTORY ${AWC_INCLUDE_DIR}/${header})
      install(DIRECTORY ${AWC_INCLUDE_DIR}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
    else()
      install(FILES ${AWC_INCLUDE_DIR}/${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/${dir})
    endif()
  endforeach()
endfunction()

# The installed libraries: everything awc_runtime links, directly or as $<LINK_ONLY:...> of a
# static library, and nothing else. One line per library; tests/runtime/embed_test.sh checks that
# the installed headers compile on their own and that the exported link interface has no LLVM.
awc_install_library(awc_runtime HEADERS awc/runtime)
awc_install_library(awc_plan_contract HEADERS awc/plan/contract.h awc/plan/plan_enums.def
  awc/plan/plan_keys.def awc/plan/quote.h)
awc_install_library(awc_stdlib HEADERS awc/stdlib)
awc_install_library(awc_support HEADERS awc/support/function_ref.h awc/support/hash.h
  awc/support/latency_model.h awc/support/source.h awc/support/tokenizer.h awc/support/url.h)
# Compile and link flags (warnings, sanitizers) the static libraries were built with.
set_target_properties(awc_options PROPERTIES EXPORT_NAME options)
install(TARGETS awc_options EXPORT awcTargets)

install(EXPORT awcTargets NAMESPACE awc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/awcConfig.cmake.in
  ${CMAKE_BINARY_DIR}/awcConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/awcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/awcConfig.cmake ${CMAKE_BINARY_DIR}/awcConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)
