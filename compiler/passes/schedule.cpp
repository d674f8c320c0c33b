// Scheduling: critical-path priorities for the runtime and the plan's estimated latency
// and cost. Runs at every level (also -O0, whose plan is sequential) and last, so its
// figures describe the final plan. The algorithm:
//  1. Estimate the plan (cost_model.cpp): priorities, latency, cost.
//  2. Warm first (-O1/-O2): steps that share a static prompt prefix and start together each
//     pay for its prefill; the first of such a prefix group can warm the server's cache while
//     the others wait for its first token (`wait_for_warm`). Applied where the shared prefix is
//     long (≥ 256 tokens: the wait costs little latency and saves the most), and as a cost
//     guard group by group while the plan would cost more than the flow as written — running
//     in parallel must not cost more than the sequential order, which reused the prefix.
//     Latency stays below the as-written order's, which waits for whole calls.
#include "pass_list.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>

namespace awc::passes {
namespace {

// True when `from` reaches `to` through deps: then `from` starts after `to` finished anyway.
// A shared prefix this long is worth warming whatever the cost budget.
constexpr int64_t kLongPrefixTokens = 256;

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

// Steps on one model whose static prompt prefixes share at least one cache block: each joins
// the group of the earliest such step (the leader), whose prefill the as-written order would
// have reused.
struct PrefixGroup {
  ir::Node* leader;
  std::vector<ir::Node*> followers; // not already after the leader through deps
  int64_t sharedTokens;             // the fewest any follower shares with the leader
};

std::vector<PrefixGroup> prefixGroups(PassContext& ctx) {
  ir::Graph& g = ctx.module.graph;
  int64_t block = ctx.assumptions.cacheBlockTokens;
  std::vector<PrefixGroup> groups;
  std::vector<std::string> leaderPrefix;
  for (ir::NodeIndex i : g.topoOrder()) {
    ir::Node& n = *g.nodes[i];
    if (n.removed || n.kind != ir::NodeKind::Llm) continue;
    std::string prefix = ir::staticPromptPrefix(n);
    int64_t shared = 0;
    size_t k = 0;
    for (; k < groups.size(); ++k)
      if (groups[k].leader->model == n.model &&
          (shared = ir::sharedPrefixTokens(leaderPrefix[k], prefix, block)) > 0)
        break;
    if (k == groups.size()) {
      groups.push_back({&n, {}, std::numeric_limits<int64_t>::max()});
      leaderPrefix.push_back(std::move(prefix));
    } else if (!n.hints.contains("wait_for_warm") && !dependsOn(g, i, groups[k].leader->index)) {
      groups[k].followers.push_back(&n);
      groups[k].sharedTokens = std::min(groups[k].sharedTokens, shared);
    }
  }
  return groups;
}

// Warm first, group by group in plan order: always where the shared prefix is long (its
// prefill dominates the followers' time to first token, so waiting for it costs little
// latency), and elsewhere while the plan costs more than `budget`. Returns the final estimate.
ir::PlanEstimate warmFirst(PassContext& ctx, std::optional<double> budget, ir::PlanEstimate e,
                           PassReport& report) {
  for (PrefixGroup& group : prefixGroups(ctx)) {
    if (group.followers.empty()) continue;
    bool overBudget = budget && e.costUsd > *budget + 1e-12;
    bool longPrefix = group.sharedTokens >= kLongPrefixTokens;
    if (!overBudget && !longPrefix) continue;
    std::vector<std::string> followers;
    for (ir::Node* m : group.followers) {
      m->hints["wait_for_warm"] = group.leader->id;
      followers.push_back(m->id);
    }
    group.leader->hints["warm_first"] = true;
    ir::PlanEstimate next = ir::estimate(ctx.module, ctx.assumptions);
    report.changes.push_back(
        {group.leader->id,
         fmt::format("warm first ({}): {} wait{} for its first token so the {}-token shared prefix is "
                     "cached; est. cost ${:.6f} → ${:.6f}, latency {:.0f} → {:.0f} ms",
                     overBudget ? "cost above the flow as written" : "long shared prefix",
                     fmt::join(followers, ", "), followers.size() == 1 ? "s" : "", group.sharedTokens,
                     e.costUsd, next.costUsd, e.latencyMs, next.latencyMs),
         {{"followers", followers},
          {"shared_prefix_tokens", group.sharedTokens},
          {"reason", overBudget ? "cost" : "long_prefix"},
          {"cost_usd_before", e.costUsd},
          {"cost_usd_after", next.costUsd}}});
    e = next;
  }
  return e;
}

} // namespace

PassReport runSchedule(PassContext& ctx) {
  PassReport report;
  ir::PlanEstimate e = ir::estimate(ctx.module, ctx.assumptions);
  if (ctx.module.mode == ir::ExecMode::Parallel) e = warmFirst(ctx, ctx.baselineCostUsd, e, report);
  ctx.estimate = e;
  std::string path;
  for (const auto& id : e.criticalPath) path += (path.empty() ? "" : " → ") + id;
  report.changes.push_back(
      {"", fmt::format("critical path {:.0f} ms: {}", e.latencyMs, path),
       {{"latency_ms", e.latencyMs}, {"critical_path", e.criticalPath}}});
  return report;
}

} // namespace awc::passes
