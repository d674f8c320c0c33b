// Test helper shared by the ir, passes and plan tests: compile .flow text in memory at a
// level with passes disabled, and find nodes of the result by id.
#pragma once

#include "awc/compiler/driver.h"
#include "awc/ir/graph.h"
#include "awc/support/diagnostics.h"

#include <set>
#include <string>

namespace awc::ir {
/// Test-only access to a node's payload, to build a payload that disagrees with the kind
/// (which setKind() and Graph::add() never produce) and check that verify() rejects it.
struct NodeTestAccess {
  static void setPayload(Node& n, Payload p) { n.payload_ = std::move(p); }
};
} // namespace awc::ir

namespace awc::testing {

/// Two models, a pure host tool and a side-effecting one: enough for most test flows.
inline const char* kPrelude = R"(
model small = openai("llama-3.1-8b") { price_in: 0.05, price_out: 0.08, size: "small" }
model big = openai("big-model") { price_in: 2.0, price_out: 8.0, size: "large" }
tool lookup(q: string) -> int = host { effect: pure }
tool notify(msg: string) -> bool = host { effect: side_effect }
)";

inline Compilation compileFlow(const std::string& body, int level = 2,
                               std::set<std::string> disabled = {}) {
  CompileOptions o;
  o.optLevel = level;
  o.disabledPasses = std::move(disabled);
  o.verifyEach = true; // every test compilation checks the IR after each pass
  return compileSource("test.flow", std::string(kPrelude) + body, o);
}

inline std::string diagnostics(const Compilation& c) {
  return renderAll(*c.diags);
}

inline const ir::Node* node(const Compilation& c, const std::string& id) {
  return c.module ? c.module->graph.find(id) : nullptr;
}

inline std::string depIds(const Compilation& c, const ir::Node& n) {
  std::string out;
  for (ir::NodeIndex d : n.deps) {
    if (c.module->graph.nodes[d]->removed) continue;
    out += (out.empty() ? "" : ",") + c.module->graph.nodes[d]->id;
  }
  return out;
}

} // namespace awc::testing
