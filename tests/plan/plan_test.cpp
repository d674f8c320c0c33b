// Plan emission: schema-valid and byte-identical twice; DOT and Mermaid shapes.
#include "awc/plan/emit.h"
#include "ir_test_util.h"
#include "json_schema.h"

#include <catch2/catch.hpp>

using namespace awc::testing;

namespace {
const char* kFlow = R"F(
workflow main(q: string, xs: list<int>) -> string {
  k = lookup(q)
  end = llm small -> string { user "Say \"hi\" to {q} ({k})" max_tokens: 10 }
  m = map x in xs { y = x * 2 y }
  r = if k > 1 { z = llm small -> string { user "Z {q}" max_tokens: 5 } z } else { end }
  return r + "{m}"
})F";
}

TEST_CASE("plan: valid against the schema and byte-identical across compilations") {
  for (int level : {0, 1, 2}) {
    auto a = compileFlow(kFlow, level), b = compileFlow(kFlow, level);
    REQUIRE(a.ok());
    CHECK(validateAgainstSchema(a.plan, std::string(AWC_SOURCE_DIR) + "/docs/plan.schema.json") ==
          "");
    CHECK(awc::plan::serialize(a.plan) == awc::plan::serialize(b.plan));
    CHECK(a.plan["mode"] == (level == 0 ? "sequential" : "parallel"));
  }
}

TEST_CASE("DOT: one node statement per node, edges by id, quotes escaped") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  std::string dot = awc::plan::toDot(*c.module);
  CHECK(dot.rfind("digraph \"main\" {", 0) == 0);
  CHECK(dot.find("\"input.q\" -> \"k\";") != std::string::npos);
  CHECK(dot.find("subgraph \"cluster_m\"") != std::string::npos);
  CHECK(dot.back() == '\n');
}

TEST_CASE("Mermaid: alphanumeric ids (never `end`), quoted labels") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  std::string mm = awc::plan::toMermaid(*c.module);
  CHECK(mm.rfind("flowchart TD\n", 0) == 0);
  std::istringstream lines(mm);
  std::string line;
  int nodes = 0;
  while (std::getline(lines, line)) {
    if (line.find("-->") != std::string::npos) {
      CHECK(line.find(" end ") == std::string::npos);
      continue;
    }
    auto open = line.find_first_of("([{[/");
    if (line.rfind("  n", 0) != 0 || open == std::string::npos) continue;
    std::string id = line.substr(2, open - 2);
    CHECK(id != "end");
    for (char ch : id)
      CHECK(std::isalnum(static_cast<unsigned char>(ch)));
    CHECK(line.find('"') != std::string::npos); // labels are quoted
    ++nodes;
  }
  CHECK(nodes >= 8);
  CHECK(mm.find("\"end<br/>llm small\"") !=
        std::string::npos); // the step named end is a label only
}
