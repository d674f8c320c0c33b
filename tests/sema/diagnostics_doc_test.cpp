// docs/diagnostics.md must document every code of diagnostic_codes.def.
#include "awc/support/diagnostics.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

TEST_CASE("every diagnostic code has a section in docs/diagnostics.md", "[sema][docs]") {
  std::ifstream in(AWC_SOURCE_DIR "/docs/diagnostics.md");
  REQUIRE(in.good());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string doc = buf.str();
  for (const awc::DiagInfo& info : awc::allDiagInfos()) {
    std::string heading = "### " + awc::diagId(info.code) + " ";
    INFO("missing section: " << heading << "— " << info.title);
    CHECK(doc.find(heading) != std::string::npos);
  }
}
