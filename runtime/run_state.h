// What one run is while it executes: RunState (error, cancellation, in-flight calls, its
// observers) and Scope (one instance of a graph: the top level or one map element, with the
// per-node counters, values and speculation state). Private to awc_runtime.
#pragma once

#include "awc/runtime/observer.h"
#include "awc/runtime/runtime.h"
#include "awc/stdlib/eval.h"
#include "plan_model.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace awc::runtime {

enum class Outcome : std::uint8_t { Pending, Ok, Skipped, Failed, Abandoned };

/// Where a node that may start early stands (Scope::spec); see speculation.cpp.
enum Speculation : std::uint8_t { kNotStarted, kRunning, kHeld, kAdopted, kDropped, kInOrder };

/// How a node's speculation turned out (Scope::specResult).
enum SpecResult : std::uint8_t { kSpecNone, kSpecUsed, kSpecWasted };

/// How a node's result-cache lookup went (Scope::cacheState).
enum CacheState : std::uint8_t { kCacheNone, kCacheHit, kCacheMiss };

inline double msSince(Clock::time_point start, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - start).count();
}

/// A run's observers: the runtime's own first (metrics, cache writer, the RunOptions hooks),
/// then the host's. Fixed once the run starts, so dispatch reads it without a lock.
class ObserverList {
public:
  void add(std::shared_ptr<RunObserver> observer) {
    if (!observer) return;
    unsigned mask = observer->events();
    mask_ |= mask;
    entries_.push_back({std::move(observer), mask});
  }
  bool wants(unsigned bits) const { return (mask_ & bits) != 0; }
  /// Calls `fn(observer)` on each observer that wants `bits`.
  template <class Fn> void each(unsigned bits, Fn&& fn) const {
    if (!(mask_ & bits)) return;
    for (const auto& e : entries_)
      if (e.mask & bits) fn(*e.observer);
  }

private:
  struct Entry {
    std::shared_ptr<RunObserver> observer;
    unsigned mask;
  };
  std::vector<Entry> entries_;
  unsigned mask_ = 0;
};

struct Scope;

struct RunState : std::enable_shared_from_this<RunState> {
  Runtime::Impl* rt = nullptr;
  std::shared_ptr<const Plan> plan;
  RunOptions options;
  Clock::time_point start;
  std::int64_t startUnixUs = 0;
  RetryBudget budget;
  nlohmann::json inputs;
  ObserverList observers;
  /// Builds RunResult::metrics from the events (observers.cpp).
  std::shared_ptr<class MetricsCollector> metrics;
  std::atomic<bool> stopping{false};
  std::atomic<bool> cancelled{false};
  std::mutex exchangeMutex; // serializes onModelExchange (only reportExchange takes it)

  std::mutex mutex; // guards everything below
  std::string error;
  std::string errorNode;
  struct Canceler {
    std::function<void()> fn;
    const Scope* scope = nullptr; ///< the node whose call this cancels (for speculation)
    int node = -1;
  };
  std::unordered_map<std::uint64_t, Canceler> cancelers;
  std::uint64_t nextCancelId = 1;
  std::deque<std::unique_ptr<Scope>> scopes;
  std::size_t nextSeq = 0;                            ///< NodeRef::seq of the next declared node
  std::vector<std::unique_ptr<RetryPolicy>> policies; ///< per-node retry limits
  bool finished = false;
  std::condition_variable finishedCv;
  RunResult result;
  std::function<void(const RunResult&)> onDone;

  explicit RunState(int retryBudget) : budget(retryBudget) {}
  double now() const { return msSince(start, Clock::now()); }

  /// Records the run's first error and stops new nodes from starting.
  void fail(const std::string& node, const std::string& message);
  std::uint64_t addCanceler(std::function<void()> fn, const Scope* scope, int node);
  /// Cancels the in-flight call of one node (a dropped speculation), if it has one.
  void cancelNode(const Scope* scope, int node);
  void removeCanceler(std::uint64_t id);
  /// Hands one successful model call to the observers that want exchanges.
  void reportExchange(const Scope& scope, int node, const std::string& body,
                      const ModelResponse& response);
};

/// One instance of a graph: the top level, or one element of a map.
struct Scope {
  RunState* run = nullptr;
  const Graph* graph = nullptr;
  const Scope* parent = nullptr;
  std::string suffix;           ///< "" at the top, "[i]" (nested: "[i][j]") in map instances
  std::size_t seqBase = 0;      ///< NodeRef::seq of node 0
  std::vector<std::string> ids; ///< node id + suffix
  std::vector<std::pair<std::string, nlohmann::json>> locals;
  std::vector<nlohmann::json> values;
  std::unique_ptr<std::atomic<std::uint8_t>[]> slotReady;
  std::unique_ptr<std::atomic<int>[]> pending;
  std::unique_ptr<std::atomic<bool>[]> warmReleased; ///< per node: its warm followers were released
  std::vector<Outcome> outcome;
  // Per node, written by the thread that has the node at that moment (like outcome).
  std::vector<double> startMs; ///< -1 until its work starts
  std::vector<double> endMs;   ///< -1 until its work ends
  std::vector<std::uint8_t> cacheState;
  std::vector<std::uint8_t> specResult;
  std::atomic<int> remaining{0};
  std::function<void(Scope&)> onComplete;
  // Speculation; `spec` is null when no node of this scope may start early.
  std::vector<char> earlyAllowed; ///< per node: may start before its guard is decided
  std::unique_ptr<std::atomic<std::uint8_t>[]> spec;  ///< per node: a Speculation
  std::unique_ptr<std::atomic<int>[]> earlyPending;   ///< unfinished deps other than the guard
  std::unique_ptr<std::atomic<bool>[]> earlyNotified; ///< its early dependants were counted down
  std::vector<Outcome> heldOutcome;
  std::vector<std::string> heldError;

  bool mayStartEarly(int i) const { return spec && earlyAllowed[i]; }
  NodeRef ref(int i) const {
    return NodeRef{seqBase + std::size_t(i), ids[i], graph->nodes[i].kindName};
  }

  const nlohmann::json* resolve(std::string_view name) const {
    for (const auto& [key, value] : locals)
      if (key == name) return &value;
    if (auto it = graph->slots.find(name); it != graph->slots.end())
      return slotReady[it->second].load(std::memory_order_acquire) ? &values[it->second] : nullptr;
    return parent ? parent->resolve(name) : nullptr;
  }
  stdlib::EvalResult eval(const nlohmann::json& expr) const {
    return stdlib::evaluate(expr, [this](std::string_view n) { return resolve(n); });
  }
  void publish(int slot, nlohmann::json value) {
    values[slot] = std::move(value);
    slotReady[slot].store(1, std::memory_order_release);
  }
  /// Forgets what a dropped speculation produced: its value (and its fused parts') leaves the
  /// run's results.
  void discardDropped(int i) {
    const PlanNode& node = graph->nodes[i];
    for (const FusedPart& part : node.fused)
      slotReady[part.slot].store(0, std::memory_order_release);
    slotReady[node.slot].store(0, std::memory_order_release);
  }
};

} // namespace awc::runtime
