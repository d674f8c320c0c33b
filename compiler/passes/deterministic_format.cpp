// Formatting asked of a model: a number as money ("format {total} as US dollars, like
// $1,234.50" → format_money) or with thousands separators and N decimals (format_number).
#include "deterministic_internal.h"

#include <map>

namespace awc::passes::det {
namespace {

const char* currencyWord(const Tok& t) {
  static const std::map<std::string, const char*> kCodes = {
      {"dollars", "USD"},  {"dollar", "USD"}, {"usd", "USD"}, {"$", "USD"},   {"euros", "EUR"},
      {"euro", "EUR"},     {"eur", "EUR"},    {"€", "EUR"},   {"gbp", "GBP"}, {"£", "GBP"},
      {"sterling", "GBP"}, {"yen", "JPY"},    {"jpy", "JPY"}, {"inr", "INR"}, {"rupees", "INR"},
      {"₹", "INR"},        {"chf", "CHF"},    {"cad", "CAD"}, {"aud", "AUD"}};
  if (t.kind != Tok::Word && t.kind != Tok::Symbol) return nullptr;
  auto it = kCodes.find(t.text);
  return it == kCodes.end() ? nullptr : it->second;
}

} // namespace

std::optional<DeterministicTask> formatForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 1 || !isNumeric(p.toks[hs[0]].type) || p.result->kind() != K::String)
    return std::nullopt;
  if (!s.has({"format", "formatted", "display", "show", "write", "present", "render", "print",
              "express"}))
    return std::nullopt;
  if (s.has({"convert", "rate", "exchange", "into"})) return std::nullopt; // a conversion
  s.used[hs[0]] = true;
  s.mark({"format",   "formatted", "display", "show",       "write",     "present",   "render",
          "print",    "express",   "like",    "such",       "style",     "sign",      "symbol",
          "string",   "us",        "u.s",     "proper",     "properly",  "nicely",    "amount",
          "currency", "money",     "with",    "separators", "separator", "thousands", "commas",
          "comma",    "grouping",  "digit",   "and",        "code",      "readable",  "human"});
  std::string code;
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (const char* c = currencyWord(p.toks[i])) {
      if (!code.empty() && code != c) return std::nullopt;
      code = c;
      s.used[i] = true;
    }
  if (code.empty() && !s.has({"currency", "money"})) {
    // Plain number formatting needs separators or decimals named.
    if (!s.has({"thousands", "commas", "comma", "separators", "separator", "grouping"}))
      return std::nullopt;
    std::optional<int> digits = findRounding(s);
    return finish(s, "format",
                  call("format_number", {p.toks[hs[0]].expr, ir::expr::lit(digits.value_or(0))}),
                  true, "");
  }
  // Example amounts ("like $1,234.50") are shown, not computed.
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (p.toks[i].kind == Tok::Number && ((i > 0 && currencyWord(p.toks[i - 1])) ||
                                          (i + 1 < p.toks.size() && currencyWord(p.toks[i + 1]))))
      s.used[i] = true;
  std::optional<int> digits = findRounding(s);
  int standard = code == "JPY" ? 0 : 2;
  if (digits && *digits != standard) return std::nullopt; // not the currency's own decimals
  std::vector<Json> args{p.toks[hs[0]].expr};
  if (!code.empty() && code != "USD") args.push_back(ir::expr::lit(code));
  return finish(s, "format", call("format_money", std::move(args)), true, "",
                code.empty() ? "the prompt names no currency: the rewrite assumes US dollars" : "");
}

} // namespace awc::passes::det
