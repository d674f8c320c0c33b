// math: abs, min, max, round, floor, ceil, sqrt, pow, clamp, percent, to_int, to_float; and
// likely (module "branch": the condition itself, with a probability the compiler reads).
#include "builtins.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

EvalResult absImpl(Args a) {
  if (isInt(a[0])) {
    int64_t i = asInt(a[0]);
    if (i == std::numeric_limits<int64_t>::min()) return fail("abs: integer overflow");
    return json(i < 0 ? -i : i);
  }
  return json(std::fabs(asDouble(a[0])));
}

EvalResult minMax(Args a, bool wantMax) {
  bool pickB;
  if (isInt(a[0]) && isInt(a[1])) {
    pickB = wantMax ? asInt(a[1]) > asInt(a[0]) : asInt(a[1]) < asInt(a[0]);
    return json(pickB ? asInt(a[1]) : asInt(a[0]));
  }
  double x = asDouble(a[0]), y = asDouble(a[1]);
  return json(wantMax ? std::max(x, y) : std::min(x, y));
}

// Half away from zero at the given number of decimal digits; ints stay ints.
EvalResult roundImpl(Args a) {
  int64_t digits = a.size() > 1 ? asInt(a[1]) : 0;
  if (digits < 0 || digits > 15) return fail("round: digits must be between 0 and 15");
  if (isInt(a[0])) return json(asInt(a[0]));
  double x = asDouble(a[0]);
  double scale = std::pow(10.0, static_cast<double>(digits));
  double r = std::round(x * scale) / scale;
  if (!std::isfinite(r)) r = x; // x * scale overflowed: x is too large to have those digits
  return floatValue(r, "round");
}

EvalResult floorImpl(Args a) {
  if (isInt(a[0])) return json(asInt(a[0]));
  return intFromDouble(std::floor(asDouble(a[0])), "floor");
}

EvalResult ceilImpl(Args a) {
  if (isInt(a[0])) return json(asInt(a[0]));
  return intFromDouble(std::ceil(asDouble(a[0])), "ceil");
}

EvalResult toIntImpl(Args a) {
  if (isInt(a[0])) return json(asInt(a[0]));
  return intFromDouble(std::trunc(asDouble(a[0])), "to_int");
}

EvalResult toFloatImpl(Args a) {
  return json(asDouble(a[0]));
}

EvalResult sqrtImpl(Args a) {
  double x = asDouble(a[0]);
  if (x < 0) return fail("sqrt: argument is negative");
  return json(std::sqrt(x));
}

EvalResult powImpl(Args a) {
  double x = asDouble(a[0]), y = asDouble(a[1]);
  if (x == 0 && y < 0) return fail("pow: zero to a negative power");
  if (x < 0 && y != std::trunc(y)) return fail("pow: negative base with a fractional exponent");
  return floatValue(std::pow(x, y), "pow");
}

EvalResult clampImpl(Args a) {
  if (isInt(a[0]) && isInt(a[1]) && isInt(a[2])) {
    int64_t x = asInt(a[0]), lo = asInt(a[1]), hi = asInt(a[2]);
    if (lo > hi) return fail("clamp: lower bound is above upper bound");
    return json(std::clamp(x, lo, hi));
  }
  double x = asDouble(a[0]), lo = asDouble(a[1]), hi = asDouble(a[2]);
  if (lo > hi) return fail("clamp: lower bound is above upper bound");
  return json(std::clamp(x, lo, hi));
}

EvalResult percentImpl(Args a) {
  return floatValue(asDouble(a[0]) * asDouble(a[1]) / 100.0, "percent");
}

// The compiler reads p (the speculate pass); at run time the call is the condition itself.
EvalResult likelyImpl(Args a) {
  double p = asDouble(a[1]);
  if (!(p >= 0 && p <= 1)) return fail(fmt::format("likely: probability {} is outside 0 to 1", p));
  return a[0];
}

} // namespace

void registerMath(std::vector<Function>& out) {
  auto add = [&](std::string_view name, std::string_view doc, std::vector<Param> params,
                 TypeSpec result, Impl impl) {
    out.push_back(Function{name, "math", doc, std::move(params), result, true, impl});
  };
  add("abs", "Absolute value; keeps int or float.", {{"x", tNum()}}, sameAs(0, Kind::Number),
      absImpl);
  add("min", "The smaller of two numbers (int if both are ints).", {{"a", tNum()}, {"b", tNum()}},
      tNum(), [](Args a) { return minMax(a, false); });
  add("max", "The larger of two numbers (int if both are ints).", {{"a", tNum()}, {"b", tNum()}},
      tNum(), [](Args a) { return minMax(a, true); });
  add("round", "Round half away from zero to `digits` decimals (default 0); ints stay ints.",
      {{"x", tNum()}, opt("digits", tInt())}, sameAs(0, Kind::Number), roundImpl);
  add("floor", "Largest int not above x.", {{"x", tNum()}}, tInt(), floorImpl);
  add("ceil", "Smallest int not below x.", {{"x", tNum()}}, tInt(), ceilImpl);
  add("to_int", "Truncate toward zero to an int.", {{"x", tNum()}}, tInt(), toIntImpl);
  add("to_float", "The number as a float.", {{"x", tNum()}}, tFloat(), toFloatImpl);
  add("sqrt", "Square root (error for negative x).", {{"x", tNum()}}, tFloat(), sqrtImpl);
  add("pow", "x raised to y, as a float.", {{"x", tNum()}, {"y", tNum()}}, tFloat(), powImpl);
  add("clamp", "x limited to [lo, hi] (int if all are ints).",
      {{"x", tNum()}, {"lo", tNum()}, {"hi", tNum()}}, tNum(), clampImpl);
  add("percent", "p percent of x: x * p / 100, as a float.", {{"x", tNum()}, {"p", tNum()}},
      tFloat(), percentImpl);
  out.push_back(Function{"likely",
                         "branch",
                         "The condition itself; p, the chance it is true, informs speculation.",
                         {{"cond", tBool()}, {"p", tFloat()}},
                         tBool(),
                         true,
                         likelyImpl});
}

} // namespace awc::stdlib::detail
