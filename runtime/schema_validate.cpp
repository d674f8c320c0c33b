// Hand-written validator for the compiler's JSON Schema subset; errors carry $-paths.
#include "awc/runtime/schema_validate.h"

#include <cmath>
#include <fmt/format.h>
#include <optional>

namespace awc::runtime {
namespace {

using nlohmann::json;

bool isIntegral(const json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

bool matchesType(const json& v, std::string_view type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return isIntegral(v);
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "null") return v.is_null();
  return true; // unknown type names do not reject
}

std::string typeList(const json& type) {
  if (type.is_string()) return type.get<std::string>();
  std::string out;
  for (const auto& t : type) {
    if (!out.empty()) out += " or ";
    out += t.is_string() ? t.get<std::string>() : t.dump();
  }
  return out;
}

std::string describeValue(const json& v) {
  std::string text = v.dump();
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return text;
}

// A non-negative integer keyword value (minItems, maxLength, ...), if present.
std::optional<std::size_t> sizeKeyword(const json& schema, const char* key) {
  auto it = schema.find(key);
  if (it == schema.end() || !it->is_number_integer() || it->get<std::int64_t>() < 0)
    return std::nullopt;
  return it->get<std::size_t>();
}

std::string memberPath(const std::string& base, const std::string& key) {
  bool plain = !key.empty();
  for (char c : key)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (plain) return base + "." + key;
  return base + "[" + json(key).dump() + "]";
}

class Validator {
public:
  Validator(std::vector<SchemaError>& errors, std::size_t maxErrors)
      : errors_(errors), maxErrors_(maxErrors) {}

  // Appends the violations of `v` (anyOf options are checked with a scratch list).
  void check(const json& v, const json& schema, const std::string& path) {
    if (full() || !schema.is_object()) return;
    if (auto it = schema.find("anyOf"); it != schema.end() && it->is_array()) {
      bool any = false;
      for (const auto& option : *it) {
        std::vector<SchemaError> scratch;
        Validator(scratch, 1).check(v, option, path);
        if (scratch.empty()) {
          any = true;
          break;
        }
      }
      if (!any)
        add(path, fmt::format("{} matches none of the allowed alternatives", describeValue(v)));
    }
    if (auto it = schema.find("type"); it != schema.end()) {
      bool ok = false;
      if (it->is_string())
        ok = matchesType(v, it->get<std::string>());
      else if (it->is_array())
        for (const auto& t : *it)
          ok = ok || (t.is_string() && matchesType(v, t.get<std::string>()));
      else
        ok = true;
      if (!ok) {
        add(path, fmt::format("expected {}", typeList(*it)));
        return; // further keywords would only repeat the type error
      }
    }
    if (auto it = schema.find("enum"); it != schema.end() && it->is_array()) {
      bool found = false;
      for (const auto& option : *it)
        found = found || option == v;
      if (!found) {
        std::string allowed;
        for (const auto& option : *it)
          allowed += (allowed.empty() ? "" : ", ") + option.dump();
        add(path, fmt::format("{} is not one of {}", describeValue(v), allowed));
      }
    }
    if (auto it = schema.find("const"); it != schema.end() && *it != v)
      add(path, fmt::format("expected {}", it->dump()));
    if (v.is_string()) checkString(v, schema, path);
    if (v.is_number()) checkNumber(v, schema, path);
    if (v.is_object()) checkObject(v, schema, path);
    if (v.is_array()) checkArray(v, schema, path);
  }

private:
  bool full() const { return errors_.size() >= maxErrors_; }
  void add(const std::string& path, std::string message) {
    if (!full()) errors_.push_back(SchemaError{path, std::move(message)});
  }

  void checkString(const json& v, const json& schema, const std::string& path) {
    // Lengths count code points, as JSON Schema requires.
    std::size_t length = 0;
    for (unsigned char c : v.get_ref<const std::string&>())
      length += (c & 0xC0) != 0x80;
    if (auto min = sizeKeyword(schema, "minLength"); min && length < *min)
      add(path, fmt::format("expected at least {} characters", *min));
    if (auto max = sizeKeyword(schema, "maxLength"); max && length > *max)
      add(path, fmt::format("expected at most {} characters", *max));
  }

  void checkNumber(const json& v, const json& schema, const std::string& path) {
    double d = v.get<double>();
    if (auto it = schema.find("minimum");
        it != schema.end() && it->is_number() && d < it->get<double>())
      add(path, fmt::format("expected a value >= {}", it->dump()));
    if (auto it = schema.find("maximum");
        it != schema.end() && it->is_number() && d > it->get<double>())
      add(path, fmt::format("expected a value <= {}", it->dump()));
  }

  void checkObject(const json& v, const json& schema, const std::string& path) {
    static const json empty = json::object();
    auto propsIt = schema.find("properties");
    const json& props = (propsIt != schema.end() && propsIt->is_object()) ? *propsIt : empty;
    if (auto it = schema.find("required"); it != schema.end() && it->is_array())
      for (const auto& name : *it)
        if (name.is_string() && !v.contains(name.get<std::string>()))
          add(memberPath(path, name.get<std::string>()), "missing required property");
    auto additional = schema.find("additionalProperties");
    for (const auto& [key, member] : v.items()) {
      std::string childPath = memberPath(path, key);
      if (auto p = props.find(key); p != props.end()) {
        check(member, *p, childPath);
      } else if (additional != schema.end()) {
        if (additional->is_boolean() && !additional->get<bool>())
          add(childPath, "unexpected property");
        else if (additional->is_object())
          check(member, *additional, childPath);
      }
    }
  }

  void checkArray(const json& v, const json& schema, const std::string& path) {
    if (auto min = sizeKeyword(schema, "minItems"); min && v.size() < *min)
      add(path, fmt::format("expected at least {} items, got {}", *min, v.size()));
    if (auto max = sizeKeyword(schema, "maxItems"); max && v.size() > *max)
      add(path, fmt::format("expected at most {} items, got {}", *max, v.size()));
    if (auto it = schema.find("items"); it != schema.end() && it->is_object())
      for (std::size_t i = 0; i < v.size() && !full(); ++i)
        check(v[i], *it, fmt::format("{}[{}]", path, i));
  }

  std::vector<SchemaError>& errors_;
  std::size_t maxErrors_;
};

} // namespace

std::vector<SchemaError> validateSchema(const json& value, const json& schema,
                                        std::size_t maxErrors) {
  std::vector<SchemaError> errors;
  Validator(errors, std::max<std::size_t>(1, maxErrors)).check(value, schema, "$");
  return errors;
}

std::string formatSchemaErrors(const std::vector<SchemaError>& errors) {
  std::string out;
  for (const auto& error : errors) {
    if (!out.empty()) out += "; ";
    out += error.toString();
  }
  return out;
}

bool parseModelJson(std::string_view text, json& out, std::string& error) {
  auto tryParse = [&](std::string_view candidate) {
    out = json::parse(candidate.begin(), candidate.end(), nullptr, false);
    return !out.is_discarded();
  };
  if (tryParse(text)) return true;
  std::string_view body = text;
  // ```json ... ``` fences.
  if (auto fence = body.find("```"); fence != std::string_view::npos) {
    std::string_view rest = body.substr(fence + 3);
    if (auto nl = rest.find('\n'); nl != std::string_view::npos) rest = rest.substr(nl + 1);
    if (auto close = rest.rfind("```"); close != std::string_view::npos)
      rest = rest.substr(0, close);
    if (tryParse(rest)) return true;
  }
  // Prose around one object or array.
  auto first = body.find_first_of("{[");
  if (first != std::string_view::npos) {
    char closeChar = body[first] == '{' ? '}' : ']';
    auto last = body.rfind(closeChar);
    if (last != std::string_view::npos && last > first &&
        tryParse(body.substr(first, last - first + 1)))
      return true;
  }
  // Report the parser's own message for the raw text.
  try {
    out = json::parse(text);
    return true;
  } catch (const json::parse_error& e) {
    error = fmt::format("answer is not valid JSON ({})", e.what());
  } catch (const json::exception&) {
    // out_of_range: a number too large for a double ("1e400"); nlohmann's message quotes it.
    error = "answer is not valid JSON (a number out of range)";
  }
  return false;
}

} // namespace awc::runtime
