// schema_check: validates a run's typed output against the plan's output schema with valijson,
// an implementation independent of the runtime's own validator (so the test can catch it).
//
//   schema_check PLAN.json RESULT.json   (RESULT is `awc run`'s stdout: {"ok", "output"})
#include "json_schema.h"

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {

bool readJson(const char* path, nlohmann::json& out) {
  std::ifstream in(path);
  if (!in) return false;
  out = nlohmann::json::parse(in, nullptr, false);
  return !out.is_discarded();
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: schema_check PLAN.json RESULT.json\n");
    return 2;
  }
  nlohmann::json plan, result;
  if (!readJson(argv[1], plan) || !readJson(argv[2], result)) {
    std::fprintf(stderr, "schema_check: cannot read %s or %s as JSON\n", argv[1], argv[2]);
    return 1;
  }
  if (!plan.contains("output") || !plan["output"].contains("schema") ||
      !result.contains("output")) {
    std::fprintf(stderr, "schema_check: no output schema in the plan or no output in the result\n");
    return 1;
  }
  std::string problems =
      awc::testing::validateAgainstSchemaJson(result["output"], plan["output"]["schema"]);
  if (problems.empty()) return 0;
  std::fprintf(stderr, "schema_check: %s", problems.c_str());
  return 1;
}
