// Helpers for stdlib tests: evaluate expression JSON text against a small environment.
#pragma once

#include "awc/stdlib/eval.h"

#include <map>
#include <nlohmann/json.hpp>
#include <string>

namespace awc::stdlib::test {

using nlohmann::json;

/// Evaluates JSON expression text; names resolve from `env`.
inline EvalResult run(const std::string& exprText, const std::map<std::string, json>& env = {}) {
  json expr = json::parse(exprText);
  return evaluate(expr, [&](std::string_view name) -> const json* {
    auto it = env.find(std::string(name));
    return it == env.end() ? nullptr : &it->second;
  });
}

/// A call node with literal arguments.
inline json call(const std::string& fn, const json& args) {
  json a = json::array();
  for (const json& v : args)
    a.push_back({{"lit", v}});
  return {{"call", fn}, {"args", a}};
}

/// Calls fn with literal args; the value must be ok.
inline json callOk(const std::string& fn, const json& args) {
  EvalResult r = evaluateConstant(call(fn, args));
  if (!r) return json{{"ERROR", r.error()}};
  return r.value();
}

/// Calls fn with literal args; returns the error text ("" if it succeeded).
inline std::string callErr(const std::string& fn, const json& args) {
  EvalResult r = evaluateConstant(call(fn, args));
  return r ? std::string() : r.error();
}

/// A binary op node on literals.
inline EvalResult op(const std::string& o, const json& a, const json& b) {
  return evaluateConstant({{"op", o}, {"args", {{{"lit", a}}, {{"lit", b}}}}});
}

} // namespace awc::stdlib::test
