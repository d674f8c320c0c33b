// Prefixes shared at run time (issue 15, item 3): hoist orders shared static text, then dynamic
// parts shared with sibling steps, then the step's own; prefix groups, warm first and the cost
// model count shared dynamic prefixes; every pass sees into map and reduce bodies.
#include "awc/ir/cost_model.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::testing;

namespace {

// Four questions over one document, written as a team's first version: the document first,
// a shared instruction, then each step's question (d asks first, then gives the document).
const char* kQuestions = R"F(
const RULES = "You review documents for a compliance team. Answer the question about the document precisely and in the requested format."
workflow main(doc: string) -> bool {
  a = llm big -> bool { user "Document:\n{doc}" user RULES user "Does the document mention a price?" }
  b = llm big -> bool { user "Document:\n{doc}" user RULES user "Does the document name a person?" }
  c = llm big -> int { user "Document:\n{doc}" user RULES user "How many dates does the document mention?" }
  d = llm big -> bool { user "Is the document signed?" user "Document:\n{doc}" user RULES }
  return a and b and c > 0 and d
})F";

/// The parts of a step's user message as text, values as "{}".
std::vector<std::string> parts(const awc::ir::Node& n) {
  std::vector<std::string> out(1);
  for (const auto& s : n.llm().messages.back().segments) {
    if (s.origin == "separator")
      out.emplace_back();
    else
      out.back() += s.isStatic ? s.text : "{}";
  }
  return out;
}

const awc::ir::Node* llmInBody(const awc::Compilation& c, const std::string& map,
                               const std::string& suffix) {
  const awc::ir::Node* m = node(c, map);
  const awc::ir::MapData* body = m ? m->asMap() : nullptr;
  if (!body || !body->body) return nullptr;
  for (const auto& n : body->body->nodes)
    if (!n->removed && n->id.ends_with("/" + suffix)) return n.get();
  return nullptr;
}

} // namespace

TEST_CASE("hoist: shared static text, then the shared document, then the step's question") {
  auto c = compileFlow(kQuestions, 2, {"fuse"});
  REQUIRE(c.ok());
  std::string rules = "You review documents for a compliance team. Answer the question about the "
                      "document precisely and in the requested format.";
  CHECK(parts(*node(c, "a")) ==
        std::vector<std::string>{rules, "Document:\n{}", "Does the document mention a price?"});
  CHECK(parts(*node(c, "d")) ==
        std::vector<std::string>{rules, "Document:\n{}", "Is the document signed?"});
  // One prefix group and one cache key: the instruction and the document.
  std::string key = node(c, "a")->llm().options.promptCacheKey;
  CHECK(!key.empty());
  for (const char* id : {"a", "b", "c", "d"}) {
    INFO(id);
    CHECK(node(c, id)->llm().options.promptCacheKey == key);
    CHECK(!node(c, id)->hints.prefixGroup.empty());
  }
  // Without hoisting each step keeps its order (and -O0 would send it so).
  auto off = compileFlow(kQuestions, 2, {"fuse", "hoist"});
  REQUIRE(off.ok());
  CHECK(parts(*node(off, "d")).front() == "Is the document signed?");
}

TEST_CASE("hoist: a value only one step reads stays after the step's own static text") {
  auto c = compileFlow(R"F(
workflow main(doc: string, other: string) -> bool {
  a = llm big -> bool { user "Document:\n{doc}" user "Does the document mention a price?" }
  b = llm big -> bool { user "Text:\n{other}" user "Does the text name a person?" }
  return a and b
})F",
                       2, {"fuse"});
  REQUIRE(c.ok());
  CHECK(parts(*node(c, "a")) ==
        std::vector<std::string>{"Does the document mention a price?", "Document:\n{}"});
  CHECK(node(c, "a")->hints.prefixGroup.empty());
}

TEST_CASE("hoist: a value that differs between evaluations is never shared") {
  auto c = compileFlow(R"F(
workflow main(doc: string) -> bool {
  a = llm big -> bool { user "Now: {now()}" user "Is it a weekday in the document {doc}?" }
  b = llm big -> bool { user "Now: {now()}" user "Is it a holiday in the document {doc}?" }
  return a and b
})F",
                       2, {"fuse"});
  REQUIRE(c.ok());
  CHECK(parts(*node(c, "a")).front() == "Now: {}"); // no static part to hoist; not reordered
  CHECK(node(c, "a")->llm().options.promptCacheKey.empty());
}

TEST_CASE("warm first and prefix groups count a shared dynamic prefix") {
  // -O1 (no hoist): a, b and c start with the same document; d does not.
  auto o1 = compileFlow(kQuestions, 1);
  REQUIRE(o1.ok());
  CHECK(node(o1, "a")->hints.warmFirst);
  CHECK(node(o1, "b")->hints.waitForWarm == "a");
  CHECK(node(o1, "c")->hints.waitForWarm == "a");
  CHECK(node(o1, "d")->hints.waitForWarm.empty());
  // -O2: hoisting lines d up too.
  auto o2 = compileFlow(kQuestions, 2, {"fuse"});
  REQUIRE(o2.ok());
  for (const char* id : {"b", "c", "d"}) {
    INFO(id);
    CHECK(node(o2, id)->hints.waitForWarm == "a");
  }
  // The estimate counts the cached document: the sequential order reused it too.
  auto o0 = compileFlow(kQuestions, 0);
  REQUIRE(o0.ok());
  CHECK(o0.estimate.cachedTokens >= 2 * 64);
  CHECK(o2.estimate.cachedTokens >= o0.estimate.cachedTokens);
  CHECK(o2.estimate.costUsd <= o0.estimate.costUsd);
}

TEST_CASE("cost model: a shared value counts its type's tokens; a cut value counts none") {
  awc::ir::Segment v;
  v.isStatic = false;
  v.expr = {{"text", {{{"ref", "input.doc"}}}}};
  std::string doc = awc::ir::promptValueMarker(v); // a string: 60 tokens
  v.expr = {{"text", {{{"ref", "input.other"}}}}};
  std::string other = awc::ir::promptValueMarker(v);
  CHECK(awc::ir::prefixTokenCount(doc) == 60);
  // 60 + "Question " = 62 tokens: three whole blocks.
  CHECK(awc::ir::sharedPrefixTokens(doc + "Question one", doc + "Question two", 16) == 48);
  CHECK(awc::ir::sharedPrefixTokens(doc, other, 16) == 0);
  CHECK(awc::ir::prefixHead(doc + "x", 16) == doc);
  CHECK(awc::ir::prefixHead("short", 16).empty());
}

TEST_CASE("map bodies: steps are bounded, hoisted and warmed like top-level ones") {
  auto c = compileFlow(R"F(
const RULES = "You review documents for a compliance team. Answer the question about the document precisely."
workflow main(docs: list<string>) -> list<bool> {
  r = map d in docs {
    x = llm big -> bool { user "Document:\n{d}" user "Does the document mention a price?" user RULES }
    y = llm big -> bool { user "Document:\n{d}" user "Does the document name a person?" user RULES }
    x and y
  }
  return r
})F",
                       2, {"fuse"});
  REQUIRE(c.ok());
  const awc::ir::Node* x = llmInBody(c, "r", "x");
  const awc::ir::Node* y = llmInBody(c, "r", "y");
  REQUIRE(x);
  REQUIRE(y);
  CHECK(x->llm().options.maxTokens);
  CHECK(x->llm().options.maxTokensInferred);
  CHECK(parts(*x).front().starts_with("You review documents"));
  CHECK(parts(*x).at(1) == "Document:\n{}");
  CHECK(!x->hints.prefixGroup.empty());
  CHECK(x->hints.prefixGroup == y->hints.prefixGroup);
  CHECK((x->hints.warmFirst || y->hints.warmFirst));
}

TEST_CASE("bound: free text in a map body is warned about") {
  auto c = compileFlow(R"F(
workflow main(docs: list<string>) -> list<string> {
  r = map d in docs {
    s = llm big -> string { user "Summarise {d}" }
    s
  }
  return r
})F");
  REQUIRE(c.ok());
  CHECK(diagnostics(c).find("AWC6004") != std::string::npos);
}

TEST_CASE("reduce bodies: steps are bounded too") {
  auto c = compileFlow(R"F(
workflow main(xs: list<string>) -> int {
  total = reduce x in xs with acc = 0 {
    s = llm big -> int { user "Score this line from 1 to 5: {x}" }
    acc + s
  }
  return total
})F");
  REQUIRE(c.ok());
  const awc::ir::Node* s = llmInBody(c, "total", "s");
  REQUIRE(s);
  CHECK(s->llm().options.maxTokensInferred);
}
