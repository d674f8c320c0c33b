// Shares of a total asked of a model: pro rata ("28 days of leave per year; {m} months worked:
// how many days earned so far?", "prorate {fee} for {d} of {n} days"), a total split evenly
// ("split {total} evenly between {n} people"), a value capped or clamped ("cap {x} at 30",
// "clamp {x} to 0 to 100"), compound growth ("{p} at {r}% a year for {n} years") and a ratio per
// unit ("the revenue per employee"). These prompts carry context sentences ("This employee has
// worked {m} months."): a sentence that states an operand is understood as context unless it also
// says something that changes the computation ("but", "unless", "extra", a fee, a tax …).
#include "deterministic_internal.h"

#include <algorithm>
#include <set>

namespace awc::passes::det {
namespace {

bool shareOperand(const Tok& t) {
  return t.kind == Tok::Number || (t.kind == Tok::Hole && isNumeric(t.type));
}
Json shareExpr(const Tok& t) {
  return t.kind == Tok::Number ? lit(t.number, t.isInt) : t.expr;
}
bool shareInt(const Tok& t) {
  return t.kind == Tok::Number ? t.isInt : t.type->kind() == K::Int;
}

bool shareSentenceEnd(const Scan& s, size_t i) {
  return s.sym(i, ".") || s.sym(i, "?") || s.sym(i, "!") || s.sym(i, ":") || s.sym(i, ";") ||
         s.sym(i, "\n");
}

// Words that change what a stated total means: a context sentence holding one is not context.
bool modifiesShare(const Tok& t) {
  static const std::set<std::string> kWords = {
      "but",           "unless",    "except",    "however",  "extra",      "additional",
      "minus",         "less",      "plus",      "cap",      "capped",     "max",
      "maximum",       "minimum",   "min",       "if",       "only",       "excluding",
      "including",     "deduct",    "deducted",  "after",    "before",     "first",
      "probation",     "tip",       "tax",       "vat",      "fee",        "fees",
      "discount",      "deposit",   "interest",  "shipping", "commission", "surcharge",
      "without",       "estimate",  "estimated", "roughly",  "about",      "around",
      "approximately", "typically", "usually",   "average",  "expected",   "assume",
      "might",         "maybe",     "bonus",     "half",     "double",     "twice",
      "rounded",       "round",     "not",       "never",    "no",         "carry",
      "carried",       "unused",    "taken",     "used",     "remaining",  "left",
      "already",       "spent",     "weighted",  "weight"};
  return t.kind == Tok::Word && kWords.count(t.text);
}

// "leave" in the question, once a context sentence said "days of annual leave": the words the
// context already used (and their singular or plural) are understood in the question too.
void markShareEchoes(Scan& s) {
  std::set<std::string> said;
  for (size_t i = 0; i < s.toks.size(); ++i)
    if (s.used[i] && s.toks[i].kind == Tok::Word) {
      const std::string& w = s.toks[i].text;
      said.insert(w);
      said.insert(w.back() == 's' ? w.substr(0, w.size() - 1) : w + "s");
    }
  for (size_t i = 0; i < s.toks.size(); ++i)
    if (s.toks[i].kind == Tok::Word && said.count(s.toks[i].text)) s.used[i] = true;
}

// The operands that are not rounding digits ("2 decimals") — call after findRounding.
std::vector<size_t> shareOperands(const Scan& s) {
  std::vector<size_t> out;
  for (size_t i = 0; i < s.toks.size(); ++i)
    if (shareOperand(s.toks[i]) && !s.used[i]) out.push_back(i);
  return out;
}

bool hasNonNumericHole(const Prompt& p) {
  for (const Tok& t : p.toks)
    if ((t.kind == Tok::Hole && !isNumeric(t.type)) || t.kind == Tok::Table) return true;
  return false;
}

const std::initializer_list<const char*> kProRata = {
    "pro",         "rata",         "pro-rata",       "prorata",   "prorate",
    "pro-rate",    "prorated",     "pro-rated",      "prorating", "pro-rating",
    "proportion",  "proportional", "proportionally", "accrue",    "accrued",
    "accrues",     "accrual",      "earned",         "earn",      "earns",
    "accumulated", "entitled",     "entitlement"};

// The question's own words, once the context is understood.
void markShareQuestion(Scan& s) {
  s.mark(kProRata);
  s.mark({"someone", "who", "person", "employee", "employees", "staff", "customer", "member",
          "joined", "started", "worked", "ago", "here"});
  s.mark({"so",    "far",   "they",   "he",      "she",  "them", "their",  "his",     "her",
          "owe",   "owes",  "owed",   "due",     "get",  "gets", "been",   "what",    "how",
          "much",  "many",  "have",   "has",     "each", "per",  "payout", "share",   "amount",
          "total", "worth", "come",   "comes",   "to",   "up",   "it",     "for",     "this",
          "year",  "basis", "charge", "charged", "pay",  "pays", "paid",   "receive", "receives"});
}

// "N per year" / "annual N" / "N a year" / "N annually": the operand is a yearly amount.
bool yearlyAmount(const Scan& s, size_t op) {
  for (size_t i = op + 1; i < std::min(s.toks.size(), op + 7) && !shareSentenceEnd(s, i); ++i) {
    if (s.wordIn(i, {"annually", "yearly"})) return true;
    if (s.wordIn(i, {"per", "a", "each", "every"}) &&
        (s.wordIn(i + 1, {"year", "annum"}) ||
         (s.wordIn(i + 1, {"full", "calendar", "whole"}) && s.word(i + 2, "year"))))
      return true;
  }
  for (size_t i = op; i-- > 0 && i + 4 > op && !shareSentenceEnd(s, i);)
    if (s.wordIn(i, {"annual", "yearly"})) return true;
  return false;
}

// "{m} months" counted within the year; optionally "out of 12" / "of 12" after it.
std::optional<DeterministicTask> perYear(const Prompt& p) {
  Scan s(p);
  findRounding(s);
  std::vector<size_t> ops = shareOperands(s);
  if (!s.has(kProRata)) return std::nullopt;
  size_t rate = std::string::npos, months = std::string::npos, twelve = std::string::npos;
  for (size_t o : ops) {
    const Tok& t = p.toks[o];
    if (t.kind == Tok::Hole && s.wordIn(o + 1, {"months", "month"}) && months == std::string::npos)
      months = o;
    else if (t.kind == Tok::Number && t.number == 12 && o > 0 && s.word(o - 1, "of") &&
             !s.wordIn(o + 1, {"months", "month"}) && twelve == std::string::npos)
      twelve = o;
    else if (yearlyAmount(s, o) && rate == std::string::npos)
      rate = o;
    else
      return std::nullopt;
  }
  if (rate == std::string::npos || months == std::string::npos) return std::nullopt;
  if (twelve != std::string::npos) s.used[twelve] = s.used[twelve - 1] = true;
  if (twelve != std::string::npos && s.word(twelve - 2, "out")) s.used[twelve - 2] = true;
  s.used[rate] = s.used[months] = s.used[months + 1] = true;
  if (!markContextSentences(s, {rate, months})) return std::nullopt;
  markShareEchoes(s);
  markShareQuestion(s);
  s.mark({"annual", "annually", "yearly", "per", "year", "annum", "full", "months", "month"});
  Json e = op("/", op("*", shareExpr(p.toks[rate]), p.toks[months].expr), lit(12, true));
  return finishNumber(s, "pro rata", e, false);
}

// "{a} of {b}", "{a} out of {b}", "{a} of the month's {b} days", "{a} nights of a 30-night
// month": the part and the whole; b is npos when none.
struct PartOf {
  size_t a = std::string::npos, b = std::string::npos;
  Json whole;
};
std::optional<PartOf> partOfWhole(const Scan& s, const std::vector<size_t>& ops) {
  for (size_t a : ops) {
    size_t i = a + 1;
    if (i < s.toks.size() && s.toks[i].kind == Tok::Word && !s.wordIn(i, {"of", "out"})) ++i;
    if (s.word(i, "out")) ++i;
    if (!s.word(i, "of")) continue;
    size_t j = i + 1;
    while (j < s.toks.size() && j < i + 4 && s.toks[j].kind == Tok::Word &&
           (s.wordIn(j, {"the", "a", "an", "its", "their", "total"}) ||
            s.toks[j].text.find('\'') != std::string::npos))
      ++j;
    if (j >= s.toks.size()) continue;
    PartOf po;
    po.a = a;
    if (std::count(ops.begin(), ops.end(), j)) {
      po.b = j;
      po.whole = shareExpr(s.toks[j]);
    } else if (s.toks[j].kind == Tok::Opaque) { // "30-night": its unit is the part's
      const std::string& t = s.toks[j].text;
      size_t dash = t.find('-');
      if (dash == std::string::npos || dash == 0 || a + 1 >= s.toks.size()) continue;
      if (t.substr(0, dash).find_first_not_of("0123456789") != std::string::npos) continue;
      std::string unit = t.substr(dash + 1), part = s.toks[a + 1].text;
      if (part != unit && part != unit + "s") continue;
      po.b = j;
      po.whole = lit(std::stod(t.substr(0, dash)), true);
    } else {
      continue;
    }
    return po;
  }
  return std::nullopt;
}

// "prorate {fee} for {d} of {n} days": total × part ÷ whole.
std::optional<DeterministicTask> partShare(const Prompt& p) {
  Scan s(p);
  findRounding(s);
  static const std::initializer_list<const char*> kStrong = {
      "pro",        "rata",         "pro-rata",      "prorata",   "prorate",
      "pro-rate",   "prorated",     "pro-rated",     "prorating", "pro-rating",
      "proportion", "proportional", "proportionally"};
  if (!s.has(kStrong)) return std::nullopt;
  std::vector<size_t> ops = shareOperands(s);
  auto po = partOfWhole(s, ops);
  if (!po) return std::nullopt;
  std::vector<size_t> rest;
  for (size_t o : ops)
    if (o != po->a && o != po->b) rest.push_back(o);
  if (rest.size() != 1) return std::nullopt;
  size_t total = rest[0];
  for (size_t i = po->a; i <= po->b; ++i)
    s.used[i] = true;
  s.used[total] = true;
  if (!markContextSentences(s, {total, po->a, po->b})) return std::nullopt;
  markShareEchoes(s);
  markShareQuestion(s);
  s.mark({"out", "of", "in", "month", "months", "days", "nights"});
  Json e = op("/", op("*", shareExpr(p.toks[total]), p.toks[po->a].expr), po->whole);
  return finishNumber(s, "pro rata", e, false);
}

} // namespace

/// Marks every word of each sentence that holds one of `ops` and ends with a statement mark
// (. : ; or a line end); false when such a sentence also modifiesShare the computation.
bool markContextSentences(Scan& s, const std::vector<size_t>& ops,
                          const std::vector<size_t>& request) {
  std::set<std::string> named; // "The annual bonus is {annual_bonus}": the bonus is the total
  for (size_t o : ops)
    named.insert(s.toks[o].names.begin(), s.toks[o].names.end());
  size_t from = 0;
  for (size_t i = 0; i <= s.toks.size(); ++i) {
    if (i < s.toks.size() && !shareSentenceEnd(s, i)) continue;
    bool statement = i < s.toks.size() && !s.sym(i, "?") && !s.sym(i, "!");
    bool holds = false, other = false;
    for (size_t j = from; j < i; ++j) {
      holds = holds || std::count(ops.begin(), ops.end(), j);
      statement = statement && !std::count(request.begin(), request.end(), j);
      // Another number in the sentence ("including 0.5 kg of packaging") is not context.
      other = other || ((s.toks[j].kind == Tok::Number || s.toks[j].kind == Tok::Opaque ||
                         s.toks[j].kind == Tok::Hole || s.toks[j].kind == Tok::Table) &&
                        !s.used[j] && !std::count(ops.begin(), ops.end(), j));
    }
    if (holds && statement && other) return false;
    if (holds && statement) {
      for (size_t j = from; j < i; ++j) {
        if (modifiesShare(s.toks[j]) && !s.used[j] && !named.count(s.toks[j].text)) return false;
        if (s.toks[j].kind == Tok::Word) s.used[j] = true;
      }
    }
    from = i + 1;
  }
  return true;
}

std::optional<DeterministicTask> shareForm(const Prompt& p) {
  if (!isNumeric(p.result) || hasNonNumericHole(p)) return std::nullopt;
  if (auto t = perYear(p)) return t;
  return partShare(p);
}

// "split {total} evenly between {n} people", "divide {b} equally among {n} teams", "pay {x} in
// {n} equal instalments": the total divided by the count.
std::optional<DeterministicTask> splitForm(const Prompt& p) {
  if (!isNumeric(p.result) || hasNonNumericHole(p)) return std::nullopt;
  Scan s(p);
  if (!s.has({"evenly", "equally", "equal"})) return std::nullopt;
  if (!s.has({"split", "divide", "divided", "spread", "share", "shared", "distribute",
              "distributed", "pay", "paid", "repay", "repaid"}))
    return std::nullopt;
  findRounding(s);
  std::vector<size_t> ops = shareOperands(s);
  if (ops.size() != 2) return std::nullopt;
  auto into = [&](size_t o) {
    size_t i = o;
    while (i > 0 && s.wordIn(i - 1, {"equal", "monthly", "weekly", "yearly", "annual"}))
      --i;
    return i > 0 &&
           s.wordIn(i - 1, {"between", "among", "amongst", "across", "into", "in", "over", "by"});
  };
  bool a = into(ops[0]), b = into(ops[1]);
  if (a == b) return std::nullopt;
  size_t n = a ? ops[0] : ops[1], total = a ? ops[1] : ops[0];
  s.used[n] = s.used[total] = true;
  if (s.word(n - 1, "by") && !s.wordIn(n - 2, {"divide", "divided"})) return std::nullopt;
  // The count's noun ("people", "instalments") and the total's ("boxes") name what is split.
  if (n + 1 < p.toks.size() && p.toks[n + 1].kind == Tok::Word) s.used[n + 1] = true;
  if (total + 1 < p.toks.size() && p.toks[total + 1].kind == Tok::Word &&
      !s.wordIn(total + 1, {"evenly", "equally", "between", "among", "across", "into", "in"}))
    s.used[total + 1] = true;
  std::vector<size_t> verbs;
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (s.wordIn(i, {"split", "divide", "divided", "spread", "share", "shared", "distribute",
                     "distributed", "pay", "paid", "repay", "repaid"}))
      verbs.push_back(i);
  if (!markContextSentences(s, {n, total}, verbs)) return std::nullopt;
  markShareEchoes(s);
  s.mark({"split",        "divide",      "divided",  "spread",     "share",       "shared",
          "distribute",   "distributed", "evenly",   "equally",    "equal",       "between",
          "among",        "amongst",     "across",   "into",       "in",          "over",
          "by",           "each",        "per",      "person",     "pay",         "pays",
          "paid",         "repay",       "repaid",   "get",        "gets",        "much",
          "many",         "does",        "who",      "everyone",   "monthly",     "weekly",
          "up",           "bill",        "budget",   "instalment", "instalments", "installment",
          "installments", "payment",     "payments", "part",       "parts",       "portion",
          "portions",     "team",        "teams",    "people"});
  Json e = op("/", p.toks[total].expr, p.toks[n].expr);
  bool whole = shareInt(p.toks[total]) && shareInt(p.toks[n]);
  // "(whole boxes, round down)": an integer share, the remainder left over.
  size_t down = s.find({"down"});
  if (down != std::string::npos && s.wordIn(down - 1, {"round", "rounded", "rounding"})) {
    if (!whole || p.result->kind() != K::Int) return std::nullopt;
    s.used[down] = s.used[down - 1] = true;
    s.mark({"whole"});
    return finish(s, "split", call("floor", {e}), true, "");
  }
  return finishNumber(s, "split", e, false);
}

namespace {

// The limit after a cap phrase at token i: a number, or npos.
size_t capLimitAfter(const Scan& s, size_t i) {
  while (i < s.toks.size() &&
         (s.sym(i, "$") || s.sym(i, "€") || s.sym(i, "£") || s.wordIn(i, {"a", "the", "of"})))
    ++i;
  return i < s.toks.size() && s.toks[i].kind == Tok::Number ? i : std::string::npos;
}

// The cap phrase starting at token i: +1 for an upper limit ("never more than", "capped at"),
// -1 for a lower one ("at least", "a minimum of"), 0 for none; `len` is its word count.
int capPhraseAt(const Scan& s, size_t i, size_t& len) {
  static const std::vector<std::pair<std::vector<const char*>, int>> kPhrases = {
      {{"capped", "at"}, 1},           {{"cap", "at"}, 1},
      {{"never", "more", "than"}, 1},  {{"no", "more", "than"}, 1},
      {{"not", "more", "than"}, 1},    {{"at", "most"}, 1},
      {{"maximum", "of"}, 1},          {{"max", "of"}, 1},
      {{"never", "exceeding"}, 1},     {{"never", "above"}, 1},
      {{"never", "less", "than"}, -1}, {{"no", "less", "than"}, -1},
      {{"not", "less", "than"}, -1},   {{"at", "least"}, -1},
      {{"minimum", "of"}, -1},         {{"min", "of"}, -1},
      {{"floored", "at"}, -1}};
  for (const auto& [words, kind] : kPhrases) {
    bool ok = true;
    for (size_t k = 0; k < words.size() && ok; ++k)
      ok = s.word(i + k, words[k]);
    if (ok) {
      len = words.size();
      return kind;
    }
  }
  return 0;
}

} // namespace

// "cap {x} at 30", "{x} but never more than 500", "clamp {x} to the range 0 to 100",
// "{x}, at least 5 and at most 50": min/max/clamp of one numeric hole by literal limits.
std::optional<DeterministicTask> capForm(const Prompt& p) {
  if (!isNumeric(p.result) || hasNonNumericHole(p)) return std::nullopt;
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 1) return std::nullopt;
  size_t x = hs[0];
  size_t hi = std::string::npos, lo = std::string::npos;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    size_t len = 0;
    int kind = capPhraseAt(s, i, len);
    size_t* limit = kind > 0 ? &hi : kind < 0 ? &lo : nullptr;
    if (!limit) continue;
    // The value comes before its limit ("{x} but never more than 500"): "the maximum of 500 and
    // {x}" is max(), not a cap.
    if (*limit != std::string::npos || i < x) return std::nullopt;
    size_t at = capLimitAfter(s, i + len);
    if (at == std::string::npos) return std::nullopt;
    for (size_t k = i; k <= at; ++k)
      s.used[k] = true;
    *limit = at;
    i = at;
  }
  // "clamp {x} to 0 to 100", "clamp {x} between 0 and 100", "to the range 0–100"
  size_t c = s.find({"clamp", "clamped", "clamping"});
  if (c != std::string::npos) {
    if (lo != std::string::npos || hi != std::string::npos) return std::nullopt;
    std::vector<size_t> nums = s.numbers();
    if (nums.size() != 2 || nums[0] < x || nums[1] != nums[0] + 2 ||
        !(s.wordIn(nums[0] + 1, {"to", "and"}) || s.sym(nums[0] + 1, "-") ||
          s.sym(nums[0] + 1, "–")))
      return std::nullopt;
    lo = nums[0];
    hi = nums[1];
    for (size_t k = c; k <= hi; ++k)
      if (p.toks[k].kind != Tok::Hole && k != x) s.used[k] = true;
  }
  // "cap the discount {x} at 30": the limit follows the capped value.
  if (hi == std::string::npos && lo == std::string::npos && s.word(x + 1, "at") &&
      s.has({"cap", "limit"})) {
    hi = capLimitAfter(s, x + 2);
    if (hi == std::string::npos) return std::nullopt;
    for (size_t k = x + 1; k <= hi; ++k)
      s.used[k] = true;
  }
  if (lo == std::string::npos && hi == std::string::npos) return std::nullopt;
  if (s.numbers().size() !=
      static_cast<size_t>((lo != std::string::npos) + (hi != std::string::npos)))
    return std::nullopt;
  s.used[x] = true;
  s.mark({"cap",    "capped",   "limit",   "limited",  "clamp",     "clamped",
          "range",  "but",      "and",     "to",       "reimburse", "reimbursed",
          "refund", "refunded", "approve", "approved", "allow",     "allowed",
          "grant",  "granted",  "award",   "awarded",  "pay",       "paid",
          "charge", "charged",  "at",      "it",       "between"});
  Json e = p.toks[x].expr;
  bool isInt = shareInt(p.toks[x]);
  if (lo != std::string::npos && hi != std::string::npos) {
    if (p.toks[lo].number > p.toks[hi].number) return std::nullopt;
    e = call("clamp", {e, shareExpr(p.toks[lo]), shareExpr(p.toks[hi])});
    isInt = isInt && p.toks[lo].isInt && p.toks[hi].isInt;
  } else {
    size_t l = hi != std::string::npos ? hi : lo;
    e = call(hi != std::string::npos ? "min" : "max", {e, shareExpr(p.toks[l])});
    isInt = isInt && p.toks[l].isInt;
  }
  return finishNumber(s, "clamp", e, isInt);
}

namespace {

bool namesTok(const Tok& t, const std::string& w) {
  return std::count(t.names.begin(), t.names.end(), w) > 0;
}

} // namespace

// "Annual revenue is {r} USD and there are {n} employees. What is the revenue per employee?":
// the question names one hole before "per" and the other after it, so it is r ÷ n.
std::optional<DeterministicTask> perUnitForm(const Prompt& p) {
  if (!isNumeric(p.result) || hasNonNumericHole(p)) return std::nullopt;
  Scan s(p);
  findRounding(s);
  std::vector<size_t> ops = shareOperands(s);
  if (ops.size() != 2 || p.toks[ops[0]].kind != Tok::Hole || p.toks[ops[1]].kind != Tok::Hole)
    return std::nullopt;
  size_t per = s.find({"per"});
  if (per == std::string::npos || per == 0 || s.find({"per"}, per + 1) != std::string::npos)
    return std::nullopt;
  if (p.toks[per - 1].kind != Tok::Word || per + 1 >= p.toks.size() ||
      p.toks[per + 1].kind != Tok::Word)
    return std::nullopt;
  const std::string &num = p.toks[per - 1].text, &den = p.toks[per + 1].text;
  // The denominator is named by its hole or counted by the word after it ("{n} employees").
  auto counts = [&](size_t h) {
    if (namesTok(p.toks[h], den)) return true;
    if (h + 1 >= p.toks.size() || p.toks[h + 1].kind != Tok::Word) return false;
    const std::string& w = p.toks[h + 1].text;
    return w == den || w == den + "s" || (w.size() > 1 && w.substr(0, w.size() - 1) == den);
  };
  size_t a = std::string::npos, b = std::string::npos;
  for (int k = 0; k < 2; ++k)
    if (namesTok(p.toks[ops[k]], num) && counts(ops[1 - k])) {
      if (a != std::string::npos) return std::nullopt;
      a = ops[k];
      b = ops[1 - k];
    }
  if (a == std::string::npos || (per >= 2 && s.word(per - 2, "not"))) return std::nullopt;
  s.used[a] = s.used[b] = s.used[per - 1] = s.used[per] = s.used[per + 1] = true;
  if (b + 1 < p.toks.size() && counts(b) && !namesTok(p.toks[b], den)) s.used[b + 1] = true;
  if (!markContextSentences(s, {a, b}, {per})) return std::nullopt;
  markShareEchoes(s);
  s.mark({"there", "are", "is", "in", "usd", "eur", "gbp", "dollars", "euros", "average"});
  return finishNumber(s, "arithmetic", op("/", p.toks[a].expr, p.toks[b].expr), false);
}

namespace {

// The period a word names: 'y' (year, annually, annual, yearly, annum), 'm' (month, monthly),
// 'w' (week, weekly), 'q' (quarter, quarterly), or 0.
char periodOf(const Tok& t) {
  if (t.kind != Tok::Word) return 0;
  static const std::pair<const char*, char> kWords[] = {
      {"year", 'y'},  {"years", 'y'},  {"annually", 'y'}, {"annual", 'y'},   {"yearly", 'y'},
      {"annum", 'y'}, {"month", 'm'},  {"months", 'm'},   {"monthly", 'm'},  {"week", 'w'},
      {"weeks", 'w'}, {"weekly", 'w'}, {"quarter", 'q'},  {"quarters", 'q'}, {"quarterly", 'q'}};
  for (const auto& [w, c] : kWords)
    if (t.text == w) return c;
  return 0;
}

} // namespace

// "{p} invested at {r}% a year, compounded annually, for {n} years", "{u} users growing 10% per
// month: how many after {m} months?": principal × (1 + r/100)^n, every period word the same.
std::optional<DeterministicTask> compoundForm(const Prompt& p) {
  if (!isNumeric(p.result) || hasNonNumericHole(p)) return std::nullopt;
  Scan s(p);
  if (!s.has({"compound", "compounded", "compounding", "growing", "grows", "grow", "growth"}))
    return std::nullopt;
  findRounding(s);
  std::vector<size_t> ops = shareOperands(s);
  if (ops.size() != 3) return std::nullopt;
  size_t rate = std::string::npos, periods = std::string::npos, principal = std::string::npos;
  for (size_t o : ops) {
    if (s.sym(o + 1, "%") && rate == std::string::npos)
      rate = o;
    else if (periodOf(p.toks[o + 1 < p.toks.size() ? o + 1 : o]) && shareInt(p.toks[o]) &&
             periods == std::string::npos)
      periods = o;
    else if (principal == std::string::npos)
      principal = o;
    else
      return std::nullopt;
  }
  if (rate == std::string::npos || periods == std::string::npos || principal == std::string::npos ||
      principal > rate)
    return std::nullopt;
  char unit = 0;
  for (const Tok& t : p.toks)
    if (char c = periodOf(t)) {
      if (unit && c != unit) return std::nullopt; // "5% a year compounded monthly"
      unit = c;
    }
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (periodOf(p.toks[i])) s.used[i] = true;
  s.used[rate] = s.used[rate + 1] = s.used[periods] = s.used[principal] = true;
  if (principal + 1 < p.toks.size() && p.toks[principal + 1].kind == Tok::Word &&
      !s.wordIn(principal + 1, {"at", "growing", "grows", "invested"}))
    s.used[principal + 1] = true; // "{u} users"
  s.mark({"compound", "compounded", "compounding", "growing", "grows", "grow", "growth",
          "invested", "invest",     "deposited",   "at",      "a",     "per",  "each",
          "every",    "for",        "after",       "final",   "value", "how",  "many",
          "much",     "will",       "there",       "be",      "by",    "then", "the",
          "end",      "of",         "interest",    "rate"});
  Json factor = op("+", lit(1, true), op("/", shareExpr(p.toks[rate]), lit(100, true)));
  Json e = op("*", shareExpr(p.toks[principal]), call("pow", {factor, p.toks[periods].expr}));
  return finishNumber(s, "compound", e, false);
}

} // namespace awc::passes::det
