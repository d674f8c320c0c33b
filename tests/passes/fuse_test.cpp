// The fusion gate (issue 15, "Fusion that pays"): short typed questions over one document fuse
// where the separate calls would queue for the server's slots; long free-text answers, whose
// decodes would serialise in one call, do not; the gate's before/after is recorded for
// `explain`; the gate prices the separate calls with the warm-first waits the schedule pass adds
// (a flow where that makes questions fuse, one where it does not); fusion works inside map and
// reduce bodies; many fusable groups are fused in batches.
#include "ir_test_util.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace awc::testing;

namespace {

const awc::passes::PassReport* fuseReport(const awc::Compilation& c) {
  for (const auto& r : c.reports)
    if (r.pass == "fuse") return &r;
  return nullptr;
}

int fusedCalls(const awc::ir::Graph& g) {
  int n = 0;
  for (const auto& node : g.nodes)
    if (!node->removed && node->kind() == awc::ir::NodeKind::Llm && !node->llm().fused.empty()) ++n;
  return n;
}

// A long static policy every question is asked against, so that prefill is what separate
// calls repeat.
std::string policy() {
  std::string text;
  for (int i = 0; i < 120; ++i)
    text += fmt::format("Rule {}: a refund above the limit of region {} needs a second approver. ",
                        i, i % 7);
  return text;
}

// Four typed questions or three free-text summaries over the same document, on a model
// served with `slots` parallel slots (0 = as many as asked for).
std::string questions(bool freeText, int slots) {
  std::string model =
      fmt::format("model srv = openai(\"qwen-7b\") {{ size: \"medium\", price_in: 0.5, "
                  "price_out: 1.5{} }}\n",
                  slots ? fmt::format(", max_concurrency: {}", slots) : "");
  std::string flow = model + "type Risk = enum { low, medium, high }\nconst POLICY = \"" +
                     policy() + "\"\nworkflow main(doc: string) -> string {\n";
  if (freeText) {
    for (const char* name : {"summary", "risks", "actions"})
      flow += fmt::format("  {0} = llm srv -> string {{ system POLICY user \"Write the {0} of "
                          "this claim.\\n{{doc}}\" }}\n",
                          name);
    flow += "  return summary + risks + actions\n}\n";
  } else {
    flow += "  risk = llm srv -> Risk { system POLICY user \"How risky is this claim?\\n{doc}\" }\n"
            "  fraud = llm srv -> bool { system POLICY user \"Is this claim fraud?\\n{doc}\" }\n"
            "  second = llm srv -> bool { system POLICY user \"Does it need a second approver?"
            "\\n{doc}\" }\n"
            "  items = llm srv -> int { system POLICY user \"How many items are claimed?\\n{doc}\" "
            "}\n"
            "  return \"{risk} {fraud} {second} {items}\"\n}\n";
  }
  return flow;
}

} // namespace

TEST_CASE("fuse: four short typed questions over one document fuse when they would queue") {
  // One slot: the separate calls would run one after another, each paying its own round trip
  // and prefill; one call answers all four after a single prefill.
  auto c = compileFlow(questions(false, 1));
  REQUIRE(c.ok());
  INFO(diagnostics(c));
  CHECK(fusedCalls(c.module->graph) == 1);
  CHECK(c.estimate.modelCalls == 1);
  const awc::ir::Node* f = nullptr;
  for (const auto& n : c.module->graph.nodes)
    if (!n->removed && n->kind() == awc::ir::NodeKind::Llm && !n->llm().fused.empty()) f = n.get();
  REQUIRE(f != nullptr);
  CHECK(f->llm().fused.size() == 4);
  // Every accepted fusion records the estimate before and after: faster and not costlier.
  const awc::passes::PassReport* r = fuseReport(c);
  REQUIRE(r != nullptr);
  REQUIRE(!r->changes.empty());
  for (const auto& ch : r->changes) {
    INFO(ch.message);
    CHECK(ch.detail["fused_finish_ms"].get<double>() < ch.detail["parts_finish_ms"].get<double>());
    CHECK(ch.detail["latency_ms_after"].get<double>() <=
          ch.detail["latency_ms_before"].get<double>());
    CHECK(ch.detail["cost_usd_after"].get<double>() <= ch.detail["cost_usd_before"].get<double>());
  }
  // The same questions unfused are slower and costlier by the plan's own estimate.
  auto off = compileFlow(questions(false, 1), 2, {"fuse"});
  REQUIRE(off.ok());
  CHECK(off.estimate.modelCalls == 4);
  CHECK(off.estimate.latencyMs > c.estimate.latencyMs);
  CHECK(off.estimate.costUsd > c.estimate.costUsd);
}

const awc::passes::PassReport* passReport(const awc::Compilation& c, const std::string& pass) {
  for (const auto& r : c.reports)
    if (r.pass == pass) return &r;
  return nullptr;
}

TEST_CASE("fuse: with free slots, the warm-first waits schedule adds make two questions fuse") {
  // Priced as the estimate alone sees them, the separate calls decode side by side in about one
  // call's time and every fusion is slower. But they share a 2,000-token prefix, so `schedule`
  // makes the later ones wait for the first one's first token (warm first): that is how the
  // final plan runs them, and the gate prices them so. Then one call answering two of the
  // questions finishes sooner and costs less; a third does not pay.
  auto c = compileFlow(questions(false, 0));
  REQUIRE(c.ok());
  CHECK(fusedCalls(c.module->graph) == 1);
  CHECK(c.estimate.modelCalls == 3);
  const awc::passes::PassReport* r = fuseReport(c);
  REQUIRE(r != nullptr);
  REQUIRE(r->changes.size() == 1);
  const auto& d = r->changes[0].detail;
  INFO(r->changes[0].message);
  // explain says why: the waits decided it, and how late the separate answers are without them.
  REQUIRE(d.contains("warm_first"));
  CHECK(d["warm_first"]["decided"] == "fused");
  CHECK(d["parts_finish_ms"].get<double>() >
        d["warm_first"]["parts_finish_ms_unwarmed"].get<double>());
  CHECK(r->changes[0].message.find("warm first decided it") != std::string::npos);
  CHECK(d["fused_finish_ms"].get<double>() < d["parts_finish_ms"].get<double>());
  CHECK(d["cost_usd_after"].get<double>() <= d["cost_usd_before"].get<double>());
  // The final plan, warm-first waits and all, is neither slower nor costlier than without fuse.
  auto off = compileFlow(questions(false, 0), 2, {"fuse"});
  REQUIRE(off.ok());
  CHECK(off.estimate.modelCalls == 4);
  CHECK(c.estimate.latencyMs <= off.estimate.latencyMs);
  CHECK(c.estimate.costUsd <= off.estimate.costUsd);
  // The fused call leads the warm-first group: the two questions left wait for its first token.
  const awc::passes::PassReport* s = passReport(c, "schedule");
  REQUIRE(s != nullptr);
  CHECK(s->changes.front().node.find('+') != std::string::npos);
}

TEST_CASE(
    "fuse: a fusion the warm-first waits make costlier is kept separate, and explain says so") {
  // The document first, then the question, on three slots. On the estimate alone each separate
  // call pays the whole 2,000-token policy and one call answering two questions is far cheaper,
  // so the gate used to fuse them — and the final plan, in which the later calls read the
  // prefix the first one warmed, cost more than without the fusion. Priced with the waits, the
  // fused call is costlier than the separate calls: it stays apart.
  std::string flow =
      "model srv = openai(\"qwen-7b\") { size: \"medium\", price_in: 0.5, "
      "price_out: 1.5, max_concurrency: 3 }\ntype Risk = enum { low, medium, high }\n"
      "const POLICY = \"" +
      policy() + "\"\nworkflow main(doc: string) -> string {\n";
  for (const char* q :
       {"risk = llm srv -> Risk { system POLICY user \"{doc}\\nHow risky is it?\" }",
        "fraud = llm srv -> bool { system POLICY user \"{doc}\\nIs it fraud?\" }",
        "second = llm srv -> bool { system POLICY user \"{doc}\\nDoes it need "
        "a second approver?\" }",
        "items = llm srv -> int { system POLICY user \"{doc}\\nHow many items "
        "are claimed?\" }"})
    flow += std::string("  ") + q + "\n";
  flow += "  return \"{risk} {fraud} {second} {items}\"\n}\n";
  auto c = compileFlow(flow);
  REQUIRE(c.ok());
  CHECK(fusedCalls(c.module->graph) == 0);
  CHECK(c.estimate.modelCalls == 4);
  const awc::passes::PassReport* r = fuseReport(c);
  REQUIRE(r != nullptr);
  REQUIRE(!r->changes.empty());
  for (const auto& ch : r->changes) {
    INFO(ch.message);
    CHECK(ch.detail["kind"] == "kept_separate");
    CHECK(ch.detail["warm_first"]["decided"] == "kept_separate");
    // Without the waits the separate calls looked far costlier than they will be.
    CHECK(ch.detail["warm_first"]["cost_usd_before_unwarmed"].get<double>() >
          ch.detail["warm_first"]["cost_usd_after_unwarmed"].get<double>());
    CHECK(ch.message.rfind("kept separate: ", 0) == 0);
  }
  // And the plan costs no more than at -O1.
  auto o1 = compileFlow(flow, 1);
  REQUIRE(o1.ok());
  CHECK(c.estimate.costUsd <= o1.estimate.costUsd);
}

TEST_CASE("fuse: three free-text summaries over one document do not fuse") {
  // Free slots: their decodes run side by side, and one call would decode them in turn. Two
  // slots: two decode at once, so fusing two of them saves one round trip of three long
  // answers — less than the 5 % a fusion must win.
  for (int slots : {0, 2}) {
    INFO("slots " << slots);
    auto c = compileFlow(questions(true, slots));
    REQUIRE(c.ok());
    CHECK(fusedCalls(c.module->graph) == 0);
    CHECK(c.estimate.modelCalls == 3);
    // Warm first is in play (the final plan makes the later summaries wait for the first one's
    // prefix, and the gate priced them so), and still their serial decode does not pay.
    const awc::passes::PassReport* s = passReport(c, "schedule");
    REQUIRE(s != nullptr);
    CHECK(s->changes.front().detail.contains("followers"));
    CHECK(fuseReport(c)->changes.empty());
  }
}

// A chain of two steps under one long system prompt, in a map or reduce body: fused, the
// prompt is sent (and paid) once per element and one round trip is saved.
std::string bodyFlow(bool reduce) {
  std::string body = "    m = llm small -> Mood { system POLICY user \"Mood of {q}\" }\n"
                     "    r = llm small -> string { system POLICY user \"Reply to {q} ({m})\" "
                     "max_tokens: 40 }\n";
  std::string head =
      "type Mood = enum { positive, neutral, negative }\nconst POLICY = \"" + policy() + "\"\n";
  if (reduce)
    return head +
           "workflow main(qs: list<string>) -> string {\n"
           "  all = reduce q in qs with acc = \"\" {\n" +
           body + "    acc + r\n  }\n  return all\n}\n";
  return head + "workflow main(qs: list<string>) -> list<string> {\n  all = map q in qs {\n" +
         body + "    r\n  }\n  return all\n}\n";
}

TEST_CASE("fuse: a chain inside a map body fuses, gated on the body") {
  auto c = compileFlow(bodyFlow(false));
  REQUIRE(c.ok());
  const awc::ir::Node* all = node(c, "all");
  REQUIRE(all != nullptr);
  REQUIRE(all->map().body);
  CHECK(fusedCalls(*all->map().body) == 1);
  CHECK(all->map().body->find("all/m+all/r") != nullptr);
  auto off = compileFlow(bodyFlow(false), 2, {"fuse"});
  REQUIRE(off.ok());
  CHECK(fusedCalls(*node(off, "all")->map().body) == 0);
  CHECK(off.estimate.latencyMs > c.estimate.latencyMs);
  CHECK(off.estimate.costUsd > c.estimate.costUsd);
}

TEST_CASE("fuse: inside a reduce body too") {
  auto c = compileFlow(bodyFlow(true));
  REQUIRE(c.ok());
  const awc::ir::Node* all = node(c, "all");
  REQUIRE(all != nullptr);
  REQUIRE(all->map().body);
  CHECK(fusedCalls(*all->map().body) == 1);
}

// `groups` documents, each asked three yes/no questions under the long policy, on one slot.
std::string manyGroups(int groups) {
  std::string flow = "model srv = openai(\"qwen-7b\") { size: \"medium\", price_in: 0.5, "
                     "price_out: 1.5, max_concurrency: 1 }\nconst POLICY = \"" +
                     policy() + "\"\nworkflow main(q: string) -> list<bool> {\n";
  std::string list;
  for (int i = 0; i < groups; ++i) {
    flow += fmt::format("  d{0} = q + \" part {0}\"\n", i);
    for (const char* name : {"a", "b", "c"})
      flow += fmt::format("  {0}{1} = llm srv -> bool {{ system POLICY user \"Question {0} about "
                          "part {1}: is it fraud?\\n{{d{1}}}\" }}\n",
                          name, i);
    list += fmt::format("{0}a{1}, b{1}, c{1}", i ? ", " : "", i);
  }
  return flow + "  return [" + list + "]\n}\n";
}

TEST_CASE("fuse: many fusable groups are fused a round at a time, each into one call") {
  // Past 16 groups the pass tries one pair of every group per estimate (batch rounds) rather
  // than one pair per estimate; the result must be what one at a time finds: one call a group.
  for (int groups : {4, 24}) {
    INFO("groups " << groups);
    auto c = compileFlow(manyGroups(groups));
    REQUIRE(c.ok());
    CHECK(fusedCalls(c.module->graph) == groups);
    CHECK(c.estimate.modelCalls == groups);
    for (int i = 0; i < groups; ++i)
      CHECK(c.module->graph.find(fmt::format("a{0}+b{0}+c{0}", i)) != nullptr);
    const awc::passes::PassReport* r = fuseReport(c);
    REQUIRE(r != nullptr);
    for (const auto& ch : r->changes) {
      INFO(ch.message);
      CHECK(ch.detail["fused_finish_ms"].get<double>() <
            ch.detail["parts_finish_ms"].get<double>());
      CHECK(ch.detail["latency_ms_after"].get<double>() <=
            ch.detail["latency_ms_before"].get<double>());
      CHECK(ch.detail["cost_usd_after"].get<double>() <=
            ch.detail["cost_usd_before"].get<double>());
    }
    auto off = compileFlow(manyGroups(groups), 2, {"fuse"});
    REQUIRE(off.ok());
    CHECK(off.estimate.latencyMs > c.estimate.latencyMs);
    CHECK(off.estimate.costUsd > c.estimate.costUsd);
  }
}
