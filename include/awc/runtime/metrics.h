// Per-node and per-run metrics, run summaries (critical path, overhead, peak parallelism, cost)
// and the stable metrics JSON (docs/metrics.md).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awc::runtime {

/// Format version written as "version" in the metrics JSON.
inline constexpr int kMetricsFormatVersion = 1;

/// Prices in USD per million tokens (the plan's `price_in`, `price_out`, `cached_price_in`).
struct ModelPrice {
  double inputPerMTok = 0;
  double outputPerMTok = 0;
  /// Price of cache-read prompt tokens; unset means 0.1 x inputPerMTok.
  std::optional<double> cachedInputPerMTok;
  /// Multiplier of the input price for cache writes (Anthropic 5-minute writes: 1.25).
  double cacheWriteFactor = 1.25;
};

/// What one plan node did. Times are milliseconds since the run started; -1 = not reached.
struct NodeMetrics {
  std::string id;
  /// Plan node kind: "llm", "tool", "native", "branch", "map", "input", "output".
  std::string kind;
  std::string model;
  std::string provider;
  /// Ids of the nodes this one waited for (for the measured critical path).
  std::vector<std::string> deps;
  double queuedMs = -1;
  double startMs = -1;
  double firstTokenMs = -1;
  double endMs = -1;
  std::int64_t promptTokens = 0;
  std::int64_t cachedTokens = 0;
  std::int64_t cacheCreationTokens = 0;
  std::int64_t outputTokens = 0;
  /// Model calls this node made (fused nodes: 1; repair retries add one).
  int modelCalls = 0;
  int retries = 0;
  bool cacheHit = false;
  std::string finishReason;
  double costUsd = 0;
  /// Empty when the node succeeded.
  std::string error;
  /// Started before its guarding branch was decided (RunOptions::speculation): "used" when its
  /// arm was taken, "wasted" when not (what it cost is counted all the same); empty otherwise.
  std::string speculation;
  /// For a speculated node, the branch it started before: for the critical path it commits when
  /// both its own work and that branch are done, instead of starting after the branch.
  std::string speculatedBranch;
  /// Trace lane (Chrome trace `tid`), assigned by finalizeRun.
  int lane = 0;

  double durationMs() const { return startMs >= 0 && endMs >= startMs ? endMs - startMs : 0; }
  /// Output tokens per second from first token to end; 0 when unknown.
  double tokensPerSecond() const;
};

/// What one run did. Totals are computed by finalizeRun from the nodes.
struct RunMetrics {
  std::string workflow;
  std::string runId;
  /// Wall-clock start, microseconds since the Unix epoch (for trace alignment across runs).
  std::int64_t startUnixUs = 0;
  double wallMs = 0;
  double criticalPathMs = 0;
  double overheadMs = 0;
  int peakParallelism = 0;
  std::int64_t modelCalls = 0;
  std::int64_t toolCalls = 0;
  std::int64_t promptTokens = 0;
  std::int64_t cachedTokens = 0;
  std::int64_t outputTokens = 0;
  std::int64_t retries = 0;
  std::int64_t cacheHits = 0;
  std::int64_t cacheMisses = 0;
  double costUsd = 0;
  /// Nodes started before their branch was decided, those whose arm was not taken, and what
  /// the latter cost.
  std::int64_t speculated = 0;
  std::int64_t speculationWasted = 0;
  double speculationWastedUsd = 0;
  std::string error;
  std::vector<NodeMetrics> nodes;
};

/// Cost of one call's usage at `price`: uncached input at the input price, cache reads at the
/// cached price, cache writes at cacheWriteFactor x input, output at the output price.
double costUsd(std::int64_t promptTokens, std::int64_t cachedTokens,
               std::int64_t cacheCreationTokens, std::int64_t outputTokens,
               const ModelPrice& price);

/// Longest dependency chain of measured node durations (ms). Unknown deps are ignored. A
/// speculated node's work follows the work of its deps other than its branch, and it is done
/// when that work, its branch and its deps are done; wasted speculation lies on no path.
double measuredCriticalPathMs(const std::vector<NodeMetrics>& nodes);

/// Fills the run totals, critical path, overhead (wall - critical path, never negative),
/// peak parallelism (most nodes between start and end at once) and trace lanes
/// (nodes that overlap in time get different lanes; lanes start at 1, lane 0 is the run).
/// cacheMisses counts nodes with a cache policy that missed and is left to the executor.
void finalizeRun(RunMetrics& run);

/// The metrics JSON object (format in docs/metrics.md).
nlohmann::json metricsToJson(const RunMetrics& run);
/// A JSON document with "version" and "runs": [...] for several runs.
nlohmann::json metricsToJson(const std::vector<RunMetrics>& runs);

/// Writes `json` (pretty-printed) to `path`; on failure returns false and sets `error`.
bool writeJsonFile(const std::string& path, const nlohmann::json& json, std::string& error);

} // namespace awc::runtime
