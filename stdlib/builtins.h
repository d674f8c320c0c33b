// Internal to awc_stdlib: helpers shared by the function implementations and the per-module
// registration hooks that registry.cpp assembles into one table.
#pragma once

#include "awc/stdlib/functions.h"

#include <cmath>
#include <fmt/format.h>
#include <string>
#include <vector>

namespace awc::stdlib::detail {

using nlohmann::json;

// Signature shorthands, so each module's table reads like a list of declarations.
inline TypeSpec tAny() {
  return {Kind::Any};
}
inline TypeSpec tInt() {
  return {Kind::Int};
}
inline TypeSpec tFloat() {
  return {Kind::Float};
}
inline TypeSpec tNum() {
  return {Kind::Number};
}
inline TypeSpec tStr() {
  return {Kind::String};
}
inline TypeSpec tBool() {
  return {Kind::Bool};
}
inline TypeSpec tRecord() {
  return {Kind::Record};
}
inline TypeSpec tList(Kind elem = Kind::Any) {
  return {Kind::List, elem};
}
inline TypeSpec sameAs(int i, Kind k = Kind::Any) {
  TypeSpec t{k};
  t.sameAsArg = i;
  return t;
}
inline TypeSpec elemOf(int i, Kind k = Kind::Any) {
  TypeSpec t{k};
  t.elemOfArg = i;
  return t;
}
inline Param opt(std::string_view name, TypeSpec t) {
  return Param{name, t, true};
}

/// A finite double as a value, or an overflow error.
inline EvalResult floatValue(double d, std::string_view fn) {
  if (!std::isfinite(d)) return fail(fmt::format("{}: result is not a finite number", fn));
  return json(d);
}

/// A double that must fit int64 (floor, ceil, to_int).
inline EvalResult intFromDouble(double d, std::string_view fn) {
  if (!std::isfinite(d) || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
    return fail(fmt::format("{}: {} does not fit an int", fn, d));
  return json(static_cast<int64_t>(d));
}

inline const std::string& str(const json& v) {
  return v.get_ref<const std::string&>();
}

/// Number of UTF-8 code points (continuation bytes are not counted).
size_t codePoints(std::string_view s);
/// Byte offset of code point `cp` (clamped to s.size()).
size_t byteOffset(std::string_view s, size_t cp);

void registerMath(std::vector<Function>& out);
void registerLists(std::vector<Function>& out);
void registerStrings(std::vector<Function>& out);
void registerJson(std::vector<Function>& out);
void registerDates(std::vector<Function>& out);
void registerUnits(std::vector<Function>& out);
void registerRegex(std::vector<Function>& out);

} // namespace awc::stdlib::detail
