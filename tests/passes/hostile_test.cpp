// Hostile inputs for the passes (issue 14): thousands of independent model steps for `fuse`,
// doubling constants and steps for `fold`, backtracking regexes in constant folding. Each must
// compile to the right answer (or a located diagnostic), with the IR verified after every pass.
#include "ir_test_util.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace awc::testing;

namespace {

int countChanges(const awc::Compilation& c, const std::string& pass) {
  for (const auto& r : c.reports)
    if (r.pass == pass) return static_cast<int>(r.changes.size());
  return -1;
}

/// `n` model steps that each read only the input, and a result listing them all.
std::string independentSteps(int n) {
  std::string body = "workflow main(q: string) -> list<int> {\n";
  std::string list;
  for (int i = 0; i < n; ++i) {
    body += fmt::format("  s{0} = llm small -> int {{ user \"Rate item {0} for: {{q}}\" }}\n", i);
    list += fmt::format("{}s{}", i ? ", " : "", i);
  }
  return body + "  return [" + list + "]\n}\n";
}

} // namespace

TEST_CASE("fuse: 2,000 independent steps on one model compile, each step intact") {
  // Fusing any two would make the plan's one-call latency longer than the 1 % the gate allows,
  // so nothing fuses; before the lower-bound filter this took minutes (every pair was tried
  // with two whole-plan estimates).
  auto c = compileFlow(independentSteps(2000));
  REQUIRE(c.ok());
  CHECK(countChanges(c, "fuse") == 0);
  int llms = 0;
  for (const auto& n : c.module->graph.nodes)
    if (!n->removed && n->kind() == awc::ir::NodeKind::Llm) {
      ++llms;
      CHECK(n->llm().fused.empty());
      CHECK(depIds(c, *n) == "input.q");
    }
  CHECK(llms == 2000);
}

TEST_CASE("fuse: a fusible chain among 2,000 independent steps still fuses") {
  // fuse_vertical.flow's pair (one round trip saved) beside 2,000 steps on another model.
  std::string body = "type Mood = enum { positive, neutral, negative }\n"
                     "workflow main(q: string) -> list<int> {\n"
                     "  m = llm small -> Mood { user \"Mood of {q}\" }\n"
                     "  r = llm small -> int { user \"Reply to {q} ({m})\" max_tokens: 80 }\n";
  std::string list = "r";
  for (int i = 0; i < 2000; ++i) {
    body += fmt::format("  s{0} = llm big -> int {{ user \"Rate item {0} for: {{q}}\" }}\n", i);
    list += fmt::format(", s{}", i);
  }
  auto c = compileFlow(body + "  return [" + list + "]\n}\n");
  REQUIRE(c.ok());
  CHECK(countChanges(c, "fuse") == 1);
  const auto* fused = node(c, "m+r");
  REQUIRE(fused != nullptr);
  REQUIRE(fused->llm().fused.size() == 2);
  CHECK(fused->llm().fused[0].name == "m");
  CHECK(fused->llm().fused[1].name == "r");
  CHECK(node(c, "s1999") != nullptr);
}

TEST_CASE("fold: a doubling list constant is a located error, not an exhausted memory") {
  std::string body = "const A0 = [1, 2]\n";
  for (int i = 1; i <= 40; ++i)
    body += fmt::format("const A{} = A{} + A{}\n", i, i - 1, i - 1);
  body += "workflow main(q: string) -> int {\n  return len(A40)\n}\n";
  for (int level : {0, 2}) {
    auto c = compileFlow(body, level);
    CHECK(!c.ok());
    std::string d = diagnostics(c);
    CHECK(d.find("AWC3012") != std::string::npos);
    CHECK(d.find("larger than 1 MB") != std::string::npos);
  }
}

TEST_CASE("fold: doubling steps stop folding with a warning and run at runtime") {
  std::string body = "const A = [1, 2]\nworkflow main(q: string) -> int {\n  b0 = A + A\n";
  for (int i = 1; i <= 40; ++i)
    body += fmt::format("  b{} = b{} + b{}\n", i, i - 1, i - 1);
  body += "  return len(b40)\n}\n";
  auto c = compileFlow(body);
  REQUIRE(c.ok());
  std::string d = diagnostics(c);
  CHECK(d.find("warning[AWC6009]") != std::string::npos);
  CHECK(d.find("not folded: result too large") != std::string::npos);
  // The steps up to the limit folded (and, read by nobody any more, were removed); the first
  // one over it and everything after it stay for the runtime.
  CHECK(node(c, "b10") == nullptr);
  REQUIRE(node(c, "b40") != nullptr);
  CHECK(!node(c, "b40")->expr().contains("lit"));
}

TEST_CASE("fold: string doubling and huge text builds are bounded too") {
  std::string body = "workflow main(q: string) -> int {\n  t0 = \"abcdefgh\"\n";
  for (int i = 1; i <= 40; ++i)
    body += fmt::format("  t{} = \"{{t{}}}{{t{}}}\"\n", i, i - 1, i - 1);
  body += "  return len(t40)\n}\n";
  auto c = compileFlow(body);
  REQUIRE(c.ok());
  CHECK(diagnostics(c).find("AWC6009") != std::string::npos);
}

TEST_CASE("fold: a backtracking regex folds instantly (RE2), a backreference is an error") {
  auto c = compileFlow(R"F(
workflow main(q: string) -> bool {
  m = matches("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "^(a+)+$")
  return m
})F");
  REQUIRE(c.ok());
  REQUIRE(node(c, "output") != nullptr);
  CHECK(node(c, "output")->expr() == nlohmann::json{{"lit", false}}); // m folded into the output
  auto bad = compileFlow(R"F(
workflow main(q: string) -> bool {
  return matches(q, "(a)\\1") or matches(q, "x(?=y)")
})F");
  CHECK(!bad.ok());
  std::string d = diagnostics(bad);
  CHECK(d.find("error[AWC3021]") != std::string::npos);
  CHECK(d.find("backreferences") != std::string::npos);
  CHECK(d.find("lookahead") != std::string::npos);
}
