// Scheduling: critical-path priorities for the runtime and the plan's estimated latency
// and cost. Runs at every level (also -O0, whose plan is sequential) and last, so its
// figures describe the final plan. The algorithm:
//  1. Estimate the plan (cost_model.cpp): priorities, latency, cost.
//  2. Warm first (-O1/-O2): steps that share a prompt prefix — static text, or the same
//     interpolated values (a document several questions are asked about) — and start together
//     each pay for its prefill; the first of such a prefix group can warm the server's cache
//     while the others wait for its first token (`wait_for_warm`). Groups are found in every
//     graph (map and reduce bodies too, whose elements each run their own group). Applied
//     where the shared prefix is long (≥ 256 tokens: the wait costs little latency and saves
//     the most), and as a cost guard group by group while the plan would cost more than the
//     flow as written — running in parallel must not cost more than the sequential order,
//     which reused the prefix.
//     Latency stays below the as-written order's, which waits for whole calls.
//     Which members already run after their leader is a walk from the leader that stops at the
//     group's last member in plan order (one stamp array per graph, built only when a group is
//     marked), so many groups cost their own reach rather than the whole graph each.
#include "awc/support/tokenizer.h"
#include "pass_list.h"
#include "warm_first.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>
#include <map>
#include <unordered_map>

namespace awc::passes {
namespace {

// A shared prefix this long is worth warming whatever the cost budget.
constexpr int64_t kLongPrefixTokens = 256;
// Over budget, groups are added one at a time (an estimate each) up to this many; the rest
// together, so huge plans stay linear.
constexpr size_t kGroupsOneByOne = 16;

// Steps of one graph on one model whose prompt prefixes (ir::promptPrefix: static text, then
// values interpolated by the same expression) share at least one cache block: each joins the
// group of the earliest such step (the leader), whose prefill the as-written order would have
// reused.
struct PrefixGroup {
  ir::Graph* graph;
  ir::Node* leader;
  std::vector<ir::Node*> members; // later steps in plan order
  int64_t sharedTokens;           // the fewest any member shares with the leader
};

void prefixGroups(PassContext& ctx, ir::Graph& g, std::vector<PrefixGroup>& groups) {
  int64_t block = ctx.assumptions.cacheBlockTokens;
  size_t first = groups.size();
  std::vector<std::string> leaderPrefix;
  // Tokens of a leader's prefix cut at a byte length: thousands of members (questions on one
  // system prompt) usually share the same length with their leader, tokenized once.
  std::vector<std::unordered_map<size_t, int64_t>> sharedAt;
  std::unordered_map<std::string, size_t> byFirstBlock; // model + first block → group
  for (ir::NodeIndex i : g.topoOrder()) {
    ir::Node& n = *g.nodes[i];
    if (n.removed || n.kind() != ir::NodeKind::Llm || !n.hints.waitForWarm.empty()) continue;
    std::string prefix = ir::promptPrefix(n, ctx.assumptions);
    std::string_view head = ir::prefixHead(prefix, block);
    if (head.empty()) continue;
    auto [it, fresh] =
        byFirstBlock.try_emplace(n.llm().model + '\0' + std::string(head), groups.size());
    if (fresh) {
      groups.push_back({&g, &n, {}, std::numeric_limits<int64_t>::max()});
      leaderPrefix.push_back(std::move(prefix));
      sharedAt.emplace_back();
      continue;
    }
    PrefixGroup& group = groups[it->second];
    group.members.push_back(&n);
    const std::string& leader = leaderPrefix[it->second - first];
    auto [shared, uncounted] =
        sharedAt[it->second - first].try_emplace(ir::sharedPrefixBytes(leader, prefix), 0);
    if (uncounted)
      shared->second =
          ir::prefixTokenCount(std::string_view(leader).substr(0, shared->first)) / block * block;
    group.sharedTokens = std::min(group.sharedTokens, shared->second);
  }
}

// What runs after a group's leader through deps anyway (those members need no warm-first
// wait), per graph: its users and plan order, built once and only if some group is marked, and
// one stamp per node reused by every group, so many groups cost their own reach, not the graph.
struct Reach {
  std::vector<std::vector<ir::NodeIndex>> users;
  std::vector<size_t> position; // in topological order
  std::vector<uint32_t> stamp;  // == epoch: reached from the current leader
  uint32_t epoch = 0;

  explicit Reach(const ir::Graph& g)
      : users(g.users()), position(g.nodes.size(), 0), stamp(g.nodes.size(), 0) {
    std::vector<ir::NodeIndex> order = g.topoOrder();
    for (size_t k = 0; k < order.size(); ++k)
      position[order[k]] = k;
  }

  /// Marks what runs after `from`, up to plan position `last`: deps point back in plan order,
  /// so nothing after the last member leads to a member.
  void from(ir::NodeIndex leader, size_t last) {
    ++epoch;
    std::vector<ir::NodeIndex> stack{leader};
    while (!stack.empty()) {
      ir::NodeIndex n = stack.back();
      stack.pop_back();
      for (ir::NodeIndex u : users[n])
        if (stamp[u] != epoch && position[u] <= last) {
          stamp[u] = epoch;
          stack.push_back(u);
        }
    }
  }
  bool reached(ir::NodeIndex n) const { return stamp[n] == epoch; }
};

// Marks one group: its members not already after the leader wait for the leader's first
// token. Returns the ids of those members.
std::vector<std::string> markGroup(Reach& reach, const PrefixGroup& group) {
  size_t last = 0;
  for (ir::Node* m : group.members)
    last = std::max(last, reach.position[m->index]);
  reach.from(group.leader->index, last);
  std::vector<std::string> followers;
  for (ir::Node* m : group.members)
    if (!reach.reached(m->index)) {
      m->hints.waitForWarm = group.leader->id;
      followers.push_back(m->id);
    }
  if (!followers.empty()) group.leader->hints.warmFirst = true;
  return followers;
}

} // namespace

// Warm first: every group whose shared prefix is long (its prefill dominates the followers'
// time to first token, so waiting for it costs little latency); then, while the plan costs
// more than `budget`, the other groups in plan order. Returns the final estimate.
ir::PlanEstimate warmFirst(PassContext& ctx, std::optional<double> budget, ir::PlanEstimate e,
                           PassReport& report) {
  std::vector<PrefixGroup> groups;
  ir::forEachGraph(ctx.module.graph, [&](ir::Graph& g) { prefixGroups(ctx, g, groups); });
  std::erase_if(groups, [](const PrefixGroup& group) { return group.members.empty(); });
  if (groups.empty()) return e;
  std::map<const ir::Graph*, Reach> reachOf;
  auto mark = [&](const PrefixGroup& group) {
    auto it = reachOf.find(group.graph);
    if (it == reachOf.end()) it = reachOf.try_emplace(group.graph, *group.graph).first;
    return markGroup(it->second, group);
  };

  auto record = [&](const PrefixGroup& group, const std::vector<std::string>& followers,
                    bool overBudget) {
    const char* reason = overBudget ? "cost above the flow as written" : "long shared prefix";
    report.changes.push_back({group.leader->id,
                              fmt::format("warm first ({}): {} wait{} for its first token so the "
                                          "{}-token shared prefix is cached",
                                          reason, fmt::join(followers, ", "),
                                          followers.size() == 1 ? "s" : "", group.sharedTokens),
                              {{"followers", followers},
                               {"shared_prefix_tokens", group.sharedTokens},
                               {"reason", overBudget ? "cost" : "long_prefix"}}});
  };
  auto summary = [&](const ir::PlanEstimate& before, const ir::PlanEstimate& after) {
    report.changes.push_back(
        {"",
         fmt::format("warm first: est. cost ${:.6f} → ${:.6f}, latency {:.0f} → {:.0f} ms",
                     before.costUsd, after.costUsd, before.latencyMs, after.latencyMs),
         {{"cost_usd_before", before.costUsd},
          {"cost_usd_after", after.costUsd},
          {"latency_ms_before", before.latencyMs},
          {"latency_ms_after", after.latencyMs}}});
  };

  ir::PlanEstimate start = e;
  std::vector<const PrefixGroup*> rest;
  bool marked = false;
  for (const PrefixGroup& group : groups) {
    if (group.sharedTokens < kLongPrefixTokens) {
      rest.push_back(&group);
      continue;
    }
    std::vector<std::string> followers = mark(group);
    if (followers.empty()) continue;
    record(group, followers, false);
    marked = true;
  }
  if (marked) e = ir::estimate(ctx.module, ctx.assumptions);
  for (size_t k = 0; k < rest.size() && budget && e.costUsd > *budget + 1e-12; ++k) {
    bool allAtOnce = k >= kGroupsOneByOne;
    bool any = false;
    for (size_t j = k; j < (allAtOnce ? rest.size() : k + 1); ++j) {
      std::vector<std::string> followers = mark(*rest[j]);
      if (followers.empty()) continue;
      record(*rest[j], followers, true);
      any = true;
    }
    if (any) {
      e = ir::estimate(ctx.module, ctx.assumptions);
      marked = true;
    }
    if (allAtOnce) break;
  }
  if (marked) summary(start, e);
  return e;
}

PassReport runSchedule(PassContext& ctx) {
  PassReport report;
  ir::PlanEstimate e = ir::estimate(ctx.module, ctx.assumptions);
  if (ctx.module.mode == ir::ExecMode::Parallel) e = warmFirst(ctx, ctx.baselineCostUsd, e, report);
  ctx.estimate = e;
  std::string path;
  for (const auto& id : e.criticalPath)
    path += (path.empty() ? "" : " → ") + id;
  report.changes.push_back({"",
                            fmt::format("critical path {:.0f} ms: {}", e.latencyMs, path),
                            {{"latency_ms", e.latencyMs}, {"critical_path", e.criticalPath}}});
  return report;
}

} // namespace awc::passes
