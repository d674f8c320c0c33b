// The executor: runs a loaded plan event-driven. Each node has an atomic count of unfinished
// dependencies; the thread that finishes a node's last dependency makes it ready. Native work
// and host tools run on the worker pool, model and HTTP calls on the transport's I/O thread.
//
// How a node moves:
//  1. ready(): its pending count hit zero. Skipped if its guard's branch took the other arm (or
//     was itself skipped); abandoned if the run is stopping; otherwise executed — inline when
//     already on a worker thread, else queued on the pool (highest priority_ms first).
//  2. Model calls wait in the model's limiter (max_concurrency, rpm, tpm; highest priority
//     first), then go to the transport; the answer is validated, repaired once if needed.
//  3. finish(): the value is published, dependants' counts are decremented. Ready dependants are
//     processed from a thread-local work list, so long chains never recurse.
//
// Speculation (RunOptions::speculation): a branch-arm node allowed to start early has a second
// count, of its dependencies other than the guarding branch. When that one hits zero first, the
// node starts early (Speculation::Running) and its finish() is held (Held) instead of published
// to the run. When the guard is decided, process() adopts the node — settles the held outcome,
// or lets the running work settle itself (Adopted) — or drops it: its dependants learn at once
// that it was skipped, an unfinished call is cancelled, and the node counts as done when that
// work returns (Dropped), so what it cost stays in the run's metrics.
#include "awc/runtime/runtime.h"
#include "awc/runtime/schema_validate.h"
#include "awc/stdlib/eval.h"
#include "awc/support/hash.h"
#include "executor_internal.h"
#include "plan_model.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

namespace awc::runtime {

using detail::ModelLimiter;
using detail::WorkerPool;
using nlohmann::json;

namespace {

enum class Outcome : std::uint8_t { Pending, Ok, Skipped, Failed, Abandoned };

/// Where a node that may start early stands (Scope::spec); see the header comment.
enum Speculation : std::uint8_t { kNotStarted, kRunning, kHeld, kAdopted, kDropped, kInOrder };

double msSince(Clock::time_point start, Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(t - start).count();
}

std::string urlEncode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string hostOf(const std::string& url) {
  auto scheme = url.find("://");
  std::size_t begin = scheme == std::string::npos ? 0 : scheme + 3;
  std::size_t end = url.find_first_of(":/?#", begin);
  std::string host = url.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  if (auto at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  return host;
}

// OpenAI's strict structured output needs an object at the root: other schemas are wrapped in
// {"value": S} and the answer unwrapped.
bool needsWrap(const json& schema) {
  auto t = schema.find("type");
  return t == schema.end() || !t->is_string() || *t != "object";
}

bool isPlainText(const json& schema) {
  auto t = schema.find("type");
  return t != schema.end() && t->is_string() && *t == "string" && !schema.contains("enum");
}

} // namespace

struct Scope;

struct RunState : std::enable_shared_from_this<RunState> {
  Runtime::Impl* rt = nullptr;
  std::shared_ptr<const Plan> plan;
  RunOptions options;
  Clock::time_point start;
  RetryBudget budget;
  json inputs;
  std::atomic<bool> stopping{false};
  std::atomic<bool> cancelled{false};
  std::atomic<std::int64_t> cacheMisses{0};
  std::mutex exchangeMutex; // serializes options.onModelExchange (only reportExchange takes it)

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
  std::deque<NodeMetrics> metrics;
  std::vector<std::unique_ptr<RetryPolicy>> policies; ///< per-node retry limits
  bool finished = false;
  std::condition_variable finishedCv;
  RunResult result;
  std::function<void(const RunResult&)> onDone;

  explicit RunState(int retryBudget) : budget(retryBudget) {}
  double now() const { return msSince(start, Clock::now()); }

  /// Records the run's first error and stops new nodes from starting.
  void fail(const std::string& node, const std::string& message) {
    std::lock_guard lock(mutex);
    if (error.empty()) {
      error = message;
      errorNode = node;
    }
    stopping = true;
  }
  std::uint64_t addCanceler(std::function<void()> fn, const Scope* scope, int node) {
    std::lock_guard lock(mutex);
    std::uint64_t id = nextCancelId++;
    cancelers.emplace(id, Canceler{std::move(fn), scope, node});
    return id;
  }
  /// Cancels the in-flight call of one node (a dropped speculation), if it has one.
  void cancelNode(const Scope* scope, int node) {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard lock(mutex);
      for (auto& [id, c] : cancelers)
        if (c.scope == scope && c.node == node) fns.push_back(c.fn);
    }
    for (auto& fn : fns)
      fn();
  }
  void removeCanceler(std::uint64_t id) {
    std::lock_guard lock(mutex);
    cancelers.erase(id);
  }

  /// Hands one successful model call to options.onModelExchange. The exchange is built outside
  /// the lock; the lock makes the hook's calls for this run one at a time, so a recorder needs
  /// no locking of its own and sees completion order.
  void reportExchange(std::string nodeId, const std::string& body, const ModelResponse& response) {
    ModelExchange exchange;
    exchange.nodeId = std::move(nodeId);
    exchange.request = json::parse(body, nullptr, false);
    if (exchange.request.is_discarded()) exchange.request = body; // unreachable: we built it
    exchange.answer = response.text;
    exchange.usage = response.usage;
    exchange.finishReason = response.finishReason;
    std::lock_guard lock(exchangeMutex);
    options.onModelExchange(exchange);
  }
};

/// One instance of a graph: the top level, or one element of a map.
struct Scope {
  RunState* run = nullptr;
  const Graph* graph = nullptr;
  const Scope* parent = nullptr;
  std::string suffix; ///< "" at the top, "[i]" (nested: "[i][j]") in map instances
  std::vector<std::pair<std::string, json>> locals;
  std::vector<json> values;
  std::unique_ptr<std::atomic<std::uint8_t>[]> slotReady;
  std::unique_ptr<std::atomic<int>[]> pending;
  std::unique_ptr<std::atomic<bool>[]> warmReleased; ///< per node: its warm followers were released
  std::vector<Outcome> outcome;
  std::vector<NodeMetrics*> metrics;
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

  const json* resolve(std::string_view name) const {
    for (const auto& [key, value] : locals)
      if (key == name) return &value;
    if (auto it = graph->slots.find(name); it != graph->slots.end())
      return slotReady[it->second].load(std::memory_order_acquire) ? &values[it->second] : nullptr;
    return parent ? parent->resolve(name) : nullptr;
  }
  stdlib::EvalResult eval(const json& expr) const {
    return stdlib::evaluate(expr, [this](std::string_view n) { return resolve(n); });
  }
  void publish(int slot, json value) {
    values[slot] = std::move(value);
    slotReady[slot].store(1, std::memory_order_release);
  }
  /// Forgets what a dropped speculation produced: its value (and its fused parts') leaves the
  /// run's results, and an error it met (a cancelled call, say) is not the run's business.
  void discardDropped(int i) {
    const PlanNode& node = graph->nodes[i];
    for (const FusedPart& part : node.fused)
      slotReady[part.slot].store(0, std::memory_order_release);
    slotReady[node.slot].store(0, std::memory_order_release);
    metrics[i]->error.clear();
  }
};

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
  std::unordered_map<std::string, std::shared_ptr<ModelLimiter>> limiters;
  std::mutex runsMutex;
  std::condition_variable runsCv;
  std::unordered_map<RunState*, std::weak_ptr<RunState>> active;
  std::atomic<std::uint64_t> runSeq{0};
  // Results handed to the pool for the cache but not yet stored: a run that starts right after
  // the one that computed them must still find them.
  std::mutex unstoredMutex;
  std::unordered_map<std::string, json> unstored;
  std::unique_ptr<WorkerPool> pool; // declared last: destroyed (joined) first

  explicit Impl(RuntimeOptions opts) : options(std::move(opts)), retryPolicy(options.retry) {
    if (options.transport) {
      transport = options.transport;
    } else {
      ownedTransport = std::make_unique<CurlTransport>();
      transport = ownedTransport.get();
    }
    env = options.env ? options.env : processEnv();
    pool = std::make_unique<WorkerPool>(options.workerThreads);
  }

  ~Impl() {
    std::vector<std::shared_ptr<RunState>> runs;
    {
      std::lock_guard lock(runsMutex);
      for (auto& [ptr, weak] : active)
        if (auto run = weak.lock()) runs.push_back(run);
    }
    for (auto& run : runs)
      cancel(*run);
    runs.clear();
    std::unique_lock lock(runsMutex);
    runsCv.wait(lock, [&] { return active.empty(); });
    lock.unlock();
    pool.reset();
    ownedTransport.reset();
  }

  std::shared_ptr<ModelLimiter> limiterFor(const PlanModel& model, const std::string& endpoint) {
    std::string key = model.name + "@" + endpoint;
    std::lock_guard lock(limitersMutex);
    auto& limiter = limiters[key];
    if (!limiter)
      limiter =
          std::make_shared<ModelLimiter>(model.maxConcurrency, model.rpm, model.tpm, *transport);
    return limiter;
  }

  // ---- run lifecycle -------------------------------------------------------------------

  void cancel(RunState& run) {
    run.cancelled = true;
    run.fail("", "run cancelled");
    stopInFlight(run);
  }

  void stopInFlight(RunState& run) {
    std::vector<std::function<void()>> fns;
    {
      std::lock_guard lock(run.mutex);
      for (auto& [id, fn] : run.cancelers)
        fns.push_back(fn.fn);
    }
    std::vector<std::shared_ptr<ModelLimiter>> all;
    {
      std::lock_guard lock(limitersMutex);
      for (auto& [key, limiter] : limiters)
        all.push_back(limiter);
    }
    for (auto& limiter : all)
      limiter->purge(&run);
    for (auto& fn : fns)
      fn();
  }

  Scope* newScope(RunState& run, const Graph& graph, const Scope* parent, std::string suffix) {
    auto scope = std::make_unique<Scope>();
    scope->run = &run;
    scope->graph = &graph;
    scope->parent = parent;
    scope->suffix = std::move(suffix);
    std::size_t n = graph.nodes.size();
    scope->values.resize(graph.slotCount);
    scope->slotReady = std::make_unique<std::atomic<std::uint8_t>[]>(graph.slotCount);
    scope->pending = std::make_unique<std::atomic<int>[]>(n);
    scope->warmReleased = std::make_unique<std::atomic<bool>[]>(n);
    for (std::size_t i = 0; i < n; ++i)
      scope->pending[i].store(graph.initialPending[i], std::memory_order_relaxed);
    scope->outcome.assign(n, Outcome::Pending);
    scope->remaining.store(int(n), std::memory_order_relaxed);
    scope->metrics.resize(n);
    prepareSpeculation(run, *scope);
    std::lock_guard lock(run.mutex);
    for (std::size_t i = 0; i < n; ++i) {
      const PlanNode& node = graph.nodes[i];
      NodeMetrics& m = run.metrics.emplace_back();
      m.id = node.id + scope->suffix;
      m.kind = node.kindName;
      for (const std::string& dep : node.depIds)
        m.deps.push_back(graph.slots.count(dep) ? dep + scope->suffix : dep);
      if (node.kind == NodeKind::Llm) {
        const PlanModel& model = run.plan->models[node.model];
        m.model = model.name;
        m.provider = std::string(providerName(options.backend.value_or(model.provider)));
      }
      scope->metrics[i] = &m;
    }
    run.scopes.push_back(std::move(scope));
    return run.scopes.back().get();
  }

  /// Marks the nodes of the scope that may start before their guard is decided: the steps the
  /// compiler hinted, within the run's cost limit, and the pure nodes of an arm they read.
  void prepareSpeculation(const RunState& run, Scope& scope) {
    const SpeculationOptions& opts = run.options.speculation;
    if (!opts.enabled || run.plan->sequential) return;
    const Graph& graph = *scope.graph;
    std::size_t n = graph.nodes.size();
    auto eligible = [&](int i) {
      const PlanNode& node = graph.nodes[i];
      return node.guardBranch >= 0 && node.warmLeader < 0;
    };
    std::vector<char> allowed(n, 0);
    std::vector<int> stack;
    for (std::size_t i = 0; i < n; ++i) {
      const auto& extra = graph.nodes[i].speculateExtraUsd;
      if (eligible(int(i)) && extra && *extra <= opts.maxExtraCostUsd) {
        allowed[i] = 1;
        stack.push_back(int(i));
      }
    }
    if (stack.empty()) return;
    while (!stack.empty()) {
      const PlanNode& node = graph.nodes[stack.back()];
      stack.pop_back();
      for (int d : node.deps)
        if (d != node.guardBranch && !allowed[d] && graph.nodes[d].pure && eligible(d)) {
          allowed[d] = 1;
          stack.push_back(d);
        }
    }
    scope.earlyAllowed = std::move(allowed);
    scope.spec = std::make_unique<std::atomic<std::uint8_t>[]>(n);
    scope.earlyPending = std::make_unique<std::atomic<int>[]>(n);
    scope.earlyNotified = std::make_unique<std::atomic<bool>[]>(n);
    scope.heldOutcome.assign(n, Outcome::Pending);
    scope.heldError.assign(n, {});
    for (std::size_t i = 0; i < n; ++i)
      scope.earlyPending[i].store(int(graph.nodes[i].deps.size()) - 1, std::memory_order_relaxed);
  }

  /// Starts every root of the scope (or completes it at once when it has no nodes).
  void startScope(Scope& scope) {
    if (scope.graph->nodes.empty()) {
      scopeDone(scope);
      return;
    }
    for (std::size_t i = 0; i < scope.graph->nodes.size(); ++i)
      if (scope.graph->initialPending[i] == 0) ready(scope, int(i));
    if (scope.spec)
      for (std::size_t i = 0; i < scope.graph->nodes.size(); ++i)
        if (scope.earlyAllowed[i] && scope.graph->nodes[i].deps.size() == 1)
          startEarly(scope, int(i));
  }

  void scopeDone(Scope& scope) {
    if (scope.onComplete)
      scope.onComplete(scope);
    else
      completeRun(*scope.run, scope);
  }

  void completeRun(RunState& run, Scope& top) {
    auto self = run.shared_from_this(); // keep alive while finishing
    RunResult result;
    {
      std::lock_guard lock(run.mutex);
      result.error = run.error;
      result.errorNode = run.errorNode;
    }
    result.cancelled = run.cancelled;
    result.ok = result.error.empty() && !result.cancelled;
    const Graph& graph = *top.graph;
    for (const auto& [id, slot] : graph.slots)
      if (top.slotReady[slot].load(std::memory_order_acquire)) result.values[id] = top.values[slot];
    if (result.ok) {
      int out = graph.outputNode;
      if (top.outcome[out] == Outcome::Ok) {
        result.output = top.values[graph.nodes[out].slot];
      } else {
        result.ok = false;
        result.error = "the output node did not run";
      }
    }
    RunMetrics& metrics = result.metrics;
    metrics.workflow = run.plan->workflow;
    metrics.runId = run.options.runId;
    metrics.startUnixUs = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count() -
                          std::int64_t(run.now() * 1000);
    metrics.wallMs = run.now();
    {
      std::lock_guard lock(run.mutex);
      metrics.nodes.assign(run.metrics.begin(), run.metrics.end());
    }
    finalizeRun(metrics);
    metrics.cacheMisses = run.cacheMisses.load();
    metrics.error = result.error;
    // onDone runs before waiters are released, so wait() returning implies it has run.
    std::function<void(const RunResult&)> onDone;
    {
      std::lock_guard lock(run.mutex);
      run.result = std::move(result);
      onDone = std::move(run.onDone);
    }
    if (onDone) onDone(run.result);
    {
      // Notified under the lock: a waiter that wakes may destroy the run (and this condition
      // variable) as soon as it can take the lock, so the notify must be done by then.
      std::lock_guard lock(run.mutex);
      run.finished = true;
      run.finishedCv.notify_all();
    }
    std::lock_guard lock(runsMutex);
    active.erase(&run);
    runsCv.notify_all();
  }

  // ---- node lifecycle ------------------------------------------------------------------

  struct ReadyItem {
    Scope* scope;
    int node;
    bool early = false; ///< starts before its guard is decided
  };
  static inline thread_local std::vector<ReadyItem>* tlReady = nullptr;

  /// Processes a ready node and, iteratively, every node its completion makes ready.
  void ready(Scope& scope, int node, bool early = false) {
    if (tlReady) {
      tlReady->push_back({&scope, node, early});
      return;
    }
    std::vector<ReadyItem> local;
    tlReady = &local;
    local.push_back({&scope, node, early});
    drainReady(local);
    tlReady = nullptr;
  }

  void drainReady(std::vector<ReadyItem>& local) {
    while (!local.empty()) {
      ReadyItem item = local.back();
      local.pop_back();
      if (item.early)
        runEarly(*item.scope, item.node);
      else
        process(*item.scope, item.node);
    }
  }

  /// Whether node `i`'s guarding branch (decided, or skipped) took its arm.
  static bool guardTaken(const Scope& scope, const PlanNode& node) {
    const PlanNode& branch = scope.graph->nodes[node.guardBranch];
    return scope.outcome[node.guardBranch] == Outcome::Ok &&
           scope.values[branch.slot] == json(node.guardArm == 0);
  }

  void process(Scope& scope, int i) {
    if (scope.mayStartEarly(i) && resolveEarly(scope, i)) return;
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    NodeMetrics& m = *scope.metrics[i];
    m.queuedMs = run.now();
    if (run.stopping.load(std::memory_order_relaxed)) {
      finish(scope, i, Outcome::Abandoned);
      return;
    }
    if (node.guardBranch >= 0 && !guardTaken(scope, node)) {
      finish(scope, i, Outcome::Skipped);
      return;
    }
    if (node.kind == NodeKind::Input) {
      m.startMs = m.queuedMs;
      auto it = run.inputs.find(node.inputName);
      if (it == run.inputs.end()) {
        failNode(scope, i, "no value for input '" + node.inputName + "'");
        return;
      }
      scope.publish(node.slot, *it);
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

  void executeOnWorker(Scope& scope, int i) {
    std::vector<ReadyItem> local;
    tlReady = &local;
    if (scope.run->stopping.load(std::memory_order_relaxed))
      finish(scope, i, Outcome::Abandoned);
    else
      execute(scope, i);
    drainReady(local);
    tlReady = nullptr;
  }

  // ---- speculation ---------------------------------------------------------------------

  /// Node `d`'s inputs other than its guard are in: start it unless the guard is in too (then
  /// process() runs it the usual way) or it has started already.
  void startEarly(Scope& scope, int d) {
    if (scope.pending[d].load(std::memory_order_acquire) == 0) return;
    std::uint8_t expected = kNotStarted;
    if (!scope.spec[d].compare_exchange_strong(expected, kRunning, std::memory_order_acq_rel))
      return;
    ready(scope, d, true);
  }

  void runEarly(Scope& scope, int i) {
    RunState& run = *scope.run;
    scope.metrics[i]->queuedMs = run.now();
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
  void notifyEarly(Scope& scope, int i) {
    if (scope.earlyNotified[i].exchange(true, std::memory_order_acq_rel)) return;
    for (int d : scope.graph->dependants[i])
      if (scope.earlyAllowed[d] && scope.graph->nodes[d].guardBranch != i &&
          scope.earlyPending[d].fetch_sub(1, std::memory_order_acq_rel) == 1)
        startEarly(scope, d);
  }

  /// The guard of a node that may start early is decided. Returns false when the node has not
  /// started (it runs, or is skipped, the usual way and can no longer start early).
  bool resolveEarly(Scope& scope, int i) {
    std::atomic<std::uint8_t>& state = scope.spec[i];
    std::uint8_t s = kNotStarted;
    if (state.compare_exchange_strong(s, kInOrder, std::memory_order_acq_rel)) return false;
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    NodeMetrics& m = *scope.metrics[i];
    bool stopping = run.stopping.load(std::memory_order_relaxed);
    bool taken = !stopping && guardTaken(scope, node);
    m.speculation = taken ? "used" : "wasted";
    m.speculatedBranch = scope.graph->nodes[node.guardBranch].id + scope.suffix;
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

  /// Whether node `i` is a speculation that was dropped (its work may stop early).
  static bool isDropped(const Scope& scope, int i) {
    return scope.mayStartEarly(i) && scope.spec[i].load(std::memory_order_acquire) == kDropped;
  }

  void execute(Scope& scope, int i) {
    const PlanNode& node = scope.graph->nodes[i];
    NodeMetrics& m = *scope.metrics[i];
    m.startMs = scope.run->now();
    emit(scope, i, NodeEvent::Started, true);
    switch (node.kind) {
    case NodeKind::Native:
    case NodeKind::Output:
    case NodeKind::Branch: {
      auto result = scope.eval(node.expr);
      if (!result) {
        failNode(scope, i, result.error());
        return;
      }
      if (node.kind == NodeKind::Branch && !result.value().is_boolean()) {
        failNode(scope, i, "the branch condition is not a bool");
        return;
      }
      scope.publish(node.slot, std::move(result).value());
      finish(scope, i, Outcome::Ok);
      return;
    }
    case NodeKind::Llm:
      startLlm(scope, i);
      return;
    case NodeKind::Tool:
      startTool(scope, i);
      return;
    case NodeKind::Map:
      startMap(scope, i);
      return;
    case NodeKind::Input:
      return; // handled in process()
    }
  }

  std::string nodeLabel(const Scope& scope, int i) const {
    const PlanNode& node = scope.graph->nodes[i];
    std::string label = "node '" + node.id + scope.suffix + "'";
    if (!node.loc.empty()) label += " (" + node.loc + ")";
    return label;
  }

  void failNode(Scope& scope, int i, const std::string& message) {
    scope.metrics[i]->error = message;
    finish(scope, i, Outcome::Failed, message);
  }

  void emit(Scope& scope, int i, NodeEvent::Kind kind, bool ok, bool skipped = false) {
    const auto& cb = scope.run->options.onEvent;
    if (!cb) return;
    NodeEvent event;
    event.kind = kind;
    event.nodeId = scope.graph->nodes[i].id + scope.suffix;
    event.nodeKind = scope.graph->nodes[i].kindName;
    event.ok = ok;
    event.skipped = skipped;
    event.cacheHit = scope.metrics[i]->cacheHit;
    cb(event);
  }

  /// A node's work is over (every path of every node kind ends here).
  void finish(Scope& scope, int i, Outcome outcome, const std::string& error = {}) {
    if (scope.mayStartEarly(i)) {
      std::atomic<std::uint8_t>& state = scope.spec[i];
      std::uint8_t s = state.load(std::memory_order_acquire);
      NodeMetrics& m = *scope.metrics[i];
      if (s == kRunning) {
        if (m.startMs >= 0) m.endMs = scope.run->now();
        scope.heldOutcome[i] = outcome;
        scope.heldError[i] = error;
        if (state.compare_exchange_strong(s, kHeld, std::memory_order_acq_rel)) {
          if (outcome == Outcome::Ok) notifyEarly(scope, i);
          return;
        }
      }
      if (s == kDropped) {
        scope.discardDropped(i);
        if (m.startMs >= 0) {
          m.endMs = scope.run->now();
          emit(scope, i, NodeEvent::Finished, false, true);
        }
        if (scope.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) scopeDone(scope);
        return;
      }
    }
    settle(scope, i, outcome, error);
  }

  /// Publishes node `i`'s outcome to the run and counts its dependants down.
  void settle(Scope& scope, int i, Outcome outcome, const std::string& error = {}) {
    RunState& run = *scope.run;
    NodeMetrics& m = *scope.metrics[i];
    if (m.startMs >= 0 && m.endMs < 0) m.endMs = run.now();
    scope.outcome[i] = outcome;
    if (outcome == Outcome::Failed)
      run.fail(scope.graph->nodes[i].id + scope.suffix, nodeLabel(scope, i) + ": " + error);
    if (m.startMs >= 0)
      emit(scope, i, NodeEvent::Finished, outcome == Outcome::Ok, outcome == Outcome::Skipped);
    releaseWarm(scope, i);
    for (int d : scope.graph->dependants[i])
      if (scope.pending[d].fetch_sub(1, std::memory_order_acq_rel) == 1) ready(scope, d);
    // After the counts: a dependant this node completes runs in order, not early.
    if (scope.spec && outcome == Outcome::Ok) notifyEarly(scope, i);
    if (scope.remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) scopeDone(scope);
  }

  /// Lets the nodes waiting for node `i` to warm the prefix cache start — at its first
  /// token, or when it ends in any way (cache hit, skip, failure), whichever comes first.
  void releaseWarm(Scope& scope, int i) {
    const auto& followers = scope.graph->nodes[i].warmFollowers;
    if (followers.empty() || scope.warmReleased[i].exchange(true, std::memory_order_acq_rel))
      return;
    for (int f : followers)
      if (scope.pending[f].fetch_sub(1, std::memory_order_acq_rel) == 1) ready(scope, f);
  }

  bool cacheOn(const Scope& scope, const PlanNode& node) const {
    return options.cache && scope.run->options.useCache && node.cacheEnabled;
  }

  /// Stores a result from the worker pool, so SQLite writes never block the I/O thread.
  void cachePut(const std::string& key, const json& value,
                std::optional<std::chrono::milliseconds> ttl) {
    {
      std::lock_guard lock(unstoredMutex);
      unstored[key] = value;
    }
    pool->submit(1e300, [this, key, value, ttl] {
      options.cache->put(key, value, ttl);
      std::lock_guard lock(unstoredMutex);
      unstored.erase(key);
    });
  }

  std::optional<json> cacheGet(const std::string& key) {
    {
      std::lock_guard lock(unstoredMutex);
      if (auto it = unstored.find(key); it != unstored.end()) return it->second;
    }
    return options.cache->get(key);
  }

  // ---- llm nodes -----------------------------------------------------------------------

  struct LlmCall {
    std::shared_ptr<RunState> keep;
    Scope* scope;
    int node;
    ModelCall call;
    bool wrapped = false;
    bool repaired = false;
    std::string cacheKey;
    std::shared_ptr<ModelLimiter> limiter;
    std::mutex mutex;
    std::shared_ptr<ModelCallHandle> handle;
    bool done = false;
    std::uint64_t cancelId = 0;
    std::string secret; // the API key value, only to redact it from error text
  };

  void startLlm(Scope& scope, int i) {
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanModel& model = run.plan->models[node.model];
    auto ctx = std::make_shared<LlmCall>();
    ctx->keep = run.shared_from_this();
    ctx->scope = &scope;
    ctx->node = i;
    ModelCall& call = ctx->call;
    if (!node.warmFollowers.empty()) {
      Scope* s = &scope;
      call.onFirstToken = [this, s, i] { releaseWarm(*s, i); };
    }
    if (run.options.onModelExchange) {
      // A raw pointer suffices: the call completes before its `done`, which holds ctx, whose
      // `keep` holds the run.
      RunState* r = &run;
      call.onExchange = [r, nodeId = node.id + scope.suffix](const std::string& body,
                                                             const ModelResponse& response) {
        r->reportExchange(nodeId, body, response);
      };
    }
    call.provider = options.backend.value_or(model.provider);
    call.endpoint = options.endpoint.empty() ? model.endpoint : options.endpoint;
    call.model = model.name;
    call.apiKeyEnv = call.provider == Provider::Sim ? std::string() : model.keyEnv;
    for (const PlanMessage& msg : node.messages) {
      std::vector<ContentBlock> blocks;
      blocks.emplace_back();
      for (const Segment& seg : msg.segments) {
        if (seg.isStatic) {
          blocks.back().text += seg.text;
        } else {
          auto value = scope.eval(seg.expr);
          if (!value) {
            failNode(scope, i, "cannot render the prompt: " + value.error());
            return;
          }
          stdlib::appendText(blocks.back().text, value.value());
        }
        if (seg.cacheBreakpoint) {
          blocks.back().cacheBreakpoint = true;
          blocks.emplace_back();
        }
      }
      if (blocks.back().text.empty() && blocks.size() > 1) blocks.pop_back();
      if (msg.system) {
        for (auto& b : blocks)
          call.system.push_back(std::move(b));
      } else {
        call.messages.push_back(Message{Role::User, std::move(blocks)});
      }
    }
    if (node.hasSchema && !isPlainText(node.schema)) {
      ctx->wrapped = needsWrap(node.schema);
      call.schema = ctx->wrapped ? json{{"type", "object"},
                                        {"properties", {{"value", node.schema}}},
                                        {"required", {"value"}},
                                        {"additionalProperties", false}}
                                 : node.schema;
    }
    call.maxTokens = node.maxTokens;
    call.temperature = node.temperature;
    call.promptCacheKey = call.provider == Provider::Anthropic ? "" : node.promptCacheKey;
    if (node.timeoutMs && *node.timeoutMs > 0)
      call.totalTimeout = std::chrono::milliseconds(*node.timeoutMs);
    if (!call.apiKeyEnv.empty())
      if (auto key = env(call.apiKeyEnv)) ctx->secret = *key;

    if (cacheOn(scope, node)) {
      Hasher h;
      h.add("llm")
          .add(node.cacheKey)
          .add(providerName(call.provider))
          .add(buildRequestBody(call).dump());
      ctx->cacheKey = "llm:" + h.hex();
      if (auto hit = cacheGet(ctx->cacheKey)) {
        scope.metrics[i]->cacheHit = true;
        publishLlm(scope, i, *hit);
        finish(scope, i, Outcome::Ok);
        return;
      }
      run.cacheMisses++;
    }
    ctx->limiter = limiterFor(model, call.endpoint);
    admitAndCall(ctx);
  }

  void admitAndCall(const std::shared_ptr<LlmCall>& ctx) {
    const PlanNode& node = ctx->scope->graph->nodes[ctx->node];
    if (ctx->limiter->unlimited()) {
      sendModelCall(ctx);
      return;
    }
    ctx->limiter->acquire(ctx->scope->run, node.priorityMs, node.estTokens, [this, ctx](bool go) {
      if (!go) {
        finishOnWorker(ctx->scope, ctx->node, Outcome::Abandoned);
        return;
      }
      // A node waiting for its model's limit has not started (docs/metrics.md): its start,
      // TTFT and share of the parallelism count from its first admission (a repair call
      // admitted later is still the same node's work).
      if (!ctx->repaired) ctx->scope->metrics[ctx->node]->startMs = ctx->scope->run->now();
      sendModelCall(ctx);
    });
  }

  /// Finishes a node from a thread that may be the I/O thread (dependants go to the pool).
  void finishOnWorker(Scope* scope, int i, Outcome outcome, const std::string& error = {}) {
    if (outcome == Outcome::Failed) scope->metrics[i]->error = error;
    finish(*scope, i, outcome, error);
  }

  void sendModelCall(const std::shared_ptr<LlmCall>& ctx) {
    RunState& run = *ctx->scope->run;
    if (run.stopping.load() || isDropped(*ctx->scope, ctx->node)) {
      if (!ctx->limiter->unlimited()) ctx->limiter->release();
      finishOnWorker(ctx->scope, ctx->node, Outcome::Abandoned);
      return;
    }
    {
      std::lock_guard lock(ctx->mutex);
      ctx->done = false;
    }
    ctx->cancelId = run.addCanceler(
        [ctx] {
          std::shared_ptr<ModelCallHandle> handle;
          {
            std::lock_guard lock(ctx->mutex);
            if (!ctx->done) handle = ctx->handle;
          }
          if (handle) handle->cancel();
        },
        ctx->scope, ctx->node);
    const PlanNode& node = ctx->scope->graph->nodes[ctx->node];
    RetryPolicy* policy = &retryPolicy;
    if (node.retries) {
      RetryConfig config = options.retry;
      config.maxAttempts = *node.retries + 1;
      std::lock_guard lock(run.mutex);
      run.policies.push_back(std::make_unique<RetryPolicy>(config));
      policy = run.policies.back().get();
    }
    auto handle = startModelCall(
        *transport, ctx->call, env, policy, &run.budget,
        [this, ctx](ModelResponse response) { onModelAnswer(ctx, std::move(response)); });
    bool cancelNow = false;
    {
      std::lock_guard lock(ctx->mutex);
      if (!ctx->done) ctx->handle = handle;
      cancelNow = !ctx->done && (run.cancelled.load() || isDropped(*ctx->scope, ctx->node));
    }
    if (cancelNow) handle->cancel();
  }

  void onModelAnswer(const std::shared_ptr<LlmCall>& ctx, ModelResponse response) {
    {
      std::lock_guard lock(ctx->mutex);
      ctx->done = true;
      ctx->handle.reset();
    }
    Scope& scope = *ctx->scope;
    RunState& run = *scope.run;
    run.removeCanceler(ctx->cancelId);
    if (!ctx->limiter->unlimited()) ctx->limiter->release();
    int i = ctx->node;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanModel& model = run.plan->models[node.model];
    NodeMetrics& m = *scope.metrics[i];
    m.modelCalls += response.attempts;
    m.retries += response.attempts - 1;
    m.promptTokens += response.usage.promptTokens;
    m.cachedTokens += response.usage.cachedTokens;
    m.cacheCreationTokens += response.usage.cacheCreationTokens;
    m.outputTokens += response.usage.outputTokens;
    m.costUsd +=
        costUsd(response.usage.promptTokens, response.usage.cachedTokens,
                response.usage.cacheCreationTokens, response.usage.outputTokens, model.price);
    if (response.firstTokenTime != Clock::time_point{})
      m.firstTokenMs = msSince(run.start, response.firstTokenTime);
    m.finishReason = response.finishReason;
    if (!response.ok()) {
      std::string message = response.error->message;
      if (!ctx->secret.empty()) message = redact(std::move(message), ctx->secret);
      if (run.cancelled.load() && response.error->kind == ModelErrorKind::Transport)
        finishOnWorker(&scope, i, Outcome::Abandoned);
      else
        finishOnWorker(&scope, i, Outcome::Failed,
                       "model call to '" + model.name + "' failed: " + message);
      return;
    }
    json value;
    std::string problem;
    if (!ctx->call.schema) {
      value = response.text;
    } else if (!parseModelJson(response.text, value, problem)) {
      problem = "the answer is not JSON: " + problem;
    } else {
      if (ctx->wrapped && value.is_object() && value.contains("value") && value.size() == 1)
        value = json(value["value"]);
      auto errors = validateSchema(value, node.schema);
      if (!errors.empty())
        problem = "the answer does not match the schema: " + formatSchemaErrors(errors);
    }
    if (!problem.empty()) {
      if (!ctx->repaired && !run.stopping.load()) {
        ctx->repaired = true;
        ctx->call = makeRepairCall(ctx->call, response.text, problem);
        admitAndCall(ctx);
        return;
      }
      finishOnWorker(&scope, i, Outcome::Failed,
                     problem + (ctx->repaired ? " (after one repair attempt)" : ""));
      return;
    }
    if (!ctx->cacheKey.empty()) {
      std::optional<std::chrono::milliseconds> ttl;
      if (node.cacheTtlMs > 0) ttl = std::chrono::milliseconds(node.cacheTtlMs);
      cachePut(ctx->cacheKey, value, ttl);
    }
    publishLlm(scope, i, std::move(value));
    finishOnWorker(&scope, i, Outcome::Ok);
  }

  void publishLlm(Scope& scope, int i, json value) {
    const PlanNode& node = scope.graph->nodes[i];
    for (const FusedPart& part : node.fused) {
      if (value.is_object() && value.contains(part.field))
        scope.publish(part.slot, value[part.field]);
    }
    scope.publish(node.slot, std::move(value));
  }

  // ---- tool nodes ----------------------------------------------------------------------

  void startTool(Scope& scope, int i) {
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanTool& tool = run.plan->tools[node.tool];
    json args = json::object();
    for (auto& [name, expr] : node.args.items()) {
      auto value = scope.eval(expr);
      if (!value) {
        failNode(scope, i, "argument '" + name + "': " + value.error());
        return;
      }
      args[name] = std::move(value).value();
    }
    std::string cacheKey;
    if (cacheOn(scope, node) && tool.cacheTtlMs >= 0) {
      Hasher h;
      h.add("tool").add(node.cacheKey).add(tool.id).add(args.dump());
      cacheKey = "tool:" + h.hex();
      if (auto hit = cacheGet(cacheKey)) {
        scope.metrics[i]->cacheHit = true;
        scope.publish(node.slot, std::move(*hit));
        finish(scope, i, Outcome::Ok);
        return;
      }
      run.cacheMisses++;
    }
    auto keep = run.shared_from_this();
    auto done = [this, keep, &scope, i, cacheKey](ToolResult result) {
      toolDone(scope, i, std::move(result), cacheKey);
    };
    if (auto stub = options.toolStubs.find(tool.id); stub != options.toolStubs.end()) {
      if (options.toolStubLatency.count() > 0) {
        json value = stub->second;
        transport->runAfter(options.toolStubLatency,
                            [done, value] { done(ToolResult::success(value)); });
      } else {
        done(ToolResult::success(stub->second));
      }
      return;
    }
    if (tool.http) {
      startHttpTool(scope, i, tool, std::move(args), done);
      return;
    }
    HostTool sync;
    AsyncHostTool async;
    {
      std::shared_lock lock(toolsMutex);
      if (auto it = tools.find(tool.id); it != tools.end())
        sync = it->second;
      else if (auto a = asyncTools.find(tool.id); a != asyncTools.end())
        async = a->second;
    }
    if (sync) {
      ToolResult result;
      try {
        result = sync(args);
      } catch (const std::exception& e) {
        result = ToolResult::failure(std::string("the host tool threw: ") + e.what());
      } catch (...) {
        result = ToolResult::failure("the host tool threw a non-standard exception");
      }
      done(std::move(result));
    } else if (async) {
      auto once = std::make_shared<std::atomic<bool>>(false);
      try {
        async(args, [done, once](ToolResult r) {
          if (!once->exchange(true)) done(std::move(r));
        });
      } catch (const std::exception& e) {
        if (!once->exchange(true))
          done(ToolResult::failure(std::string("the host tool threw: ") + e.what()));
      }
    } else {
      done(ToolResult::failure("no host callback is registered for tool '" + tool.id +
                               "' (Runtime::registerTool)"));
    }
  }

  void toolDone(Scope& scope, int i, ToolResult result, const std::string& cacheKey) {
    const PlanNode& node = scope.graph->nodes[i];
    const PlanTool& tool = scope.run->plan->tools[node.tool];
    if (!result.ok) {
      if (scope.run->cancelled.load() && result.error == "cancelled")
        finishOnWorker(&scope, i, Outcome::Abandoned);
      else
        finishOnWorker(&scope, i, Outcome::Failed, "tool '" + tool.id + "': " + result.error);
      return;
    }
    const json& schema = tool.hasResultSchema ? tool.resultSchema : node.schema;
    if (tool.hasResultSchema || node.hasSchema) {
      auto errors = validateSchema(result.value, schema);
      if (!errors.empty()) {
        finishOnWorker(&scope, i, Outcome::Failed,
                       "tool '" + tool.id + "' returned a value that does not match its type: " +
                           formatSchemaErrors(errors));
        return;
      }
    }
    if (!cacheKey.empty()) {
      std::optional<std::chrono::milliseconds> ttl;
      std::int64_t ms = node.cacheTtlMs > 0 ? node.cacheTtlMs : tool.cacheTtlMs;
      if (ms > 0) ttl = std::chrono::milliseconds(ms);
      cachePut(cacheKey, result.value, ttl);
    }
    scope.publish(node.slot, std::move(result.value));
    finishOnWorker(&scope, i, Outcome::Ok);
  }

  struct HttpToolCall {
    HttpRequest request;
    int attempt = 0;
    int maxAttempts = 1;
    std::uint64_t cancelId = 0;
    std::atomic<RequestId> id{0};
    std::function<void(ToolResult)> done;
  };

  void startHttpTool(Scope& scope, int i, const PlanTool& tool, json args,
                     std::function<void(ToolResult)> done) {
    RunState& run = *scope.run;
    std::string url;
    std::vector<std::string> used;
    const std::string& tpl = tool.url;
    for (std::size_t k = 0; k < tpl.size(); ++k) {
      if (tpl[k] == '{') {
        auto close = tpl.find('}', k);
        if (close != std::string::npos) {
          std::string name = tpl.substr(k + 1, close - k - 1);
          if (!args.contains(name)) {
            done(ToolResult::failure("URL parameter '{" + name + "}' has no argument"));
            return;
          }
          url += urlEncode(stdlib::toText(args[name]));
          used.push_back(name);
          k = close;
          continue;
        }
      }
      url += tpl[k];
    }
    std::string host = hostOf(url);
    const auto& hosts = run.plan->hosts;
    if (std::find(hosts.begin(), hosts.end(), host) == hosts.end()) {
      done(ToolResult::failure("host '" + host + "' is not among the plan's hosts"));
      return;
    }
    auto ctx = std::make_shared<HttpToolCall>();
    ctx->request.method = tool.method;
    ctx->done = std::move(done);
    if (tool.method == "GET") {
      char sep = url.find('?') == std::string::npos ? '?' : '&';
      for (auto& [name, value] : args.items()) {
        if (std::find(used.begin(), used.end(), name) != used.end()) continue;
        url += sep + urlEncode(name) + "=" + urlEncode(stdlib::toText(value));
        sep = '&';
      }
      ctx->request.body.clear();
    } else {
      ctx->request.body = args.dump();
      ctx->request.headers.emplace_back("content-type", "application/json");
    }
    ctx->request.headers.emplace_back("accept", "application/json");
    ctx->request.url = url;
    ctx->request.totalTimeout =
        tool.timeoutMs > 0 ? std::chrono::milliseconds(tool.timeoutMs) : options.defaultToolTimeout;
    ctx->maxAttempts = tool.retries + 1;
    auto keep = run.shared_from_this();
    ctx->cancelId = run.addCanceler(
        [this, ctx] {
          if (RequestId id = ctx->id.load()) transport->cancel(id);
        },
        &scope, i);
    sendHttp(keep, ctx);
    if (isDropped(scope, i))
      if (RequestId id = ctx->id.load()) transport->cancel(id);
  }

  void sendHttp(const std::shared_ptr<RunState>& keep, const std::shared_ptr<HttpToolCall>& ctx) {
    ctx->attempt++;
    HttpRequest request = ctx->request;
    RequestId id = transport->submit(std::move(request), [this, keep, ctx](HttpResponse response) {
      if (!response.ok() && ctx->attempt < ctx->maxAttempts && !keep->stopping.load()) {
        RetryDecision decision = retryPolicy.decide(ctx->attempt, response, &keep->budget);
        if (decision.retry) {
          transport->runAfter(decision.delay, [this, keep, ctx] { sendHttp(keep, ctx); });
          return;
        }
      }
      keep->removeCanceler(ctx->cancelId);
      if (response.error == TransportError::Cancelled) {
        ctx->done(ToolResult::failure("cancelled"));
      } else if (response.error != TransportError::None) {
        ctx->done(ToolResult::failure(std::string(transportErrorName(response.error)) + ": " +
                                      response.errorMessage));
      } else if (!response.ok()) {
        ctx->done(ToolResult::failure("HTTP " + std::to_string(response.status)));
      } else {
        json value = json::parse(response.body, nullptr, false);
        if (value.is_discarded())
          ctx->done(ToolResult::failure("the response is not JSON"));
        else
          ctx->done(ToolResult::success(std::move(value)));
      }
    });
    ctx->id.store(id);
  }

  // ---- map nodes -----------------------------------------------------------------------

  // Owned by the instance scopes' onComplete (scopes belong to the run: no cycle).
  struct MapRun {
    Scope* scope;
    int node;
    json items;
    std::vector<json> results;
    std::atomic<int> left{0};
    std::mutex mutex;
    std::string error;
    json acc;
    bool serial = false;
  };

  void startMap(Scope& scope, int i) {
    const PlanNode& node = scope.graph->nodes[i];
    auto over = scope.eval(node.over);
    if (!over) {
      failNode(scope, i, "cannot evaluate the list to map over: " + over.error());
      return;
    }
    if (!over.value().is_array()) {
      failNode(scope, i,
               "map over a " + std::string(stdlib::typeName(over.value())) + ", expected a list");
      return;
    }
    auto ctx = std::make_shared<MapRun>();
    ctx->scope = &scope;
    ctx->node = i;
    ctx->items = std::move(over).value();
    std::size_t n = ctx->items.size();
    ctx->results.resize(n);
    if (node.isReduce) {
      auto init = scope.eval(node.init);
      if (!init) {
        failNode(scope, i, "reduce init: " + init.error());
        return;
      }
      ctx->acc = std::move(init).value();
    }
    ctx->serial = node.isReduce || scope.run->plan->sequential;
    if (n == 0) {
      scope.publish(node.slot, node.isReduce ? ctx->acc : json::array());
      finish(scope, i, Outcome::Ok);
      return;
    }
    ctx->left = int(n);
    if (ctx->serial) {
      startInstance(ctx, 0);
    } else {
      for (std::size_t k = 0; k < n; ++k)
        startInstance(ctx, k);
    }
  }

  void startInstance(const std::shared_ptr<MapRun>& ctx, std::size_t k) {
    Scope& outer = *ctx->scope;
    const PlanNode& node = outer.graph->nodes[ctx->node];
    Scope* inst =
        newScope(*outer.run, *node.body, &outer, outer.suffix + "[" + std::to_string(k) + "]");
    inst->locals.emplace_back(node.var, ctx->items[k]);
    if (node.isReduce) inst->locals.emplace_back(node.acc, ctx->acc);
    inst->onComplete = [this, ctx, k](Scope& s) { instanceDone(ctx, k, s); };
    startScope(*inst);
  }

  void instanceDone(const std::shared_ptr<MapRun>& ctx, std::size_t k, Scope& inst) {
    Scope& outer = *ctx->scope;
    const PlanNode& node = outer.graph->nodes[ctx->node];
    bool ok = true;
    for (Outcome o : inst.outcome)
      ok = ok && (o == Outcome::Ok || o == Outcome::Skipped);
    std::string problem;
    if (ok) {
      auto result = inst.eval(node.result);
      if (result) {
        if (node.isReduce)
          ctx->acc = std::move(result).value();
        else
          ctx->results[k] = std::move(result).value();
      } else {
        problem = "element " + std::to_string(k) + ": " + result.error();
      }
    } else {
      problem = "element " + std::to_string(k) + " failed";
    }
    if (!problem.empty()) {
      std::lock_guard lock(ctx->mutex);
      if (ctx->error.empty()) ctx->error = problem;
    }
    bool last = ctx->left.fetch_sub(1, std::memory_order_acq_rel) == 1;
    if (ctx->serial && !last) {
      if (!problem.empty() || outer.run->stopping.load()) {
        // Stop the fold: the remaining elements never run.
        ctx->left = 1;
        last = ctx->left.fetch_sub(1) == 1;
      } else {
        startInstance(ctx, k + 1);
        return;
      }
    }
    if (!last) return;
    std::string error;
    {
      std::lock_guard lock(ctx->mutex);
      error = ctx->error;
    }
    if (!error.empty()) {
      // A failure inside an element was already recorded at that element's node.
      if (outer.run->stopping.load() && !ok)
        finishOnWorker(&outer, ctx->node, Outcome::Abandoned);
      else
        finishOnWorker(&outer, ctx->node, Outcome::Failed, error);
      return;
    }
    if (outer.run->stopping.load()) {
      finishOnWorker(&outer, ctx->node, Outcome::Abandoned);
      return;
    }
    outer.publish(node.slot, node.isReduce ? std::move(ctx->acc) : json(std::move(ctx->results)));
    finishOnWorker(&outer, ctx->node, Outcome::Ok);
  }

  // ---- starting runs -------------------------------------------------------------------

  std::string checkInputs(const Plan& plan, const json& given, json& out) {
    if (!given.is_object() && !given.is_null()) return "inputs must be a JSON object";
    out = json::object();
    std::string known;
    for (const auto& [name, schema] : plan.inputSchemas)
      known += (known.empty() ? "" : ", ") + name;
    if (given.is_object())
      for (auto& [name, value] : given.items()) {
        auto it = std::find_if(plan.inputSchemas.begin(), plan.inputSchemas.end(),
                               [&](const auto& p) { return p.first == name; });
        if (it == plan.inputSchemas.end())
          return "unknown input '" + name + "' (the workflow takes: " + known + ")";
        auto errors = validateSchema(value, it->second);
        if (!errors.empty()) return "input '" + name + "': " + formatSchemaErrors(errors);
        out[name] = value;
      }
    for (const PlanNode& node : plan.graph.nodes) {
      if (node.kind != NodeKind::Input || out.contains(node.inputName)) continue;
      if (!node.defaultValue) return "missing input '" + node.inputName + "'";
      out[node.inputName] = *node.defaultValue;
    }
    return {};
  }
};

// ---- public API ------------------------------------------------------------------------

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
Runtime::~Runtime() = default;

void Runtime::registerTool(const std::string& name, HostTool tool) {
  std::unique_lock lock(impl_->toolsMutex);
  impl_->asyncTools.erase(name);
  impl_->tools[name] = std::move(tool);
}

void Runtime::registerAsyncTool(const std::string& name, AsyncHostTool tool) {
  std::unique_lock lock(impl_->toolsMutex);
  impl_->tools.erase(name);
  impl_->asyncTools[name] = std::move(tool);
}

std::shared_ptr<RunHandle> Runtime::start(std::shared_ptr<const Plan> plan, json inputs,
                                          RunOptions options,
                                          std::function<void(const RunResult&)> onDone) {
  Impl& rt = *impl_;
  auto run = std::make_shared<RunState>(rt.options.retryBudgetPerRun);
  run->rt = &rt;
  run->start = Clock::now();
  run->options = std::move(options);
  if (run->options.runId.empty()) run->options.runId = "run-" + std::to_string(++rt.runSeq);
  run->onDone = std::move(onDone);
  auto handle = std::make_shared<RunHandle>(run);
  if (!plan) {
    run->result.error = "no plan";
    run->finished = true;
    if (run->onDone) run->onDone(run->result);
    return handle;
  }
  run->plan = plan;
  std::string inputError = rt.checkInputs(*plan, inputs, run->inputs);
  if (!inputError.empty()) {
    run->result.error = inputError;
    run->result.metrics.workflow = plan->workflow;
    run->result.metrics.runId = run->options.runId;
    run->result.metrics.error = inputError;
    run->finished = true;
    if (run->onDone) run->onDone(run->result);
    return handle;
  }
  {
    std::lock_guard lock(rt.runsMutex);
    rt.active.emplace(run.get(), run);
  }
  Scope* top = rt.newScope(*run, plan->graph, nullptr, "");
  rt.startScope(*top);
  return handle;
}

RunResult Runtime::run(std::shared_ptr<const Plan> plan, json inputs, RunOptions options) {
  return start(std::move(plan), std::move(inputs), std::move(options))->wait();
}

void RunHandle::cancel() {
  if (!done()) state_->rt->cancel(*state_);
}

const RunResult& RunHandle::wait() {
  std::unique_lock lock(state_->mutex);
  state_->finishedCv.wait(lock, [&] { return state_->finished; });
  return state_->result;
}

bool RunHandle::waitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->finishedCv.wait_for(lock, timeout, [&] { return state_->finished; });
}

bool RunHandle::done() const {
  std::lock_guard lock(state_->mutex);
  return state_->finished;
}

} // namespace awc::runtime
