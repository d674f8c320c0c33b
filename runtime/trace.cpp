// Chrome trace events: one complete ("X") event per node on its lane, a span for the run.
#include "awc/runtime/trace.h"

#include <cmath>

namespace awc::runtime {

using nlohmann::json;

static std::int64_t toUs(double ms) {
  return static_cast<std::int64_t>(std::llround(ms * 1000.0));
}

json traceEvents(const RunMetrics& run, int pid) {
  json events = json::array();
  std::int64_t base = run.startUnixUs;
  events.push_back({{"name", "invoke_workflow " + run.workflow},
                    {"cat", "run"},
                    {"ph", "X"},
                    {"ts", base},
                    {"dur", toUs(run.wallMs)},
                    {"pid", pid},
                    {"tid", 0},
                    {"args",
                     {{"run.id", run.runId},
                      {"run.critical_path_ms", run.criticalPathMs},
                      {"run.overhead_ms", run.overheadMs},
                      {"run.model_calls", run.modelCalls},
                      {"run.cost_usd", run.costUsd}}}});
  for (const auto& node : run.nodes) {
    if (node.startMs < 0) continue;
    json args = {{"node.kind", node.kind}, {"node.cache_hit", node.cacheHit}};
    if (!node.model.empty()) args["gen_ai.request.model"] = node.model;
    if (node.queuedMs >= 0) args["node.queued_ms"] = node.queuedMs;
    if (node.promptTokens) args["gen_ai.usage.input_tokens"] = node.promptTokens;
    if (node.cachedTokens) args["gen_ai.usage.cache_read.input_tokens"] = node.cachedTokens;
    if (node.outputTokens) args["gen_ai.usage.output_tokens"] = node.outputTokens;
    if (node.retries) args["node.retries"] = node.retries;
    if (!node.error.empty()) args["node.error"] = node.error;
    std::string name = node.kind == "llm"    ? "chat " + node.id
                       : node.kind == "tool" ? "execute_tool " + node.id
                                             : node.id;
    events.push_back({{"name", name},
                      {"cat", node.kind},
                      {"ph", "X"},
                      {"ts", base + toUs(node.startMs)},
                      {"dur", toUs(node.durationMs())},
                      {"pid", pid},
                      {"tid", node.lane},
                      {"args", std::move(args)}});
    if (node.firstTokenMs >= 0)
      events.push_back({{"name", "first_token"},
                        {"cat", node.kind},
                        {"ph", "i"},
                        {"s", "t"},
                        {"ts", base + toUs(node.firstTokenMs)},
                        {"pid", pid},
                        {"tid", node.lane}});
  }
  return events;
}

json chromeTrace(const std::vector<RunMetrics>& runs) {
  json events = json::array();
  int pid = 1;
  for (const auto& run : runs) {
    events.push_back({{"name", "process_name"},
                      {"ph", "M"},
                      {"pid", pid},
                      {"tid", 0},
                      {"args", {{"name", "run " + run.runId + " " + run.workflow}}}});
    int lanes = 0;
    for (const auto& node : run.nodes)
      lanes = std::max(lanes, node.lane);
    for (int lane = 0; lane <= lanes; ++lane)
      events.push_back(
          {{"name", "thread_name"},
           {"ph", "M"},
           {"pid", pid},
           {"tid", lane},
           {"args", {{"name", lane == 0 ? std::string("run") : "lane " + std::to_string(lane)}}}});
    for (auto& event : traceEvents(run, pid))
      events.push_back(std::move(event));
    ++pid;
  }
  return {{"traceEvents", std::move(events)}, {"displayTimeUnit", "ms"}};
}

} // namespace awc::runtime
