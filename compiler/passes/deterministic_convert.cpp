// Conversions asked of a model: units ("convert {x} km to miles", "{t} °F in Celsius") and
// currencies at a rate the prompt gives ("at a rate of {rate}", "if 1 EUR = 1.08 USD").
// A currency conversion without a rate is knowledge, not arithmetic, and is left alone.
#include "deterministic_internal.h"

#include <map>

namespace awc::passes::det {
namespace {

const char* unitCode(const Scan& s, size_t i) {
  static const std::map<std::string, const char*> kUnits = {
      {"km", "km"},          {"kilometers", "km"},  {"kilometres", "km"},  {"kilometer", "km"},
      {"kilometre", "km"},   {"mi", "mi"},          {"miles", "mi"},       {"mile", "mi"},
      {"meters", "m"},       {"metres", "m"},       {"meter", "m"},        {"metre", "m"},
      {"cm", "cm"},          {"centimeters", "cm"}, {"centimetres", "cm"}, {"mm", "mm"},
      {"millimeters", "mm"}, {"millimetres", "mm"}, {"ft", "ft"},          {"feet", "ft"},
      {"foot", "ft"},        {"inches", "in"},      {"inch", "in"},        {"kg", "kg"},
      {"kilograms", "kg"},   {"kilogram", "kg"},    {"kilos", "kg"},       {"lb", "lb"},
      {"lbs", "lb"},         {"grams", "g"},        {"gram", "g"},         {"oz", "oz"},
      {"ounces", "oz"},      {"ounce", "oz"},       {"celsius", "C"},      {"centigrade", "C"},
      {"fahrenheit", "F"},   {"kelvin", "K"},       {"liters", "l"},       {"litres", "l"},
      {"liter", "l"},        {"litre", "l"},        {"gallons", "gal"},    {"gallon", "gal"},
      {"gal", "gal"},        {"ml", "ml"},          {"milliliters", "ml"}, {"millilitres", "ml"},
      {"hours", "h"},        {"hour", "h"},         {"hrs", "h"},          {"minutes", "min"},
      {"mins", "min"},       {"seconds", "s"},      {"secs", "s"}};
  if (i >= s.toks.size() || s.toks[i].kind != Tok::Word) return nullptr;
  const std::string& w = s.toks[i].text;
  if (w == "pounds" || w == "pound") // mass, unless money is in sight
    return s.has({"sterling", "gbp"}) ? nullptr : "lb";
  if ((w == "c" || w == "f" || w == "k") && i > 0 &&
      (s.sym(i - 1, "°") || s.word(i - 1, "degrees")))
    return w == "c" ? "C" : w == "f" ? "F" : "K";
  auto it = kUnits.find(w);
  return it == kUnits.end() ? nullptr : it->second;
}

const char* currencyCode(const Scan& s, size_t i) {
  static const std::map<std::string, const char*> kCurrencies = {
      {"eur", "EUR"},      {"euro", "EUR"},    {"euros", "EUR"}, {"€", "EUR"},    {"usd", "USD"},
      {"dollar", "USD"},   {"dollars", "USD"}, {"$", "USD"},     {"gbp", "GBP"},  {"£", "GBP"},
      {"sterling", "GBP"}, {"jpy", "JPY"},     {"yen", "JPY"},   {"¥", "JPY"},    {"chf", "CHF"},
      {"francs", "CHF"},   {"cad", "CAD"},     {"aud", "AUD"},   {"inr", "INR"},  {"rupees", "INR"},
      {"₹", "INR"},        {"cny", "CNY"},     {"yuan", "CNY"},  {"rmb", "CNY"},  {"sek", "SEK"},
      {"mxn", "MXN"},      {"pesos", "MXN"},   {"brl", "BRL"},   {"reais", "BRL"}};
  if (i >= s.toks.size() || (s.toks[i].kind != Tok::Word && s.toks[i].kind != Tok::Symbol))
    return nullptr;
  const std::string& w = s.toks[i].text;
  if (w == "pounds" || w == "pound")
    return s.has({"sterling", "gbp"}) || s.sym(0, "£") ? "GBP" : nullptr;
  auto it = kCurrencies.find(w);
  return it == kCurrencies.end() ? nullptr : it->second;
}

} // namespace

std::optional<DeterministicTask> unitForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 1 || !isNumeric(p.toks[hs[0]].type)) return std::nullopt;
  size_t h = hs[0];
  // The source unit follows the value ("{x} km", "{t}°F"); the target follows to/in/into.
  size_t from = std::string::npos, to = std::string::npos;
  for (size_t i = h + 1; i < std::min(p.toks.size(), h + 4) && from == std::string::npos; ++i)
    if (unitCode(s, i)) from = i;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    if (i == from || !unitCode(s, i)) continue;
    if (to != std::string::npos) return std::nullopt;
    to = i;
  }
  if (from == std::string::npos || to == std::string::npos) return std::nullopt;
  std::string a = unitCode(s, from), b = unitCode(s, to);
  if (a == b) return std::nullopt;
  s.used[h] = s.used[from] = s.used[to] = true;
  s.mark({"convert", "converted", "conversion", "into", "degrees", "equals", "equal", "equivalent",
          "express", "expressed", "many", "much", "long", "far", "heavy", "hot", "cold", "warm"});
  findRounding(s); // "1 decimal" is not another number of a context sentence
  if (!markContextSentences(s, {h}, {to})) return std::nullopt; // "The parcel weighs {w} kg."
  Json e = call("convert", {p.toks[h].expr, ir::expr::lit(a), ir::expr::lit(b)});
  return finishNumber(s, "convert", e, false);
}

std::optional<DeterministicTask> currencyForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  size_t amount = std::string::npos, rateHole = std::string::npos;
  for (size_t h : hs) {
    if (!isNumeric(p.toks[h].type)) return std::nullopt;
    bool isRate = h > 0 && (s.wordIn(h - 1, {"rate", "of"}) || s.word(h - 1, "at")) &&
                  (s.has({"rate", "fx", "exchange"}) || s.word(h - 1, "at"));
    (isRate && amount != std::string::npos ? rateHole : amount) = h;
  }
  if (amount == std::string::npos) return std::nullopt;
  // Source: a currency right after (or a symbol right before) the amount; target: after to/in.
  size_t after = amount + (s.word(amount + 1, "us") ? 2 : 1); // "{x} US dollars"
  const char* src = currencyCode(s, after);
  size_t srcAt = src ? after : std::string::npos;
  if (!src && amount > 0 && (src = currencyCode(s, amount - 1))) srcAt = amount - 1;
  const char* dst = nullptr;
  size_t dstAt = std::string::npos;
  for (size_t i = 0; i + 1 < p.toks.size(); ++i)
    if (s.wordIn(i, {"to", "in", "into"}) && currencyCode(s, i + 1) && i + 1 != srcAt) {
      if (dst) return std::nullopt;
      dst = currencyCode(s, i + 1);
      dstAt = i + 1;
    }
  if (!dst || (src && std::string(src) == dst)) return std::nullopt;
  s.used[amount] = s.used[dstAt] = true;
  if (srcAt != std::string::npos) s.used[srcAt] = true;
  Json e;
  if (rateHole != std::string::npos) {
    if (hs.size() != 2) return std::nullopt;
    s.used[rateHole] = true;
    // "{rate} EUR per USD": multiply when it prices the source in the target, else divide.
    bool divide = false;
    if (currencyCode(s, rateHole + 1) && s.word(rateHole + 2, "per") &&
        currencyCode(s, rateHole + 3)) {
      std::string x = currencyCode(s, rateHole + 1), y = currencyCode(s, rateHole + 3);
      bool forward = x == dst && (!src || y == src), backward = y == dst && (!src || x == src);
      if (forward == backward) return std::nullopt;
      divide = backward;
      s.used[rateHole + 1] = s.used[rateHole + 2] = s.used[rateHole + 3] = true;
    }
    e = op(divide ? "/" : "*", p.toks[amount].expr, p.toks[rateHole].expr);
  } else {
    // "1 EUR = 1.08 USD", "1 EUR is 1.08 dollars", "one euro equals 1.08 USD"
    std::optional<DeterministicTask> none;
    size_t one = std::string::npos;
    for (size_t i = 0; i + 3 < p.toks.size(); ++i)
      if (((p.toks[i].kind == Tok::Number && p.toks[i].number == 1) || s.word(i, "one")) &&
          currencyCode(s, i + 1) &&
          (s.sym(i + 2, "=") || s.wordIn(i + 2, {"is", "equals", "buys", "="})) &&
          p.toks[i + 3].kind == Tok::Number && currencyCode(s, i + 4)) {
        if (one != std::string::npos) return none;
        one = i;
      }
    if (one == std::string::npos) return none;
    std::string x = currencyCode(s, one + 1), y = currencyCode(s, one + 4);
    const Tok& r = p.toks[one + 3];
    bool forward = (src ? x == src : true) && y == dst;
    bool backward = (src ? y == src : true) && x == dst;
    if (forward == backward) return none;
    for (size_t i = one; i <= one + 4; ++i)
      s.used[i] = true;
    e = op(forward ? "*" : "/", p.toks[amount].expr, lit(r.number, false));
  }
  s.mark({"convert", "converted", "conversion", "rate", "exchange", "fx", "at", "using", "if",
          "assuming", "assume", "where", "today's", "current", "multiply", "by", "worth", "when",
          "with"});
  if (after == amount + 2 && src) s.used[amount + 1] = true;
  return finishNumber(s, "currency", e, false);
}

} // namespace awc::passes::det
