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

// The estimate of the -O1 plan with the scheduler's warm-first waits taken out: what the
// model says of two calls started together.
awc::ir::PlanEstimate withoutWarmWaits(awc::Compilation& c) {
  for (auto& n : c.module->graph.nodes) {
    n->hints.waitForWarm.clear();
    n->hints.warmFirst = false;
  }
  return awc::ir::estimate(*c.module);
}

TEST_CASE("cost model: parallel independent calls overlap, sequential ones add up") {
  auto o0 = compileFlow(two("q"), 0), o1 = compileFlow(two("q"), 1);
  REQUIRE(o0.ok());
  REQUIRE(o1.ok());
  awc::ir::PlanEstimate together = withoutWarmWaits(o1);
  double a = node(o1, "a")->estMs, b = node(o1, "b")->estMs;
  CHECK(together.latencyMs == Approx(std::max(a, b)));
  CHECK(o0.estimate.latencyMs > together.latencyMs);
  CHECK(o0.estimate.modelCalls == 2);
}

TEST_CASE("cost model: a shared prefix is cached only once the earlier call's prefill is done") {
  auto parallel = compileFlow(two("q"), 1);
  REQUIRE(parallel.ok());
  awc::ir::PlanEstimate together = withoutWarmWaits(parallel);
  CHECK(together.cachedTokens == 0); // both start at once: nothing to reuse
  auto sequential = compileFlow(two("q"), 0);
  CHECK(sequential.estimate.cachedTokens > 0);
  CHECK(sequential.estimate.cachedTokens % 16 == 0); // whole cache blocks
  auto dependent = compileFlow(two("a"), 1);         // b waits for a
  CHECK(dependent.estimate.cachedTokens > 0);
  CHECK(dependent.estimate.costUsd < together.costUsd);
}

TEST_CASE("schedule: parallel steps sharing a prefix wait for the first one's prefill when "
          "running them together would cost more than the flow as written") {
  auto o0 = compileFlow(two("q"), 0), o1 = compileFlow(two("q"), 1);
  REQUIRE(o0.ok());
  REQUIRE(o1.ok());
  const awc::ir::Node* b = node(o1, "b");
  CHECK(b->hints.waitForWarm == "a");
  CHECK(node(o1, "a")->hints.warmFirst);
  CHECK(o1.estimate.costUsd <= o0.estimate.costUsd + 1e-12);
  CHECK(o1.estimate.cachedTokens == o0.estimate.cachedTokens);
  // b starts at a's first token, not at its end: still faster than one after the other.
  CHECK(o1.estimate.latencyMs < o0.estimate.latencyMs);
  CHECK(o1.estimate.latencyMs > std::max(node(o1, "a")->estMs, b->estMs));
  // Different prefixes share nothing: no wait.
  std::string distinct = two("q");
  distinct.replace(distinct.find("system LONG user \"B"), 19, "system \"Other.\" user \"B");
  auto apart = compileFlow(distinct, 1);
  REQUIRE(apart.ok());
  CHECK(node(apart, "b")->hints.waitForWarm.empty());
}

TEST_CASE("cost model: the critical path runs from an input to the output") {
  auto c = compileFlow(two("a"), 1);
  REQUIRE(c.ok());
  std::vector<std::string> expected = {"input.q", "a", "b", "output"};
  CHECK(c.estimate.criticalPath == expected);
  CHECK(node(c, "a")->priority >= node(c, "b")->priority);
}

TEST_CASE("cost model: a schema-constrained answer decodes at the model's structured speed") {
  const char* flow = R"F(
type Mood = enum { positive, neutral, negative }
model cpu = openai("cpu-box") { size: "small", tokens_per_s: 40 STRUCTURED }
workflow main(q: string) -> string {
  m = llm cpu -> Mood { user "Mood of {q}" }
  r = llm cpu -> string { user "Reply to {q}" max_tokens: 80 }
  return "{m} {r}"
})F";
  auto with = [&](const std::string& fields) {
    std::string text = flow;
    text.replace(text.find("STRUCTURED"), 10, fields);
    return compileFlow(text, 0); // one call at a time: no load stretches either estimate
  };
  auto plain = with(""), slow = with(", structured_tokens_per_s: 10, structured_ttft_ms: 200");
  REQUIRE(plain.ok());
  REQUIRE(slow.ok());
  const auto* m0 = node(plain, "m");
  const auto* m1 = node(slow, "m");
  REQUIRE(m0->estOutputTokens > 1);
  // 200 ms more to the first token, and every token after it at 100 ms instead of 25.
  CHECK(m1->estMs - m0->estMs == Approx(200.0 + (m0->estOutputTokens - 1) * 75.0));
  // Free text is not constrained: the same estimate either way.
  CHECK(node(slow, "r")->estMs == Approx(node(plain, "r")->estMs));
}

TEST_CASE("cost model: calls share their model's slots and load") {
  // Three independent calls on one model: side by side they each run at the concurrency factor
  // for three in flight (small: 1 + 0.02 × 2); with max_concurrency 1 they queue.
  const char* flow = R"F(
model m = openai("llama-3.1-8b") { size: "small" SLOTS }
workflow main(q: string) -> string {
  a = llm m -> string { user "A {q}" max_tokens: 20 nofuse }
  b = llm m -> string { user "B {q}" max_tokens: 20 nofuse }
  c = llm m -> string { user "C {q}" max_tokens: 20 nofuse }
  return a + b + c
})F";
  auto with = [&](const std::string& slots, int level) {
    std::string text = flow;
    text.replace(text.find("SLOTS"), 5, slots);
    return compileFlow(text, level);
  };
  auto alone = with("", 0), free = with("", 1), one = with(", max_concurrency: 1", 1);
  REQUIRE(alone.ok());
  REQUIRE(free.ok());
  REQUIRE(one.ok());
  double single = node(alone, "a")->estMs;
  const double base = 200; // the small class's ttft_base_ms is not stretched by load
  for (const char* id : {"a", "b", "c"})
    CHECK(node(free, id)->estMs - base == Approx((single - base) * 1.04));
  CHECK(free.estimate.latencyMs == Approx(single + (single - base) * 0.04));
  // One slot: one after another, each alone.
  CHECK(one.estimate.latencyMs == Approx(3 * single));
  CHECK(node(one, "c")->estMs == Approx(single));
}
