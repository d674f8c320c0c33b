// The first-version corpus (bench/flows/first-version): one flow per invocation, through the
// built awc binary. The flow checks without errors; it builds at -O0, -O1 and -O2 with
// --verify-each; and it runs end to end at -O0 and -O2 against an in-process simulator (the
// corpus's fixtures loaded) with its inputs and tool stubs, every node succeeding and the
// output valid against the plan's output schema (valijson, independent of the runtime).
//   first_version_test AWC FILE.flow      (exit 0 pass, 1 fail, 2 usage)
// A plain program like tests/golden's, so that ctest lists one entry per corpus flow.
#include "awc/sim/answers.h"
#include "awc/sim/server.h"
#include "json_schema.h"
#include "temp_dir.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <sys/wait.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

int failures = 0;

void fail(const std::string& what, const std::string& detail = "") {
  std::fprintf(stderr, "FAIL %s\n%s%s", what.c_str(), detail.c_str(),
               detail.empty() || detail.back() == '\n' ? "" : "\n");
  ++failures;
}

struct Run {
  int code = -1;
  std::string out; ///< stdout and stderr
};

// Runs `awc ARGS` (every argument a path or a flag without quotes) and captures its output.
Run runAwc(const std::string& binary, const std::string& args) {
  std::string cmd = "'" + binary + "' " + args + " 2>&1";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

json readJson(const std::string& path) {
  std::ifstream in(path);
  return in ? json::parse(in, nullptr, false) : json(json::value_t::discarded);
}

std::string q(const fs::path& p) {
  return "'" + p.string() + "'";
}

// `awc run` of one plan against the simulator: succeeds, no node erred, output valid.
void runPlan(const std::string& binary, const std::string& level, const fs::path& plan,
             const fs::path& flow, const std::string& url, const awc::testing::TempDir& dir) {
  fs::path stem = flow.parent_path() / flow.stem();
  std::string metrics = dir.file("metrics" + level + ".json");
  Run r =
      runAwc(binary, "run " + q(plan) + " --backend sim --endpoint " + url + "/v1 --inputs " +
                         q(stem.string() + ".inputs.json") + " --tool-stubs " +
                         q(stem.string() + ".stubs.json") + " --tool-stub-latency 0 --no-cache" +
                         " -q --metrics " + q(metrics) + " > " + q(dir.file("out" + level)));
  std::ifstream outFile(dir.file("out" + level));
  std::string out((std::istreambuf_iterator<char>(outFile)), std::istreambuf_iterator<char>());
  if (r.code != 0) return fail("run -O" + level + " exited " + std::to_string(r.code), r.out + out);
  json result = json::parse(out, nullptr, false);
  json m = readJson(metrics);
  json p = readJson(plan.string());
  if (result.is_discarded() || m.is_discarded() || p.is_discarded())
    return fail("run -O" + level + ": unreadable result, metrics or plan", out);
  if (result.value("ok", false) != true) fail("run -O" + level + ": not ok", out);
  if (!m["run.error"].is_null()) fail("run -O" + level + ": " + m["run.error"].dump());
  if (m.value("run.model_calls", 0) < 1) fail("run -O" + level + ": no model calls");
  for (const auto& n : m["nodes"])
    if (n.contains("node.error") && !n["node.error"].is_null())
      fail("run -O" + level + ": node " + n.value("node.id", "?") + ": " + n["node.error"].dump());
  std::string problems =
      awc::testing::validateAgainstSchemaJson(result["output"], p["output"]["schema"]);
  if (!problems.empty()) fail("run -O" + level + ": output does not match its type", problems);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: first_version_test AWC FILE.flow\n");
    return 2;
  }
  std::string binary = argv[1];
  fs::path flow = fs::absolute(argv[2]);
  awc::testing::TempDir dir("awc-first-version");

  Run check = runAwc(binary, "check " + q(flow));
  // "0 errors, N warnings" is fine; a diagnostic reads "file:line:col: error[AWC...]".
  if (check.code != 0 || check.out.find("error[") != std::string::npos)
    fail("awc check", check.out);
  for (const char* level : {"0", "1", "2"}) {
    Run b =
        runAwc(binary, std::string("build ") + q(flow) + " -O" + level + " --verify-each -w -o " +
                           q(dir.file(std::string("plan") + level + ".json")));
    if (b.code != 0) fail(std::string("build -O") + level + " --verify-each", b.out);
  }
  if (failures) return 1;

  awc::sim::ServerConfig config;
  config.speed = 200; // the simulated latencies only need to keep their order
  std::string error;
  auto fixtures =
      awc::sim::loadFixtures((flow.parent_path() / "sim_fixtures.json").string(), error);
  if (!fixtures) {
    fail("sim_fixtures.json", error);
    return 1;
  }
  config.fixtures = *fixtures;
  awc::sim::Server sim;
  if (sim.start(config, error) == 0) {
    fail("start the simulator", error);
    return 1;
  }
  for (const char* level : {"0", "2"})
    runPlan(binary, level, dir.file(std::string("plan") + level + ".json"), flow, sim.baseUrl(),
            dir);
  sim.stop();
  if (failures == 0) std::printf("ok %s\n", flow.stem().c_str());
  return failures ? 1 : 0;
}
