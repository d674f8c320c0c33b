// Scheduling: critical-path priorities for the runtime and the plan's estimated latency
// and cost. Runs at every level (also -O0, whose plan is sequential) and last, so its
// figures describe the final plan. The algorithm:
//  1. Estimate the plan (cost_model.cpp): priorities, latency, cost.
//  2. Cost guard (-O1/-O2): running steps in parallel can forfeit prefix-cache hits the
//     as-written order got — two steps sharing a static prefix both pay for it when they start
//     together. When the plan would cost more than the flow as written, let the first step of
//     each prefix group warm the cache: the others wait for its first token (`wait_for_warm`),
//     group by group, until the cost is back under the as-written cost. Latency stays below
//     the as-written order's, which waits for the whole call.
#include "pass_list.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace awc::passes {
namespace {

// True when `from` reaches `to` through deps: then `from` starts after `to` finished anyway.
bool dependsOn(const ir::Graph& g, ir::NodeIndex from, ir::NodeIndex to) {
  std::vector<bool> visited(g.nodes.size(), false);
  std::vector<ir::NodeIndex> stack{from};
  while (!stack.empty()) {
    ir::NodeIndex n = stack.back();
    stack.pop_back();
    for (ir::NodeIndex d : g.nodes[n]->deps) {
      if (d == to) return true;
      if (!visited[d]) {
        visited[d] = true;
        stack.push_back(d);
      }
    }
  }
  return false;
}

// Prefix groups: each model step whose static prompt prefix shares at least one cache block
// with an earlier step's on the same model joins the group of the earliest such step (the
// leader) — the one whose prefill the as-written order would have reused.
std::vector<std::pair<ir::Node*, std::vector<ir::Node*>>> prefixGroups(PassContext& ctx) {
  ir::Graph& g = ctx.module.graph;
  int64_t block = ctx.assumptions.cacheBlockTokens;
  std::vector<std::pair<ir::Node*, std::vector<ir::Node*>>> groups;
  std::vector<std::string> leaderPrefix;
  for (ir::NodeIndex i : g.topoOrder()) {
    ir::Node& n = *g.nodes[i];
    if (n.removed || n.kind != ir::NodeKind::Llm) continue;
    std::string prefix = ir::staticPromptPrefix(n);
    size_t k = 0;
    while (k < groups.size() &&
           (groups[k].first->model != n.model || ir::sharedPrefixTokens(leaderPrefix[k], prefix, block) == 0))
      ++k;
    if (k == groups.size()) {
      groups.push_back({&n, {}});
      leaderPrefix.push_back(std::move(prefix));
    } else if (!n.hints.contains("wait_for_warm") && !dependsOn(g, i, groups[k].first->index)) {
      groups[k].second.push_back(&n);
    }
  }
  return groups;
}

// Adds warm-first waits, group by group in plan order, until the plan costs no more than
// `budget`; returns the estimate of the final plan.
ir::PlanEstimate keepCostUnder(PassContext& ctx, double budget, ir::PlanEstimate e, PassReport& report) {
  for (auto& [leader, members] : prefixGroups(ctx)) {
    if (e.costUsd <= budget + 1e-12) break;
    if (members.empty()) continue;
    std::vector<std::string> followers;
    for (ir::Node* m : members) {
      m->hints["wait_for_warm"] = leader->id;
      followers.push_back(m->id);
    }
    leader->hints["warm_first"] = true;
    ir::PlanEstimate next = ir::estimate(ctx.module, ctx.assumptions);
    report.changes.push_back(
        {leader->id,
         fmt::format("warm first: {} wait{} for its first token so the shared prefix is cached; est. cost "
                     "${:.6f} → ${:.6f}, latency {:.0f} → {:.0f} ms",
                     fmt::join(followers, ", "), followers.size() == 1 ? "s" : "", e.costUsd, next.costUsd,
                     e.latencyMs, next.latencyMs),
         {{"followers", followers}, {"cost_usd_before", e.costUsd}, {"cost_usd_after", next.costUsd}}});
    e = next;
  }
  return e;
}

} // namespace

PassReport runSchedule(PassContext& ctx) {
  PassReport report;
  ir::PlanEstimate e = ir::estimate(ctx.module, ctx.assumptions);
  if (ctx.baselineCostUsd && e.costUsd > *ctx.baselineCostUsd + 1e-12)
    e = keepCostUnder(ctx, *ctx.baselineCostUsd, e, report);
  ctx.estimate = e;
  std::string path;
  for (const auto& id : e.criticalPath) path += (path.empty() ? "" : " → ") + id;
  report.changes.push_back(
      {"", fmt::format("critical path {:.0f} ms: {}", e.latencyMs, path),
       {{"latency_ms", e.latencyMs}, {"critical_path", e.criticalPath}}});
  return report;
}

} // namespace awc::passes
