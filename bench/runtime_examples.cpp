// Wall time against the measured critical path for every example, run on the in-process
// simulator: how close the executor gets to the best the plan allows. Target: wall / critical
// path <= 1.05 at -O2 (parallel plans; -O0 plans are sequential on purpose and shown for the
// speed-up only). Tools are stubbed from examples/fixtures with a 20 ms latency.
//   runtime_examples [speed=10] [repeats=3]
#include "awc/compiler/driver.h"
#include "awc/runtime/runtime.h"
#include "awc/sim/server.h"

#include <cstdio>
#include <fstream>
#include <sstream>

using namespace awc::runtime;
using nlohmann::json;

namespace {
json readJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str(), nullptr, false);
}
} // namespace

int main(int argc, char** argv) {
  double speed = argc > 1 ? std::atof(argv[1]) : 10;
  int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  const std::string src = AWC_SOURCE_DIR;
  bool allMet = true;
  std::printf("%-18s %9s %9s %9s %9s %7s %8s\n", "example", "O0 wall", "O2 wall", "O2 crit",
              "O2 ratio", "speedup", "target");
  for (const char* name : {"customer_support", "intent_router", "doc_review", "research",
                           "ticket_triage", "invoice", "rag_answer"}) {
    double wall[3] = {0, 0, 0}, crit = 0;
    for (int level : {0, 2}) {
      awc::CompileOptions co;
      co.optLevel = level;
      awc::Compilation c = awc::compileFile(src + "/examples/" + name + ".flow", co);
      std::string error;
      auto plan = c.ok() ? loadPlan(c.plan, error) : nullptr;
      if (!plan) {
        std::fprintf(stderr, "%s: %s\n", name, error.c_str());
        return 1;
      }
      json inputs = readJson(src + "/examples/fixtures/" + std::string(name) + ".inputs.json");
      json stubs = readJson(src + "/examples/fixtures/" + std::string(name) + ".stubs.json");
      double best = 1e18, bestCrit = 0;
      for (int r = 0; r < repeats; ++r) {
        // A fresh simulator per run, so no run inherits another's prefix cache.
        awc::sim::Server sim;
        awc::sim::ServerConfig config;
        config.speed = speed;
        if (sim.start(config, error) == 0) {
          std::fprintf(stderr, "sim: %s\n", error.c_str());
          return 1;
        }
        RuntimeOptions options;
        options.backend = Provider::Sim;
        options.endpoint = sim.baseUrl() + "/v1";
        options.toolStubLatency = std::chrono::milliseconds(20);
        for (auto& [k, v] : stubs.items())
          options.toolStubs[k] = v;
        Runtime rt(options);
        RunResult result = rt.run(plan, inputs);
        if (!result.ok) {
          std::fprintf(stderr, "%s -O%d: %s\n", name, level, result.error.c_str());
          return 1;
        }
        if (result.metrics.wallMs < best) {
          best = result.metrics.wallMs;
          bestCrit = result.metrics.criticalPathMs;
        }
      }
      wall[level] = best;
      if (level == 2) crit = bestCrit;
    }
    double ratio = wall[2] / crit;
    allMet = allMet && ratio <= 1.05;
    std::printf("%-18s %7.0fms %7.0fms %7.0fms %9.3f %6.2fx %8s\n", name, wall[0], wall[2], crit,
                ratio, wall[0] / wall[2], ratio <= 1.05 ? "met" : "MISSED");
  }
  return allMet ? 0 : 1;
}
