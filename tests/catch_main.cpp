// Catch2 entry point shared by every awc test binary.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
