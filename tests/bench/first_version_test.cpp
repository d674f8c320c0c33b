// The first-version corpus (bench/flows/first-version): one flow per invocation, through the
// built awc binary. The flow checks without errors; it builds at -O0, -O1, -O2 and -O2 with
// right-sizing opted in (-frightsize=classify,extract) with --verify-each; plain -O2 moves no
// step to a cheaper model (the declared `cheaper` lists alone change nothing) while the opt-in
// moves at least one; and it runs end to end at -O0, -O2 and -O2 with right-sizing against an
// in-process simulator (the corpus's fixtures loaded) with its inputs and tool stubs, every node
// succeeding and the output valid against the plan's output schema (valijson, independent of
// the runtime).
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

// How many nodes of a plan (map/reduce bodies included) right-sizing moved to another model.
int rightsizedNodes(const json& j) {
  int n = 0;
  if (j.is_object()) {
    if (j.contains("rightsized_from")) ++n;
    for (const auto& item : j.items())
      n += rightsizedNodes(item.value());
  } else if (j.is_array()) {
    for (const auto& v : j)
      n += rightsizedNodes(v);
  }
  return n;
}

// `awc run` of one plan against the simulator: succeeds, no node erred, output valid.
void runPlan(const std::string& binary, const std::string& level, const fs::path& plan,
             const fs::path& flow, const std::string& url, const awc::testing::TempDir& dir) {
  fs::path stem = flow.parent_path() / flow.stem();
  std::string what = level == "rs" ? "run -O2 -frightsize" : "run -O" + level;
  std::string metrics = dir.file("metrics" + level + ".json");
  Run r =
      runAwc(binary, "run " + q(plan) + " --backend sim --endpoint " + url + "/v1 --inputs " +
                         q(stem.string() + ".inputs.json") + " --tool-stubs " +
                         q(stem.string() + ".stubs.json") + " --tool-stub-latency 0 --no-cache" +
                         " -q --metrics " + q(metrics) + " > " + q(dir.file("out" + level)));
  std::ifstream outFile(dir.file("out" + level));
  std::string out((std::istreambuf_iterator<char>(outFile)), std::istreambuf_iterator<char>());
  if (r.code != 0) return fail(what + " exited " + std::to_string(r.code), r.out + out);
  json result = json::parse(out, nullptr, false);
  json m = readJson(metrics);
  json p = readJson(plan.string());
  if (result.is_discarded() || m.is_discarded() || p.is_discarded())
    return fail(what + ": unreadable result, metrics or plan", out);
  if (result.value("ok", false) != true) fail(what + ": not ok", out);
  if (!m["run.error"].is_null()) fail(what + ": " + m["run.error"].dump());
  if (m.value("run.model_calls", 0) < 1) fail(what + ": no model calls");
  for (const auto& n : m["nodes"])
    if (n.contains("node.error") && !n["node.error"].is_null())
      fail(what + ": node " + n.value("node.id", "?") + ": " + n["node.error"].dump());
  std::string problems =
      awc::testing::validateAgainstSchemaJson(result["output"], p["output"]["schema"]);
  if (!problems.empty()) fail(what + ": output does not match its type", problems);
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
  // The corpus's model declarations list cheaper alternatives; only the opt-in uses them.
  Run rs =
      runAwc(binary, "build " + q(flow) + " -O2 -frightsize=classify,extract --verify-each -w -o " +
                         q(dir.file("planrs.json")));
  if (rs.code != 0) fail("build -O2 -frightsize=classify,extract --verify-each", rs.out);
  if (failures) return 1;
  if (int n = rightsizedNodes(readJson(dir.file("plan2.json"))); n != 0)
    fail("build -O2 moved " + std::to_string(n) + " steps to a cheaper model without the opt-in");
  if (rightsizedNodes(readJson(dir.file("planrs.json"))) == 0)
    fail("-frightsize=classify,extract moved no step: does the model declare `cheaper`?");

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
  for (const char* level : {"0", "2", "rs"})
    runPlan(binary, level, dir.file(std::string("plan") + level + ".json"), flow, sim.baseUrl(),
            dir);
  sim.stop();
  if (failures == 0) std::printf("ok %s\n", flow.stem().c_str());
  return failures ? 1 : 0;
}
