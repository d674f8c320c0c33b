// The `awc lint` command end to end: exit codes, formats, --werror, --fix and config files.
#include "lint_cases.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/wait.h>

using awc::lint::test::kCases;
namespace fs = std::filesystem;

namespace {

const std::string kAwc = AWC_BINARY_DIR "/awc";

struct Run {
  int code = -1;
  std::string out;
};

Run run(const std::string& args, const std::string& cwd = AWC_SOURCE_DIR) {
  std::string cmd = "cd '" + cwd + "' && '" + kAwc + "' lint --no-config " + args + " 2>/dev/null";
  Run r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

} // namespace

TEST_CASE("awc lint exit codes", "[lint][cli]") {
  REQUIRE(fs::exists(kAwc));
  CHECK(run(kCases + "/unbounded-output/good.flow").code == 0);
  CHECK(run(kCases + "/unbounded-output/bad.flow").code == 0); // a warning
  CHECK(run("--werror " + kCases + "/unbounded-output/bad.flow").code == 1);
  CHECK(run(kCases + "/secret-literal/bad.flow").code == 1);       // an error-level rule
  CHECK(run(kCases + "/undeclared-http-host/bad.flow").code == 1); // a compile error
  CHECK(run(kCases + "/does-not-exist.flow").code == 2);
  CHECK(run("--format yaml " + kCases).code == 2);
}

TEST_CASE("awc lint formats from the command line", "[lint][cli]") {
  Run json = run("--format json tests/lint/cases/unbounded-output");
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["files"] == 2);
  Run sarif = run("--format sarif tests/lint/cases/unbounded-output/bad.flow");
  auto s = nlohmann::json::parse(sarif.out);
  CHECK(s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] ==
        "tests/lint/cases/unbounded-output/bad.flow");
  Run gh = run("--format github tests/lint/cases/unbounded-output/bad.flow");
  CHECK(gh.out.rfind("::warning file=tests/lint/cases/unbounded-output/bad.flow,line=8,col=3", 0) ==
        0);
  Run rules = run("--list-rules");
  CHECK(rules.out.find("AWL101  deterministic-model-task") != std::string::npos);
}

TEST_CASE("awc lint --fix edits a copy in place and reports what remains", "[lint][cli]") {
  awc::testing::TempDir temp("awc-lint-fix");
  const fs::path& dir = temp.path;
  fs::copy_file(kCases + "/cache-hostile-prompt/bad.flow", dir / "a.flow",
                fs::copy_options::overwrite_existing);
  std::string before = slurp(dir / "a.flow");
  Run r = run("--fix --format json a.flow", dir.string());
  std::string after = slurp(dir / "a.flow");
  CHECK(before != after);
  auto j = nlohmann::json::parse(r.out);
  for (const auto& f : j["findings"])
    CHECK(f["ruleId"] != "AWL102");
  // A config file in the directory is honoured (run without --no-config).
  {
    std::ofstream cfg(dir / ".awc-lint.toml");
    cfg << "[rules]\nunused-input = \"error\"\n";
  }
  fs::copy_file(kCases + "/unused-input/bad.flow", dir / "b.flow",
                fs::copy_options::overwrite_existing);
  std::string cmd = "cd '" + dir.string() + "' && '" + kAwc + "' lint b.flow >/dev/null 2>&1";
  int status = std::system(cmd.c_str());
  CHECK(WEXITSTATUS(status) == 1);
}

TEST_CASE("awc lint --import-root lets imports leave the file's folder", "[lint][cli][imports]") {
  awc::testing::TempDir dir;
  dir.write("lib/common.flow", "const GREETING = \"hi\"\n");
  std::string main = dir.write("proj/main.flow", "import \"../lib/common.flow\"\n"
                                                 "workflow w() -> string { return GREETING }\n");
  Run refused = run("--format json '" + main + "'");
  CHECK(refused.code == 1);
  CHECK(refused.out.find("AWC2015") != std::string::npos);
  // One folder per flag: the file after it is still a path to lint.
  Run allowed = run("--import-root '" + dir.file("lib") + "' '" + main + "'");
  CHECK(allowed.code == 0);
}
