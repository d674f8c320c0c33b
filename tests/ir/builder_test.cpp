// The IR builder through the real front end: node kinds, ids, deps, guards, map bodies.
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::testing;
using awc::ir::NodeKind;

TEST_CASE("builder: one node per input, step and return, with derived deps") {
  auto c = compileFlow(R"F(
workflow main(q: string, n: int = 3) -> string {
  k = lookup(q)
  t = k * n
  r = llm small -> string { system "Be brief." user "Value {t} for {q}" max_tokens: 10 }
  return r
})F",
                       0);
  REQUIRE(c.ok());
  CHECK(node(c, "input.q")->kind() == NodeKind::Input);
  CHECK(node(c, "input.n")->input().defaultValue == 3);
  CHECK(node(c, "k")->kind() == NodeKind::Tool);
  CHECK(node(c, "t")->kind() == NodeKind::Native);
  CHECK(node(c, "r")->kind() == NodeKind::Llm);
  CHECK(node(c, "output")->kind() == NodeKind::Output);
  CHECK(depIds(c, *node(c, "t")) == "input.n,k");
  CHECK(depIds(c, *node(c, "r")) == "input.q,t");
  const auto& msgs = node(c, "r")->llm().messages;
  REQUIRE(msgs.size() == 2);
  CHECK(msgs[0].role == "system");
  CHECK(msgs[0].segments[0].text == "Be brief.");
  CHECK(msgs[1].segments[0].isStatic);
  CHECK(!msgs[1].segments[1].isStatic); // {t}
  CHECK(c.module->graph.isAcyclic());
}

TEST_CASE("builder: if / else if arms are guarded by their own branch nodes") {
  auto c = compileFlow(R"F(
workflow main(q: string, n: int) -> string {
  r = if n > 1 {
    a = llm small -> string { user "A {q}" max_tokens: 5 }
    a
  } else if n > 0 {
    b = llm small -> string { user "B {q}" max_tokens: 5 }
    b
  } else {
    "none"
  }
  return r
})F",
                       0);
  REQUIRE(c.ok());
  const auto& g = c.module->graph;
  REQUIRE(node(c, "r/if") != nullptr);
  CHECK(node(c, "r/if")->kind() == NodeKind::Branch);
  REQUIRE(node(c, "r/then/a")->guard);
  CHECK(g.nodes[node(c, "r/then/a")->guard->branch]->id == "r/if");
  CHECK(node(c, "r/then/a")->guard->arm == 0);
  REQUIRE(node(c, "r/else/if") != nullptr);
  CHECK(node(c, "r/else/if")->guard->arm == 1);
  CHECK(g.nodes[node(c, "r/else/then/b")->guard->branch]->id == "r/else/if");
  CHECK(node(c, "r")->kind() == NodeKind::Native);
  CHECK(node(c, "r")->expr().contains("if"));
}

TEST_CASE("builder: map bodies are nested graphs; captures are deps") {
  auto c = compileFlow(R"F(
workflow main(q: string, xs: list<int>) -> list<string> {
  ctx = lookup(q)
  out = map x in xs {
    r = llm small -> string { user "Use {ctx} on {x}" max_tokens: 20 }
    r
  }
  return out
})F",
                       0);
  REQUIRE(c.ok());
  const awc::ir::Node* m = node(c, "out");
  REQUIRE(m->kind() == NodeKind::Map);
  REQUIRE(m->map().body);
  CHECK(m->map().body->find("out/r") != nullptr);
  CHECK(m->map().var == "x");
  CHECK(depIds(c, *m) == "input.xs,ctx");
}

TEST_CASE("builder: constants become static segments, other holes dynamic") {
  auto c = compileFlow(R"F(
const RULES = "Be kind."
workflow main(q: string) -> string {
  r = llm small -> string { user "{RULES} Answer {q}" max_tokens: 10 }
  return r
})F",
                       0);
  REQUIRE(c.ok());
  const auto& segs = node(c, "r")->llm().messages.at(0).segments;
  REQUIRE(segs.size() == 3);
  CHECK(segs[0].isStatic);
  CHECK(segs[0].origin == "const RULES");
  CHECK(segs[1].text == " Answer ");
  CHECK(!segs[2].isStatic);
}

TEST_CASE("topoOrder is deterministic and keeps source order among independent nodes") {
  const char* flow = R"F(
workflow main(q: string) -> string {
  c = lookup(q)
  b = lookup(q)
  a = lookup(q)
  return "{a}{b}{c}"
})F";
  auto x = compileFlow(flow, 0), y = compileFlow(flow, 0);
  auto ids = [](const awc::Compilation& c) {
    std::string out;
    for (auto i : c.module->graph.topoOrder())
      out += c.module->graph.nodes[i]->id + " ";
    return out;
  };
  CHECK(ids(x) == "input.q c b a output ");
  CHECK(ids(x) == ids(y));
}
