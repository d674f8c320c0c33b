// How a node moves through the scheduling core:
//  1. ready(): its pending count hit zero. Skipped if its guard's branch took the other arm (or
//     was itself skipped); abandoned if the run is stopping; otherwise executed by the executor
//     of its kind — inline when already on a worker thread, else queued on the pool (highest
//     priority_ms first).
//  2. The executor does the work (model and HTTP calls on the transport's I/O thread).
//  3. finish(): the value is published, dependants' counts are decremented. Ready dependants are
//     processed from a thread-local work list, so long chains never recurse.
// Observers hear each step (reportTime, produced, reportFinished).
#include "executor_core.h"

namespace awc::runtime {

using detail::WorkerPool;
using nlohmann::json;

namespace {

struct ReadyItem {
  Scope* scope;
  int node;
  bool early = false; ///< starts before its guard is decided
};
thread_local std::vector<ReadyItem>* tlReady = nullptr;

/// Runs `first` with a ready queue on this thread, then every node that became ready meanwhile,
/// one after another: a long chain of nodes that finish at once never deepens the stack.
template <class First> void runWithReadyQueue(Runtime::Impl& rt, First&& first) {
  std::vector<ReadyItem> local;
  tlReady = &local;
  first();
  while (!local.empty()) {
    ReadyItem item = local.back();
    local.pop_back();
    if (item.early)
      rt.runEarly(*item.scope, item.node);
    else
      rt.process(*item.scope, item.node);
  }
  tlReady = nullptr;
}

/// Whether node `i`'s guarding branch (decided, or skipped) took its arm.
bool guardTaken(const Scope& scope, const PlanNode& node) {
  const PlanNode& branch = scope.graph->nodes[node.guardBranch];
  return scope.outcome[node.guardBranch] == Outcome::Ok &&
         scope.values[branch.slot] == json(node.guardArm == 0);
}

NodeStatus statusOf(Outcome outcome) {
  switch (outcome) {
  case Outcome::Ok:
    return NodeStatus::Ok;
  case Outcome::Failed:
    return NodeStatus::Failed;
  case Outcome::Skipped:
    return NodeStatus::Skipped;
  default:
    return NodeStatus::Cancelled;
  }
}

} // namespace

void Runtime::Impl::ready(Scope& scope, int node, bool early) {
  if (tlReady) {
    tlReady->push_back({&scope, node, early});
    return;
  }
  runWithReadyQueue(*this, [&] { tlReady->push_back({&scope, node, early}); });
}

void Runtime::Impl::process(Scope& scope, int i) {
  if (scope.mayStartEarly(i) && resolveEarly(scope, i)) return;
  RunState& run = *scope.run;
  const PlanNode& node = scope.graph->nodes[i];
  double queued = run.now();
  reportTime(scope, i, &RunObserver::onNodeReady, queued);
  if (run.stopping.load(std::memory_order_relaxed)) {
    finish(scope, i, Outcome::Abandoned);
    return;
  }
  if (node.guardBranch >= 0 && !guardTaken(scope, node)) {
    finish(scope, i, Outcome::Skipped);
    return;
  }
  if (node.kind == NodeKind::Input) {
    scope.startMs[i] = queued;
    reportTime(scope, i, &RunObserver::onNodeStarted, queued);
    auto it = run.inputs.find(node.inputName);
    if (it == run.inputs.end()) {
      failNode(scope, i, "no value for input '" + node.inputName + "'");
      return;
    }
    produced(scope, i, *it);
    finish(scope, i, Outcome::Ok);
    return;
  }
  if (!WorkerPool::onWorker()) {
    auto keep = run.shared_from_this();
    pool->submit(node.priorityMs, [this, keep, &scope, i] { executeOnWorker(scope, i); });
    return;
  }
  execute(scope, i);
}

void Runtime::Impl::executeOnWorker(Scope& scope, int i) {
  runWithReadyQueue(*this, [&] {
    if (scope.run->stopping.load(std::memory_order_relaxed))
      finish(scope, i, Outcome::Abandoned);
    else
      execute(scope, i);
  });
}

void Runtime::Impl::execute(Scope& scope, int i) {
  const PlanNode& node = scope.graph->nodes[i];
  scope.startMs[i] = scope.run->now();
  reportTime(scope, i, &RunObserver::onNodeStarted, scope.startMs[i]);
  if (node.kind == NodeKind::Input) return; // handled in process()
  executors[std::size_t(node.kind)]->start(scope, i);
}

std::string Runtime::Impl::nodeLabel(const Scope& scope, int i) const {
  const PlanNode& node = scope.graph->nodes[i];
  std::string label = "node '" + scope.ids[i] + "'";
  if (!node.loc.empty()) label += " (" + node.loc + ")";
  return label;
}

void Runtime::Impl::reportTime(Scope& scope, int i, void (RunObserver::*fn)(const NodeTimeEvent&),
                               double atMs) {
  const ObserverList& observers = scope.run->observers;
  unsigned bits = fn == &RunObserver::onFirstToken ? kFirstTokenEvents : kNodeLifecycleEvents;
  if (!observers.wants(bits)) return;
  NodeTimeEvent event{scope.ref(i), atMs};
  observers.each(bits, [&](RunObserver& o) { (o.*fn)(event); });
}

void Runtime::Impl::produced(Scope& scope, int i, json value, const std::string& cacheKey,
                             std::optional<std::chrono::milliseconds> ttl) {
  const ObserverList& observers = scope.run->observers;
  if (observers.wants(kNodeResultEvents)) {
    NodeResultEvent event{
        scope.ref(i), scope.run->now(), &value, cacheKey, ttl, scope.cacheState[i] == kCacheHit};
    observers.each(kNodeResultEvents, [&](RunObserver& o) { o.onNodeResult(event); });
  }
  const PlanNode& node = scope.graph->nodes[i];
  for (const FusedPart& part : node.fused)
    if (value.is_object() && value.contains(part.field))
      scope.publish(part.slot, value[part.field]);
  scope.publish(node.slot, std::move(value));
}

void Runtime::Impl::reportFinished(Scope& scope, int i, NodeStatus status,
                                   const std::string& error) {
  const ObserverList& observers = scope.run->observers;
  if (!observers.wants(kNodeLifecycleEvents)) return;
  static const std::string_view specNames[] = {"", "used", "wasted"};
  NodeFinishedEvent event;
  event.node = scope.ref(i);
  event.status = status;
  event.started = scope.startMs[i] >= 0;
  event.endMs = scope.endMs[i];
  if (status == NodeStatus::Failed) event.error = error;
  event.cacheHit = scope.cacheState[i] == kCacheHit;
  event.cacheMiss = scope.cacheState[i] == kCacheMiss;
  event.speculation = specNames[scope.specResult[i]];
  if (scope.specResult[i] != kSpecNone)
    event.speculatedBranch = scope.ids[scope.graph->nodes[i].guardBranch];
  observers.each(kNodeLifecycleEvents, [&](RunObserver& o) { o.onNodeFinished(event); });
}

void Runtime::Impl::finish(Scope& scope, int i, Outcome outcome, const std::string& error) {
  if (scope.mayStartEarly(i)) {
    std::atomic<std::uint8_t>& state = scope.spec[i];
    std::uint8_t s = state.load(std::memory_order_acquire);
    if (s == kRunning) {
      if (scope.startMs[i] >= 0) scope.endMs[i] = scope.run->now();
      scope.heldOutcome[i] = outcome;
      scope.heldError[i] = error;
      if (state.compare_exchange_strong(s, kHeld, std::memory_order_acq_rel)) {
        if (outcome == Outcome::Ok) notifyEarly(scope, i);
        return;
      }
    }
    if (s == kDropped) {
      // Its dependants were told at resolveEarly; the run learns that its work is over.
      scope.discardDropped(i);
      if (scope.startMs[i] >= 0) scope.endMs[i] = scope.run->now();
      reportFinished(scope, i, NodeStatus::Skipped, {});
      if (scope.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) scopeDone(scope);
      return;
    }
  }
  settle(scope, i, outcome, error);
}

void Runtime::Impl::settle(Scope& scope, int i, Outcome outcome, const std::string& error) {
  RunState& run = *scope.run;
  if (scope.startMs[i] >= 0 && scope.endMs[i] < 0) scope.endMs[i] = run.now();
  scope.outcome[i] = outcome;
  if (outcome == Outcome::Failed) run.fail(scope.ids[i], nodeLabel(scope, i) + ": " + error);
  reportFinished(scope, i, statusOf(outcome), error);
  releaseWarm(scope, i);
  for (int d : scope.graph->dependants[i])
    if (scope.pending[d].fetch_sub(1, std::memory_order_acq_rel) == 1) ready(scope, d);
  // After the counts: a dependant this node completes runs in order, not early.
  if (scope.spec && outcome == Outcome::Ok) notifyEarly(scope, i);
  if (scope.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) scopeDone(scope);
}

void Runtime::Impl::releaseWarm(Scope& scope, int i) {
  // At its first token, or when it ends in any way (cache hit, skip, failure), whichever
  // comes first.
  const auto& followers = scope.graph->nodes[i].warmFollowers;
  if (followers.empty() || scope.warmReleased[i].exchange(true, std::memory_order_acq_rel)) return;
  for (int f : followers)
    if (scope.pending[f].fetch_sub(1, std::memory_order_acq_rel) == 1) ready(scope, f);
}

} // namespace awc::runtime
