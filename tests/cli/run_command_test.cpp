// `awc run` end to end: the awc binary runs an example against the in-process simulator;
// `--record FILE` writes one JSON line per model call with the keys `awc sim --replay` reads.
#include "awc/sim/server.h"
#include "awc_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <sys/wait.h>
#include <vector>

using nlohmann::json;

namespace {

using awc::test::kAwc;
const std::string kExamples = AWC_SOURCE_DIR "/examples";

using Run = awc::test::AwcRun;

Run runAwc(const std::string& args, bool withStderr = false) {
  return awc::test::runAwcProcess(args, withStderr);
}

std::vector<std::string> readLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

// ticket_triage on the simulator: its HTTP tool stubbed, no result cache.
std::string ticketTriageArgs(const awc::sim::Server& server) {
  return "run " + kExamples + "/ticket_triage.flow --backend sim --endpoint " + server.baseUrl() +
         "/v1 --inputs " + kExamples + "/fixtures/ticket_triage.inputs.json --tool-stubs " +
         kExamples + "/fixtures/ticket_triage.stubs.json --no-cache -q";
}

struct Sim {
  awc::sim::Server server;
  Sim() {
    awc::sim::ServerConfig config;
    config.speed = 50;
    config.seed = 7;
    std::string error;
    REQUIRE(server.start(config, error) != 0);
  }
};

} // namespace

TEST_CASE("awc run --record writes one JSON line per model call", "[cli][run][record]") {
  REQUIRE(std::filesystem::exists(kAwc));
  Sim sim;
  awc::testing::TempDir dir("awc-run-record");
  // An existing file is truncated, not appended to.
  std::string record = dir.write("exchanges.jsonl", "stale line\n");
  Run r = runAwc(ticketTriageArgs(sim.server) + " --record " + record);
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.out)["ok"] == true);

  auto log = sim.server.log();
  std::vector<std::string> lines = readLines(record);
  REQUIRE(!log.empty());
  REQUIRE(lines.size() == log.size() + 1);
  // The last line is the run's: the flow's source hash, the inputs, the model nodes' timings.
  json run = json::parse(lines.back());
  lines.pop_back();
  REQUIRE(run["run"].is_object());
  CHECK(run["run"]["workflow"] == "triage");
  CHECK(run["run"]["source_hash"].get<std::string>().rfind("fnv1a64:", 0) == 0);
  CHECK(run["run"]["ok"] == true);
  CHECK(run["run"]["inputs"].is_object());
  CHECK(run["run"]["nodes"].size() == log.size());
  for (const auto& [id, t] : run["run"]["nodes"].items())
    CHECK(t["latency_ms"].get<double>() > 0);
  std::set<std::string> models;
  for (const auto& e : log)
    models.insert(e.model);
  std::int64_t completionTokens = 0, logTokens = 0;
  for (const auto& e : log)
    logTokens += std::int64_t(e.outputTokens);
  for (const std::string& line : lines) {
    INFO(line);
    json j = json::parse(line); // throws (fails the test) on a malformed line
    CHECK(j.size() == 5);
    REQUIRE(j["node"].is_string());
    CHECK(!j["node"].get<std::string>().empty());
    REQUIRE(j["request"].is_object());
    CHECK(models.count(j["request"]["model"].get<std::string>()) == 1);
    CHECK(j["request"]["messages"].is_array());
    CHECK(!j["request"]["messages"].empty());
    CHECK(j["answer"].is_string());
    CHECK(!j["answer"].get<std::string>().empty());
    REQUIRE(j["usage"].is_object());
    CHECK(j["usage"]["prompt_tokens"].get<std::int64_t>() > 0);
    CHECK(j["usage"]["completion_tokens"].get<std::int64_t>() > 0);
    CHECK(j["usage"]["cached_tokens"].is_number_integer());
    completionTokens += j["usage"]["completion_tokens"].get<std::int64_t>();
    CHECK(j["finish_reason"].is_string());
    // A structured-output node's answer is the JSON the schema asked for.
    if (j["request"].contains("response_format"))
      CHECK_FALSE(json::parse(j["answer"].get<std::string>(), nullptr, false).is_discarded());
  }
  CHECK(completionTokens == logTokens);
}

TEST_CASE("awc run --record to a path that cannot be opened is a usage error",
          "[cli][run][record]") {
  Sim sim;
  awc::testing::TempDir dir("awc-run-record");
  Run r =
      runAwc(ticketTriageArgs(sim.server) + " --record " + dir.file("no/such/dir/x.jsonl"), true);
  CHECK(r.code == 2);
  CHECK(r.out.find("awc run: cannot open '" + dir.file("no/such/dir/x.jsonl") +
                   "' for --record: No such file or directory") != std::string::npos);
  CHECK(sim.server.log().empty()); // refused before any model call
}

TEST_CASE("awc run --help mentions --record", "[cli][run][record]") {
  Run r = runAwc("run --help");
  CHECK(r.code == 0);
  CHECK(r.out.find("--record") != std::string::npos);
}

TEST_CASE("awc explain shows the speculation budget; awc run takes --speculate auto",
          "[cli][speculate]") {
  Run e = runAwc("explain '" + kExamples + "/intent_router.flow'");
  CHECK(e.code == 0);
  CHECK(e.out.find("speculation budget at -O2: $") != std::string::npos);
  CHECK(e.out.find("reply/then/billing_reply: could start before intent is known") !=
        std::string::npos);
  Run help = runAwc("run --help");
  CHECK(help.out.find("auto|off|free|all|USD") != std::string::npos);
  Run bad = runAwc("run '" + kExamples + "/intent_router.flow' --speculate sometimes", true);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("expected auto, off, free, all") != std::string::npos);
  Run badValue =
      runAwc("explain -fspeculate-value=-1 '" + kExamples + "/intent_router.flow'", true);
  CHECK(badValue.code == 2);
}
