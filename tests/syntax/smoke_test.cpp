// Smoke test: the example flows parse without diagnostics.
#include "test_util.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

using namespace awc;

static std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_CASE("example flows parse cleanly", "[syntax]") {
  for (const char* name : {"customer_support.flow", "invoice.flow"}) {
    auto p = test::parse(readFile(std::string(AWC_SOURCE_DIR) + "/examples/" + name));
    INFO(name << "\n" << p->all());
    CHECK(p->diags.diagnostics().empty());
    CHECK(!p->module->decls.empty());
  }
}

// Manual aid, not run by default: AWC_DUMP=file.flow syntax_tests "[.dump]"
TEST_CASE("dump a file", "[.dump]") {
  const char* path = std::getenv("AWC_DUMP");
  if (!path) return;
  auto p = test::parse(readFile(path));
  std::cout << p->dump() << p->all();
}
