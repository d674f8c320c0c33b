// rightsize moving a named model's classify/extract steps to a declared cheaper alternative:
// only with consent (step flag, workflow option, -frightsize), never without, never for
// generate/reason or `llm auto`, and within the context and structured-output limits.
#include "ir_test_util.h"

#include <catch2/catch.hpp>
#include <string>

using namespace awc::testing;

namespace {

// Three sizes of one family; `big` accepts both smaller ones.
const char* kModels = R"(
model nano = openai("nano-model") { price_in: 0.02, price_out: 0.05, size: "small", context: 300 }
model mini = openai("mini-model") { price_in: 0.15, price_out: 0.6, size: "small" }
model mid = openai("mid-model") { price_in: 0.5, price_out: 1.5, size: "medium" }
model large = openai("large-model") { price_in: 2.5, price_out: 10, size: "large", cheaper: [mini, nano, mid] }
)";

const char* kFlow = R"(
type Facts = { age: int, vip: bool }
workflow main(t: string) -> string WITH {
  spam = llm large -> bool { user "Is this spam? {t}" FLAG }
  who = llm large -> Facts { user "Age and status of the writer of {t}" }
  reply = llm large -> string { user "Write a reply to {t}" max_tokens: 100 }
  return "{spam} {who.age} {reply}"
})";

awc::Compilation compileWith(const std::string& with, const std::string& flag,
                             std::set<std::string> cliTasks = {},
                             const std::string& models = kModels) {
  std::string flow = kFlow;
  flow.replace(flow.find("WITH"), 4, with);
  flow.replace(flow.find("FLAG"), 4, flag);
  awc::CompileOptions o;
  o.verifyEach = true;
  o.rightsizeTasks = std::move(cliTasks);
  return awc::compileSource("test.flow", models + flow, o);
}

const awc::passes::Change* change(const awc::Compilation& c, const std::string& node) {
  for (const auto& r : c.reports)
    if (r.pass == "rightsize")
      for (const auto& ch : r.changes)
        if (ch.node == node) return &ch;
  return nullptr;
}

size_t countCode(const awc::Compilation& c, awc::DiagCode code) {
  size_t n = 0;
  for (const auto& d : c.diags->diagnostics())
    n += d.code == code;
  return n;
}

} // namespace

TEST_CASE("rightsize: without consent a named model stays and AWC6006 names the opt-in") {
  auto c = compileWith("", "");
  REQUIRE(c.ok());
  CHECK(node(c, "spam")->llm().model == "large");
  CHECK(node(c, "who")->llm().model == "large");
  CHECK(node(c, "spam")->llm().rightsizedFrom.empty());
  CHECK(change(c, "spam") == nullptr);
  CHECK(countCode(c, awc::DiagCode::OversizedModel) == 2);
  std::string text = diagnostics(c);
  CHECK(text.find("-frightsize=classify") != std::string::npos);
  CHECK(text.find("'large' names cheaper alternatives") != std::string::npos);
  CHECK(c.plan.dump().find("rightsized_from") == std::string::npos);
}

TEST_CASE("rightsize: -frightsize moves the opted-in task classes to the cheapest allowed") {
  auto c = compileWith("", "", {"classify"});
  REQUIRE(c.ok());
  // nano is the cheapest small model, and a bool fits anywhere.
  CHECK(node(c, "spam")->llm().model == "nano");
  CHECK(node(c, "spam")->llm().rightsizedFrom == "large");
  CHECK(node(c, "who")->llm().model == "large"); // extract was not opted in
  const auto* ch = change(c, "spam");
  REQUIRE(ch);
  CHECK(ch->message == "large → nano (classify task, -frightsize; cheapest of 3 allowed "
                       "alternatives)");
  CHECK(ch->detail["consent"] == "-frightsize");
  CHECK(countCode(c, awc::DiagCode::OversizedModel) == 1); // only `who` is still warned about

  auto both = compileWith("", "", {"classify", "extract"});
  REQUIRE(both.ok());
  CHECK(node(both, "who")->llm().model == "nano");
  CHECK(node(both, "reply")->llm().model == "large"); // generate keeps its model
  CHECK(change(both, "reply") == nullptr);
  CHECK(countCode(both, awc::DiagCode::OversizedModel) == 0);
  // The plan records the model the flow named.
  CHECK(both.plan.dump().find(R"("rightsized_from":"large")") != std::string::npos);
}

TEST_CASE("rightsize: the workflow option and the step flag opt in, norightsize refuses") {
  auto flow = compileWith("with { rightsize: [extract] }", "");
  REQUIRE(flow.ok());
  CHECK(node(flow, "who")->llm().model == "nano");
  CHECK(node(flow, "spam")->llm().model == "large");
  CHECK(change(flow, "who")->detail["consent"] == "workflow option `rightsize`");

  auto step = compileWith("", "rightsize");
  REQUIRE(step.ok());
  CHECK(node(step, "spam")->llm().model == "nano");
  CHECK(node(step, "who")->llm().model == "large");
  CHECK(change(step, "spam")->detail["consent"] == "step flag `rightsize`");

  auto refused = compileWith("with { rightsize: [classify] }", "norightsize", {"classify"});
  REQUIRE(refused.ok());
  CHECK(node(refused, "spam")->llm().model == "large");
  CHECK(change(refused, "spam") == nullptr);
  // The author decided: no oversized warning for the refused step either.
  CHECK(countCode(refused, awc::DiagCode::OversizedModel) == 1);
}

TEST_CASE("rightsize: -fno-rightsize and -O1 keep every model whatever the consent") {
  std::string flow = std::string(kModels) + R"(
workflow main(t: string) -> bool with { rightsize: [classify] } {
  spam = llm large -> bool { user "Is this spam? {t}" }
  return spam
})";
  awc::CompileOptions o;
  o.disabledPasses = {"rightsize"};
  CHECK(awc::compileSource("t.flow", flow, o).module->graph.find("spam")->llm().model == "large");
  o.disabledPasses.clear();
  o.optLevel = 1;
  CHECK(awc::compileSource("t.flow", flow, o).module->graph.find("spam")->llm().model == "large");
}

TEST_CASE("rightsize: the context window and structured output limit the alternatives") {
  // A long prompt does not fit nano's 300-token context: mini takes it.
  std::string longText(3000, 'x');
  for (size_t i = 50; i < longText.size(); i += 51)
    longText[i] = ' ';
  std::string flow = std::string(kModels) + "const DOC = \"" + longText + R"("
type Big = { a: int, b: int, c: int, d: int, e: int, f: int, g: int, h: int, i: int, j: int }
workflow main(t: string) -> string with { rightsize: [classify, extract] } {
  spam = llm large -> bool { system DOC user "Is this spam? {t}" }
  nums = llm large -> Big { user "Extract the numbers of {t}" }
  return "{spam} {nums.a}"
})";
  awc::CompileOptions o;
  o.verifyEach = true;
  auto c = awc::compileSource("t.flow", flow, o);
  REQUIRE(c.ok());
  CHECK(node(c, "spam")->llm().model == "mini");
  const auto* ch = change(c, "spam");
  REQUIRE(ch);
  REQUIRE(ch->detail["rejected"].size() == 1);
  CHECK(ch->detail["rejected"][0]["model"] == "nano");
  CHECK(ch->detail["rejected"][0]["reason"].get<std::string>().find("context of 300") !=
        std::string::npos);
  // Ten fields are too many for a small model: the medium one takes the extraction.
  CHECK(node(c, "nums")->llm().model == "mid");
  CHECK(change(c, "nums")->detail["rejected"].size() == 2);
}

TEST_CASE("rightsize: alternatives that are not smaller or cheaper are never taken") {
  std::string models = R"(
model other = openai("other-large") { price_in: 3, price_out: 12, size: "large" }
model large = openai("large-model") { price_in: 2.5, price_out: 10, size: "large", cheaper: [other] }
)";
  auto c = compileWith("", "", {"classify"}, models);
  REQUIRE(c.ok());
  CHECK(node(c, "spam")->llm().model == "large");
  const auto* ch = change(c, "spam");
  REQUIRE(ch);
  CHECK(ch->message.find("kept large") == 0);
  CHECK(ch->message.find("costs more") != std::string::npos);
  // spam is still oversized, so its warning stays (who was never opted in).
  CHECK(countCode(c, awc::DiagCode::OversizedModel) == 2);
}

TEST_CASE("rightsize: a rightsize flag on a free-text step is reported as having no effect") {
  std::string flow = std::string(kModels) + R"(
workflow main(t: string) -> string {
  reply = llm large -> string { user "Write a reply to {t}" max_tokens: 100 rightsize }
  return reply
})";
  awc::CompileOptions o;
  auto c = awc::compileSource("t.flow", flow, o);
  REQUIRE(c.ok());
  CHECK(node(c, "reply")->llm().model == "large");
  CHECK(countCode(c, awc::DiagCode::IgnoredOption) == 1);
  REQUIRE(change(c, "reply"));
  CHECK(change(c, "reply")->message ==
        "kept large (generate task: only classify and extract move)");
}

TEST_CASE("rightsize: steps in map bodies move too") {
  std::string flow = std::string(kModels) + R"(
workflow main(ts: list<string>) -> list<bool> with { rightsize: [classify] } {
  flags = map t in ts {
    s = llm large -> bool { user "Is this spam? {t}" }
    s
  }
  return flags
})";
  awc::CompileOptions o;
  o.verifyEach = true;
  auto c = awc::compileSource("t.flow", flow, o);
  REQUIRE(c.ok());
  const awc::ir::Node* m = node(c, "flags");
  REQUIRE(m);
  REQUIRE(m->map().body);
  const awc::ir::Node* s = nullptr;
  for (const auto& n : m->map().body->nodes)
    if (n->kind() == awc::ir::NodeKind::Llm && !n->removed) s = n.get();
  REQUIRE(s);
  CHECK(s->llm().model == "nano");
  CHECK(s->llm().rightsizedFrom == "large");
}
