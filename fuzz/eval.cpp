// Fuzz target: a JSON expression tree (and an environment) through the stdlib evaluator.
#include "awc/stdlib/eval.h"

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

using nlohmann::json;

// Input: `{"expr": TREE, "env": {NAME: VALUE, ...}}`, or any other JSON as the tree alone.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  json in = json::parse(data, data + size, nullptr, false);
  if (in.is_discarded()) return 0;
  json env = json::object();
  json expr = in;
  if (in.is_object() && in.contains("expr")) {
    expr = in["expr"];
    if (in.contains("env") && in["env"].is_object()) env = in["env"];
  }
  (void)awc::stdlib::validate(expr);
  std::vector<std::string> refs;
  awc::stdlib::collectRefs(expr, refs);
  (void)awc::stdlib::isDeterministic(expr);
  auto resolve = [&](std::string_view name) -> const json* {
    auto it = env.find(std::string(name));
    return it == env.end() ? nullptr : &*it;
  };
  awc::stdlib::EvalResult result = awc::stdlib::evaluate(expr, resolve);
  if (result.ok()) (void)result.value().dump(); // the value is well-formed JSON
  (void)awc::stdlib::evaluateConstant(expr);
  return 0;
}
