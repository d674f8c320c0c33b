// The function table: built once from every module's registrations, then looked up by name.
#include "builtins.h"

#include <algorithm>
#include <unordered_map>

namespace awc::stdlib {

using nlohmann::json;

namespace {

struct Registry {
  std::vector<Function> functions;
  std::unordered_map<std::string_view, const Function*> byName;

  Registry() {
    detail::registerMath(functions);
    detail::registerLists(functions);
    detail::registerStrings(functions);
    detail::registerJson(functions);
    detail::registerDates(functions);
    detail::registerUnits(functions);
    detail::registerRegex(functions);
    std::stable_sort(functions.begin(), functions.end(), [](const Function& a, const Function& b) {
      return a.module != b.module ? a.module < b.module : a.name < b.name;
    });
    for (const Function& f : functions)
      byName.emplace(f.name, &f);
  }
};

const Registry& registry() {
  static const Registry r;
  return r;
}

} // namespace

size_t Function::minArgs() const {
  size_t n = 0;
  for (const Param& p : params)
    n += p.optional ? 0 : 1;
  return n;
}

const Function* findFunction(std::string_view name) {
  const auto& m = registry().byName;
  auto it = m.find(name);
  return it == m.end() ? nullptr : it->second;
}

const std::vector<Function>& allFunctions() {
  return registry().functions;
}

namespace {
std::string_view kindWord(Kind k) {
  switch (k) {
  case Kind::Any:
    return "any";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::Number:
    return "number";
  case Kind::String:
    return "string";
  case Kind::Bool:
    return "bool";
  case Kind::List:
    return "list";
  case Kind::Record:
    return "record";
  }
  return "any";
}

bool kindMatches(Kind k, const json& v) {
  switch (k) {
  case Kind::Any:
    return true;
  case Kind::Int:
    return isInt(v);
  case Kind::Float:
  case Kind::Number:
    return v.is_number() && (isInt(v) || v.is_number_float());
  case Kind::String:
    return v.is_string();
  case Kind::Bool:
    return v.is_boolean();
  case Kind::List:
    return v.is_array();
  case Kind::Record:
    return v.is_object();
  }
  return false;
}
} // namespace

std::string kindName(const TypeSpec& t) {
  if (t.kind == Kind::List && t.elem != Kind::Any) return fmt::format("list<{}>", kindWord(t.elem));
  return std::string(kindWord(t.kind));
}

bool valueMatches(const TypeSpec& t, const json& v) {
  if (!kindMatches(t.kind, v)) return false;
  if (t.kind == Kind::List && t.elem != Kind::Any)
    for (const json& e : v)
      if (!kindMatches(t.elem, e)) return false;
  return true;
}

std::string arityError(const Function& f, size_t given) {
  if (f.minArgs() == f.maxArgs())
    return fmt::format("{}() takes {} argument{}, got {}", f.name, f.maxArgs(),
                       f.maxArgs() == 1 ? "" : "s", given);
  return fmt::format("{}() takes {} to {} arguments, got {}", f.name, f.minArgs(), f.maxArgs(),
                     given);
}

EvalResult callFunction(const Function& f, std::span<const json> args) {
  if (args.size() < f.minArgs() || args.size() > f.maxArgs())
    return fail(arityError(f, args.size()));
  for (size_t i = 0; i < args.size(); ++i) {
    const Param& p = f.params[i];
    if (!valueMatches(p.type, args[i]))
      return fail(fmt::format("{}(): argument '{}' must be {}, got {}", f.name, p.name,
                              kindName(p.type), typeName(args[i])));
  }
  try {
    return f.impl(args);
  } catch (const std::exception& ex) {
    return fail(fmt::format("{}(): internal error: {}", f.name, ex.what()));
  }
}

} // namespace awc::stdlib
