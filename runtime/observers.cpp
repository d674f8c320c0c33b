// The runtime's own run observers (observers.h) and the result cache's read/write paths.
#include "observers.h"

#include "executor_core.h"

namespace awc::runtime {

using nlohmann::json;

std::string_view nodeStatusName(NodeStatus status) {
  switch (status) {
  case NodeStatus::Ok:
    return "ok";
  case NodeStatus::Failed:
    return "failed";
  case NodeStatus::Skipped:
    return "skipped";
  case NodeStatus::Cancelled:
    return "cancelled";
  }
  return "ok";
}

// ---- metrics ---------------------------------------------------------------------------

NodeMetrics& MetricsCollector::at(std::size_t seq) {
  if (nodes_.size() <= seq) nodes_.resize(seq + 1);
  return nodes_[seq];
}

void MetricsCollector::onRunStarted(const RunStarted& e) {
  std::lock_guard lock(mutex_);
  workflow_ = e.workflow;
  runId_ = e.runId;
}

void MetricsCollector::onNodeDeclared(const NodeDeclared& e) {
  std::lock_guard lock(mutex_);
  NodeMetrics& m = at(e.node.seq);
  m.id = e.node.id;
  m.kind = e.node.kind;
  m.deps = *e.deps;
  m.model = e.model;
  m.provider = e.provider;
}

void MetricsCollector::onNodeReady(const NodeTimeEvent& e) {
  std::lock_guard lock(mutex_);
  at(e.node.seq).queuedMs = e.atMs;
}

void MetricsCollector::onNodeStarted(const NodeTimeEvent& e) {
  std::lock_guard lock(mutex_);
  at(e.node.seq).startMs = e.atMs;
}

void MetricsCollector::onNodeAdmitted(const NodeTimeEvent& e) {
  // A node waiting for its model's limit has not started (docs/metrics.md).
  std::lock_guard lock(mutex_);
  at(e.node.seq).startMs = e.atMs;
}

void MetricsCollector::onModelCall(const ModelCallEvent& e) {
  std::lock_guard lock(mutex_);
  NodeMetrics& m = at(e.node.seq);
  m.modelCalls += e.attempts;
  m.retries += e.attempts - 1;
  m.promptTokens += e.usage.promptTokens;
  m.cachedTokens += e.usage.cachedTokens;
  m.cacheCreationTokens += e.usage.cacheCreationTokens;
  m.outputTokens += e.usage.outputTokens;
  m.costUsd += e.costUsd;
  if (e.firstTokenMs >= 0) m.firstTokenMs = e.firstTokenMs;
  m.finishReason = e.finishReason;
}

void MetricsCollector::onNodeFinished(const NodeFinishedEvent& e) {
  std::lock_guard lock(mutex_);
  NodeMetrics& m = at(e.node.seq);
  if (e.started) m.endMs = e.endMs;
  m.error = e.error;
  m.cacheHit = e.cacheHit;
  if (e.cacheMiss) cacheMisses_++;
  m.speculation = e.speculation;
  m.speculatedBranch = e.speculatedBranch;
}

RunMetrics MetricsCollector::finish(double wallMs, const std::string& error) {
  RunMetrics metrics;
  std::lock_guard lock(mutex_);
  metrics.workflow = workflow_;
  metrics.runId = runId_;
  metrics.startUnixUs = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count() -
                        std::int64_t(wallMs * 1000);
  metrics.wallMs = wallMs;
  metrics.nodes.assign(nodes_.begin(), nodes_.end());
  finalizeRun(metrics);
  metrics.cacheMisses = cacheMisses_;
  metrics.error = error;
  return metrics;
}

// ---- result cache ----------------------------------------------------------------------

void CacheWriter::onNodeResult(const NodeResultEvent& e) {
  if (!e.cacheKey.empty()) core_.cachePut(std::string(e.cacheKey), *e.value, e.cacheTtl);
}

void Runtime::Impl::cachePut(const std::string& key, const json& value,
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

std::optional<json> Runtime::Impl::cacheGet(const std::string& key) {
  {
    std::lock_guard lock(unstoredMutex);
    if (auto it = unstored.find(key); it != unstored.end()) return it->second;
  }
  return options.cache->get(key);
}

// ---- RunOptions hooks ------------------------------------------------------------------

void NodeEventAdapter::onNodeStarted(const NodeTimeEvent& e) {
  if (e.node.kind == "input") return; // inputs only report their end
  NodeEvent event;
  event.kind = NodeEvent::Started;
  event.nodeId = e.node.id;
  event.nodeKind = e.node.kind;
  fn_(event);
}

void NodeEventAdapter::onNodeFinished(const NodeFinishedEvent& e) {
  if (!e.started) return;
  NodeEvent event;
  event.kind = NodeEvent::Finished;
  event.nodeId = e.node.id;
  event.nodeKind = e.node.kind;
  event.ok = e.status == NodeStatus::Ok;
  event.skipped = e.status == NodeStatus::Skipped;
  event.cacheHit = e.cacheHit;
  fn_(event);
}

} // namespace awc::runtime
