// units: convert(value, from, to) over a fixed table of length, mass, temperature, volume and
// time units (documented in docs/stdlib.md).
#include "builtins.h"

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

struct Unit {
  std::string_view name;
  std::string_view dimension;
  double toBase; ///< multiply to get the dimension's base unit (temperature: see convertImpl)
};

// Exact definitions: 1 in = 2.54 cm, 1 lb = 0.45359237 kg, 1 US gal = 3.785411784 l.
constexpr Unit kUnits[] = {
    {"km", "length", 1000.0},       {"m", "length", 1.0},
    {"cm", "length", 0.01},         {"mm", "length", 0.001},
    {"mi", "length", 1609.344},     {"ft", "length", 0.3048},
    {"in", "length", 0.0254},       {"kg", "mass", 1.0},
    {"g", "mass", 0.001},           {"lb", "mass", 0.45359237},
    {"oz", "mass", 0.028349523125}, {"C", "temperature", 1.0},
    {"F", "temperature", 1.0},      {"K", "temperature", 1.0},
    {"l", "volume", 1.0},           {"ml", "volume", 0.001},
    {"gal", "volume", 3.785411784}, {"s", "time", 1.0},
    {"min", "time", 60.0},          {"h", "time", 3600.0},
    {"d", "time", 86400.0},
};

const Unit* findUnit(std::string_view n) {
  for (const Unit& u : kUnits)
    if (u.name == n) return &u;
  return nullptr;
}

double toKelvin(double v, std::string_view u) {
  if (u == "C") return v + 273.15;
  if (u == "F") return (v - 32.0) * 5.0 / 9.0 + 273.15;
  return v;
}

double fromKelvin(double k, std::string_view u) {
  if (u == "C") return k - 273.15;
  if (u == "F") return (k - 273.15) * 9.0 / 5.0 + 32.0;
  return k;
}

EvalResult convertImpl(Args a) {
  const Unit* from = findUnit(str(a[1]));
  const Unit* to = findUnit(str(a[2]));
  if (!from) return fail(fmt::format("convert: unknown unit '{}'", str(a[1])));
  if (!to) return fail(fmt::format("convert: unknown unit '{}'", str(a[2])));
  if (from->dimension != to->dimension)
    return fail(fmt::format("convert: cannot convert {} ({}) to {} ({})", from->name,
                            from->dimension, to->name, to->dimension));
  double v = asDouble(a[0]);
  if (from == to) return floatValue(v, "convert");
  if (from->dimension == "temperature") {
    double k = toKelvin(v, from->name);
    if (k < 0) return fail("convert: temperature below absolute zero");
    return floatValue(fromKelvin(k, to->name), "convert");
  }
  return floatValue(v * from->toBase / to->toBase, "convert");
}

} // namespace

void registerUnits(std::vector<Function>& out) {
  out.push_back(Function{"convert",
                         "units",
                         "value in unit `from` expressed in unit `to`, as a float.",
                         {{"value", tNum()}, {"from", tStr()}, {"to", tStr()}},
                         tFloat(),
                         true,
                         convertImpl});
}

} // namespace awc::stdlib::detail
