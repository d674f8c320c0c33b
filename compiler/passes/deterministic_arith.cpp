// Arithmetic asked of a model: + - * / and their words over numeric holes and numbers,
// percentages ("8% of x", "x plus 8% tax", "increase x by 10%", "what percent is a of b",
// "percentage change from a to b"), and the rounding a prompt asks for.
#include "deterministic_internal.h"

#include <algorithm>
#include <map>

namespace awc::passes::det {
namespace {

/// A typed native expression under construction.
struct Value {
  Json expr;
  bool isInt = false;
};

bool numericTok(const Tok& t) {
  return t.kind == Tok::Number || (t.kind == Tok::Hole && isNumeric(t.type));
}
Value valueOf(const Tok& t) {
  if (t.kind == Tok::Number) return {lit(t.number, t.isInt), t.isInt};
  return {t.expr, t.type->kind() == K::Int};
}

// Recursive descent over the tokens; marks what it understood in `s.used`.
class ArithParser {
public:
  explicit ArithParser(Scan& s) : s_(s) {}
  std::optional<Value> parseFrom(size_t start) {
    pos_ = start;
    return sum();
  }
  int operators = 0;

private:
  bool word(const char* w) const { return s_.word(pos_, w); }
  bool sym(const char* x) const { return s_.sym(pos_, x); }
  void take() { s_.used[pos_++] = true; }
  // Articles, currency signs, "a discount of", and words naming the next hole ("unit price
  // {unit_price}").
  void skipNoise() {
    for (;;) {
      if (word("a") || word("an") || word("the") || sym("$") || sym("€") || sym("£")) {
        take();
      } else if (s_.wordIn(pos_, {"discount", "tax", "fee", "shipping", "deposit"}) &&
                 s_.word(pos_ + 1, "of")) {
        take();
        take();
      } else if (namesNextHole()) {
        take();
      } else {
        return;
      }
    }
  }
  bool namesNextHole() const {
    if (pos_ >= s_.toks.size() || s_.toks[pos_].kind != Tok::Word) return false;
    size_t h = pos_ + 1;
    while (h < s_.toks.size() && s_.toks[h].kind == Tok::Word)
      ++h;
    if (h >= s_.toks.size() || h > pos_ + 2 || s_.toks[h].kind != Tok::Hole) return false;
    const auto& names = s_.toks[h].names;
    return std::find(names.begin(), names.end(), s_.toks[pos_].text) != names.end();
  }
  std::optional<Value> operand() {
    skipNoise();
    if (pos_ >= s_.toks.size()) return std::nullopt;
    if (sym("(")) {
      take();
      auto v = sum();
      if (!v || !sym(")")) return std::nullopt;
      take();
      return v;
    }
    if (!numericTok(s_.toks[pos_])) return std::nullopt;
    Value v = valueOf(s_.toks[pos_]);
    take();
    if (sym("%")) { // "8% of x", "8% tax on x"
      take();
      if (s_.wordIn(pos_, {"tax", "discount", "vat", "interest", "commission", "tip"})) take();
      if (!(word("of") || word("on"))) return std::nullopt;
      take();
      auto base = sum();
      if (!base) return std::nullopt;
      ++operators;
      return Value{op("/", op("*", base->expr, v.expr), lit(100, true)), false};
    }
    return v;
  }
  std::optional<Value> product() {
    auto lhs = operand();
    if (!lhs) return std::nullopt;
    while (pos_ < s_.toks.size()) {
      const char* o = nullptr;
      if (sym("*") || word("x") || word("times")) {
        take();
        o = "*";
      } else if (sym("/")) {
        take();
        o = "/";
      } else if (word("multiplied") || word("divided")) {
        o = word("multiplied") ? "*" : "/";
        take();
        if (!word("by")) return std::nullopt;
        take();
      } else {
        break;
      }
      auto rhs = operand();
      if (!rhs) return std::nullopt;
      ++operators;
      bool isInt = lhs->isInt && rhs->isInt && std::string(o) == "*";
      lhs = Value{op(o, lhs->expr, rhs->expr), isInt};
    }
    return lhs;
  }
  std::optional<Value> sum() {
    auto lhs = product();
    if (!lhs) return std::nullopt;
    while (pos_ < s_.toks.size()) {
      const char* o = nullptr;
      if (sym("+") || word("plus"))
        o = "+";
      else if (sym("-") || word("minus") || word("less"))
        o = "-";
      else
        break;
      size_t save = pos_;
      take();
      skipNoise();
      // "x plus 8% tax" / "x minus 5% discount": a percentage of x itself.
      if (pos_ + 1 < s_.toks.size() && numericTok(s_.toks[pos_]) && s_.sym(pos_ + 1, "%") &&
          !s_.wordIn(pos_ + 2, {"of", "on"})) {
        Json pct = valueOf(s_.toks[pos_]).expr;
        take();
        take();
        if (s_.wordIn(pos_, {"tax", "discount", "vat", "off", "fee", "tip", "surcharge"})) take();
        ++operators;
        lhs = Value{op("*", lhs->expr, op(o, lit(1, true), op("/", pct, lit(100, true)))), false};
        continue;
      }
      auto rhs = product();
      if (!rhs) {
        for (size_t i = save; i < pos_; ++i)
          s_.used[i] = false;
        pos_ = save;
        break;
      }
      ++operators;
      lhs = Value{op(o, lhs->expr, rhs->expr), lhs->isInt && rhs->isInt};
    }
    return lhs;
  }

  Scan& s_;
  size_t pos_ = 0;
};

} // namespace

std::optional<int> findRounding(Scan& s) {
  static const std::map<std::string, int> spelled = {
      {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}};
  for (size_t i = 0; i < s.toks.size(); ++i) {
    // "N decimal places", "2 dp", "two decimals"
    bool n = s.toks[i].kind == Tok::Number && s.toks[i].isInt && s.toks[i].number <= 12;
    bool w = s.toks[i].kind == Tok::Word && spelled.count(s.toks[i].text);
    if ((n || w) && s.wordIn(i + 1, {"decimal", "decimals", "dp", "places", "digits"})) {
      s.used[i] = s.used[i + 1] = true;
      s.mark(
          {"round", "rounded", "rounding", "decimal", "places", "place", "after", "point", "the"});
      return n ? static_cast<int>(s.toks[i].number) : spelled.at(s.toks[i].text);
    }
    // "round to cents", "rounded to whole dollars"
    if (s.wordIn(i, {"round", "rounded"}) && s.word(i + 1, "to")) {
      size_t j = i + 2 + (s.word(i + 2, "a") ? 1 : 0);
      j += s.word(j, "whole") ? 1 : 0;
      int digits = s.wordIn(j, {"cents"})                                            ? 2
                   : s.wordIn(j, {"dollars", "euros", "units", "numbers", "number"}) ? 0
                                                                                     : -1;
      if (digits >= 0 && (j + 1 >= s.toks.size() || s.toks[j + 1].kind == Tok::Symbol)) {
        for (size_t k = i; k <= j; ++k)
          s.used[k] = true;
        return digits;
      }
    }
    if (s.word(i, "nearest")) {
      size_t j = i + 1;
      if (s.word(j, "whole")) ++j;
      int digits = s.wordIn(j, {"cent", "cents", "penny"})                        ? 2
                   : s.wordIn(j, {"number", "integer", "dollar", "euro", "unit"}) ? 0
                                                                                  : -1;
      if (digits < 0) continue;
      for (size_t k = i; k <= j; ++k)
        s.used[k] = true;
      s.mark({"round", "rounded", "rounding"});
      return digits;
    }
  }
  return std::nullopt;
}

std::optional<DeterministicTask> finishNumber(Scan& s, const char* kind, Json expr, bool isInt) {
  std::optional<int> digits = findRounding(s);
  K r = s.p.result->kind();
  if (digits && r == K::Float)
    return finish(s, kind, call("round", {expr, ir::expr::lit(*digits)}), true, "");
  if (digits && r == K::Int && *digits == 0)
    return finish(s, kind, call("to_int", {call("round", {expr})}), true, "");
  if (digits)
    return finish(s, kind, call("round", {expr, ir::expr::lit(*digits)}), false,
                  "the rounded result is a float but the step returns " + s.p.result->str());
  if (s.has({"round", "rounded"})) return std::nullopt; // a rounding we did not understand
  if (r == K::Float) return finish(s, kind, isInt ? call("to_float", {expr}) : expr, true, "");
  if (r == K::Int && isInt) return finish(s, kind, expr, true, "");
  return finish(s, kind, expr, false,
                "the computation yields a " + std::string(isInt ? "number" : "float") +
                    " but the step returns " + s.p.result->str());
}

// "Revenue went from {a} to {b}": the verb and the thing that moved are context.
static void markMovement(Scan& s, size_t from) {
  if (from < 2 || !s.word(from - 1, "from")) return;
  size_t verb = from - 2;
  if (!s.wordIn(verb, {"went", "rose", "fell", "grew", "changed", "moved", "dropped", "climbed"}))
    return;
  s.used[verb] = true;
  if (verb > 0 && s.toks[verb - 1].kind == Tok::Word) s.used[verb - 1] = true;
}

const std::initializer_list<const char*> kRise = {"change", "changed", "increase", "increased",
                                                  "growth", "grow",    "grew",     "grown",
                                                  "rise",   "rose",    "risen",    "difference"};
const std::initializer_list<const char*> kFall = {"decrease", "decreased", "drop",   "dropped",
                                                  "fall",     "fell",      "fallen", "decline",
                                                  "declined", "reduction"};

// "percentage change from {a} to {b}", "{p} was {a}, now {b}: percent decrease?", "how much has
// {b} changed relative to {a}, in percent?": (new − old) ÷ old × 100, or old − new for a fall.
static std::optional<DeterministicTask> changeForm(Scan& s, const std::vector<size_t>& hs) {
  bool rise = s.has(kRise), fall = s.has(kFall);
  if (!rise && !fall) return std::nullopt;
  size_t from = std::string::npos, to = std::string::npos;
  if (s.wordIn(hs[0] - 1, {"from", "was"}) && s.wordIn(hs[1] - 1, {"to", "now"})) {
    from = hs[0];
    to = hs[1];
  } else if (hs[1] >= 2 && s.wordIn(hs[1] - 1, {"to", "with"}) &&
             s.wordIn(hs[1] - 2, {"relative", "compared"})) {
    from = hs[1];
    to = hs[0];
    s.used[hs[1] - 1] = s.used[hs[1] - 2] = true;
  } else {
    return std::nullopt;
  }
  s.used[from - 1] = s.used[to - 1] = true;
  s.mark(kRise);
  s.mark(kFall);
  s.mark({"percentage", "percent", "in",      "by",   "did",      "they",  "it",
          "rate",       "how",     "much",    "has",  "have",     "last",  "this",
          "month",      "year",    "quarter", "week", "previous", "prior", "current"});
  markMovement(s, from);
  // "Stock was {a}, now {b}": the subject of "was", when it opens the prompt.
  if (s.word(from - 1, "was") && from == 2 && s.toks[0].kind == Tok::Word) s.used[0] = true;
  s.used[from] = s.used[to] = true;
  const Json& a = s.toks[from].expr;
  const Json& b = s.toks[to].expr;
  Json e = rise ? op("*", op("/", op("-", b, a), a), lit(100, true))
                : op("*", op("/", op("-", a, b), a), lit(100, true));
  return finishNumber(s, "percentage", e, false);
}

std::optional<DeterministicTask> percentForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  auto numeric = [&](size_t i) { return i < p.toks.size() && numericTok(p.toks[i]); };
  // "what percent(age) is {a} of {b}", "{a} as a percentage of {b}", "{a} is what % of {b}"
  size_t pc = s.find({"percentage"});
  bool pct = pc != std::string::npos;
  for (size_t i = 0; i < p.toks.size() && !pct; ++i)
    if ((s.sym(i, "%") || s.word(i, "percent")) && !numeric(i - 1)) pct = true;
  if (pct && hs.size() == 2 && numeric(hs[0]) && numeric(hs[1])) {
    size_t a = hs[0], b = hs[1];
    if (s.word(a - 1, "of")) std::swap(a, b); // "of {b}" is the whole
    if (auto t = changeForm(s, hs)) return t;
    if (s.has(kRise) || s.has(kFall)) return std::nullopt;
    if (!s.word(b - 1, "of") && !s.sym(b - 1, "/")) return std::nullopt;
    // "{a} of {b} tickets", "{a} no-shows out of {b}": the counted noun is the holes' own.
    if (b + 1 < p.toks.size() && p.toks[b + 1].kind == Tok::Word) s.used[b + 1] = true;
    if (s.wordIn(a + 2, {"of", "out"}) && p.toks[a + 1].kind == Tok::Word) s.used[a + 1] = true;
    s.mark({"percentage", "percent", "of", "express", "expressed", "share", "out", "rate"});
    s.mark({"spent", "used", "paid", "earned", "billed", "was", "were", "eur", "usd", "gbp"});
    s.used[a] = s.used[b] = true;
    Json e = op("*", op("/", p.toks[a].expr, p.toks[b].expr), lit(100, true));
    return finishNumber(s, "percentage", e, false);
  }
  // "increase {x} by 10%", "{x} reduced by {p} percent", "apply a 15% discount to {x}"
  for (size_t i = 0; i + 1 < p.toks.size(); ++i) {
    if (!numeric(i) || !s.sym(i + 1, "%")) continue;
    if (s.wordIn(i + 2, {"of", "on"}) || s.wordIn(i + 3, {"of", "on"})) return std::nullopt;
    bool up = s.has({"increase", "increased", "raise", "raised", "grow", "markup", "add", "added",
                     "including", "incl"});
    bool down = s.has({"decrease", "decreased", "reduce", "reduced", "cut", "lower", "lowered",
                       "discount", "discounted", "off", "subtract", "deduct", "markdown"});
    // The percentage must be the change itself: "by 10%", "10% off", "20% VAT added".
    bool by = s.word(i - 1, "by");
    bool named =
        s.wordIn(i + 2, {"off", "discount", "vat", "tax", "markup", "surcharge", "markdown"});
    if (up == down || hs.size() > 2 || !(by || named)) return std::nullopt;
    size_t base = std::string::npos;
    for (size_t h : hs)
      if (h != i && numeric(h)) base = h;
    if (base == std::string::npos) return std::nullopt;
    s.used[i] = s.used[i + 1] = s.used[base] = true;
    s.mark({"increase", "increased",  "raise",     "raised",   "grow",   "markup",  "add",
            "decrease", "decreased",  "reduce",    "reduced",  "cut",    "lower",   "lowered",
            "discount", "discounted", "off",       "subtract", "deduct", "apply",   "applying",
            "after",    "by",         "price",     "new",      "tax",    "vat",     "surcharge",
            "fee",      "added",      "including", "incl",     "take",   "markdown"});
    Json factor =
        op(up ? "+" : "-", lit(1, true), op("/", valueOf(p.toks[i]).expr, lit(100, true)));
    return finishNumber(s, "percentage", op("*", p.toks[base].expr, factor), false);
  }
  return std::nullopt;
}

std::optional<DeterministicTask> arithmeticForm(const Prompt& p) {
  for (size_t start = 0; start < p.toks.size(); ++start) {
    const Tok& t = p.toks[start];
    if (!numericTok(t) && !(t.kind == Tok::Symbol && t.text == "(")) continue;
    Scan s(p);
    ArithParser parser(s);
    auto v = parser.parseFrom(start);
    if (!v || parser.operators == 0) continue;
    // "{qty} x {price}, including 7% sales tax": a percentage after the whole expression.
    Scan rest = s;
    if (auto adjust = percentAdjust(rest); adjust && !s.used[adjust->at]) {
      s.used = rest.used;
      v = Value{op("*", v->expr, adjust->factor), false};
    }
    bool pct = false;
    for (const Tok& x : p.toks)
      pct = pct || (x.kind == Tok::Symbol && x.text == "%");
    s.mark({"add", "sum", "total", "subtract", "multiply", "divide", "product", "difference", "tax",
            "discount", "vat", "including", "incl", "after", "net", "gross"});
    return finishNumber(s, pct ? "percentage" : "arithmetic", v->expr, v->isInt);
  }
  return std::nullopt;
}

std::optional<DeterministicTask> roundForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 1 || !isNumeric(p.toks[hs[0]].type)) return std::nullopt;
  size_t r = s.find({"round", "rounded"});
  if (r == std::string::npos) return std::nullopt;
  const Tok& x = p.toks[hs[0]];
  s.used[hs[0]] = s.used[r] = true;
  bool up = s.word(hs[0] + 1, "up") || s.word(r + 1, "up");
  bool down = s.word(hs[0] + 1, "down") || s.word(r + 1, "down");
  K k = p.result->kind();
  if (up || down) {
    if (up == down || s.has({"decimal", "decimals", "places", "cent", "cents"}))
      return std::nullopt;
    s.mark({"up", "down", "whole", "integer", "next"});
    Json e = call(up ? "ceil" : "floor", {x.expr});
    if (k == K::Float) e = call("to_float", {e});
    return finish(s, "round", e, k == K::Int || k == K::Float, "the step's result is not a number");
  }
  if (findRounding(s)) return finishNumber(s, "round", x.expr, x.type->kind() == K::Int);
  if (s.has({"decimal", "decimals", "places", "significant"})) return std::nullopt;
  s.mark({"off", "it"});
  if (k == K::Int) return finish(s, "round", call("to_int", {call("round", {x.expr})}), true, "");
  return finish(s, "round", call("round", {x.expr}), k == K::Float,
                "the step's result is not a number");
}

// "add {a} and {b}", "subtract {b} from {a}", "multiply {a} by {b}", "the product of ...".
std::optional<DeterministicTask> verbForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> ops;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    if (p.toks[i].kind == Tok::Hole && !isNumeric(p.toks[i].type)) return std::nullopt;
    if (numericTok(p.toks[i])) ops.push_back(i);
  }
  if (ops.size() != 2) return std::nullopt;
  size_t x = ops[0], y = ops[1];
  size_t mid = x + 1;
  while (mid < y && (s.sym(mid, "$") || s.sym(mid, "€") || s.sym(mid, "£") || s.word(mid, "away")))
    ++mid;
  if (y > mid + 2 || mid >= y) return std::nullopt;
  const Tok& c = p.toks[mid];
  if (c.kind != Tok::Word) return std::nullopt;
  struct Verb {
    std::initializer_list<const char*> words;
    std::initializer_list<const char*> connectors;
    const char* op;
    bool swap;
  };
  static const Verb kVerbs[] = {
      {{"add", "sum", "total", "added", "combine"}, {"and", "to", "with"}, "+", false},
      {{"subtract", "deduct", "take"}, {"from"}, "-", true},
      {{"multiply", "product", "multiplied"}, {"by", "and", "with"}, "*", false},
      {{"divide", "quotient"}, {"by"}, "/", false},
      {{"ratio"}, {"to"}, "/", false},
      {{"difference"}, {"and"}, "-", false},
  };
  for (const Verb& v : kVerbs) {
    if (!s.has(v.words) || !s.wordIn(mid, v.connectors)) continue;
    for (size_t i = x; i <= y; ++i)
      s.used[i] = true;
    s.mark(v.words);
    s.mark({"together", "between", "away", "of", "up"});
    Value a = valueOf(p.toks[v.swap ? y : x]), b = valueOf(p.toks[v.swap ? x : y]);
    bool isInt = a.isInt && b.isInt && std::string(v.op) != "/";
    Json e = op(v.op, a.expr, b.expr);
    if (std::string(v.op) == "-" && !v.swap) { // "the difference between a and b"
      auto t = finishNumber(s, "arithmetic", e, isInt);
      if (t && t->exact) {
        t->exact = false;
        t->why = "\"difference\" has no sign: the rewrite subtracts the second from the first";
      }
      return t;
    }
    return finishNumber(s, "arithmetic", e, isInt);
  }
  return std::nullopt;
}

} // namespace awc::passes::det
