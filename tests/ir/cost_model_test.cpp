// The cost model: sequential vs parallel, prefix-cache reuse only after the earlier call
// finished, critical path.
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::testing;

namespace {
const char* kTwo = R"F(
const LONG = "Rule 1: keep to the facts. Rule 2: keep to the facts. Rule 3: keep to the facts. Rule 4: keep to the facts. Rule 5: keep to the facts. Rule 6: keep to the facts. Rule 7: keep to the facts. Rule 8: keep to the facts."
workflow main(q: string) -> string {
  a = llm small -> string { system LONG user "A {q}" max_tokens: 20 nofuse }
  b = llm small -> string { system LONG user "B {DEP}" max_tokens: 20 nofuse }
  return a + b
})F";
std::string two(const std::string& dep) {
  std::string t = kTwo;
  t.replace(t.find("DEP"), 3, dep);
  return t;
}
} // namespace

TEST_CASE("cost model: parallel independent calls overlap, sequential ones add up") {
  auto o0 = compileFlow(two("q"), 0), o1 = compileFlow(two("q"), 1);
  REQUIRE(o0.ok());
  REQUIRE(o1.ok());
  double a = node(o1, "a")->estMs, b = node(o1, "b")->estMs;
  CHECK(o1.estimate.latencyMs == Approx(std::max(a, b)));
  CHECK(o0.estimate.latencyMs > o1.estimate.latencyMs);
  CHECK(o0.estimate.modelCalls == 2);
}

TEST_CASE("cost model: a shared prefix is cached only when the earlier call finished first") {
  auto parallel = compileFlow(two("q"), 1);
  CHECK(parallel.estimate.cachedTokens == 0); // both start at once: nothing to reuse
  auto sequential = compileFlow(two("q"), 0);
  CHECK(sequential.estimate.cachedTokens > 0);
  CHECK(sequential.estimate.cachedTokens % 16 == 0); // whole cache blocks
  auto dependent = compileFlow(two("a"), 1);         // b waits for a
  CHECK(dependent.estimate.cachedTokens > 0);
  CHECK(dependent.estimate.costUsd < parallel.estimate.costUsd);
}

TEST_CASE("cost model: the critical path runs from an input to the output") {
  auto c = compileFlow(two("a"), 1);
  REQUIRE(c.ok());
  std::vector<std::string> expected = {"input.q", "a", "b", "output"};
  CHECK(c.estimate.criticalPath == expected);
  CHECK(node(c, "a")->priority >= node(c, "b")->priority);
}
