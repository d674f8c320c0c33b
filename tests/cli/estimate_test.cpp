// Estimates that match (issue 15): `awc explain`'s -O0/-O2 ratio for a fused flow against the
// ratio the simulator's timing model gives the same two runs. No wall clock is read. Each request's
// simulated duration is what the simulator's timing model gives it: the latency model applied to
// the prompt, cached and output tokens its log reports (the calls run one at a time here, so no
// load changes it) — deterministic, unlike the wall clock at a high speed.
#include "awc/sim/server.h"
#include "awc_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

using nlohmann::json;

namespace {

using awc::test::kAwc;
constexpr double kSpeed = 1000;

std::string runAwcCode(const std::string& args, int& code) {
  awc::test::AwcRun r = awc::test::runAwcProcess(args, false);
  code = r.code;
  return r.out;
}

// A chain of three short typed questions on one model: -O2 fuses it into one call.
const char* kFusedChainFlow = R"F(
model small = openai("llama-3.1-8b") { size: "small", price_in: 0.05, price_out: 0.08 }
type Mood = enum { positive, neutral, negative }
const RULES = "You triage messages sent to the support desk of an online shop. Read the message, then answer the question about it exactly in the format asked, with nothing else."
workflow main(q: string) -> int {
  m = llm small -> Mood { system RULES user "What is the mood of this message? {q}" }
  u = llm small -> bool { system RULES user "Its mood is {m}. Is this message urgent? {q}" }
  p = llm small -> int { system RULES user "Mood {m}, urgent {u}. Its priority from 1 to 5? {q}" }
  return p
}
)F";

// The simulated model time of one run of the flow at `level` on a fresh simulator: the sum
// of its requests' durations (they do not overlap), in the latency model's milliseconds.
double simulatedMs(const std::string& flow, const std::string& inputs, int level, size_t& calls) {
  awc::sim::Server server;
  awc::sim::ServerConfig config;
  config.speed = kSpeed;
  config.seed = 3;
  std::string error;
  REQUIRE(server.start(config, error) != 0);
  int code = -1;
  runAwcCode("run " + flow + " -O " + std::to_string(level) + " --backend sim --endpoint " +
                 server.baseUrl() + "/v1 --inputs " + inputs + " --no-cache -q",
             code);
  REQUIRE(code == 0);
  double total = 0;
  auto log = server.log();
  calls = log.size();
  for (const auto& e : log) {
    REQUIRE(e.status == 200);
    CHECK(e.inFlight == 1);
    awc::ModelProfile profile = awc::profileForModelName(e.model);
    total += awc::estimateLatencyMs(profile, e.promptTokens - e.cachedTokens, e.outputTokens, 1,
                                    e.cachedTokens, true);
  }
  return total;
}

} // namespace

TEST_CASE("explain's -O0/-O2 ratio of a fused flow is within 15 % of the simulator's",
          "[cli][estimate]") {
  REQUIRE(std::filesystem::exists(kAwc));
  awc::testing::TempDir dir("awc-estimate");
  std::string flow = dir.write("chain.flow", kFusedChainFlow);
  std::string inputs = dir.write(
      "inputs.json",
      R"({"q": "Hello, my order 4411 arrived yesterday but the box was crushed and two of the )"
      R"(three glasses inside are broken. I need them before Saturday for a party. Can you )"
      R"(send replacements quickly? Thanks, Maria"})");
  int code = -1;
  json e = json::parse(runAwcCode("explain " + flow + " --json", code));
  REQUIRE(code == 0);
  double o0 = e["levels"]["O0"]["latency_ms"].get<double>();
  double o2 = e["levels"]["O2"]["latency_ms"].get<double>();
  REQUIRE(e["levels"]["O2"]["model_calls"].get<double>() == 1); // the chain fused
  size_t calls0 = 0, calls2 = 0;
  double sim0 = simulatedMs(flow, inputs, 0, calls0);
  double sim2 = simulatedMs(flow, inputs, 2, calls2);
  CHECK(calls0 == 3);
  CHECK(calls2 == 1);
  double estimated = o0 / o2, measured = sim0 / sim2;
  INFO("estimate " << o0 << " / " << o2 << " = " << estimated << "; simulator " << sim0 << " / "
                   << sim2 << " = " << measured);
  CHECK(estimated > 1.0); // the fusion pays by both measures
  CHECK(measured > 1.0);
  CHECK(std::abs(estimated / measured - 1.0) <= 0.15);
}
