// Value helpers: type names, number access and the deterministic text form of values.
#include "awc/stdlib/value.h"

#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <vector>

namespace awc::stdlib {

using nlohmann::json;

std::string_view typeName(const json& v) {
  switch (v.type()) {
  case json::value_t::string:
    return "string";
  case json::value_t::number_integer:
    return "int";
  case json::value_t::number_unsigned:
    return isInt(v) ? "int" : "float";
  case json::value_t::number_float:
    return "float";
  case json::value_t::boolean:
    return "bool";
  case json::value_t::array:
    return "list";
  case json::value_t::object:
    return "record";
  default:
    return "null";
  }
}

bool isInt(const json& v) {
  if (v.is_number_integer() && !v.is_number_unsigned()) return true;
  // Parsed JSON stores non-negative integers as unsigned; those up to INT64_MAX are ints.
  return v.is_number_unsigned() && v.get_ref<const json::number_unsigned_t&>() <=
                                       static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
}

bool isNumber(const json& v) {
  return v.is_number();
}

int64_t asInt(const json& v) {
  if (v.is_number_unsigned())
    return static_cast<int64_t>(v.get_ref<const json::number_unsigned_t&>());
  return v.get_ref<const json::number_integer_t&>();
}

double asDouble(const json& v) {
  switch (v.type()) {
  case json::value_t::number_float:
    return v.get_ref<const json::number_float_t&>();
  case json::value_t::number_unsigned:
    return static_cast<double>(v.get_ref<const json::number_unsigned_t&>());
  default:
    return static_cast<double>(v.get_ref<const json::number_integer_t&>());
  }
}

std::string formatFloat(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::string s = fmt::format("{}", d);
  // fmt prints whole floats as "12"; keep floats visibly floats, like JSON dumps do.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string toJsonText(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

void appendText(std::string& out, const json& v) {
  switch (v.type()) {
  case json::value_t::string:
    out += v.get_ref<const std::string&>();
    return;
  case json::value_t::number_integer:
    fmt::format_to(std::back_inserter(out), "{}", v.get_ref<const json::number_integer_t&>());
    return;
  case json::value_t::number_unsigned:
    fmt::format_to(std::back_inserter(out), "{}", v.get_ref<const json::number_unsigned_t&>());
    return;
  case json::value_t::number_float:
    out += formatFloat(v.get_ref<const json::number_float_t&>());
    return;
  case json::value_t::boolean:
    out += v.get<bool>() ? "true" : "false";
    return;
  case json::value_t::array:
  case json::value_t::object:
    out += toJsonText(v);
    return;
  default:
    out += "null";
    return;
  }
}

std::string toText(const json& v) {
  std::string out;
  appendText(out, v);
  return out;
}

size_t approxValueBytes(const json& v, size_t cap) {
  size_t total = 0;
  std::vector<const json*> stack{&v};
  while (!stack.empty() && total <= cap) {
    const json* x = stack.back();
    stack.pop_back();
    total += 16;
    if (x->is_string()) {
      total += x->get_ref<const std::string&>().size();
    } else if (x->is_array()) {
      for (const json& e : *x)
        stack.push_back(&e);
    } else if (x->is_object()) {
      for (auto it = x->begin(); it != x->end(); ++it) {
        total += 16 + it.key().size();
        stack.push_back(&it.value());
      }
    }
  }
  return total;
}

} // namespace awc::stdlib
