// A host application embedding awc::runtime: it loads a compiled plan (ticket_triage), registers
// its own C++ implementation of the plan's host tool, runs 100 runs concurrently on one Runtime,
// cancels one of them, and prints what happened with the aggregate metrics.
//
//   embed_host PLAN.json ENDPOINT INPUTS.json     (ENDPOINT: an OpenAI-compatible base URL,
//                                                  e.g. awc sim's http://127.0.0.1:PORT/v1)
#include <atomic>
#include <awc/runtime/metrics.h>
#include <awc/runtime/runtime.h>
#include <cstdio>
#include <fstream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: embed_host PLAN.json ENDPOINT INPUTS.json\n");
    return 2;
  }
  std::string error;
  auto plan = awc::runtime::loadPlanFile(argv[1], error);
  if (!plan) {
    std::fprintf(stderr, "embed_host: %s\n", error.c_str());
    return 1;
  }
  std::ifstream in(argv[3]);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json inputs = nlohmann::json::parse(text.str(), nullptr, false);
  if (!inputs.is_object()) {
    std::fprintf(stderr, "embed_host: %s is not a JSON object\n", argv[3]);
    return 1;
  }

  awc::runtime::RuntimeOptions options;
  options.backend = awc::runtime::Provider::Sim;
  options.endpoint = argv[2];
  options.workerThreads = 2;
  awc::runtime::Runtime runtime(options);

  // The plan declares `assign_ticket` as a host tool: this process implements it.
  std::atomic<int> assigned{0};
  runtime.registerTool("assign_ticket", [&assigned](const nlohmann::json& args) {
    assigned++;
    return awc::runtime::ToolResult::success("queued " + args.value("ticket_id", "?") + " in " +
                                             args.value("queue", "?"));
  });

  constexpr int kRuns = 100;
  constexpr int kCancelled = 13;
  std::vector<std::shared_ptr<awc::runtime::RunHandle>> runs;
  for (int i = 0; i < kRuns; ++i) {
    nlohmann::json in = inputs;
    in["ticket_id"] = "T-" + std::to_string(1000 + i);
    awc::runtime::RunOptions runOptions;
    runOptions.runId = "embed-" + std::to_string(i);
    runs.push_back(runtime.start(plan, in, runOptions));
  }
  runs[kCancelled]->cancel();

  int ok = 0, cancelled = 0, failed = 0;
  std::vector<awc::runtime::RunMetrics> metrics;
  for (auto& run : runs) {
    const auto& result = run->wait();
    ok += result.ok;
    cancelled += result.cancelled;
    failed += !result.ok && !result.cancelled;
    if (!result.ok && !result.cancelled)
      std::fprintf(stderr, "run %s failed: %s\n", result.metrics.runId.c_str(),
                   result.error.c_str());
    metrics.push_back(result.metrics);
  }
  std::int64_t calls = 0, tokens = 0;
  double wall = 0, overhead = 0;
  for (const auto& m : metrics) {
    calls += m.modelCalls;
    tokens += m.promptTokens + m.outputTokens;
    wall = std::max(wall, m.wallMs);
    overhead += m.overheadMs;
  }
  std::printf("runs: %d ok, %d cancelled, %d failed; host tool calls: %d\n", ok, cancelled, failed,
              assigned.load());
  std::printf("model calls: %lld, tokens: %lld, slowest run: %.0f ms, mean overhead: %.2f ms\n",
              static_cast<long long>(calls), static_cast<long long>(tokens), wall,
              overhead / kRuns);
  std::printf("metrics of run 0:\n%s\n",
              awc::runtime::metricsToJson(metrics[0]).dump(2).substr(0, 400).c_str());
  return (ok == kRuns - 1 && cancelled == 1 && failed == 0) ? 0 : 1;
}
