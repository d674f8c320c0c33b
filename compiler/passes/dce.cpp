// Dead-step elimination. The algorithm:
//  1. Roots: the output node and every tool call with side effects (removing one would
//     change what the workflow does to the world).
//  2. Mark everything the roots read, transitively (deps, including guards).
//  3. Remove unmarked nodes other than inputs (an input stays part of the interface).
//  4. Do the same inside every map body, rooted at the body's result.
#include "awc/stdlib/eval.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

void sweep(ir::Graph& g, const std::vector<ir::NodeIndex>& roots, const ir::Module& m,
           PassReport& report, const std::string& scope) {
  std::vector<bool> live(g.nodes.size(), false);
  std::vector<ir::NodeIndex> stack = roots;
  for (auto& n : g.nodes)
    if (!n->removed && n->kind() == ir::NodeKind::Tool)
      if (const ir::ToolInfo* t = m.tool(n->tool().name); t && t->effect == "side_effect")
        stack.push_back(n->index);
  while (!stack.empty()) {
    ir::NodeIndex i = stack.back();
    stack.pop_back();
    if (live[i]) continue;
    live[i] = true;
    for (ir::NodeIndex d : g.nodes[i]->deps)
      stack.push_back(d);
  }
  for (auto& n : g.nodes) {
    if (n->removed || live[n->index] || n->kind() == ir::NodeKind::Input) continue;
    n->removed = true;
    report.changes.push_back({n->id, fmt::format("removed: its value never reaches the {}", scope),
                              nlohmann::json::object()});
  }
}

void sweepBodies(ir::Graph& g, const ir::Module& m, PassReport& report) {
  for (auto& n : g.nodes) {
    if (n->removed || n->kind() != ir::NodeKind::Map || !n->map().body) continue;
    std::vector<std::string> refs;
    stdlib::collectRefs(n->map().bodyResult, refs);
    std::vector<ir::NodeIndex> roots;
    for (const auto& r : refs)
      if (auto it = n->map().body->byId.find(r); it != n->map().body->byId.end())
        roots.push_back(it->second);
    sweep(*n->map().body, roots, m, report, "result of " + n->id);
    sweepBodies(*n->map().body, m, report);
  }
}

} // namespace

PassReport runDce(PassContext& ctx) {
  PassReport report;
  ir::Graph& g = ctx.module.graph;
  std::vector<ir::NodeIndex> roots;
  if (const ir::Node* out = g.find("output")) roots.push_back(out->index);
  sweep(g, roots, ctx.module, report, "output");
  sweepBodies(g, ctx.module, report);
  return report;
}

} // namespace awc::passes
