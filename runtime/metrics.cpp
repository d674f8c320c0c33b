// Run summaries (critical path, parallelism, lanes, cost) and the metrics JSON writer.
#include "awc/runtime/metrics.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <unordered_map>

namespace awc::runtime {

using nlohmann::json;

double NodeMetrics::tokensPerSecond() const {
  double from = firstTokenMs >= 0 ? firstTokenMs : startMs;
  if (from < 0 || endMs <= from || outputTokens <= 0) return 0;
  return static_cast<double>(outputTokens) * 1000.0 / (endMs - from);
}

double costUsd(std::int64_t promptTokens, std::int64_t cachedTokens,
               std::int64_t cacheCreationTokens, std::int64_t outputTokens,
               const ModelPrice& price) {
  double uncached = static_cast<double>(
      std::max<std::int64_t>(0, promptTokens - cachedTokens - cacheCreationTokens));
  double cachedPrice = price.cachedInputPerMTok.value_or(0.1 * price.inputPerMTok);
  double dollarsTimesMillion =
      uncached * price.inputPerMTok + static_cast<double>(cachedTokens) * cachedPrice +
      static_cast<double>(cacheCreationTokens) * price.inputPerMTok * price.cacheWriteFactor +
      static_cast<double>(outputTokens) * price.outputPerMTok;
  return dollarsTimesMillion / 1e6;
}

double measuredCriticalPathMs(const std::vector<NodeMetrics>& nodes) {
  // Kahn's algorithm over the dependency edges: iterative, so deep plans cannot overflow.
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    index.emplace(nodes[i].id, i);
  std::vector<std::vector<std::size_t>> dependants(nodes.size());
  std::vector<int> waiting(nodes.size(), 0);
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (const auto& dep : nodes[i].deps)
      if (auto it = index.find(dep); it != index.end() && it->second != i) {
        dependants[it->second].push_back(i);
        ++waiting[i];
      }
  // A node started early (speculated) did its work on its other deps' *work*, and counts as done
  // only when its branch and every dep are done too: two times per node.
  std::vector<double> workReady(nodes.size(), 0), workDone(nodes.size(), 0);
  std::vector<double> doneReady(nodes.size(), 0), done(nodes.size(), 0);
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (waiting[i] == 0) queue.push_back(i);
  double longest = 0;
  while (!queue.empty()) {
    std::size_t i = queue.back();
    queue.pop_back();
    bool wasted = nodes[i].speculation == "wasted";
    workDone[i] = workReady[i] + (wasted ? 0 : nodes[i].durationMs());
    done[i] = std::max(workDone[i], doneReady[i]);
    longest = std::max(longest, done[i]);
    for (std::size_t next : dependants[i]) {
      const NodeMetrics& n = nodes[next];
      if (n.speculatedBranch.empty()) {
        workReady[next] = std::max(workReady[next], done[i]);
      } else {
        doneReady[next] = std::max(doneReady[next], done[i]);
        if (n.speculatedBranch != nodes[i].id)
          workReady[next] = std::max(workReady[next], workDone[i]);
      }
      if (--waiting[next] == 0) queue.push_back(next);
    }
  }
  return longest;
}

void finalizeRun(RunMetrics& run) {
  run.modelCalls = run.toolCalls = run.promptTokens = run.cachedTokens = run.outputTokens = 0;
  run.retries = run.cacheHits = run.speculated = run.speculationWasted = 0;
  run.costUsd = run.speculationWastedUsd = 0;
  for (const auto& node : run.nodes) {
    if (!node.speculation.empty()) ++run.speculated;
    if (node.speculation == "wasted") {
      ++run.speculationWasted;
      run.speculationWastedUsd += node.costUsd;
    }
    run.modelCalls += node.modelCalls;
    if (node.kind == "tool" && node.startMs >= 0 && !node.cacheHit) ++run.toolCalls;
    run.promptTokens += node.promptTokens;
    run.cachedTokens += node.cachedTokens;
    run.outputTokens += node.outputTokens;
    run.retries += node.retries;
    run.cacheHits += node.cacheHit;
    run.costUsd += node.costUsd;
  }
  run.criticalPathMs = measuredCriticalPathMs(run.nodes);
  run.overheadMs = std::max(0.0, run.wallMs - run.criticalPathMs);

  // Peak parallelism by sweeping start/end events; ends sort before starts at equal times.
  std::vector<std::pair<double, int>> events;
  for (const auto& node : run.nodes)
    if (node.startMs >= 0 && node.endMs > node.startMs) {
      events.emplace_back(node.startMs, +1);
      events.emplace_back(node.endMs, -1);
    }
  std::sort(events.begin(), events.end());
  int current = 0;
  run.peakParallelism = 0;
  for (const auto& [time, delta] : events) {
    current += delta;
    run.peakParallelism = std::max(run.peakParallelism, current);
  }

  // Lanes: earliest start first, each into the lowest lane free at its start.
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < run.nodes.size(); ++i)
    if (run.nodes[i].startMs >= 0) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return run.nodes[a].startMs < run.nodes[b].startMs;
  });
  std::vector<double> laneEnd; // laneEnd[k] = end of the last node on lane k+1
  for (std::size_t i : order) {
    NodeMetrics& node = run.nodes[i];
    double end = std::max(node.endMs, node.startMs);
    std::size_t lane = 0;
    while (lane < laneEnd.size() && laneEnd[lane] > node.startMs)
      ++lane;
    if (lane == laneEnd.size())
      laneEnd.push_back(end);
    else
      laneEnd[lane] = end;
    node.lane = static_cast<int>(lane) + 1;
  }
}

static json timeOrNull(double ms) {
  return ms >= 0 ? json(ms) : json(nullptr);
}

static json nodeToJson(const NodeMetrics& node) {
  json out = json::object();
  out["node.id"] = node.id;
  out["node.kind"] = node.kind;
  out["node.deps"] = node.deps;
  out["gen_ai.request.model"] = node.model.empty() ? json(nullptr) : json(node.model);
  out["gen_ai.provider.name"] = node.provider.empty() ? json(nullptr) : json(node.provider);
  out["node.queued_ms"] = timeOrNull(node.queuedMs);
  out["node.start_ms"] = timeOrNull(node.startMs);
  out["node.first_token_ms"] = timeOrNull(node.firstTokenMs);
  out["node.end_ms"] = timeOrNull(node.endMs);
  out["node.duration_ms"] = node.durationMs();
  out["node.ttft_ms"] = node.firstTokenMs >= 0 && node.startMs >= 0
                            ? json(node.firstTokenMs - node.startMs)
                            : json(nullptr);
  out["gen_ai.usage.input_tokens"] = node.promptTokens;
  out["gen_ai.usage.cache_read.input_tokens"] = node.cachedTokens;
  out["gen_ai.usage.cache_creation.input_tokens"] = node.cacheCreationTokens;
  out["gen_ai.usage.output_tokens"] = node.outputTokens;
  out["gen_ai.response.finish_reasons"] =
      node.finishReason.empty() ? json::array() : json::array({node.finishReason});
  out["node.tokens_per_s"] = node.tokensPerSecond();
  out["node.model_calls"] = node.modelCalls;
  out["node.retries"] = node.retries;
  out["node.cache_hit"] = node.cacheHit;
  out["node.cost_usd"] = node.costUsd;
  out["node.error"] = node.error.empty() ? json(nullptr) : json(node.error);
  out["node.speculation"] = node.speculation.empty() ? json(nullptr) : json(node.speculation);
  out["node.lane"] = node.lane;
  return out;
}

json metricsToJson(const RunMetrics& run) {
  json out = json::object();
  out["version"] = kMetricsFormatVersion;
  out["run.workflow"] = run.workflow;
  out["run.id"] = run.runId;
  out["run.start_unix_us"] = run.startUnixUs;
  out["run.wall_ms"] = run.wallMs;
  out["run.critical_path_ms"] = run.criticalPathMs;
  out["run.overhead_ms"] = run.overheadMs;
  out["run.overhead_ratio"] = run.wallMs > 0 ? run.overheadMs / run.wallMs : 0.0;
  out["run.peak_parallelism"] = run.peakParallelism;
  out["run.model_calls"] = run.modelCalls;
  out["run.tool_calls"] = run.toolCalls;
  out["run.prompt_tokens"] = run.promptTokens;
  out["run.cached_tokens"] = run.cachedTokens;
  out["run.output_tokens"] = run.outputTokens;
  out["run.retries"] = run.retries;
  out["run.cache_hits"] = run.cacheHits;
  out["run.cache_misses"] = run.cacheMisses;
  out["run.cost_usd"] = run.costUsd;
  out["run.speculated"] = run.speculated;
  out["run.speculation_wasted"] = run.speculationWasted;
  out["run.speculation_wasted_usd"] = run.speculationWastedUsd;
  out["run.error"] = run.error.empty() ? json(nullptr) : json(run.error);
  json nodes = json::array();
  for (const auto& node : run.nodes)
    nodes.push_back(nodeToJson(node));
  out["nodes"] = std::move(nodes);
  return out;
}

json metricsToJson(const std::vector<RunMetrics>& runs) {
  json list = json::array();
  for (const auto& run : runs)
    list.push_back(metricsToJson(run));
  return {{"version", kMetricsFormatVersion}, {"runs", std::move(list)}};
}

bool writeJsonFile(const std::string& path, const json& value, std::string& error) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) {
    error = "cannot open " + path + " for writing";
    return false;
  }
  out << value.dump(2) << '\n';
  out.close();
  if (!out) {
    error = "cannot write " + path;
    return false;
  }
  return true;
}

} // namespace awc::runtime
