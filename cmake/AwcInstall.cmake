# `cmake --install`: headers, the runtime's static libraries and a CMake package, so a host
# application can `find_package(awc)` and link `awc::runtime` (docs/embedding.md).
include(CMakePackageConfigHelpers)

if(NOT TARGET awc_runtime)
  return()
endif()

# Everything awc_runtime links, directly or as $<LINK_ONLY:...> of a static library, must be in
# the export set. Export names give the awc:: targets their short names.
set(AWC_EXPORTED_TARGETS awc_runtime awc_plan_contract awc_stdlib awc_support awc_options awc_llvm)
set_target_properties(awc_runtime PROPERTIES EXPORT_NAME runtime)
set_target_properties(awc_plan_contract PROPERTIES EXPORT_NAME plan_contract)
set_target_properties(awc_stdlib PROPERTIES EXPORT_NAME stdlib)
set_target_properties(awc_support PROPERTIES EXPORT_NAME support)
set_target_properties(awc_options PROPERTIES EXPORT_NAME options)
set_target_properties(awc_llvm PROPERTIES EXPORT_NAME llvm)

install(TARGETS ${AWC_EXPORTED_TARGETS} EXPORT awcTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${AWC_INCLUDE_DIR}/awc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
install(EXPORT awcTargets NAMESPACE awc:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)

configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/awcConfig.cmake.in
  ${CMAKE_BINARY_DIR}/awcConfig.cmake INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/awcConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/awcConfig.cmake ${CMAKE_BINARY_DIR}/awcConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/awc)
