// The scheduling core (Runtime::Impl) and the interface of the per-kind node executors. The
// core owns ready counters, dispatch, guards and branches, speculation, cancellation and run
// completion; an executor starts one kind of node and ends its work through the core's
// finish(). Private to awc_runtime.
#pragma once

#include "awc/runtime/runtime.h"
#include "executor_internal.h"
#include "run_state.h"

#include <array>
#include <shared_mutex>

namespace awc::runtime {

class MetricsCollector;
class CacheWriter;

/// Starts the nodes of one kind. start() runs on a worker thread with the node's start already
/// reported; every path must end in Runtime::Impl::finish (directly or via failNode).
class NodeExecutor {
public:
  virtual ~NodeExecutor() = default;
  virtual void start(Scope& scope, int node) = 0;
};

std::unique_ptr<NodeExecutor> makeNativeExecutor(Runtime::Impl& core);
std::unique_ptr<NodeExecutor> makeLlmExecutor(Runtime::Impl& core);
std::unique_ptr<NodeExecutor> makeToolExecutor(Runtime::Impl& core);
std::unique_ptr<NodeExecutor> makeMapExecutor(Runtime::Impl& core);

struct Runtime::Impl {
  RuntimeOptions options;
  std::unique_ptr<CurlTransport> ownedTransport;
  Transport* transport = nullptr;
  EnvLookup env;
  RetryPolicy retryPolicy;
  std::shared_mutex toolsMutex;
  std::unordered_map<std::string, HostTool> tools;
  std::unordered_map<std::string, AsyncHostTool> asyncTools;
  std::mutex limitersMutex;
  std::unordered_map<std::string, std::shared_ptr<detail::ModelLimiter>> limiters;
  std::mutex runsMutex;
  std::condition_variable runsCv;
  std::unordered_map<RunState*, std::weak_ptr<RunState>> active;
  std::atomic<std::uint64_t> runSeq{0};
  // Results handed to the pool for the cache but not yet stored: a run that starts right after
  // the one that computed them must still find them.
  std::mutex unstoredMutex;
  std::unordered_map<std::string, nlohmann::json> unstored;
  std::shared_ptr<CacheWriter> cacheWriter;               ///< null without a cache
  std::array<std::unique_ptr<NodeExecutor>, 7> executors; ///< by NodeKind
  std::unique_ptr<detail::WorkerPool> pool;               // declared last: destroyed (joined) first

  explicit Impl(RuntimeOptions opts);
  ~Impl();

  std::shared_ptr<detail::ModelLimiter> limiterFor(const PlanModel& model,
                                                   const std::string& endpoint);

  // ---- runs (executor_core.cpp) ----
  void cancel(RunState& run);
  void stopInFlight(RunState& run);
  /// Adds the run's observers: metrics, the cache writer, the RunOptions hooks, the host's.
  void attachObservers(RunState& run);
  Scope* newScope(RunState& run, const Graph& graph, const Scope* parent, std::string suffix);
  void startScope(Scope& scope);
  void scopeDone(Scope& scope);
  void completeRun(RunState& run, Scope& top);
  std::string checkInputs(const Plan& plan, const nlohmann::json& given, nlohmann::json& out);

  // ---- nodes (node_lifecycle.cpp) ----
  /// Processes a ready node and, iteratively, every node its completion makes ready.
  void ready(Scope& scope, int node, bool early = false);
  void process(Scope& scope, int i);
  void executeOnWorker(Scope& scope, int i);
  void execute(Scope& scope, int i);
  /// A node's work is over (every path of every node kind ends here).
  void finish(Scope& scope, int i, Outcome outcome, const std::string& error = {});
  /// Same as finish; named for the paths that may be on the I/O thread (dependants then go
  /// to the pool).
  void finishOnWorker(Scope* scope, int i, Outcome outcome, const std::string& error = {}) {
    finish(*scope, i, outcome, error);
  }
  void failNode(Scope& scope, int i, const std::string& message) {
    finish(scope, i, Outcome::Failed, message);
  }
  /// Publishes node `i`'s outcome to the run and counts its dependants down.
  void settle(Scope& scope, int i, Outcome outcome, const std::string& error = {});
  /// Lets the nodes waiting for node `i` to warm the prefix cache start.
  void releaseWarm(Scope& scope, int i);
  std::string nodeLabel(const Scope& scope, int i) const;
  /// Reports node `i`'s value to the observers (the cache writer stores it when `cacheKey` is
  /// set), then publishes it.
  void produced(Scope& scope, int i, nlohmann::json value, const std::string& cacheKey = {},
                std::optional<std::chrono::milliseconds> ttl = std::nullopt);
  void reportTime(Scope& scope, int i, void (RunObserver::*fn)(const NodeTimeEvent&), double atMs);
  void reportFinished(Scope& scope, int i, NodeStatus status, const std::string& error);

  // ---- speculation (speculation.cpp) ----
  void prepareSpeculation(const RunState& run, Scope& scope);
  void startEarly(Scope& scope, int d);
  void runEarly(Scope& scope, int i);
  void notifyEarly(Scope& scope, int i);
  bool resolveEarly(Scope& scope, int i);
  static bool isDropped(const Scope& scope, int i) {
    return scope.mayStartEarly(i) && scope.spec[i].load(std::memory_order_acquire) == kDropped;
  }

  // ---- result cache (observers.cpp) ----
  bool cacheOn(const Scope& scope, const PlanNode& node) const {
    return options.cache && scope.run->options.useCache && node.cacheEnabled;
  }
  void cachePut(const std::string& key, const nlohmann::json& value,
                std::optional<std::chrono::milliseconds> ttl);
  std::optional<nlohmann::json> cacheGet(const std::string& key);
};

} // namespace awc::runtime
