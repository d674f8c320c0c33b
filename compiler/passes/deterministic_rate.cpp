// A rate times a quantity asked of a model: "a hotel costs {p} EUR per night; how much is {n}
// nights?", "{qty} tickets at {price} each", "{p} each, {n} of them". The rate is the operand
// followed by "per <unit>" (the quantity must then be counted in that unit) or by "each".
#include "deterministic_internal.h"

namespace awc::passes::det {
namespace {

bool operandTok(const Tok& t) {
  return t.kind == Tok::Number || (t.kind == Tok::Hole && isNumeric(t.type));
}

bool currencyWord(const Scan& s, size_t i) {
  return s.wordIn(i, {"eur", "usd", "gbp", "chf", "euro", "euros", "dollar", "dollars", "pound",
                      "pounds", "francs"}) ||
         s.sym(i, "$") || s.sym(i, "€") || s.sym(i, "£");
}

// "night" and "nights" name the same unit; so do "box" and "boxes".
bool sameUnit(const std::string& a, const std::string& b) {
  auto stem = [](std::string w) {
    if (w.size() > 3 && w.compare(w.size() - 2, 2, "es") == 0 && w[w.size() - 3] == 'x')
      w.resize(w.size() - 2);
    else if (w.size() > 2 && w.back() == 's')
      w.pop_back();
    return w;
  };
  return !a.empty() && stem(a) == stem(b);
}

} // namespace

std::optional<PercentAdjust> percentAdjust(Scan& s) {
  std::optional<PercentAdjust> found;
  for (size_t i = 0; i + 2 < s.toks.size(); ++i) {
    if (!operandTok(s.toks[i]) || !s.sym(i + 1, "%")) continue;
    if (found) return std::nullopt; // two percentages: not one adjustment
    size_t kind = i + 2 + (s.word(i + 2, "sales") ? 1 : 0);
    bool down = s.wordIn(kind, {"discount", "off"});
    bool up = s.wordIn(kind, {"tax", "vat", "surcharge", "markup", "gst"});
    if (!up && !down) return std::nullopt;
    for (size_t k = i; k <= kind; ++k)
      s.used[k] = true;
    const Tok& t = s.toks[i];
    Json pct = t.kind == Tok::Number ? lit(t.number, t.isInt) : t.expr;
    found = PercentAdjust{i, op(down ? "-" : "+", lit(1, true), op("/", pct, lit(100, true)))};
  }
  if (found)
    s.mark({"with", "plus", "including", "incl", "after", "discount", "on", "top", "applied",
            "added"});
  return found;
}

std::optional<DeterministicTask> rateForm(const Prompt& p) {
  if (!isNumeric(p.result)) return std::nullopt;
  Scan adjusted(p);
  findRounding(adjusted); // "2 decimals" is not an operand
  std::optional<PercentAdjust> adjust = percentAdjust(adjusted);
  std::vector<size_t> ops;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    const Tok& t = p.toks[i];
    if (t.kind == Tok::Hole && !isNumeric(t.type)) return std::nullopt;
    if (operandTok(t) && !adjusted.used[i]) ops.push_back(i);
  }
  if (ops.size() != 2) return std::nullopt;
  for (int r = 0; r < 2; ++r) {
    Scan s = adjusted;
    size_t rate = ops[r], qty = ops[1 - r];
    size_t after = rate + 1;
    while (currencyWord(s, after))
      ++after;
    std::string unit;
    if (s.word(after, "per") && after + 1 < p.toks.size() && p.toks[after + 1].kind == Tok::Word) {
      unit = p.toks[after + 1].text;
      // The quantity is counted in the rate's unit: "{n} nights" for "per night".
      if (!(qty + 1 < p.toks.size() && p.toks[qty + 1].kind == Tok::Word &&
            sameUnit(p.toks[qty + 1].text, unit)))
        continue;
      s.used[after] = s.used[after + 1] = s.used[qty + 1] = true;
    } else if (s.wordIn(after, {"each", "apiece"})) {
      s.used[after] = true;
      // "{n} tickets at {p} each" or "{p} each, {n} of them".
      bool counted = qty + 1 < p.toks.size() && p.toks[qty + 1].kind == Tok::Word &&
                     !s.wordIn(qty + 1, {"per", "each", "percent", "and", "or", "plus", "minus",
                                         "times", "divided", "more", "less", "off"});
      if (!counted) continue;
      s.used[qty + 1] = true;
    } else {
      continue;
    }
    size_t pers = 0;
    for (size_t i = 0; i < p.toks.size(); ++i)
      pers += s.word(i, "per");
    if (pers != (unit.empty() ? 0u : 1u)) return std::nullopt; // "per seat per month"
    for (size_t i = rate + 1; i < after; ++i)
      s.used[i] = true;
    s.used[rate] = s.used[qty] = true;
    for (size_t i = 0; i < p.toks.size(); ++i)
      if (p.toks[i].kind == Tok::Word && !unit.empty() && sameUnit(p.toks[i].text, unit))
        s.used[i] = true;
    s.mark({"costs", "cost",          "priced",    "charged", "charges",  "is",      "are",
            "at",    "for",           "how",       "much",    "them",     "of",      "pay",
            "total", "altogether",    "in",        "buy",     "bought",   "order",   "ordered",
            "book",  "booked",        "stay",      "rate",    "which",    "comes",   "come",
            "eur",   "usd",           "gbp",       "chf",     "euros",    "dollars", "due",
            "line",  "reimbursement", "reimburse", "mileage", "allowance"});
    // "A hotel costs …": the thing priced is the subject of "costs".
    for (size_t i = 0; i + 1 < p.toks.size(); ++i)
      if (p.toks[i].kind == Tok::Word && s.wordIn(i + 1, {"costs", "cost", "charges"}))
        s.used[i] = true;
    bool ints =
        p.toks[rate].kind == Tok::Number ? p.toks[rate].isInt : p.toks[rate].type->kind() == K::Int;
    bool qInt =
        p.toks[qty].kind == Tok::Number ? p.toks[qty].isInt : p.toks[qty].type->kind() == K::Int;
    Json rv = p.toks[rate].kind == Tok::Number ? lit(p.toks[rate].number, ints) : p.toks[rate].expr;
    Json qv = p.toks[qty].kind == Tok::Number ? lit(p.toks[qty].number, qInt) : p.toks[qty].expr;
    if (adjust) return finishNumber(s, "arith", op("*", op("*", rv, qv), adjust->factor), false);
    return finishNumber(s, "arith", op("*", rv, qv), ints && qInt);
  }
  return std::nullopt;
}

} // namespace awc::passes::det
