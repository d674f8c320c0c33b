// The run observer interface: how metrics, the result cache writer, progress displays,
// `awc run --record` and host applications hear what a run and its nodes do (docs/runtime.md,
// "Observers"). Stable: events and fields are only ever added.
#pragma once

#include "awc/runtime/model_backend.h"

#include <chrono>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace awc::runtime {

struct RunResult;

/// One successful model call of a run, as sent and as answered: what `awc run --record`
/// writes, and what the simulator's `--replay` serves again.
struct ModelExchange {
  /// The node's id as in NodeEvent: map instances carry their element ("scored/r[2]"). A node
  /// whose first answer was repaired has two exchanges (the second request has the repair).
  std::string nodeId;
  /// The request body as sent, in the provider's wire format (model, messages, ...); the API key
  /// is a header and never part of it.
  nlohmann::json request;
  /// The answer text, before schema parsing or unwrapping.
  std::string answer;
  Usage usage;
  std::string finishReason;
};

/// Which events an observer wants (RunObserver::events). Work done only to build an event
/// (parsing a request body for onModelExchange, hooking first tokens) is skipped when no
/// observer of the run asks for it.
enum RunEventMask : unsigned {
  kRunLifecycleEvents = 1u << 0,  ///< onRunStarted, onRunFinished
  kNodeDeclaredEvents = 1u << 1,  ///< onNodeDeclared
  kNodeLifecycleEvents = 1u << 2, ///< onNodeReady, onNodeStarted, onNodeAdmitted, onNodeFinished
  kFirstTokenEvents = 1u << 3,    ///< onFirstToken
  kModelCallEvents = 1u << 4,     ///< onModelCall
  kModelExchangeEvents = 1u << 5, ///< onModelExchange
  kNodeResultEvents = 1u << 6,    ///< onNodeResult
  kAllRunEvents = ~0u,
};

/// Identity of one node instance of a run. The views are valid during the callback only.
struct NodeRef {
  /// Dense per run, from 0, in declaration order: observers may index arrays by it.
  std::size_t seq = 0;
  /// Plan node id; instances of map bodies carry their element index ("scored/r[2]").
  std::string_view id;
  /// "input", "llm", "tool", "native", "branch", "map", "output".
  std::string_view kind;
};

struct RunStarted {
  std::string_view runId;
  std::string_view workflow;
  /// Wall-clock start, microseconds since the Unix epoch. Every `atMs` of the run's events is
  /// milliseconds since this instant (on the steady clock).
  std::int64_t startUnixUs = 0;
};

/// A node instance exists: the top-level nodes when the run starts, a map body's nodes when
/// the element's instance is created. Every other event of a node comes after this one.
struct NodeDeclared {
  NodeRef node;
  /// Ids of the nodes it waits for (instances: with the same element suffix).
  const std::vector<std::string>* deps = nullptr;
  std::string_view model;    ///< llm nodes: the model's name; else empty
  std::string_view provider; ///< llm nodes: "openai", "anthropic", "sim"; else empty
  std::string_view loc;      ///< "file.flow:12:3" when the plan has it
};

/// A point in a node's life (ready, started, admitted, first token).
struct NodeTimeEvent {
  NodeRef node;
  double atMs = 0;
};

/// One model call of a node finished (after its retries), successfully or not. A repaired
/// node reports two.
struct ModelCallEvent {
  NodeRef node;
  double atMs = 0;
  bool ok = false;
  int attempts = 1;
  Usage usage;
  /// At the plan's prices for the model.
  double costUsd = 0;
  /// First content token of the answer (ms since run start), or -1.
  double firstTokenMs = -1;
  std::string_view finishReason;
};

/// A node's work produced its value (before the run sees it: the value of a speculation that
/// is dropped later never reaches the run's results).
struct NodeResultEvent {
  NodeRef node;
  double atMs = 0;
  const nlohmann::json* value = nullptr;
  /// Non-empty when the value should be stored in the result cache under this key (a cache
  /// hit reports an empty key); `cacheTtl` unset: no expiry.
  std::string_view cacheKey;
  std::optional<std::chrono::milliseconds> cacheTtl;
  bool cacheHit = false;
};

enum class NodeStatus {
  Ok,
  Failed,
  /// Its branch took the other arm (or it was a speculation that was dropped).
  Skipped,
  /// Never finished its work because the run stopped (cancelled, or another node failed).
  Cancelled,
};

/// "ok", "failed", "skipped", "cancelled".
std::string_view nodeStatusName(NodeStatus status);

/// Reported once per node instance, whatever happened to it.
struct NodeFinishedEvent {
  NodeRef node;
  NodeStatus status = NodeStatus::Ok;
  /// Whether its work started (onNodeStarted was reported).
  bool started = false;
  /// When its work ended (ms since run start), -1 if it never started. For a speculation this
  /// can be earlier than the event: the work ended before its branch was decided.
  double endMs = -1;
  std::string_view error; ///< set when Failed
  bool cacheHit = false;
  /// A cacheable node whose lookup missed.
  bool cacheMiss = false;
  /// Started before its branch was decided: "used" (arm taken) or "wasted"; empty otherwise.
  std::string_view speculation;
  std::string_view speculatedBranch; ///< the branch's id, for a speculation
};

/// Listens to one run (RunOptions::observers). Every method has an empty default.
///
/// Threads: callbacks come from whichever thread drives the run at that point — the thread
/// calling Runtime::start (run start, top-level nodes, inputs), the worker pool, the
/// transport's I/O thread, a thread calling RunHandle::cancel or ~Runtime, or the thread on
/// which an async host tool calls `done`. Events of different nodes may be delivered
/// concurrently, so an observer must be thread-safe. Guarantees: onRunStarted comes before
/// every other event of the run and onRunFinished after every other one (and before
/// RunHandle::wait returns and before the run's onDone); the events of one node instance come
/// one at a time in its order — declared, ready, started, admitted, first token / model call /
/// model exchange, result, finished — and a node's finish is reported before any dependant is
/// ready (except for a dropped speculation: its dependants learn at once that it was skipped,
/// and its finish is reported when its cancelled work returns). Calls to onModelExchange for
/// one run are never concurrent with each other.
///
/// Callbacks must be quick, must not block on the run (wait, or a lock the run's threads
/// need) and must not throw.
class RunObserver {
public:
  virtual ~RunObserver() = default;
  /// The events wanted (RunEventMask bits); read once when the run starts.
  virtual unsigned events() const { return kAllRunEvents; }

  virtual void onRunStarted(const RunStarted&) {}
  virtual void onNodeDeclared(const NodeDeclared&) {}
  /// All inputs are in (also for a node that will then be skipped or cancelled).
  virtual void onNodeReady(const NodeTimeEvent&) {}
  /// Its work begins.
  virtual void onNodeStarted(const NodeTimeEvent&) {}
  /// A model node that waited for its model's limits (max_concurrency, rpm, tpm) was admitted:
  /// metrics count its start from here. Only for models with limits, once per node.
  virtual void onNodeAdmitted(const NodeTimeEvent&) {}
  /// First content token of a streamed model answer (once per attempt).
  virtual void onFirstToken(const NodeTimeEvent&) {}
  virtual void onModelCall(const ModelCallEvent&) {}
  /// A successful model call as sent and answered (see ModelExchange).
  virtual void onModelExchange(const NodeRef&, const ModelExchange&) {}
  virtual void onNodeResult(const NodeResultEvent&) {}
  virtual void onNodeFinished(const NodeFinishedEvent&) {}
  /// The run is over; `result` is complete (metrics included).
  virtual void onRunFinished(const RunResult& /*result*/) {}
};

} // namespace awc::runtime
