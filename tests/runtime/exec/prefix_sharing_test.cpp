// Prefixes shared at run time, end to end: four questions over one document, compiled at -O2,
// run against the simulator (which models a prefix cache): the document is sent once, the
// sibling steps read it from the cache.
#include "exec_test_util.h"

#include <algorithm>

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

// As a team writes it: the document first, then the instruction, then the question.
const char* kFlow = R"F(
model big = openai("big-model") { price_in: 2.0, price_out: 8.0, size: "large" }
const RULES = "You review documents for a compliance team. Answer the question about the document precisely and in the requested format."
workflow main(doc: string) -> bool {
  a = llm big -> bool { user "Document:\n{doc}" user RULES user "Does the document mention a price?" }
  b = llm big -> bool { user "Document:\n{doc}" user RULES user "Does the document name a person?" }
  c = llm big -> int { user "Document:\n{doc}" user RULES user "How many dates does the document mention?" }
  d = llm big -> bool { user "Is the document signed?" user "Document:\n{doc}" user RULES }
  return a and b and c > 0 and d
})F";

const char* kDoc =
    "Master services agreement between Northwind Traders and Contoso Ltd, dated 3 March 2026. "
    "Contoso provides warehouse software support at a monthly fee of 4,200 EUR, payable within "
    "30 days of invoice. The term is twelve months from 1 April 2026 and renews unless either "
    "party gives ninety days notice. Signed for Northwind by Maria Keller, operations director.";

std::vector<awc::sim::LogEntry> runAt(int opt, std::set<std::string> disabled) {
  awc::CompileOptions options;
  options.optLevel = opt;
  options.disabledPasses = std::move(disabled);
  awc::Compilation c = awc::compileSource("questions.flow", kFlow, options);
  REQUIRE(c.ok());
  SimFixture sim(/*fixtures=*/"", {}, /*speed=*/5);
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(mustLoad(c.plan), {{"doc", kDoc}});
  REQUIRE(r.ok);
  return sim.server.log();
}

size_t cachedCalls(const std::vector<awc::sim::LogEntry>& log) {
  return static_cast<size_t>(std::count_if(log.begin(), log.end(), [](const auto& e) {
    return e.cachedTokens >= 64; // at least the document's blocks
  }));
}

} // namespace

TEST_CASE("at -O2 siblings sharing a document read it from the prefix cache", "[exec][e2e]") {
  auto o2 = runAt(2, {"fuse"});
  REQUIRE(o2.size() == 4);
  CHECK(cachedCalls(o2) == 3); // every step but the one that warmed the cache
  // -O1 keeps the author's order: d starts with its question and shares nothing.
  auto o1 = runAt(1, {});
  REQUIRE(o1.size() == 4);
  CHECK(cachedCalls(o1) == 2);
}
