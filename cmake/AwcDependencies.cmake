# Third-party dependencies, all from Debian packages (scripts/install-deps.sh).
find_package(Threads REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CURL REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(PkgConfig REQUIRED)

# ANTLR: the runtime's CMake package has no include dirs; add them as SYSTEM so the
# headers' -Wattributes noise stays out of our warnings.
find_package(antlr4-runtime REQUIRED)
find_program(ANTLR4_TOOL antlr4 REQUIRED)
set(ANTLR4_INCLUDE_DIR /usr/include/antlr4-runtime)

# LLVM ADT and SourceMgr live in LLVMSupport.
find_package(LLVM 14 REQUIRED CONFIG)
add_library(awc_llvm INTERFACE)
target_include_directories(awc_llvm SYSTEM INTERFACE ${LLVM_INCLUDE_DIRS})
target_compile_definitions(awc_llvm INTERFACE ${LLVM_DEFINITIONS})
llvm_map_components_to_libnames(AWC_LLVM_LIBS support)
target_link_libraries(awc_llvm INTERFACE ${AWC_LLVM_LIBS})
# LLVM's macros go on every awc file, not only those that see LLVM: a precompiled header is
# shared by targets with and without LLVM (cmake/AwcOptions.cmake) and needs the same macros.
separate_arguments(AWC_LLVM_DEFINITIONS UNIX_COMMAND "${LLVM_DEFINITIONS}")
target_compile_options(awc_options INTERFACE ${AWC_LLVM_DEFINITIONS})

pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
# re2.pc asks for -pthread when compiling, which defines _REENTRANT and so turns off the shared
# precompiled header for every file of a target that links RE2. RE2's headers need no such flag;
# linking still passes -pthread through RE2's link options.
set_property(TARGET PkgConfig::RE2 PROPERTY INTERFACE_COMPILE_OPTIONS "")

if(AWC_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)
  include(Catch)
endif()
