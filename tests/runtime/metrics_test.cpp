// Tests for run summaries, the metrics JSON and the Chrome trace export.
#include "awc/runtime/metrics.h"
#include "awc/runtime/trace.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

using namespace awc::runtime;
using nlohmann::json;

namespace {
NodeMetrics node(std::string id, std::string kind, double start, double end,
                 std::vector<std::string> deps = {}) {
  NodeMetrics n;
  n.id = std::move(id);
  n.kind = std::move(kind);
  n.queuedMs = start;
  n.startMs = start;
  n.endMs = end;
  n.deps = std::move(deps);
  return n;
}

// The design brief's support flow: order and mood at once, then total, then reply.
RunMetrics supportRun() {
  RunMetrics run;
  run.workflow = "support";
  run.runId = "r1";
  run.startUnixUs = 1'700'000'000'000'000;
  run.wallMs = 1000;
  NodeMetrics order = node("order", "tool", 2, 300);
  NodeMetrics mood = node("mood", "llm", 2, 400);
  mood.model = "fast";
  mood.modelCalls = 1;
  mood.promptTokens = 1200;
  mood.cachedTokens = 1024;
  mood.outputTokens = 3;
  mood.firstTokenMs = 350;
  mood.costUsd = 0.001;
  NodeMetrics total = node("total", "native", 301, 302, {"order"});
  NodeMetrics reply = node("reply", "llm", 402, 990, {"total", "mood"});
  reply.modelCalls = 2;
  reply.retries = 1;
  reply.outputTokens = 100;
  reply.firstTokenMs = 490;
  reply.costUsd = 0.01;
  NodeMetrics cached = node("lookup", "tool", 3, 3);
  cached.cacheHit = true;
  NodeMetrics skipped = node("other", "llm", -1, -1);
  run.nodes = {order, mood, total, reply, cached, skipped};
  return run;
}
} // namespace

TEST_CASE("cost counts cache reads and writes at their factors", "[metrics]") {
  ModelPrice price{.inputPerMTok = 1.0, .outputPerMTok = 2.0};
  CHECK(costUsd(1'000'000, 0, 0, 0, price) == Approx(1.0));
  CHECK(costUsd(1'000'000, 1'000'000, 0, 0, price) == Approx(0.1));
  CHECK(costUsd(1'000'000, 0, 1'000'000, 500'000, price) == Approx(1.25 + 1.0));
  price.cachedInputPerMTok = 0.5;
  CHECK(costUsd(2'000'000, 1'000'000, 0, 0, price) == Approx(1.5));
}

TEST_CASE("finalizeRun computes critical path, overhead, parallelism and lanes", "[metrics]") {
  RunMetrics run = supportRun();
  finalizeRun(run);
  // mood (398) -> reply (588) = 986 beats order (298) -> total (1) -> reply.
  CHECK(run.criticalPathMs == Approx(986));
  CHECK(run.overheadMs == Approx(14));
  CHECK(run.peakParallelism == 2);
  CHECK(run.modelCalls == 3);
  CHECK(run.toolCalls == 1); // the cache hit made no call
  CHECK(run.cacheHits == 1);
  CHECK(run.retries == 1);
  CHECK(run.outputTokens == 103);
  CHECK(run.costUsd == Approx(0.011));
  CHECK(run.nodes[0].lane == 1); // order
  CHECK(run.nodes[1].lane == 2); // mood overlaps order
  CHECK(run.nodes[4].lane == 3); // lookup overlaps both
  CHECK(run.nodes[2].lane == 1); // total starts after order ended
  CHECK(run.nodes[3].lane == 1); // reply
  CHECK(run.nodes[5].lane == 0); // never started
  CHECK(run.nodes[3].tokensPerSecond() == Approx(200.0));
}

TEST_CASE("a speculated node's work overlaps its branch; wasted work is on no path", "[metrics]") {
  // classify 0–100, branch at 100; the arm's tool (20 ms) and reply (150 ms) started at 0 and
  // 20, before the branch; the other arm's step ran 0–300 and was dropped.
  RunMetrics run;
  run.wallMs = 175;
  NodeMetrics tool = node("tool", "tool", 0, 20, {"branch"});
  NodeMetrics reply = node("reply", "llm", 20, 170, {"branch", "tool"});
  NodeMetrics other = node("other", "llm", 0, 300, {"branch"});
  for (NodeMetrics* n : {&tool, &reply, &other})
    n->speculatedBranch = "branch";
  tool.speculation = reply.speculation = "used";
  other.speculation = "wasted";
  other.costUsd = 0.25;
  run.nodes = {node("classify", "llm", 0, 100),
               node("branch", "branch", 100, 100, {"classify"}),
               tool,
               reply,
               other,
               node("join", "native", 171, 171, {"reply", "other"})};
  finalizeRun(run);
  CHECK(run.criticalPathMs == Approx(170)); // tool then reply; not classify + tool + reply
  CHECK(run.speculated == 3);
  CHECK(run.speculationWasted == 1);
  CHECK(run.speculationWastedUsd == Approx(0.25));
  json j = metricsToJson(run);
  CHECK(j["run.speculation_wasted"] == 1);
  CHECK(j["nodes"][4]["node.speculation"] == "wasted");
  CHECK(j["nodes"][0]["node.speculation"].is_null());
  // The branch decided late: everything waits for it.
  run.nodes[0].endMs = run.nodes[1].startMs = run.nodes[1].endMs = 400;
  finalizeRun(run);
  CHECK(run.criticalPathMs == Approx(400));
}

TEST_CASE("metrics JSON has the documented keys", "[metrics]") {
  RunMetrics run = supportRun();
  finalizeRun(run);
  json j = metricsToJson(run);
  for (const char* key :
       {"version", "run.wall_ms", "run.critical_path_ms", "run.overhead_ms", "run.model_calls",
        "run.prompt_tokens", "run.cached_tokens", "run.output_tokens", "run.cost_usd",
        "run.cache_hits", "run.peak_parallelism", "nodes"})
    CHECK(j.contains(key));
  CHECK(j["version"] == 1);
  CHECK(j["run.error"].is_null());
  const json& mood = j["nodes"][1];
  CHECK(mood["node.id"] == "mood");
  CHECK(mood["gen_ai.request.model"] == "fast");
  CHECK(mood["gen_ai.usage.input_tokens"] == 1200);
  CHECK(mood["gen_ai.usage.cache_read.input_tokens"] == 1024);
  CHECK(mood["node.ttft_ms"] == Approx(348));
  CHECK(j["nodes"][5]["node.start_ms"].is_null());

  awc::testing::TempDir dir;
  std::string path = dir.file("metrics.json");
  std::string error;
  REQUIRE(writeJsonFile(path, j, error));
  std::ifstream in(path);
  CHECK(json::parse(in) == j);
  CHECK_FALSE(writeJsonFile("/proc/nope/metrics.json", j, error));
  CHECK(error == "cannot open /proc/nope/metrics.json for writing");
}

TEST_CASE("Chrome trace puts overlapping nodes on separate lanes", "[trace]") {
  RunMetrics run = supportRun();
  finalizeRun(run);
  json trace = chromeTrace({run});
  REQUIRE(trace["traceEvents"].is_array());
  std::map<std::string, json> spans;
  for (const auto& e : trace["traceEvents"])
    if (e["ph"] == "X") spans[e["name"]] = e;
  REQUIRE(spans.count("invoke_workflow support"));
  CHECK(spans["invoke_workflow support"]["tid"] == 0);
  CHECK(spans["invoke_workflow support"]["dur"] == 1'000'000);
  REQUIRE(spans.count("chat mood"));
  CHECK(spans["chat mood"]["ts"] == 1'700'000'000'002'000);
  CHECK(spans["chat mood"]["dur"] == 398'000);
  CHECK(spans["chat mood"]["cat"] == "llm");
  CHECK(spans["execute_tool order"]["tid"] != spans["chat mood"]["tid"]);
  CHECK(spans.count("chat other") == 0);
  for (const auto& [name, e] : spans)
    for (const char* key : {"name", "cat", "ph", "ts", "dur", "pid", "tid", "args"})
      CHECK(e.contains(key));
}
