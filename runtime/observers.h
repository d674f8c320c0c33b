// The runtime's own run observers: the metrics collector behind RunResult::metrics, the
// result-cache writer, and the adapters for RunOptions::onEvent and onModelExchange.
// Private to awc_runtime.
#pragma once

#include "awc/runtime/observer.h"
#include "awc/runtime/runtime.h"

#include <deque>
#include <mutex>

namespace awc::runtime {

/// Builds the run's NodeMetrics from node events (one per declared node, by seq).
class MetricsCollector final : public RunObserver {
public:
  unsigned events() const override {
    return kRunLifecycleEvents | kNodeDeclaredEvents | kNodeLifecycleEvents | kModelCallEvents;
  }
  void onRunStarted(const RunStarted& e) override;
  void onNodeDeclared(const NodeDeclared& e) override;
  void onNodeReady(const NodeTimeEvent& e) override;
  void onNodeStarted(const NodeTimeEvent& e) override;
  void onNodeAdmitted(const NodeTimeEvent& e) override;
  void onModelCall(const ModelCallEvent& e) override;
  void onNodeFinished(const NodeFinishedEvent& e) override;
  /// The run's metrics, totals included (finalizeRun), once every node has finished.
  RunMetrics finish(double wallMs, const std::string& error);

private:
  NodeMetrics& at(std::size_t seq); // caller holds mutex_

  std::mutex mutex_;
  std::string workflow_, runId_;
  std::deque<NodeMetrics> nodes_;
  std::int64_t cacheMisses_ = 0;
};

/// Stores cacheable node results (through the worker pool, so SQLite never blocks I/O).
class CacheWriter final : public RunObserver {
public:
  explicit CacheWriter(Runtime::Impl& core) : core_(core) {}
  unsigned events() const override { return kNodeResultEvents; }
  void onNodeResult(const NodeResultEvent& e) override;

private:
  Runtime::Impl& core_;
};

/// RunOptions::onEvent: Started for every node but inputs, Finished for nodes that started.
class NodeEventAdapter final : public RunObserver {
public:
  explicit NodeEventAdapter(std::function<void(const NodeEvent&)> fn) : fn_(std::move(fn)) {}
  unsigned events() const override { return kNodeLifecycleEvents; }
  void onNodeStarted(const NodeTimeEvent& e) override;
  void onNodeFinished(const NodeFinishedEvent& e) override;

private:
  std::function<void(const NodeEvent&)> fn_;
};

/// RunOptions::onModelExchange (the run already serializes these calls).
class ExchangeAdapter final : public RunObserver {
public:
  explicit ExchangeAdapter(std::function<void(const ModelExchange&)> fn) : fn_(std::move(fn)) {}
  unsigned events() const override { return kModelExchangeEvents; }
  void onModelExchange(const NodeRef&, const ModelExchange& e) override { fn_(e); }

private:
  std::function<void(const ModelExchange&)> fn_;
};

} // namespace awc::runtime
