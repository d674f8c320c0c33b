// Speculation (RunOptions::speculation): a branch-arm node allowed to start early has a second
// count, of its dependencies other than the guarding branch. When that one hits zero first, the
// node starts early (Speculation::kRunning) and its finish() is held (kHeld) instead of
// published to the run. When the guard is decided, process() adopts the node — settles the held
// outcome, or lets the running work settle itself (kAdopted) — or drops it: its dependants
// learn at once that it was skipped, an unfinished call is cancelled, and the node counts as
// done when that work returns (kDropped), so what it cost stays in the run's metrics.
// Which hinted steps may start early is decided once per scope (hintedWithinLimit): under
// `auto`, within the plan's speculation budget, so -O2 costs no more than -O0 in expectation.
#include "executor_core.h"

#include <algorithm>

namespace awc::runtime {

using detail::WorkerPool;

namespace {

/// The hinted steps within the run's limit. `auto` admits what costs nothing extra,
/// then the others best expected gain per expected dollar first (ties: plan order), while
/// their expected extra costs sum to at most the plan's budget; otherwise each step is held to
/// the fixed per-step limit.
std::vector<char> hintedWithinLimit(const Graph& graph, const SpeculationOptions& opts,
                                    double budgetUsd, const std::vector<char>& eligible) {
  std::size_t n = graph.nodes.size();
  std::vector<char> allowed(n, 0);
  std::vector<int> costly;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& extra = graph.nodes[i].speculateExtraUsd;
    if (!eligible[i] || !extra) continue;
    if (!opts.automatic)
      allowed[i] = *extra <= opts.maxExtraCostUsd;
    else if (*extra <= 0)
      allowed[i] = 1;
    else
      costly.push_back(int(i));
  }
  auto rate = [&](int i) {
    return graph.nodes[i].speculateGainMs / *graph.nodes[i].speculateExtraUsd;
  };
  std::stable_sort(costly.begin(), costly.end(), [&](int a, int b) { return rate(a) > rate(b); });
  double spent = 0;
  for (int i : costly) {
    double extra = *graph.nodes[i].speculateExtraUsd;
    if (spent + extra > budgetUsd * (1 + 1e-9)) continue; // a cheaper one may still fit
    spent += extra;
    allowed[i] = 1;
  }
  return allowed;
}

/// Nodes that may start before their guard is decided: the steps the compiler hinted, within
/// the run's limit, and the pure nodes of an arm they read. Empty when none may.
std::vector<char> earlyNodes(const Graph& graph, const SpeculationOptions& opts, double budgetUsd) {
  std::size_t n = graph.nodes.size();
  std::vector<char> eligible(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    eligible[i] = graph.nodes[i].guardBranch >= 0 && graph.nodes[i].warmLeader < 0;
  std::vector<char> allowed = hintedWithinLimit(graph, opts, budgetUsd, eligible);
  std::vector<int> stack;
  for (std::size_t i = 0; i < n; ++i)
    if (allowed[i]) stack.push_back(int(i));
  if (stack.empty()) return {};
  while (!stack.empty()) {
    const PlanNode& node = graph.nodes[stack.back()];
    stack.pop_back();
    for (int d : node.deps)
      if (d != node.guardBranch && !allowed[d] && graph.nodes[d].pure && eligible[d]) {
        allowed[d] = 1;
        stack.push_back(d);
      }
  }
  return allowed;
}

} // namespace

void Runtime::Impl::prepareSpeculation(const RunState& run, Scope& scope) {
  const SpeculationOptions& opts = run.options.speculation;
  if (!opts.enabled || run.plan->sequential) return;
  const Graph& graph = *scope.graph;
  std::vector<char> allowed = earlyNodes(graph, opts, run.plan->speculationBudgetUsd);
  if (allowed.empty()) return;
  std::size_t n = graph.nodes.size();
  scope.earlyAllowed = std::move(allowed);
  scope.spec = std::make_unique<std::atomic<std::uint8_t>[]>(n);
  scope.earlyPending = std::make_unique<std::atomic<int>[]>(n);
  scope.earlyNotified = std::make_unique<std::atomic<bool>[]>(n);
  scope.heldOutcome.assign(n, Outcome::Pending);
  scope.heldError.assign(n, {});
  for (std::size_t i = 0; i < n; ++i)
    scope.earlyPending[i].store(int(graph.nodes[i].deps.size()) - 1, std::memory_order_relaxed);
}

/// Node `d`'s inputs other than its guard are in: start it unless the guard is in too (then
/// process() runs it the usual way) or it has started already.
void Runtime::Impl::startEarly(Scope& scope, int d) {
  if (scope.pending[d].load(std::memory_order_acquire) == 0) return;
  std::uint8_t expected = kNotStarted;
  if (!scope.spec[d].compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel)) return;
  ready(scope, d, true);
}

void Runtime::Impl::runEarly(Scope& scope, int i) {
  RunState& run = *scope.run;
  reportTime(scope, i, &RunObserver::onNodeReady, run.now());
  if (run.stopping.load(std::memory_order_relaxed)) {
    finish(scope, i, Outcome::Abandoned);
    return;
  }
  if (!WorkerPool::onWorker()) {
    auto keep = run.shared_from_this();
    pool->submit(scope.graph->nodes[i].priorityMs,
                 [this, keep, &scope, i] { executeOnWorker(scope, i); });
    return;
  }
  execute(scope, i);
}

/// Counts node `i`'s success down in the early count of its dependants (once).
void Runtime::Impl::notifyEarly(Scope& scope, int i) {
  if (scope.earlyNotified[i].exchange(true, std::memory_order_acq_rel)) return;
  for (int d : scope.graph->dependants[i])
    if (scope.earlyAllowed[d] && scope.graph->nodes[d].guardBranch != i &&
        scope.earlyPending[d].fetch_sub(1, std::memory_order_acq_rel) == 1)
      startEarly(scope, d);
}

/// The guard of a node that may start early is decided. Returns false when the node has not
/// started (it runs, or is skipped, the usual way and can no longer start early).
bool Runtime::Impl::resolveEarly(Scope& scope, int i) {
  std::atomic<std::uint8_t>& state = scope.spec[i];
  std::uint8_t s = kNotStarted;
  if (state.compare_exchange_strong(s, kInOrder, std::memory_order_acq_rel)) return false;
  RunState& run = *scope.run;
  const PlanNode& node = scope.graph->nodes[i];
  const PlanNode& branch = scope.graph->nodes[node.guardBranch];
  bool stopping = run.stopping.load(std::memory_order_relaxed);
  bool taken = !stopping && scope.outcome[node.guardBranch] == Outcome::Ok &&
               scope.values[branch.slot] == nlohmann::json(node.guardArm == 0);
  scope.specResult[i] = taken ? kSpecUsed : kSpecWasted;
  if (taken) {
    if (s == kRunning && state.compare_exchange_strong(s, kAdopted, std::memory_order_acq_rel))
      return true; // its own finish() settles it
    settle(scope, i, scope.heldOutcome[i], scope.heldError[i]);
    return true;
  }
  Outcome dropped = stopping ? Outcome::Abandoned : Outcome::Skipped;
  if (s == kRunning && state.compare_exchange_strong(s, kDropped, std::memory_order_acq_rel)) {
    // Dependants learn now; the node counts as done when its work returns (so the run, which
    // the call keeps alive, is still going when it is cancelled below).
    scope.outcome[i] = dropped;
    releaseWarm(scope, i);
    for (int d : scope.graph->dependants[i])
      if (scope.pending[d].fetch_sub(1, std::memory_order_acq_rel) == 1) ready(scope, d);
    run.cancelNode(&scope, i);
    return true;
  }
  state.store(kDropped, std::memory_order_release);
  scope.discardDropped(i);
  settle(scope, i, dropped);
  return true;
}

} // namespace awc::runtime
