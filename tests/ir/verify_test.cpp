// ir::verify: a valid module passes; each broken invariant, made by hand on a real module, is
// reported on the right node. Also --print-after's printer and the pipeline's verify hook.
#include "awc/ir/printer.h"
#include "awc/ir/verify.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::testing;
using awc::ir::NodeKind;

namespace {

const char* kFlow = R"F(
workflow main(q: string, n: int) -> string {
  k = lookup(q)
  t = k * n
  r = if t > 1 {
    a = llm small -> string { user "A {q} {t}" max_tokens: 5 }
    a
  } else {
    "none"
  }
  xs = map x in [1, 2, 3] { y = x * n
    y }
  return "{r} {xs}"
})F";

/// Whether some problem names `node` and contains `text`.
bool reports(const awc::ir::Module& m, const std::string& node, const std::string& text) {
  for (const auto& p : awc::ir::verify(m))
    if (p.node == node && p.message.find(text) != std::string::npos) return true;
  return false;
}

awc::ir::Node& mut(awc::Compilation& c, const std::string& id) {
  return *const_cast<awc::ir::Node*>(node(c, id));
}

} // namespace

TEST_CASE("verify: built and optimised modules are valid") {
  for (int level : {0, 2}) {
    auto c = compileFlow(kFlow, level);
    REQUIRE(c.ok());
    INFO(awc::ir::formatProblems(awc::ir::verify(*c.module)));
    CHECK(awc::ir::verify(*c.module).empty());
  }
}

TEST_CASE("verify: graph shape — deps, byId, cycles, removed nodes") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  auto& g = c.module->graph;
  auto& t = mut(c, "t");
  SECTION("unsorted deps") {
    std::swap(t.deps[0], t.deps[1]);
    CHECK(reports(*c.module, "t", "not sorted"));
  }
  SECTION("a dep on a removed node") {
    mut(c, "k").removed = true;
    CHECK(reports(*c.module, "t", "depends on removed node 'k'"));
  }
  SECTION("a dep out of range") {
    t.deps.push_back(static_cast<awc::ir::NodeIndex>(g.nodes.size() + 5));
    CHECK(reports(*c.module, "t", "out of range"));
  }
  SECTION("a cycle") {
    auto& k = mut(c, "k");
    k.deps.push_back(t.index);
    std::sort(k.deps.begin(), k.deps.end());
    CHECK(reports(*c.module, "", "dependency cycle"));
  }
  SECTION("byId out of step with the nodes") {
    g.byId["t"] = node(c, "k")->index;
    CHECK(reports(*c.module, "t", "byId points at node 'k'"));
    CHECK(reports(*c.module, "t", "not what byId finds"));
  }
  SECTION("a ref that is not a dep") {
    t.deps.erase(std::find(t.deps.begin(), t.deps.end(), node(c, "k")->index));
    CHECK(reports(*c.module, "t", "reads 'k' but does not depend on it"));
  }
  SECTION("a ref to an unknown name") {
    t.expr() = {{"ref", "nowhere"}};
    CHECK(reports(*c.module, "t", "unknown name 'nowhere'"));
  }
  SECTION("two output nodes") {
    mut(c, "t").setKind(NodeKind::Output);
    CHECK(reports(*c.module, "", "2 live output nodes"));
  }
}

TEST_CASE("verify: per-kind fields") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  SECTION("llm: undeclared model, no messages") {
    auto& a = mut(c, "r/then/a");
    a.llm().model = "ghost";
    a.llm().messages.clear();
    CHECK(reports(*c.module, "r/then/a", "undeclared model 'ghost'"));
    CHECK(reports(*c.module, "r/then/a", "no messages"));
  }
  SECTION("llm: a malformed prompt expression") {
    auto& a = mut(c, "r/then/a");
    for (auto& m : a.llm().messages)
      for (auto& s : m.segments)
        if (!s.isStatic) s.expr = {{"op", "^"}, {"args", {{{"lit", 1}}, {{"lit", 2}}}}};
    CHECK(reports(*c.module, "r/then/a", "malformed prompt expression"));
  }
  SECTION("tool: undeclared tool, missing and unknown arguments") {
    auto& k = mut(c, "k");
    k.tool().args["extra"] = {{"lit", 1}};
    CHECK(reports(*c.module, "k", "'extra' is not a parameter"));
    k.tool().args.erase("q");
    CHECK(reports(*c.module, "k", "no argument for parameter 'q'"));
    k.tool().name = "ghost";
    CHECK(reports(*c.module, "k", "undeclared tool 'ghost'"));
  }
  SECTION("the payload of another kind") {
    // Only NodeTestAccess can build this: setKind() always installs the matching payload.
    awc::ir::NodeTestAccess::setPayload(mut(c, "t"), awc::ir::LlmData{});
    awc::ir::NodeTestAccess::setPayload(mut(c, "k"), awc::ir::ExprData{});
    CHECK(reports(*c.module, "t", "a native node has the payload of another kind"));
    CHECK(reports(*c.module, "k", "a tool node has the payload of another kind"));
  }
  SECTION("a schema on a node that is not a model call") {
    mut(c, "t").schema = {{"type", "integer"}};
    CHECK(reports(*c.module, "t", "a native node has a schema"));
  }
  SECTION("native: malformed expression") {
    mut(c, "t").expr() = {{"call", "no_such_function"}, {"args", nlohmann::json::array()}};
    CHECK(reports(*c.module, "t", "malformed expression"));
  }
  SECTION("guards point at live branch nodes and are deps") {
    auto& a = mut(c, "r/then/a");
    a.guard->branch = node(c, "k")->index; // a tool node a does not read
    CHECK(reports(*c.module, "r/then/a", "guarded by 'k', not a branch"));
    CHECK(reports(*c.module, "r/then/a", "guard branch 'k' is not among the deps"));
  }
  SECTION("negative estimates") {
    mut(c, "t").estMs = -1;
    CHECK(reports(*c.module, "t", "estimated latency is -1"));
  }
  SECTION("fused parts are unique and need a schema") {
    auto& a = mut(c, "r/then/a");
    a.llm().fused = {{"p", "s01_p", nullptr, {}}, {"p", "s01_p", nullptr, {}}};
    CHECK(reports(*c.module, "r/then/a", "fused part 'p' listed twice"));
    CHECK(reports(*c.module, "r/then/a", "fused field 's01_p' used twice"));
    CHECK(reports(*c.module, "r/then/a", "no object schema"));
  }
}

TEST_CASE("verify: map bodies are verified in their own scope") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  auto& xs = mut(c, "xs");
  REQUIRE(xs.map().body);
  CHECK(awc::ir::verify(*c.module).empty()); // the body reads its element and an outer input
  auto& y = *xs.map().body->nodes.front();
  y.expr() = {{"ref", "not_bound"}};
  CHECK(reports(*c.module, y.id, "unknown name 'not_bound'"));
  xs.map().body.reset();
  CHECK(reports(*c.module, "xs", "no body"));
}

TEST_CASE("verify-each: print-after dumps the IR after the named passes") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  awc::passes::PassContext ctx{*c.module, *c.diags, {}, std::nullopt};
  awc::passes::PipelineOptions p;
  p.optLevel = 2;
  p.verifyEach = true;
  p.printAfter = {"fold", "schedule"};
  std::vector<std::string> printed;
  std::string last;
  p.printSink = [&](const std::string& pass, const std::string& ir) {
    printed.push_back(pass);
    last = ir;
  };
  awc::passes::runPipeline(ctx, p);
  CHECK(printed == std::vector<std::string>{"fold", "schedule"});
  CHECK(last.find("%0 input input.q") != std::string::npos);
  CHECK(last.find("llm r/then/a") != std::string::npos);
  CHECK(last.find("guard=r/if:then") != std::string::npos);
  p.printAfter = {"all"};
  p.optLevel = 0; // -O0 runs only `schedule`
  printed.clear();
  awc::passes::runPipeline(ctx, p);
  CHECK(printed == std::vector<std::string>{"schedule"});
}

TEST_CASE("verify-each: invalid IR stops the pipeline with a VerifyError naming the stage") {
  auto c = compileFlow(kFlow, 0);
  REQUIRE(c.ok());
  mut(c, "t").estMs = -5;
  awc::passes::PassContext ctx{*c.module, *c.diags, {}, std::nullopt};
  awc::passes::PipelineOptions p;
  p.verifyEach = true;
  CHECK_THROWS_WITH(awc::passes::runPipeline(ctx, p),
                    Catch::Contains("after building the IR") && Catch::Contains("t: estimated"));
}
