// Golden tests: one .flow in, the expected plan (plus warnings) or diagnostics out.
//   golden_test <file.flow> <expected-dir> <plan-schema>
// compares `<expected-dir>/<stem>.plan.json` (a valid flow) or `<stem>.diag.txt` (a flow
// with errors; files named fail_*.flow must have errors). With AWC_GOLDEN_UPDATE=1 it
// rewrites the expectations instead (`make golden-update`), so changes are reviewed as diffs.
// A first line `// golden-flags: -O1 -fno-fuse -frightsize=classify` selects compile flags.
#include "awc/compiler/driver.h"
#include "awc/plan/emit.h"
#include "json_schema.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

static std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

static awc::CompileOptions flagsFrom(const std::string& source) {
  awc::CompileOptions o;
  o.verifyEach = true; // a pass that breaks an IR invariant fails the golden with its name
  std::string first = source.substr(0, source.find('\n'));
  const std::string marker = "// golden-flags:";
  if (first.rfind(marker, 0) != 0) return o;
  std::istringstream words(first.substr(marker.size()));
  std::string w;
  while (words >> w) {
    if (w.rfind("-O", 0) == 0)
      o.optLevel = std::atoi(w.c_str() + 2);
    else if (w.rfind("-fno-", 0) == 0)
      o.disabledPasses.insert(w.substr(5));
    else if (w.rfind("-frightsize=", 0) == 0) {
      std::istringstream tasks(w.substr(12));
      for (std::string t; std::getline(tasks, t, ',');)
        o.rightsizeTasks.insert(t);
    } else if (w.rfind("--workflow=", 0) == 0)
      o.workflow = w.substr(11);
  }
  return o;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: golden_test FILE.flow EXPECTED_DIR PLAN_SCHEMA\n");
    return 2;
  }
  fs::path flow = fs::absolute(argv[1]);
  fs::path expectedDir = fs::absolute(argv[2]);
  std::string schema = fs::absolute(argv[3]).string();
  bool update = std::getenv("AWC_GOLDEN_UPDATE") != nullptr;
  // Compile with a path relative to the flow's folder so outputs hold no machine paths.
  fs::current_path(flow.parent_path());
  std::string name = flow.filename().string();
  std::string stem = flow.stem().string();
  awc::CompileOptions options = flagsFrom(readFile(name));
  awc::Compilation c = awc::compileFile(name, options);
  std::string diagText = awc::renderAll(*c.diags);
  bool mustFail = stem.rfind("fail_", 0) == 0;

  std::string actual;
  fs::path expectedPath;
  if (c.ok()) {
    if (mustFail) {
      std::fprintf(stderr, "%s: expected errors, compiled cleanly\n", name.c_str());
      return 1;
    }
    std::string problems = awc::testing::validateAgainstSchema(c.plan, schema);
    if (!problems.empty()) {
      std::fprintf(stderr, "%s: plan does not validate against %s:\n%s", name.c_str(),
                   schema.c_str(), problems.c_str());
      return 1;
    }
    // Determinism: a second compilation must give the same bytes.
    awc::Compilation again = awc::compileFile(name, options);
    if (awc::plan::serialize(again.plan) != awc::plan::serialize(c.plan)) {
      std::fprintf(stderr, "%s: two compilations gave different plans\n", name.c_str());
      return 1;
    }
    actual = awc::plan::serialize(c.plan);
    if (!diagText.empty()) actual = "// diagnostics:\n" + diagText + "// plan:\n" + actual;
    expectedPath = expectedDir / (stem + ".plan.json");
  } else {
    actual = diagText;
    expectedPath = expectedDir / (stem + ".diag.txt");
  }

  if (update) {
    fs::create_directories(expectedDir);
    std::ofstream(expectedPath, std::ios::binary) << actual;
    std::printf("updated %s\n", expectedPath.string().c_str());
    return 0;
  }
  if (!fs::exists(expectedPath)) {
    std::fprintf(stderr, "%s: no expectation %s (run `make golden-update`)\n--- actual:\n%s",
                 name.c_str(), expectedPath.string().c_str(), actual.c_str());
    return 1;
  }
  std::string expected = readFile(expectedPath);
  if (expected != actual) {
    fs::path actualPath = fs::temp_directory_path() / (stem + ".actual");
    std::ofstream(actualPath, std::ios::binary) << actual;
    std::fprintf(stderr, "%s: output differs from %s\n  diff -u %s %s\n", name.c_str(),
                 expectedPath.string().c_str(), expectedPath.string().c_str(),
                 actualPath.string().c_str());
    return 1;
  }
  return 0;
}
