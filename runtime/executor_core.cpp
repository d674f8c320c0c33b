// The scheduling core's run lifecycle: the Runtime's construction, runs' observers, scopes
// (graph instances), cancellation and run completion.
#include "executor_core.h"

#include "awc/runtime/schema_validate.h"
#include "observers.h"

namespace awc::runtime {

using detail::ModelLimiter;
using detail::WorkerPool;
using nlohmann::json;

// ---- RunState --------------------------------------------------------------------------

void RunState::fail(const std::string& node, const std::string& message) {
  std::lock_guard lock(mutex);
  if (error.empty()) {
    error = message;
    errorNode = node;
  }
  stopping = true;
}

std::uint64_t RunState::addCanceler(std::function<void()> fn, const Scope* scope, int node) {
  std::lock_guard lock(mutex);
  std::uint64_t id = nextCancelId++;
  cancelers.emplace(id, Canceler{std::move(fn), scope, node});
  return id;
}

void RunState::cancelNode(const Scope* scope, int node) {
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lock(mutex);
    for (auto& [id, c] : cancelers)
      if (c.scope == scope && c.node == node) fns.push_back(c.fn);
  }
  for (auto& fn : fns)
    fn();
}

void RunState::removeCanceler(std::uint64_t id) {
  std::lock_guard lock(mutex);
  cancelers.erase(id);
}

void RunState::reportExchange(const Scope& scope, int node, const std::string& body,
                              const ModelResponse& response) {
  // Built outside the lock; the lock makes the calls for this run one at a time, so a
  // recorder needs no locking of its own and sees completion order.
  ModelExchange exchange;
  exchange.nodeId = scope.ids[node];
  exchange.request = json::parse(body, nullptr, false);
  if (exchange.request.is_discarded()) exchange.request = body; // unreachable: we built it
  exchange.answer = response.text;
  exchange.usage = response.usage;
  exchange.finishReason = response.finishReason;
  NodeRef ref = scope.ref(node);
  std::lock_guard lock(exchangeMutex);
  observers.each(kModelExchangeEvents, [&](RunObserver& o) { o.onModelExchange(ref, exchange); });
}

// ---- Runtime::Impl ---------------------------------------------------------------------

Runtime::Impl::Impl(RuntimeOptions opts) : options(std::move(opts)), retryPolicy(options.retry) {
  if (options.transport) {
    transport = options.transport;
  } else {
    ownedTransport = std::make_unique<CurlTransport>();
    transport = ownedTransport.get();
  }
  env = options.env ? options.env : processEnv();
  if (options.cache) cacheWriter = std::make_shared<CacheWriter>(*this);
  executors[std::size_t(NodeKind::Native)] = makeNativeExecutor(*this);
  executors[std::size_t(NodeKind::Branch)] = makeNativeExecutor(*this);
  executors[std::size_t(NodeKind::Output)] = makeNativeExecutor(*this);
  executors[std::size_t(NodeKind::Llm)] = makeLlmExecutor(*this);
  executors[std::size_t(NodeKind::Tool)] = makeToolExecutor(*this);
  executors[std::size_t(NodeKind::Map)] = makeMapExecutor(*this);
  pool = std::make_unique<WorkerPool>(options.workerThreads);
}

Runtime::Impl::~Impl() {
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

std::shared_ptr<ModelLimiter> Runtime::Impl::limiterFor(const PlanModel& model,
                                                        const std::string& endpoint) {
  std::string key = model.name + "@" + endpoint;
  std::lock_guard lock(limitersMutex);
  auto& limiter = limiters[key];
  if (!limiter)
    limiter =
        std::make_shared<ModelLimiter>(model.maxConcurrency, model.rpm, model.tpm, *transport);
  return limiter;
}

void Runtime::Impl::cancel(RunState& run) {
  run.cancelled = true;
  run.fail("", "run cancelled");
  stopInFlight(run);
}

void Runtime::Impl::stopInFlight(RunState& run) {
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

void Runtime::Impl::attachObservers(RunState& run) {
  run.metrics = std::make_shared<MetricsCollector>();
  run.observers.add(run.metrics);
  if (cacheWriter) run.observers.add(cacheWriter);
  if (run.options.onEvent)
    run.observers.add(std::make_shared<NodeEventAdapter>(run.options.onEvent));
  if (run.options.onModelExchange)
    run.observers.add(std::make_shared<ExchangeAdapter>(run.options.onModelExchange));
  for (const auto& observer : run.options.observers)
    run.observers.add(observer);
}

Scope* Runtime::Impl::newScope(RunState& run, const Graph& graph, const Scope* parent,
                               std::string suffix) {
  auto owned = std::make_unique<Scope>();
  Scope& scope = *owned;
  scope.run = &run;
  scope.graph = &graph;
  scope.parent = parent;
  scope.suffix = std::move(suffix);
  std::size_t n = graph.nodes.size();
  scope.values.resize(graph.slotCount);
  scope.slotReady = std::make_unique<std::atomic<std::uint8_t>[]>(graph.slotCount);
  scope.pending = std::make_unique<std::atomic<int>[]>(n);
  scope.warmReleased = std::make_unique<std::atomic<bool>[]>(n);
  for (std::size_t i = 0; i < n; ++i) {
    scope.pending[i].store(graph.initialPending[i], std::memory_order_relaxed);
    scope.ids.push_back(graph.nodes[i].id + scope.suffix);
  }
  scope.outcome.assign(n, Outcome::Pending);
  scope.startMs.assign(n, -1);
  scope.endMs.assign(n, -1);
  scope.cacheState.assign(n, kCacheNone);
  scope.specResult.assign(n, kSpecNone);
  scope.remaining.store(int(n), std::memory_order_relaxed);
  prepareSpeculation(run, scope);
  {
    std::lock_guard lock(run.mutex);
    scope.seqBase = run.nextSeq;
    run.nextSeq += n;
    run.scopes.push_back(std::move(owned));
  }
  if (run.observers.wants(kNodeDeclaredEvents))
    for (std::size_t i = 0; i < n; ++i) {
      const PlanNode& node = graph.nodes[i];
      std::vector<std::string> deps;
      for (const std::string& dep : node.depIds)
        deps.push_back(graph.slots.count(dep) ? dep + scope.suffix : dep);
      NodeDeclared event{scope.ref(int(i)), &deps, {}, {}, node.loc};
      std::string provider;
      if (node.kind == NodeKind::Llm) {
        const PlanModel& model = run.plan->models[node.model];
        event.model = model.name;
        provider = std::string(providerName(options.backend.value_or(model.provider)));
        event.provider = provider;
      }
      run.observers.each(kNodeDeclaredEvents, [&](RunObserver& o) { o.onNodeDeclared(event); });
    }
  return &scope;
}

/// Starts every root of the scope (or completes it at once when it has no nodes).
void Runtime::Impl::startScope(Scope& scope) {
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

void Runtime::Impl::scopeDone(Scope& scope) {
  if (scope.onComplete)
    scope.onComplete(scope);
  else
    completeRun(*scope.run, scope);
}

namespace {

void collectValues(const Scope& top, RunResult& result) {
  const Graph& graph = *top.graph;
  for (const auto& [id, slot] : graph.slots)
    if (top.slotReady[slot].load(std::memory_order_acquire)) result.values[id] = top.values[slot];
  if (!result.ok) return;
  int out = graph.outputNode;
  if (top.outcome[out] == Outcome::Ok) {
    result.output = top.values[graph.nodes[out].slot];
  } else {
    result.ok = false;
    result.error = "the output node did not run";
  }
}

} // namespace

void Runtime::Impl::completeRun(RunState& run, Scope& top) {
  auto self = run.shared_from_this(); // keep alive while finishing
  RunResult result;
  {
    std::lock_guard lock(run.mutex);
    result.error = run.error;
    result.errorNode = run.errorNode;
  }
  result.cancelled = run.cancelled;
  result.ok = result.error.empty() && !result.cancelled;
  collectValues(top, result);
  result.metrics = run.metrics->finish(run.now(), result.error);
  // Observers and onDone run before waiters are released, so wait() returning implies both.
  std::function<void(const RunResult&)> onDone;
  {
    std::lock_guard lock(run.mutex);
    run.result = std::move(result);
    onDone = std::move(run.onDone);
  }
  run.observers.each(kRunLifecycleEvents, [&](RunObserver& o) { o.onRunFinished(run.result); });
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

std::string Runtime::Impl::checkInputs(const Plan& plan, const json& given, json& out) {
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

} // namespace awc::runtime
