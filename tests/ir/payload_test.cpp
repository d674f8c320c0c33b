// ir::Node's per-kind payloads: Graph::add installs the kind's payload, checked accessors throw
// on another kind, probes return null, setKind() swaps the payload, exprsOf() lists every
// expression, and lowering (a real kind change) leaves a native payload.
#include "awc/ir/graph.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::ir;
using awc::testing::compileFlow;

namespace {

const NodeKind kKinds[] = {NodeKind::Input,  NodeKind::Llm, NodeKind::Tool,  NodeKind::Native,
                           NodeKind::Branch, NodeKind::Map, NodeKind::Output};

/// Which probes answer, as a string such as "expr" or "llm".
std::string probes(const Node& n) {
  std::string out;
  if (n.asInput()) out += "input";
  if (n.asExpr()) out += "expr";
  if (n.asLlm()) out += "llm";
  if (n.asTool()) out += "tool";
  if (n.asMap()) out += "map";
  return out;
}

} // namespace

TEST_CASE("payload: Graph::add gives each kind its own payload") {
  Graph g;
  std::vector<std::string> seen;
  for (NodeKind k : kKinds) {
    Node& n = g.add(std::string("n.") + kindName(k), k, {});
    CHECK(n.kind() == k);
    CHECK(payloadMatches(k, n.payload()));
    seen.push_back(probes(n));
  }
  CHECK(seen == std::vector<std::string>{"input", "llm", "tool", "expr", "expr", "map", "expr"});
  Node plain; // a default node is native, with the native payload
  CHECK(plain.kind() == NodeKind::Native);
  CHECK(probes(plain) == "expr");
}

TEST_CASE("payload: a checked accessor on another kind throws PayloadKindError") {
  Graph g;
  Node& tool = g.add("k", NodeKind::Tool, {});
  tool.tool().name = "lookup";
  CHECK_THROWS_AS(tool.llm(), PayloadKindError);
  CHECK_THROWS_AS(tool.expr(), PayloadKindError);
  CHECK_THROWS_AS(tool.map(), PayloadKindError);
  CHECK_THROWS_AS(tool.input(), PayloadKindError);
  const Node& constTool = tool;
  CHECK_THROWS_WITH(constTool.llm(), "IR node 'k' is a tool node, not a llm node");
  CHECK(constTool.tool().name == "lookup");
  CHECK(tool.asLlm() == nullptr);
  CHECK(tool.asTool() == &tool.tool());

  Node& out = g.add("output", NodeKind::Output, {});
  CHECK_NOTHROW(out.expr() = Json{{"lit", 1}});
  CHECK_THROWS_WITH(out.tool(), "IR node 'output' is a output node, not a tool node");
}

TEST_CASE("payload: setKind swaps in a fresh payload of the new kind") {
  Graph g;
  Node& n = g.add("x", NodeKind::Llm, {});
  n.llm().model = "small";
  n.llm().messages.push_back(Message{"user", {staticSegment("hi", "literal")}});
  n.setKind(NodeKind::Native);
  CHECK(n.kind() == NodeKind::Native);
  CHECK(probes(n) == "expr");
  CHECK(n.expr().is_null());
  CHECK_THROWS_AS(n.llm(), PayloadKindError);
  n.expr() = Json{{"lit", 2}};
  n.setKind(NodeKind::Llm); // back: nothing of the first llm payload survives
  CHECK(n.llm().model.empty());
  CHECK(n.llm().messages.empty());
  n.setKind(NodeKind::Map);
  CHECK(n.map().body == nullptr);
  CHECK(payloadMatches(NodeKind::Map, n.payload()));
  CHECK(!payloadMatches(NodeKind::Branch, n.payload()));
}

TEST_CASE("payload: exprsOf lists every expression a node reads, in a fixed order") {
  Graph g;
  Node& tool = g.add("k", NodeKind::Tool, {});
  tool.tool().args = {{"a", Json{{"ref", "x"}}}, {"b", Json{{"ref", "y"}}}};
  auto exprs = exprsOf(tool);
  REQUIRE(exprs.size() == 2);
  CHECK(*exprs[0] == Json{{"ref", "x"}});
  CHECK(*exprs[1] == Json{{"ref", "y"}});

  Node& map = g.add("m", NodeKind::Map, {});
  map.map().captures = Json::array({Json{{"ref", "c"}}});
  map.map().over = Json{{"ref", "xs"}};
  exprs = exprsOf(map);
  REQUIRE(exprs.size() == 3); // the capture, the list, the (null) initial value
  CHECK(*exprs[0] == Json{{"ref", "c"}});
  CHECK(*exprs[1] == Json{{"ref", "xs"}});
  CHECK(exprs[2]->is_null());

  Node& llm = g.add("l", NodeKind::Llm, {});
  Segment dynamic;
  dynamic.isStatic = false;
  dynamic.expr = Json{{"ref", "q"}};
  llm.llm().messages.push_back(Message{"user", {staticSegment("Q: ", "literal"), dynamic}});
  exprs = exprsOf(llm);
  REQUIRE(exprs.size() == 1); // static text is not an expression
  CHECK(*exprs[0] == Json{{"ref", "q"}});
  CHECK(exprsOf(g.add("input.q", NodeKind::Input, {})).empty());
}

TEST_CASE("payload: lowering a model step leaves a native payload that verifies") {
  auto c = compileFlow(R"F(
workflow main(a: int, b: int) -> int {
  x = llm small -> int { user "What is {a} plus {b}? Reply with the number only." }
  return x
})F");
  REQUIRE(c.ok());
  const Node* x = awc::testing::node(c, "x");
  REQUIRE(x);
  CHECK(x->kind() == NodeKind::Native);
  CHECK(x->asLlm() == nullptr);
  CHECK(x->expr().is_object());
}
