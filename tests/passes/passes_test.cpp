// Each pass acting, and each opt-out (-fno-<pass> and the per-step flags) stopping it.
#include "ir_test_util.h"

#include <algorithm>
#include <catch2/catch.hpp>

using namespace awc::testing;

namespace {

bool reported(const awc::Compilation& c, const std::string& pass, const std::string& node) {
  for (const auto& r : c.reports)
    if (r.pass == pass)
      for (const auto& ch : r.changes)
        if (ch.node == node) return true;
  return false;
}

} // namespace

TEST_CASE("fold: constants, static prompt text and dead branches") {
  auto c = compileFlow(R"F(
workflow main(q: string) -> string {
  n = 2 + 3
  r = if n > 4 { x = llm small -> string { user "A {q}" max_tokens: 5 } x } else { y = llm small -> string { user "B {q}" max_tokens: 5 } y }
  t = llm small -> string { user "n is {n}: {q}" max_tokens: 5 }
  return r + t
})F");
  REQUIRE(c.ok());
  CHECK(reported(c, "fold", "n"));
  CHECK(node(c, "r/else/y") == nullptr);
  REQUIRE(node(c, "r/then/x") != nullptr);
  CHECK(!node(c, "r/then/x")->guard);
  CHECK(reported(c, "fold", "t")); // "n is 5" became static text
  auto off = compileFlow(R"F(
workflow main(q: string) -> string {
  n = 2 + 3
  t = llm small -> string { user "n is {n}: {q}" max_tokens: 5 }
  return t
})F",
                         2, {"fold"});
  REQUIRE(off.ok());
  CHECK(node(off, "n") != nullptr);
  CHECK(!reported(off, "fold", "t"));
}

TEST_CASE("fold: a reduce whose list folds keeps its initial value's input") {
  auto c = compileFlow(R"F(
workflow main(q: string) -> int {
  base = llm small -> int { user "Guess for {q}" }
  xs = [1, 2, 3]
  total = reduce x in xs with acc = base { acc + x }
  return total
})F");
  REQUIRE(c.ok());
  REQUIRE(node(c, "base") != nullptr);
  CHECK(depIds(c, *node(c, "total")).find("base") != std::string::npos);
}

TEST_CASE("builder and dce: a map depends on the outer steps its body reads") {
  auto c = compileFlow(R"F(
workflow main(q: string, xs: list<int>) -> list<string> {
  ctx = llm small -> string { user "Context for {q}" max_tokens: 20 }
  out = map x in xs { r = llm small -> string { user "Use {ctx} on {x}" max_tokens: 20 } r }
  return out
})F");
  REQUIRE(c.ok());
  REQUIRE(node(c, "ctx") != nullptr); // not removed as dead
  CHECK(depIds(c, *node(c, "out")) == "input.xs,ctx");
}

TEST_CASE("dce: unused steps go, side effects stay; -fno-dce keeps them") {
  const char* flow = R"F(
workflow main(q: string) -> string {
  unused = llm small -> string { user "Nobody reads {q}" max_tokens: 5 }
  sent = notify(q)
  return q
})F";
  auto c = compileFlow(flow);
  REQUIRE(c.ok());
  CHECK(node(c, "unused") == nullptr);
  CHECK(node(c, "sent") != nullptr);
  auto off = compileFlow(flow, 2, {"dce"});
  CHECK(node(off, "unused") != nullptr);
}

TEST_CASE("lower: deterministic arithmetic becomes native; nolower and -fno-lower stop it") {
  const char* flow = R"F(
workflow main(a: int, b: int) -> int {
  x = llm small -> int { user "What is {a} plus {b}? Reply with the number only." FLAG }
  return x
})F";
  std::string text = flow;
  std::string plain = text, flagged = text;
  plain.replace(plain.find("FLAG"), 4, "");
  flagged.replace(flagged.find("FLAG"), 4, "nolower");
  auto c = compileFlow(plain);
  REQUIRE(c.ok());
  CHECK(node(c, "x")->kind() == awc::ir::NodeKind::Native);
  CHECK(node(compileFlow(flagged), "x")->kind() == awc::ir::NodeKind::Llm);
  CHECK(node(compileFlow(plain, 2, {"lower"}), "x")->kind() == awc::ir::NodeKind::Llm);
  CHECK(node(compileFlow(plain, 0), "x")->kind() == awc::ir::NodeKind::Llm);
}

TEST_CASE("lower: bands become a native enum; an un-ISO date shift is only suggested, right") {
  auto c = compileFlow(R"F(
type Level = enum { low, medium, high }
workflow main(score: int, d: string) -> string {
  level = llm small -> Level { user "Classify {score}: below 40 low, 40-70 medium, above 70 high." }
  due = llm small -> string { user "What date is 3 months after {d}?" }
  note = llm small -> string { user "Summarize the ISO 639-1 policy in under 100 words for {d}." max_tokens: 50 }
  return "{level} {due} {note}"
})F");
  REQUIRE(c.ok());
  CHECK(node(c, "level")->kind() == awc::ir::NodeKind::Native);
  CHECK(node(c, "due")->kind() == awc::ir::NodeKind::Llm);
  std::string diags = diagnostics(c);
  CHECK(diags.find("`due = date_add_months(d, 3)`") != std::string::npos);
  CHECK(diags.find("'note'") == std::string::npos);
}

TEST_CASE("rightsize: llm auto classification takes the smallest rung") {
  const char* flow = R"F(
ladder default = [small, big]
workflow main(q: string) -> bool {
  k = llm auto -> bool { user "Is this a question? {q}" }
  return k
})F";
  auto c = compileFlow(flow);
  REQUIRE(c.ok());
  CHECK(node(c, "k")->llm().model == "small");
  CHECK(node(c, "k")->llm().taskClass == "classify");
  auto off = compileFlow(flow, 2, {"rightsize"});
  CHECK(node(off, "k")->llm().model == "big"); // until right-sizing chooses, auto is the largest
}

TEST_CASE("fuse: vertical fusion of a chain on one model; nofuse and -fno-fuse stop it") {
  const char* flow = R"F(
type Mood = enum { positive, neutral, negative }
workflow main(q: string) -> string {
  m = llm small -> Mood { user "Mood of {q}" }
  r = llm small -> string { user "Reply to {q} ({m})" FLAG }
  return r
})F";
  std::string plain = flow, flagged = flow;
  plain.replace(plain.find("FLAG"), 4, "");
  flagged.replace(flagged.find("FLAG"), 4, "nofuse");
  auto c = compileFlow(plain);
  REQUIRE(c.ok());
  const awc::ir::Node* fused = node(c, "m+r");
  REQUIRE(fused != nullptr);
  REQUIRE(fused->llm().fused.size() == 2);
  CHECK(fused->llm().fused[0].name == "m");
  CHECK(fused->llm().fused[1].name == "r");
  CHECK(c.estimate.modelCalls == 1);
  // r's reference to m's answer became words in the fused prompt.
  std::string prompt;
  for (const auto& seg : fused->llm().messages.back().segments)
    prompt += seg.isStatic ? seg.text : "<expr>";
  CHECK(prompt.find("(your answer to task 1)") != std::string::npos);
  // The shared input comes once, after both tasks' instructions: the prompt's only dynamic
  // part is its end, so the instructions are a static prefix a prefix cache keeps.
  CHECK(prompt.find("(input \"q\" below)") < prompt.find("Task 2"));
  CHECK(prompt.find("<expr>") > prompt.find("(your answer to task 1)"));
  CHECK(prompt.find("<expr>") == prompt.rfind("<expr>"));
  CHECK(prompt.substr(prompt.size() - 6) == "<expr>");
  CHECK(node(compileFlow(flagged), "m+r") == nullptr);
  CHECK(node(compileFlow(plain, 2, {"fuse"}), "m+r") == nullptr);
  CHECK(node(compileFlow(plain, 1), "m+r") == nullptr);
}

TEST_CASE("fuse: not onto a model whose constrained answers decode slower than free text") {
  const char* flow = R"F(
type Mood = enum { positive, neutral, negative }
model cpu = openai("cpu-box") { size: "small" STRUCTURED }
workflow main(q: string) -> string {
  m = llm cpu -> Mood { user "Mood of {q}" }
  r = llm cpu -> string { user "Reply to {q} ({m})" max_tokens: 80 }
  return r
})F";
  auto with = [&](const std::string& fields) {
    std::string text = flow;
    text.replace(text.find("STRUCTURED"), 10, fields);
    return compileFlow(text);
  };
  // The reply's 80 tokens would be decoded inside the fused JSON answer, at the slower speed.
  auto slow = with(", structured_tokens_per_s: 10");
  REQUIRE(slow.ok());
  CHECK(node(slow, "m+r") == nullptr);
  CHECK(slow.estimate.modelCalls == 2);
  auto same = with("");
  REQUIRE(same.ok());
  CHECK(node(same, "m+r") != nullptr);
}

TEST_CASE("hoist: static parts first, trimmed; nohoist keeps source order") {
  const char* flow = R"F(
const RULES = "  Answer in one short sentence, politely, without any preamble or apology or commentary.  "
workflow main(q: string) -> string {
  r = llm small -> string { user "Question: {q}" user RULES max_tokens: 30 FLAG }
  return r
})F";
  std::string plain = flow, flagged = flow;
  plain.replace(plain.find("FLAG"), 4, "");
  flagged.replace(flagged.find("FLAG"), 4, "nohoist");
  auto c = compileFlow(plain);
  REQUIRE(c.ok());
  const auto& segs = node(c, "r")->llm().messages.at(0).segments;
  REQUIRE(segs.front().isStatic);
  CHECK(segs.front().text ==
        "Answer in one short sentence, politely, without any preamble or apology or commentary.");
  CHECK(std::any_of(segs.begin(), segs.end(),
                    [](const awc::ir::Segment& x) { return x.cacheBreakpoint; }));
  CHECK(!node(c, "r")->llm().options.promptCacheKey.empty());
  auto kept = compileFlow(flagged);
  CHECK(kept.module->graph.find("r")->llm().messages.at(0).segments.front().text == "Question: ");
}

TEST_CASE("bound: max_tokens from the result type; free text is warned about, not bounded") {
  auto c = compileFlow(R"F(
type Mood = enum { positive, neutral, negative }
workflow main(q: string) -> string {
  m = llm small -> Mood { user "Mood of {q}" }
  r = llm small -> string { user "Reply to {q} ({m})" nofuse }
  return r
})F");
  REQUIRE(c.ok());
  REQUIRE(node(c, "m") != nullptr);
  REQUIRE(node(c, "m")->llm().options.maxTokens);
  CHECK(*node(c, "m")->llm().options.maxTokens < 64);
  CHECK(!node(c, "r")->llm().options.maxTokens);
  CHECK(diagnostics(c).find("AWC6004") != std::string::npos);
  auto off = compileFlow(R"F(
type Mood = enum { positive, neutral, negative }
workflow main(q: string) -> Mood {
  m = llm small -> Mood { user "Mood of {q}" }
  return m
})F",
                         2, {"bound"});
  CHECK(!node(off, "m")->llm().options.maxTokens);
}

TEST_CASE("cache: temperature 0 and pure natives are cacheable; nocache and side effects are not") {
  auto c = compileFlow(R"F(
workflow main(q: string) -> string {
  a = llm small -> string { user "A {q}" temperature: 0 max_tokens: 5 }
  b = llm small -> string { user "B {q}" temperature: 0 max_tokens: 5 nocache nofuse }
  n = notify(a + b)
  return a + b
})F");
  REQUIRE(c.ok());
  CHECK(node(c, "a")->cache.enabled);
  CHECK(!node(c, "a")->cache.key.empty());
  CHECK(!node(c, "b")->cache.enabled);
  CHECK(!node(c, "n")->cache.enabled);
}

TEST_CASE("speculate: an arm's model step may start before the classification") {
  const char* flow = R"F(
workflow main(q: string) -> string {
  urgent = llm small -> bool { user "Urgent? {q}" }
  r = if urgent { x = llm big -> string { user "Escalate: {q}" max_tokens: 50 } x } else { "ok" }
  return r
})F";
  auto c = compileFlow(flow);
  REQUIRE(c.ok());
  CHECK(node(c, "r/then/x")->hints.speculate.has_value());
  CHECK(!node(compileFlow(flow, 2, {"speculate"}), "r/then/x")->hints.speculate.has_value());
}

namespace {

// Two arms of one classification, each with a model step; `cond` is the if's condition.
// `thenPad` words of instructions make the then arm's prompt (and so its cost) larger.
std::string twoArmFlow(const std::string& cond, int thenTokens, int elseTokens, int thenPad = 0) {
  std::string pad;
  for (int i = 0; i < thenPad; ++i)
    pad += "escalate ";
  return "workflow main(q: string) -> string {\n"
         "  urgent = llm small -> bool { user \"Urgent? {q}\" }\n"
         "  hot = " +
         cond +
         "\n"
         "  r = if hot { x = llm big -> string { user \"" +
         pad + "Escalate: {q}\" max_tokens: " + std::to_string(thenTokens) +
         " } x } else { y = llm big -> string { user \"Reassure: {q}\" max_tokens: " +
         std::to_string(elseTokens) + " } y }\n  return r\n}";
}

// The exchange rule: the gain, at the default $0.01 a second, pays for the expected waste.
bool worthIt(const awc::plan::SpeculateHint& h) {
  return h.gainMs / 1000 * 0.01 >= h.extraCostUsd - 1e-9;
}

} // namespace

TEST_CASE("speculate: without likely() each arm has probability 1/2") {
  auto c = compileFlow(twoArmFlow("urgent", 40, 40));
  REQUIRE(c.ok());
  for (const char* id : {"r/then/x", "r/else/y"}) {
    INFO(id);
    REQUIRE(node(c, id)->hints.speculate);
    const auto& h = *node(c, id)->hints.speculate;
    CHECK(h.probability == 0.5);
    CHECK(h.condition == "urgent");
    CHECK(h.gainMs > 0);
    CHECK(h.extraCostUsd == Approx(0.5 * node(c, id)->estCostUsd).margin(1e-9));
    CHECK(worthIt(h));
  }
}

TEST_CASE("speculate: likely() marks the likely arm and not a costly unlikely one") {
  auto c = compileFlow(twoArmFlow("likely(urgent, 0.9)", 400, 400));
  REQUIRE(c.ok());
  REQUIRE(node(c, "r/then/x")->hints.speculate);
  const auto& h = *node(c, "r/then/x")->hints.speculate;
  CHECK(h.probability == Approx(0.9));
  CHECK(h.extraCostUsd == Approx(0.1 * node(c, "r/then/x")->estCostUsd).margin(1e-9));
  CHECK(worthIt(h));
  // The else arm is taken one time in ten: 0.9 × its cost outweighs a tenth of the gain.
  CHECK(!node(c, "r/else/y")->hints.speculate);
  CHECK(reported(c, "speculate", "r/else/y")); // explain says why not
  // At 1/2: wasting half of a long call on the big model (a 3,000-word prompt and 1,000 tokens
  // out: ~$0.004 expected) is not worth half the gain (the small classification's latency,
  // ~$0.001 at $0.01 a second), while a short answer is.
  auto even = compileFlow(twoArmFlow("urgent", 1000, 10, 3000));
  REQUIRE(even.ok());
  CHECK(!node(even, "r/then/x")->hints.speculate);
  CHECK(node(even, "r/else/y")->hints.speculate);
}

TEST_CASE("speculate: the value of a second is the exchange rate (-fspeculate-value=)") {
  awc::CompileOptions o;
  o.verifyEach = true;
  o.speculateUsdPerS = 0; // time is worth nothing: only what costs nothing starts early
  auto c = awc::compileSource("test.flow", std::string(kPrelude) + R"F(
workflow main(q: string) -> string {
  urgent = llm small -> bool { user "Urgent? {q}" }
  r = if urgent {
    n = lookup(q)
    x = llm big -> string { user "Escalate: {q}" max_tokens: 5 }
    "{n} {x}"
  } else { "ok" }
  return r
})F",
                              o);
  REQUIRE(c.ok());
  CHECK(!node(c, "r/then/x")->hints.speculate);
  REQUIRE(node(c, "r/then/n")->hints.speculate); // a pure tool costs nothing
  CHECK(node(c, "r/then/n")->hints.speculate->extraCostUsd == 0);
}

TEST_CASE("speculate: the plan's budget is the passes' saving against -O0") {
  const char* flow = R"F(
workflow main(q: string) -> string {
  notes = llm big -> string { user "Notes on {q}" max_tokens: 300 }
  urgent = llm small -> bool { user "Urgent? {q}" }
  r = if urgent { x = llm big -> string { user "Escalate: {q}" max_tokens: 20 } x } else { "ok" }
  return r
})F";
  auto c2 = compileFlow(flow);
  auto c0 = compileFlow(flow, 0);
  REQUIRE(c2.ok());
  REQUIRE(c0.ok());
  REQUIRE(node(c2, "r/then/x")->hints.speculate);
  REQUIRE(c2.module->speculationBudgetUsd);
  double budget = *c2.module->speculationBudgetUsd;
  CHECK(budget > 0); // dce dropped `notes`, which -O0 pays for
  // Spending all of it still costs no more than -O0, in expectation.
  CHECK(c2.estimate.costUsd + budget <= c0.estimate.costUsd + 1e-6);
  CHECK(c2.plan["estimate"]["speculation_budget_usd"].get<double>() == Approx(budget));
  CHECK(!c0.plan["estimate"].contains("speculation_budget_usd"));
  CHECK(c2.plan["nodes"].dump().find("\"probability\":0.5") != std::string::npos);
}

TEST_CASE("schedule: -O0 is sequential, -O1 parallel, and only schedule runs below -O2") {
  const char* flow = R"F(
workflow main(q: string) -> string {
  a = llm small -> string { user "A {q}" max_tokens: 20 }
  b = llm small -> string { user "B {q}" max_tokens: 20 }
  return a + b
})F";
  auto o0 = compileFlow(flow, 0), o1 = compileFlow(flow, 1);
  REQUIRE(o0.ok());
  REQUIRE(o1.ok());
  CHECK(o0.module->mode == awc::ir::ExecMode::Sequential);
  CHECK(o1.module->mode == awc::ir::ExecMode::Parallel);
  REQUIRE(o0.reports.size() == 1);
  CHECK(o0.reports[0].pass == "schedule");
  CHECK(o1.estimate.latencyMs < o0.estimate.latencyMs);
  CHECK(o1.estimate.costUsd == Approx(o0.estimate.costUsd));
}
