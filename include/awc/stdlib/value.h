// Runtime values of the .flow language and the result type of every native evaluation.
// Values are plain nlohmann::json (objects keep sorted keys, so output is deterministic).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace awc::stdlib {

/// Why a native evaluation failed (overflow, division by zero, missing field, bad argument...).
struct EvalError {
  std::string message;
  bool overLimit = false; // a size or step budget was exceeded (not a property of the values)
};

/// The most memory one value built by the evaluator or a function may take (approximately,
/// see approxValueBytes): past it, evaluation fails instead of exhausting memory.
inline constexpr size_t kMaxValueBytes = size_t{64} << 20;

/// A value or an EvalError. Library code never throws across this boundary.
class EvalResult {
public:
  /// A successful result.
  EvalResult(nlohmann::json value) : value_(std::move(value)) {}
  /// A failed result.
  EvalResult(EvalError error)
      : error_(std::move(error.message)), failed_(true), overLimit_(error.overLimit) {}

  bool ok() const { return !failed_; }
  explicit operator bool() const { return !failed_; }

  /// The value; only meaningful when ok().
  const nlohmann::json& value() const& { return value_; }
  nlohmann::json& value() & { return value_; }
  nlohmann::json&& value() && { return std::move(value_); }

  /// The error message; empty when ok().
  const std::string& error() const { return error_; }
  /// True when the failure was a size or step budget (the expression may be fine at runtime).
  bool overLimit() const { return overLimit_; }

private:
  nlohmann::json value_;
  std::string error_;
  bool failed_ = false;
  bool overLimit_ = false;
};

/// Shorthand for returning an error: `return fail("division by zero");`.
inline EvalError fail(std::string message) {
  return EvalError{std::move(message)};
}

/// Shorthand for a budget failure: `return failLimit("replace: result larger than 64 MB");`.
inline EvalError failLimit(std::string message) {
  return EvalError{std::move(message), true};
}

/// Approximately the memory `v` takes: string bytes plus 16 per value and per key. Stops
/// counting (and returns a number above `cap`) once `cap` is exceeded, so it costs at most
/// about cap / 16 steps.
size_t approxValueBytes(const nlohmann::json& v, size_t cap = kMaxValueBytes);

/// The language type name of a value: "string", "int", "float", "bool", "list", "record", "null".
std::string_view typeName(const nlohmann::json& v);

/// True for JSON integers that fit int64 (unsigned JSON integers above INT64_MAX are not ints).
bool isInt(const nlohmann::json& v);
/// True for ints and floats.
bool isNumber(const nlohmann::json& v);
/// The int64 of an int value (precondition: isInt(v)).
int64_t asInt(const nlohmann::json& v);
/// The double of a number value (precondition: isNumber(v)).
double asDouble(const nlohmann::json& v);

/// Shortest round-trip text of a double, always with a '.' or an exponent ("12.0", "0.1",
/// "1e+20") so floats never read as ints. Non-finite values print as "nan"/"inf"/"-inf"
/// (the evaluator never produces them).
std::string formatFloat(double d);

/// How a value is interpolated into prompt text: strings as is, ints in decimal, floats via
/// formatFloat, bools true/false, null as "null", lists and records as compact JSON with sorted
/// keys (invalid UTF-8 replaced by U+FFFD). Deterministic: same value, same bytes.
std::string toText(const nlohmann::json& v);
/// Appends toText(v) to out (avoids a temporary in string building).
void appendText(std::string& out, const nlohmann::json& v);

/// Compact JSON with sorted keys, never throws (invalid UTF-8 replaced by U+FFFD).
std::string toJsonText(const nlohmann::json& v);

} // namespace awc::stdlib
