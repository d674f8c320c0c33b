// The contract's tables and the helpers that keep hostile plans harmless: bounded-depth
// parsing, an iterative depth check, and the JSON Schema sanity check.
#include "awc/plan/contract.h"

#include "awc/plan/quote.h"
#include "awc/support/utf8.h"

#include <utility>

namespace awc::plan {

const std::vector<FieldInfo>& allFields() {
  static const std::vector<FieldInfo> fields = {
#define AWC_PLAN_FIELD(Object, Name, Spelling, Type)                                               \
  {PlanObject::Object, Spelling, FieldType::Type},
#include "awc/plan/plan_keys.def"
#undef AWC_PLAN_FIELD
  };
  return fields;
}

const char* objectName(PlanObject object) {
  static const char* const names[] = {
      "plan",     "input",   "output",  "model", "profile", "limits", "tool",  "param",
      "estimate", "pass",    "change",  "node",  "guard",   "cache",  "hints", "speculate",
      "message",  "segment", "options", "fused", "body",    "reduce"};
  return names[static_cast<std::size_t>(object)];
}

const char* typeName(FieldType type) {
  static const char* const names[] = {"a string",  "an integer", "a number", "a boolean",
                                      "an object", "an array",   "a string", "an expression",
                                      "a schema",  "any value"};
  return names[static_cast<std::size_t>(type)];
}

std::string PlanError::render() const {
  std::string out = context.empty() ? "plan" : context;
  out += ": ";
  if (!pointer.empty()) out += pointer + ": ";
  return out + message;
}

std::string clip(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, utf8FloorBoundary(text, max))) + "...";
}

std::string quote(const Json& value) {
  if (value.is_structured()) return value.is_object() ? "an object" : "an array";
  return clip(value.dump(-1, ' ', false, Json::error_handler_t::replace));
}

bool deeperThan(const Json& json, int limit) {
  std::vector<std::pair<const Json*, int>> stack{{&json, 1}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    if (!j->is_structured()) continue;
    if (depth > limit) return true;
    for (const Json& child : *j)
      if (child.is_structured()) stack.emplace_back(&child, depth + 1);
  }
  return false;
}

Json parseBounded(std::string_view text, std::string& error) {
  // The callback sees every container start with its depth: past the limit it drops the
  // container (so nothing deep is ever built) and remembers why the parse failed.
  bool tooDeep = false;
  Json::parser_callback_t bound = [&](int depth, Json::parse_event_t event, Json&) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth >= kMaxJsonDepth) {
      tooDeep = true;
      return false;
    }
    return !tooDeep;
  };
  Json doc = Json::parse(text.begin(), text.end(), bound, false);
  if (tooDeep) {
    error = "plan: JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
    return Json(Json::value_t::discarded);
  }
  if (doc.is_discarded()) error = "plan: not valid JSON";
  return doc;
}

namespace {

bool knownTypeName(const Json& t) {
  static const char* const names[] = {"string", "integer", "number", "boolean",
                                      "object", "array",   "null"};
  if (!t.is_string()) return false;
  for (const char* n : names)
    if (t == n) return true;
  return false;
}

std::string checkSchemaAt(const Json& s, const std::string& at, int depth);

std::string checkSchemaList(const Json& list, const std::string& at, int depth) {
  if (!list.is_array()) return at + " must be an array of schemas";
  for (std::size_t i = 0; i < list.size(); ++i)
    if (auto p = checkSchemaAt(list[i], at + "/" + std::to_string(i), depth + 1); !p.empty())
      return p;
  return "";
}

std::string checkSchemaAt(const Json& s, const std::string& at, int depth) {
  if (depth > kMaxJsonDepth) return "schema nested too deeply";
  if (s.is_boolean()) return "";
  if (!s.is_object()) return (at.empty() ? "a schema" : at) + " must be an object";
  if (auto t = s.find("type"); t != s.end()) {
    bool ok = knownTypeName(*t);
    if (t->is_array()) {
      ok = true;
      for (const Json& n : *t)
        ok = ok && knownTypeName(n);
    }
    if (!ok) return at + "/type: unknown type " + quote(*t);
  }
  if (auto p = s.find("properties"); p != s.end()) {
    if (!p->is_object()) return at + "/properties must be an object";
    for (const auto& [name, sub] : p->items())
      if (auto e = checkSchemaAt(sub, at + "/properties/" + name, depth + 1); !e.empty()) return e;
  }
  for (const char* k : {"items", "additionalProperties"})
    if (auto p = s.find(k); p != s.end())
      if (auto e = checkSchemaAt(*p, at + "/" + k, depth + 1); !e.empty()) return e;
  for (const char* k : {"anyOf", "oneOf", "allOf"})
    if (auto p = s.find(k); p != s.end())
      if (auto e = checkSchemaList(*p, at + "/" + k, depth); !e.empty()) return e;
  if (auto r = s.find("required"); r != s.end()) {
    bool ok = r->is_array();
    if (ok)
      for (const Json& n : *r)
        ok = ok && n.is_string();
    if (!ok) return at + "/required must be an array of strings";
  }
  if (auto e = s.find("enum"); e != s.end() && !e->is_array()) return at + "/enum must be an array";
  return "";
}

} // namespace

std::string checkSchema(const Json& schema) {
  return checkSchemaAt(schema, "", 0);
}

} // namespace awc::plan
