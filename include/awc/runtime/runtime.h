// The executor's public API: load a plan (docs/plan-format.md), register host tools, start runs
// that execute every node as soon as its inputs are ready, wait for or cancel them.
#pragma once

#include "awc/runtime/http_client.h"
#include "awc/runtime/metrics.h"
#include "awc/runtime/model_backend.h"
#include "awc/runtime/observer.h"
#include "awc/runtime/result_cache.h"
#include "awc/runtime/retry_policy.h"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::runtime {

/// A validated, immutable plan. Shared by every run that executes it (thread-safe to share).
class Plan;

/// Loads a plan from parsed JSON. Checks the version and the structure (node kinds, references
/// between nodes, models and tools, expression trees, cycles). On failure returns null and sets
/// `error` to a message naming the offending place. Never throws.
std::shared_ptr<const Plan> loadPlan(const nlohmann::json& plan, std::string& error);
/// Parses `text` as JSON, then loadPlan.
std::shared_ptr<const Plan> loadPlanText(std::string_view text, std::string& error);
/// Reads a plan file, then loadPlanText.
std::shared_ptr<const Plan> loadPlanFile(const std::string& path, std::string& error);

/// Workflow name, inputs and other read-only facts about a loaded plan.
struct PlanInfo {
  std::string workflow;
  std::string mode; ///< "parallel" or "sequential"
  int optLevel = 0;
  /// Input name -> JSON Schema of the value.
  std::map<std::string, nlohmann::json> inputSchemas;
  std::size_t nodeCount = 0;
};
PlanInfo planInfo(const Plan& plan);

/// What a host tool returns: a value, or an error message.
struct ToolResult {
  bool ok = true;
  nlohmann::json value;
  std::string error;
  static ToolResult success(nlohmann::json v) { return {true, std::move(v), {}}; }
  static ToolResult failure(std::string message) { return {false, nullptr, std::move(message)}; }
};

/// A synchronous host tool; runs on the worker pool. May throw: the exception becomes the
/// node's error.
using HostTool = std::function<ToolResult(const nlohmann::json& args)>;
/// An asynchronous host tool: it must call `done` exactly once, from any thread.
using AsyncHostTool =
    std::function<void(const nlohmann::json& args, std::function<void(ToolResult)> done)>;

/// Runtime-wide settings, fixed at construction.
struct RuntimeOptions {
  /// HTTP transport for model and HTTP-tool calls; null makes the Runtime own a CurlTransport.
  /// A borrowed transport must outlive the Runtime.
  Transport* transport = nullptr;
  /// Threads for native nodes, prompt rendering, cache lookups and host tools.
  int workerThreads = 2;
  /// Overrides every model's provider (`--backend`).
  std::optional<Provider> backend;
  /// Overrides every model's endpoint (`--endpoint`).
  std::string endpoint;
  /// Where API keys are read from (by the env var name in the plan); default: the process env.
  EnvLookup env;
  /// The result cache shared by runs; null disables caching.
  std::shared_ptr<ResultCache> cache;
  RetryConfig retry;
  /// Retries one run may spend across all its calls (negative: unlimited).
  int retryBudgetPerRun = 100;
  /// Timeout of a tool whose plan entry says 0.
  std::chrono::milliseconds defaultToolTimeout{30'000};
  /// Testing aid (`awc run --tool-stub`): tool id -> the value every call of it returns,
  /// instead of calling the host callback or the HTTP endpoint.
  std::map<std::string, nlohmann::json> toolStubs;
  /// How long a stubbed tool takes to answer (simulated on the transport's timer).
  std::chrono::milliseconds toolStubLatency{0};
};

/// A node-level event for progress displays. Called on runtime threads: must not block.
struct NodeEvent {
  enum Kind { Started, Finished } kind = Started;
  /// Node id; instances of map bodies carry their element index ("scored/r[2]").
  std::string nodeId;
  std::string nodeKind;
  bool ok = true;
  bool cacheHit = false;
  bool skipped = false;
};

/// Per-run settings.
/// Branch-arm steps the compiler marked `hints.speculate` (docs/optimizations.md) start as soon
/// as their other inputs are ready, before the branch condition is known. When the other arm is
/// taken their result is dropped and an unfinished model or HTTP call cancelled; what they cost
/// is still counted. Native work in the arm (a native node, a map with a native body) starts
/// early too, so a speculated step that reads it is not held back.
struct SpeculationOptions {
  bool enabled = true;
  /// `auto` (the default): start every hinted step that costs nothing extra, then the others,
  /// best `gain_ms / extra_cost_usd` first, while their expected extra costs sum to at most
  /// the plan's `estimate.speculation_budget_usd` (what the passes saved against -O0; 0 when
  /// absent). False: the fixed per-step limit below.
  bool automatic = true;
  /// Without `automatic`: start a hinted step only when its expected extra cost
  /// (`extra_cost_usd`) is at most this. 0 starts only what costs nothing: tool calls without
  /// side effects (the only tools the compiler hints) and native work. Infinity starts every
  /// hinted step.
  double maxExtraCostUsd = 0;
};

struct RunOptions {
  /// Use the Runtime's result cache for this run.
  bool useCache = true;
  /// Empty: a generated id.
  std::string runId;
  std::function<void(const NodeEvent&)> onEvent;
  /// Called once per successful model call, in completion order (cache hits make no call and
  /// failed calls report nothing). Calls for one run are serialized, never concurrent, but run
  /// on runtime I/O threads: the hook must be quick and must not throw. Runs sharing one hook
  /// may call it concurrently. Every call returns before its node finishes, hence before
  /// `RunHandle::wait()` returns.
  std::function<void(const ModelExchange&)> onModelExchange;
  SpeculationOptions speculation;
  /// Listeners to every event of the run (include/awc/runtime/observer.h), called in this
  /// order after the runtime's own (metrics, result cache). Kept alive until the run ends.
  std::vector<std::shared_ptr<RunObserver>> observers;
};

/// The outcome of a run. Node metrics are kept for every node that finished, also on failure.
struct RunResult {
  bool ok = false;
  bool cancelled = false;
  /// The workflow's result (the output node's value).
  nlohmann::json output;
  /// "node 'mood' (examples/x.flow:12:3): ..." — never contains an API key.
  std::string error;
  /// Id of the node that failed first (empty when the run did not fail at a node).
  std::string errorNode;
  /// Values of every finished node by id (fused parts by their step names).
  nlohmann::json values = nlohmann::json::object();
  RunMetrics metrics;
};

struct RunState;

/// One started run. Thread-safe.
class RunHandle {
public:
  explicit RunHandle(std::shared_ptr<RunState> state) : state_(std::move(state)) {}
  /// Stops starting nodes, cancels in-flight model and HTTP calls; the run then finishes with
  /// `cancelled` set. A no-op once finished.
  void cancel();
  /// Blocks until the run has finished.
  const RunResult& wait();
  /// Waits at most `timeout`; true when finished.
  bool waitFor(std::chrono::milliseconds timeout);
  bool done() const;

private:
  std::shared_ptr<RunState> state_;
};

/// Executes plans. Many runs may execute concurrently on one Runtime; model concurrency and
/// rate limits (`limits` of each plan model) are shared by all of them.
class Runtime {
public:
  explicit Runtime(RuntimeOptions options = {});
  /// Cancels every run still going and waits for it to finish.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// Registers a host tool under the plan's tool id (replacing an earlier one).
  void registerTool(const std::string& name, HostTool tool);
  void registerAsyncTool(const std::string& name, AsyncHostTool tool);

  /// Starts a run. `inputs` is a JSON object; defaults are applied and types checked (a bad
  /// input makes the run finish at once with an error). `onDone` is called once, on a runtime
  /// thread, when the run has finished.
  std::shared_ptr<RunHandle> start(std::shared_ptr<const Plan> plan, nlohmann::json inputs,
                                   RunOptions options = {},
                                   std::function<void(const RunResult&)> onDone = {});
  /// start() + wait().
  RunResult run(std::shared_ptr<const Plan> plan, nlohmann::json inputs, RunOptions options = {});

  struct Impl;

private:
  std::shared_ptr<Impl> impl_;
};

} // namespace awc::runtime
