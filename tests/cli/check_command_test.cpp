// `awc check` reports what `awc build` reports — the optimisation passes' warnings included —
// without writing a plan; `-w` and `--no-opt-warnings` silence them. `-frightsize=...` is
// accepted by check, build and run alike (run: the simulator sees the cheaper model).
#include "awc/sim/server.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>

namespace {

const std::string kAwc = AWC_BINARY_DIR "/awc";

struct Run {
  int code = -1;
  std::string out; ///< stdout, then stderr when `withStderr`
};

Run runAwc(const std::string& args, bool withStderr = true) {
  std::string cmd = "'" + kAwc + "' " + args + (withStderr ? " 2>&1" : " 2>/dev/null");
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

// A first version: one big model everywhere, an unbounded essay, an unused input.
const char* kFlow = R"(model small = sim("small-1") { size: "small" }
model big = sim("big-1") { size: "large", cheaper: [small] }
workflow main(t: string, unused: string) -> string {
  spam = llm big -> bool { user "Is this spam? {t}" }
  essay = llm big -> string { user "Write an essay about {t}" }
  return "{spam} {essay}"
}
)";

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    ++n;
  return n;
}

} // namespace

TEST_CASE("awc check prints the warnings awc build prints, and writes nothing", "[cli][check]") {
  REQUIRE(std::filesystem::exists(kAwc));
  awc::testing::TempDir dir("awc-check");
  std::string flow = dir.write("first.flow", kFlow);
  Run check = runAwc("check " + flow + " --color never");
  CHECK(check.code == 0);
  // check writes no plan: the folder still holds only the flow.
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path),
                      std::filesystem::directory_iterator()) == 1);
  Run build = runAwc("build " + flow + " -o " + dir.file("first.plan.json") + " --color never");
  REQUIRE(build.code == 0);
  CHECK(check.out == build.out); // same warnings, same codes, same places, same order
  CHECK(check.out.find("first.flow:4:3: warning[AWC6006]") != std::string::npos);
  CHECK(check.out.find("first.flow:5:3: warning[AWC6004]") != std::string::npos);
  CHECK(check.out.find("warning[AWC6002]") != std::string::npos); // sema's, as before
  CHECK(count(check.out, "warning[") == 3);
  CHECK(runAwc("check " + flow, false).out.empty()); // nothing on stdout either

  // At the -O level given: -O0 runs no optimisation pass, so only sema's warning remains.
  Run o0 = runAwc("check -O0 " + flow + " --color never");
  CHECK(o0.out ==
        runAwc("build -O0 " + flow + " -o " + dir.file("o0.json") + " --color never").out);
  CHECK(count(o0.out, "warning[") == 1);
}

TEST_CASE("awc check -w and --no-opt-warnings silence warnings", "[cli][check]") {
  awc::testing::TempDir dir("awc-check");
  std::string flow = dir.write("first.flow", kFlow);
  Run quiet = runAwc("check -w " + flow);
  CHECK(quiet.code == 0);
  CHECK(quiet.out.empty());
  Run noOpt = runAwc("check --no-opt-warnings " + flow + " --color never");
  CHECK(noOpt.code == 0);
  CHECK(noOpt.out.find("AWC6002") != std::string::npos);
  CHECK(noOpt.out.find("AWC6006") == std::string::npos);
  CHECK(noOpt.out.find("AWC6004") == std::string::npos);
  // Errors are never silenced.
  std::string bad = dir.write("bad.flow", "workflow main() -> int { return x }\n");
  Run err = runAwc("check -w " + bad + " --color never");
  CHECK(err.code == 1);
  CHECK(err.out.find("error[AWC2001]") != std::string::npos);
  CHECK(err.out.find("1 error, 0 warnings") != std::string::npos);
}

TEST_CASE("awc check, build, explain and run accept -frightsize, a bad task class is a usage error",
          "[cli][check][rightsize]") {
  awc::testing::TempDir dir("awc-check");
  std::string flow = dir.write("first.flow", kFlow);
  Run check = runAwc("check -frightsize=classify " + flow + " --color never");
  CHECK(check.code == 0);
  CHECK(check.out.find("AWC6006") == std::string::npos); // moved, so no longer oversized
  Run build = runAwc("build -frightsize=classify,extract " + flow, false);
  REQUIRE(build.code == 0);
  CHECK(build.out.find(R"("rightsized_from":"big")") != std::string::npos);
  Run explain = runAwc("explain -frightsize=classify " + flow, false);
  CHECK(explain.out.find("spam: big → small (classify task, -frightsize; cheapest of 1 allowed "
                         "alternative)") != std::string::npos);

  Run bad = runAwc("check -frightsize=generate " + flow);
  CHECK(bad.code == 2);
  CHECK(bad.out.find("awc: -frightsize: 'generate' is not a task class rightsize may move "
                     "(classify, extract)") != std::string::npos);
  Run badRun = runAwc("run -frightsize=classify,bogus " + flow);
  CHECK(badRun.code == 2);
  CHECK(badRun.out.find("awc run: -frightsize: 'bogus'") != std::string::npos);

  // awc run compiles with the opt-in: the simulator is asked for the small model.
  awc::sim::Server server;
  awc::sim::ServerConfig config;
  config.speed = 50;
  std::string error;
  REQUIRE(server.start(config, error) != 0);
  Run run = runAwc("run -frightsize=classify " + flow + " --backend sim --endpoint " +
                       server.baseUrl() + "/v1 --input t=hello --input unused=x --no-cache -q",
                   false);
  REQUIRE(run.code == 0);
  bool sawSmall = false;
  for (const auto& e : server.log())
    sawSmall = sawSmall || e.model == "small-1";
  CHECK(sawSmall);
}
