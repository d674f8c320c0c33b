// Speculation hints. The algorithm, for each branch whose condition reads a model
// classification (an llm step with an enum or bool result):
//  1. Candidates are the model steps and side-effect-free tool calls guarded by one of its
//     arms whose other inputs do not depend on the classification.
//  2. Such a step could start when its other inputs are ready instead of waiting for the
//     classification: the estimated gain is the classification's latency; the extra cost is
//     the step's cost, paid in vain when the other arm is taken (assumed half the time).
//  3. Mark the step with {speculate: {gain_ms, extra_cost_usd}}; a runtime may start it early
//     and discard the result if the branch goes the other way. Nothing is rewritten.
#include "awc/sema/type.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

bool isClassification(const ir::Node& n) {
  return n.kind() == ir::NodeKind::Llm && n.type &&
         (n.type->kind() == sema::Type::Kind::Enum || n.type->kind() == sema::Type::Kind::Bool);
}

// Whether `from` reaches `target` through deps (ignoring `skip`, the guard edge).
bool reaches(const ir::Graph& g, ir::NodeIndex from, ir::NodeIndex target, ir::NodeIndex skip) {
  std::vector<ir::NodeIndex> stack{from};
  std::vector<bool> seen(g.nodes.size(), false);
  while (!stack.empty()) {
    ir::NodeIndex i = stack.back();
    stack.pop_back();
    if (i == target) return true;
    if (seen[i]) continue;
    seen[i] = true;
    for (ir::NodeIndex d : g.nodes[i]->deps)
      if (d != skip) stack.push_back(d);
  }
  return false;
}

} // namespace

PassReport runSpeculate(PassContext& ctx) {
  PassReport report;
  ir::Graph& g = ctx.module.graph;
  bool estimated = false; // per-node latency and cost, computed once a candidate appears
  for (auto& bp : g.nodes) {
    ir::Node& branch = *bp;
    if (branch.removed || branch.kind() != ir::NodeKind::Branch) continue;
    // The classification the condition depends on (directly or through native nodes).
    const ir::Node* classifier = nullptr;
    std::vector<ir::NodeIndex> stack(branch.deps.begin(), branch.deps.end());
    std::vector<bool> seen(g.nodes.size(), false);
    while (!stack.empty() && !classifier) {
      ir::NodeIndex i = stack.back();
      stack.pop_back();
      if (seen[i]) continue;
      seen[i] = true;
      const ir::Node& d = *g.nodes[i];
      if (isClassification(d))
        classifier = &d;
      else if (d.kind() == ir::NodeKind::Native || d.kind() == ir::NodeKind::Branch)
        stack.insert(stack.end(), d.deps.begin(), d.deps.end());
    }
    if (!classifier) continue;
    if (!estimated) {
      ir::estimate(ctx.module, ctx.assumptions);
      estimated = true;
    }
    for (auto& np : g.nodes) {
      ir::Node& n = *np;
      if (n.removed || !n.guard || n.guard->branch != branch.index ||
          (n.asLlm() && n.asLlm()->flags.nospeculate))
        continue;
      bool safe = n.kind() == ir::NodeKind::Llm;
      if (n.kind() == ir::NodeKind::Tool)
        if (const ir::ToolInfo* t = ctx.module.tool(n.tool().name); t && t->effect != "side_effect")
          safe = true;
      if (!safe) continue;
      bool independent = true;
      for (ir::NodeIndex d : n.deps)
        if (d != branch.index && reaches(g, d, classifier->index, branch.index))
          independent = false;
      if (!independent) continue;
      double gain = classifier->estMs;
      double extra = n.estCostUsd * 0.5;
      n.hints.speculate = plan::SpeculateHint{gain, extra, classifier->id};
      report.changes.push_back(
          {n.id,
           fmt::format(
               "could start before {} is known: ~{:.0f} ms sooner, ~${:.6f} extra expected cost",
               classifier->id, gain, extra),
           {{"gain_ms", gain}, {"extra_cost_usd", extra}, {"branch", branch.id}}});
    }
  }
  return report;
}

} // namespace awc::passes
