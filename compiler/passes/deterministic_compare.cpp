// Decisions a model is asked to make by numbers alone: a value compared with a threshold
// (→ bool), bands by thresholds (→ an enum), and lookups in a constant table (a const record
// interpolated into the prompt, indexed by an enum or string hole).
#include "deterministic_internal.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <set>

namespace awc::passes::det {
namespace {

struct Phrase {
  std::vector<const char*> words;
  const char* op;
  bool postfix; // "5 or more": the threshold comes before the phrase
};

// Longest first, so "greater than or equal to" wins over "greater than".
const std::vector<Phrase>& phrases() {
  static const std::vector<Phrase> kPhrases = {
      {{"greater", "than", "or", "equal", "to"}, ">=", false},
      {{"more", "than", "or", "equal", "to"}, ">=", false},
      {{"less", "than", "or", "equal", "to"}, "<=", false},
      {{"in", "excess", "of"}, ">", false},
      {{"no", "less", "than"}, ">=", false},
      {{"not", "less", "than"}, ">=", false},
      {{"no", "fewer", "than"}, ">=", false},
      {{"no", "more", "than"}, "<=", false},
      {{"not", "more", "than"}, "<=", false},
      {{"no", "greater", "than"}, "<=", false},
      {{"equal", "to"}, "==", false},
      {{"at", "least"}, ">=", false},
      {{"at", "most"}, "<=", false},
      {{"up", "to"}, "<=", false},
      {{"or", "more"}, ">=", true},
      {{"or", "higher"}, ">=", true},
      {{"or", "above"}, ">=", true},
      {{"or", "greater"}, ">=", true},
      {{"or", "over"}, ">=", true},
      {{"or", "less"}, "<=", true},
      {{"or", "fewer"}, "<=", true},
      {{"or", "lower"}, "<=", true},
      {{"or", "below"}, "<=", true},
      {{"or", "under"}, "<=", true},
      {{"and", "above"}, ">=", true},
      {{"and", "up"}, ">=", true},
      {{"and", "over"}, ">=", true},
      {{"and", "higher"}, ">=", true},
      {{"and", "more"}, ">=", true},
      {{"and", "below"}, "<=", true},
      {{"and", "under"}, "<=", true},
      {{"and", "less"}, "<=", true},
      {{"greater", "than"}, ">", false},
      {{"more", "than"}, ">", false},
      {{"higher", "than"}, ">", false},
      {{"larger", "than"}, ">", false},
      {{"bigger", "than"}, ">", false},
      {{"longer", "than"}, ">", false},
      {{"shorter", "than"}, "<", false},
      {{"less", "than"}, "<", false},
      {{"lower", "than"}, "<", false},
      {{"smaller", "than"}, "<", false},
      {{"fewer", "than"}, "<", false},
      {{"over"}, ">", false},
      {{"above"}, ">", false},
      {{"exceed"}, ">", false},
      {{"exceeds"}, ">", false},
      {{"exceeding"}, ">", false},
      {{"beyond"}, ">", false},
      {{"within"}, "<=", false}, // "within a budget of {b}"
      {{"under"}, "<", false},
      {{"below"}, "<", false},
      {{"equals"}, "==", false},
      {{">="}, ">=", false},
      {{"<="}, "<=", false},
      {{">"}, ">", false},
      {{"<"}, "<", false},
      {{"=="}, "==", false},
      {{"+"}, ">=", true}, // "70+"
  };
  return kPhrases;
}

std::string lowerAscii(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool tokIs(const Tok& t, const char* w) {
  return (t.kind == Tok::Word || t.kind == Tok::Symbol) && t.text == w;
}

// The phrase starting at token i, if any.
const Phrase* phraseAt(const std::vector<Tok>& toks, size_t i) {
  for (const Phrase& ph : phrases()) {
    if (i + ph.words.size() > toks.size()) continue;
    bool ok = true;
    for (size_t k = 0; k < ph.words.size() && ok; ++k)
      ok = tokIs(toks[i + k], ph.words[k]);
    if (ok) return &ph;
  }
  return nullptr;
}

bool operand(const Tok& t) {
  return t.kind == Tok::Number || (t.kind == Tok::Hole && isNumeric(t.type));
}

// The operand next to a phrase, skipping currency symbols and articles.
size_t operandNear(const Scan& s, size_t from, int step) {
  for (size_t i = from; i < s.toks.size(); i += step) {
    if (operand(s.toks[i])) return i;
    bool namesHole =
        step > 0 && s.toks[i].kind == Tok::Word && i + 1 < s.toks.size() &&
        s.toks[i + 1].kind == Tok::Hole &&
        std::count(s.toks[i + 1].names.begin(), s.toks[i + 1].names.end(), s.toks[i].text);
    if (!(s.sym(i, "$") || s.sym(i, "€") || s.sym(i, "£") || s.wordIn(i, {"the", "a", "an"}) ||
          (step > 0 && s.word(i, "of") && i > from) || // "within a budget of {b}"
          (step > 0 && s.word(i + 1, "of") &&
           s.wordIn(i, {"budget", "limit", "threshold", "cap", "maximum", "minimum"})) ||
          namesHole))
      return std::string::npos;
  }
  return std::string::npos;
}

Json operandExpr(const Tok& t) {
  return t.kind == Tok::Number ? lit(t.number, t.isInt) : t.expr;
}

bool negated(const Scan& s) {
  for (const Tok& t : s.toks)
    if (t.kind == Tok::Word &&
        (t.text == "not" || t.text == "never" ||
         (t.text.size() > 3 && t.text.compare(t.text.size() - 3, 3, "n't") == 0)))
      return true;
  return false;
}

// "Is {amount_eur} over 500 US dollars?" compares across currencies: knowledge, not arithmetic.
bool mixesCurrencies(const Scan& s) {
  static const std::map<std::string, std::string> kCodes = {
      {"usd", "USD"},  {"dollar", "USD"}, {"dollars", "USD"}, {"$", "USD"},   {"eur", "EUR"},
      {"euro", "EUR"}, {"euros", "EUR"},  {"€", "EUR"},       {"gbp", "GBP"}, {"£", "GBP"},
      {"jpy", "JPY"},  {"yen", "JPY"},    {"¥", "JPY"},       {"chf", "CHF"}, {"inr", "INR"}};
  std::set<std::string> seen;
  for (const Tok& t : s.toks) {
    if (auto it = kCodes.find(t.text); it != kCodes.end() && t.kind != Tok::Hole)
      seen.insert(it->second);
    for (const std::string& n : t.names)
      if (auto it = kCodes.find(n); it != kCodes.end()) seen.insert(it->second);
  }
  return seen.size() > 1;
}

// Several subjects are one sum: holes joined by "plus" (or "+", "and"), with only labels and
// currencies between ("hotel {h} EUR plus per diem {d} EUR plus a flight of {f} EUR").
bool sumChain(Scan& s, const std::vector<size_t>& subjects) {
  if (subjects.size() == 1) return s.toks[subjects[0]].kind == Tok::Hole;
  for (size_t k = 0; k + 1 < subjects.size(); ++k) {
    if (s.toks[subjects[k]].kind != Tok::Hole || s.toks[subjects[k + 1]].kind != Tok::Hole)
      return false;
    int joins = 0;
    for (size_t i = subjects[k] + 1; i < subjects[k + 1]; ++i) {
      const Tok& t = s.toks[i];
      const auto& next = s.toks[subjects[k + 1]].names;
      if (t.kind == Tok::Word && std::count(next.begin(), next.end(), t.text)) continue;
      if (s.wordIn(i, {"plus", "and"}) || s.sym(i, "+")) {
        ++joins;
        s.used[i] = true;
      } else if (t.kind == Tok::Symbol ||
                 s.wordIn(i, {"per", "each", "minus", "less", "times", "x", "divided", "off",
                              "discount", "percent", "net", "excluding", "except", "without", "not",
                              "or", "over", "under", "than"})) {
        return false;
      }
    }
    if (joins != 1) return false;
  }
  return true;
}

// A statement that only gives a subject ("This comment has been reported {n} times.") is
// context: its words are understood when the question is a comparison of that subject.
void markStatements(Scan& s, const std::vector<size_t>& subjects, size_t threshold) {
  size_t from = 0;
  for (size_t i = 0; i < s.toks.size(); ++i) {
    bool stop = s.sym(i, ".") || s.sym(i, "?") || s.sym(i, "!") || s.sym(i, ":");
    if (!stop) continue;
    bool statement = s.sym(i, ".");
    bool ownsSubject = false, other = false;
    for (size_t j = from; j < i; ++j) {
      if (std::count(subjects.begin(), subjects.end(), j)) ownsSubject = true;
      if (j == threshold || phraseAt(s.toks, j) || s.toks[j].kind == Tok::Table ||
          s.toks[j].kind == Tok::Number || s.toks[j].kind == Tok::Opaque ||
          (s.toks[j].kind == Tok::Hole && !std::count(subjects.begin(), subjects.end(), j)))
        other = true;
    }
    if (statement && ownsSubject && !other)
      for (size_t j = from; j < i; ++j)
        if (s.toks[j].kind == Tok::Word) s.used[j] = true;
    from = i + 1;
  }
}

} // namespace

std::optional<DeterministicTask> compareForm(const Prompt& p) {
  if (p.result->kind() != K::Bool) return std::nullopt;
  Scan s(p);
  if (mixesCurrencies(s)) return std::nullopt;
  const Phrase* found = nullptr;
  size_t at = 0;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    const Phrase* ph = phraseAt(p.toks, i);
    if (!ph) continue;
    if (found) return std::nullopt; // two comparisons: a compound condition
    found = ph;
    at = i;
    i += ph->words.size() - 1;
  }
  if (!found) {
    // "between 10 and 20"
    size_t b = s.find({"between"});
    if (b == std::string::npos || !s.word(b + 2, "and")) return std::nullopt;
    size_t lo = operandNear(s, b + 1, 1), hi = operandNear(s, b + 3, 1);
    std::vector<size_t> hs = s.holes();
    if (lo != b + 1 || hi == std::string::npos || hs.size() < 1) return std::nullopt;
    size_t x = std::string::npos;
    for (size_t h : hs)
      if (h != lo && h != hi && operand(p.toks[h])) x = h;
    if (x == std::string::npos || negated(s)) return std::nullopt;
    for (size_t i = b; i <= hi; ++i)
      s.used[i] = true;
    s.used[x] = true;
    Json e = ir::expr::op("and", {op(">=", p.toks[x].expr, operandExpr(p.toks[lo])),
                                  op("<=", p.toks[x].expr, operandExpr(p.toks[hi]))});
    return finish(s, "compare", e, true, "",
                  "\"between\" may or may not include its ends (written here inclusive)");
  }
  // "not less than" is a phrase; any other negation flips the meaning: leave it to the author.
  size_t end = at + found->words.size();
  if (found->words[0] == std::string("not")) s.used[at] = true;
  if (negated(s) && !s.used[at]) return std::nullopt;
  size_t threshold = found->postfix ? (at > 0 ? operandNear(s, at - 1, -1) : std::string::npos)
                                    : operandNear(s, end, 1);
  if (threshold == std::string::npos) return std::nullopt;
  std::vector<size_t> subjects;
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (operand(p.toks[i]) && i != threshold) subjects.push_back(i);
  if (subjects.empty() || !sumChain(s, subjects)) return std::nullopt;
  for (size_t i = at; i < end; ++i)
    s.used[i] = true;
  s.used[threshold] = true;
  for (size_t i : subjects)
    s.used[i] = true;
  markStatements(s, subjects, threshold);
  s.mark({"is",     "does",   "did",       "has",     "have",    "it",      "value",
          "than",   "the",    "threshold", "limit",   "check",   "greater", "more",
          "above",  "exceed", "reached",   "reach",   "hit",     "dollars", "euros",
          "usd",    "eur",    "ms",        "seconds", "minutes", "hours",   "days",
          "points", "units",  "kg",        "km",      "percent", "that",    "budget"});
  Json subject = p.toks[subjects[0]].expr;
  for (size_t k = 1; k < subjects.size(); ++k)
    subject = op("+", subject, p.toks[subjects[k]].expr);
  Json e = op(found->op, subject, operandExpr(p.toks[threshold]));
  return finish(s, "compare", e, true, "");
}

namespace {

struct Band {
  double lo = -INFINITY, hi = INFINITY;
  bool loInc = false, hiInc = false;
  std::string member;
};

// The condition of one clause ("below 40", "40–70", "70+", "between 40 and 70", "over 70").
std::optional<Band> parseBand(Scan& s, size_t from, size_t to) {
  std::vector<size_t> nums;
  for (size_t i = from; i < to; ++i) {
    const Tok& t = s.toks[i];
    if (t.kind == Tok::Number) nums.push_back(i);
    if (t.kind == Tok::Opaque) { // "40-70" written without spaces
      size_t dash = t.text.find('-');
      if (dash == std::string::npos ||
          t.text.find_first_not_of("0123456789-.") != std::string::npos ||
          t.text.find('-', dash + 1) != std::string::npos)
        return std::nullopt;
      Band b;
      b.lo = std::stod(t.text.substr(0, dash));
      b.hi = std::stod(t.text.substr(dash + 1));
      b.loInc = b.hiInc = true;
      s.used[i] = true;
      if (!nums.empty()) return std::nullopt;
      return b;
    }
  }
  Band b;
  if (nums.size() == 2) {
    size_t mid = nums[0] + 1;
    if (!(s.sym(mid, "-") || s.sym(mid, "–") || s.wordIn(mid, {"to", "and", "through", "thru"})) ||
        nums[1] != mid + 1)
      return std::nullopt;
    b.lo = s.toks[nums[0]].number;
    b.hi = s.toks[nums[1]].number;
    b.loInc = b.hiInc = true;
    s.used[mid] = s.used[nums[0]] = s.used[nums[1]] = true;
    for (size_t i = from; i < nums[0]; ++i)
      if (s.wordIn(i, {"between", "from"})) s.used[i] = true;
    return b.lo < b.hi ? std::optional<Band>(b) : std::nullopt;
  }
  if (nums.size() != 1) return std::nullopt;
  double v = s.toks[nums[0]].number;
  for (size_t i = from; i < to; ++i) {
    const Phrase* ph = phraseAt(s.toks, i);
    bool fromWord = s.word(i, "from") && ph == nullptr;
    if (!ph && (!fromWord || i + 1 != nums[0])) continue;
    if (ph && (ph->postfix ? i != nums[0] + 1 : i + ph->words.size() != nums[0])) continue;
    std::string o = ph ? ph->op : ">=";
    if (o == "==") return std::nullopt;
    if (o[0] == '>') {
      b.lo = v;
      b.loInc = o == ">=";
    } else {
      b.hi = v;
      b.hiInc = o == "<=";
    }
    for (size_t k = i; k < i + (ph ? ph->words.size() : 1); ++k)
      s.used[k] = true;
    s.used[nums[0]] = true;
    return b;
  }
  return std::nullopt;
}

bool isSeparator(const Tok& t) {
  return t.kind == Tok::Symbol && (t.text == "," || t.text == ";" || t.text == "\n" ||
                                   t.text == "." || t.text == "|" || t.text == ")");
}

} // namespace

std::optional<DeterministicTask> bandForm(const Prompt& p) {
  if (p.result->kind() != K::Enum) return std::nullopt;
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 1 || !isNumeric(p.toks[hs[0]].type)) return std::nullopt;
  const Tok& x = p.toks[hs[0]];
  std::vector<Band> bands;
  size_t start = 0;
  for (size_t i = 0; i <= p.toks.size(); ++i) {
    if (i < p.toks.size() && !isSeparator(p.toks[i])) continue;
    size_t member = std::string::npos;
    for (size_t k = start; k < i; ++k)
      for (const std::string& m : p.result->members())
        if (p.toks[k].kind == Tok::Word && p.toks[k].text == lowerAscii(m)) {
          if (member != std::string::npos) return std::nullopt;
          member = k;
        }
    if (member != std::string::npos) {
      auto b = parseBand(s, start, i);
      if (!b) return std::nullopt;
      s.used[member] = true;
      for (const std::string& m : p.result->members())
        if (lowerAscii(m) == p.toks[member].text) b->member = m;
      bands.push_back(*b);
    }
    start = i + 1;
  }
  if (bands.size() < 2) return std::nullopt;
  std::sort(bands.begin(), bands.end(), [](const Band& a, const Band& b) { return a.lo < b.lo; });
  bool intHole = x.type->kind() == K::Int, covered = true, shared = false;
  for (size_t i = 0; i + 1 < bands.size(); ++i) {
    Band &a = bands[i], &b = bands[i + 1];
    if (a.member == b.member) return std::nullopt;
    if (a.hi == b.lo && a.hiInc && b.loInc) { // "25 to 50, 50 to 75": 50 goes up
      a.hiInc = false;
      shared = true;
    }
    if (a.hi > b.lo) return std::nullopt; // overlap
    bool touch = a.hi == b.lo ||
                 (intHole && a.hiInc && b.loInc && a.hi + 1 == b.lo && std::floor(a.hi) == a.hi);
    covered = covered && touch;
  }
  bool open = std::isinf(bands.front().lo) && std::isinf(bands.back().hi);
  Json e = ir::expr::lit(bands.back().member);
  for (size_t i = bands.size() - 1; i-- > 0;) {
    const Band& b = bands[i];
    Json limit = lit(b.hi, std::floor(b.hi) == b.hi);
    e = ir::expr::ifElse(op(b.hiInc ? "<=" : "<", x.expr, limit), ir::expr::lit(b.member), e);
  }
  s.used[hs[0]] = true;
  markStatements(s, {hs[0]}, std::string::npos); // "The company has {n} employees."
  s.mark({"classify",  "categorize", "categorise", "bucket", "band",  "tier",     "level",
          "label",     "assign",     "map",        "rate",   "grade", "category", "put",
          "into",      "if",         "when",       "means",  "is",    "->",       "=",
          "otherwise", "else",       "inclusive",  "based",  "band",  "bands",    "rule",
          "rules",     "use",        "using",      "letter", "grade"});
  for (size_t i = 0; i < p.toks.size(); ++i)
    if (p.toks[i].kind == Tok::Word && p.toks[i].text == lowerAscii(p.result->str()))
      s.used[i] = true; // "Size for {n}" on a Size step
  std::string why;
  if (shared)
    why = "two bands share an end point: the rewrite puts it in the higher band";
  else if (!covered)
    why = "the bands leave gaps between them: check which band a value in a gap belongs to";
  else if (!open)
    why = "the bands do not cover every value: the rewrite extends the first and last bands";
  return finish(s, "bands", e, true, "", why);
}

std::optional<DeterministicTask> lookupForm(const Prompt& p) {
  Scan s(p);
  size_t table = std::string::npos, key = std::string::npos;
  for (size_t i = 0; i < p.toks.size(); ++i) {
    const Tok& t = p.toks[i];
    if (t.kind == Tok::Table) {
      if (table != std::string::npos) return std::nullopt;
      table = i;
    } else if (t.kind == Tok::Hole) {
      if (key != std::string::npos) return std::nullopt;
      key = i;
    }
  }
  if (table == std::string::npos || key == std::string::npos) return std::nullopt;
  const sema::Type* kt = p.toks[key].type;
  if (!kt || (kt->kind() != K::Enum && kt->kind() != K::String)) return std::nullopt;
  // A free-text key must read as one: "rate for {country}", not "answer {q}".
  size_t before = key;
  while (before > 0 && (s.word(before - 1, "the") ||
                        (p.toks[before - 1].kind == Tok::Word &&
                         std::count(p.toks[key].names.begin(), p.toks[key].names.end(),
                                    p.toks[before - 1].text))))
    --before;
  if (kt->kind() == K::String && !s.wordIn(before - 1, {"for", "of", "to", "does", "is", "in"}))
    return std::nullopt;
  const Json& rec = p.toks[table].table;
  K r = p.result->kind();
  for (const auto& [k, v] : rec.items()) {
    bool ok = (r == K::Int && v.is_number_integer()) || (r == K::Float && v.is_number()) ||
              (r == K::String && v.is_string()) || (r == K::Bool && v.is_boolean());
    if (r == K::Enum)
      ok = v.is_string() &&
           std::count(p.result->members().begin(), p.result->members().end(), v.get<std::string>());
    if (!ok) return std::nullopt;
  }
  std::vector<std::string> keys;
  if (kt->kind() == K::Enum) {
    for (const std::string& m : kt->members())
      if (!rec.contains(m)) return std::nullopt; // the table misses a case
    keys = kt->members();
  } else {
    for (const auto& [k, v] : rec.items())
      keys.push_back(k);
  }
  auto valueLit = [&](const Json& v) {
    return r == K::Float ? ir::expr::lit(v.get<double>()) : ir::expr::lit(v);
  };
  Json e = valueLit(rec[keys.back()]);
  for (size_t i = keys.size() - 1; i-- > 0;)
    e = ir::expr::ifElse(op("==", p.toks[key].expr, ir::expr::lit(keys[i])), valueLit(rec[keys[i]]),
                         e);
  s.used[table] = s.used[key] = true;
  s.mark({"look",      "up",          "lookup",     "table",         "map",        "mapping",
          "according", "using",       "based",      "corresponding", "listed",     "per",
          "rate",      "rates",       "which",      "applies",       "applicable", "use",
          "see",       "reference",   "for",        "matching",      "match",      "entry",
          "key",       "corresponds", "correspond", "include",       "includes",   "get",
          "gets",      "goes",        "belongs"});
  std::string why;
  if (kt->kind() == K::String)
    why = "the key is free text: a key outside the table gets the last entry here, while the "
          "model would improvise";
  return finish(s, "lookup", e, true, "", why);
}

} // namespace awc::passes::det
