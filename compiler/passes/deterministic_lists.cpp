// Work over one list asked of a model: sum, average, smallest/largest, counting (distinct too)
// and sorting; and the larger/smaller of two numbers.
#include "deterministic_internal.h"

#include <algorithm>

namespace awc::passes::det {
namespace {

bool elemIs(const sema::Type* list, K k) {
  return list->element() && list->element()->kind() == k;
}

std::optional<DeterministicTask> pairForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() != 2 || !isNumeric(p.toks[hs[0]].type) || !isNumeric(p.toks[hs[1]].type))
    return std::nullopt;
  bool big = s.has({"larger", "largest", "bigger", "higher", "greater", "max", "maximum"});
  bool small = s.has({"smaller", "smallest", "lower", "lesser", "min", "minimum"});
  if (big == small || !s.wordIn(hs[0] + 1, {"and", "or"}) || hs[1] != hs[0] + 2)
    return std::nullopt;
  s.used[hs[0]] = s.used[hs[1]] = s.used[hs[0] + 1] = true;
  s.mark({"larger", "largest", "bigger", "higher", "greater", "max", "maximum", "smaller",
          "smallest", "lower", "lesser", "min", "minimum", "which", "one", "two"});
  bool ints = p.toks[hs[0]].type->kind() == K::Int && p.toks[hs[1]].type->kind() == K::Int;
  Json e = call(big ? "max" : "min", {p.toks[hs[0]].expr, p.toks[hs[1]].expr});
  return finishNumber(s, "minmax", e, ints);
}

// "How many of these are true: {flags}?": the flags equal to the value named after "many".
std::optional<DeterministicTask> countFlagsForm(const Prompt& p, size_t list) {
  Scan s(p);
  size_t many = s.find({"many"});
  size_t value = many == std::string::npos ? many : s.find({"true", "false", "yes", "no"}, many);
  if (value == std::string::npos || value > many + 5) return std::nullopt;
  // Only "of these", "of them", "are", "is" may stand between: "how many are not true" is not.
  for (size_t i = many + 1; i < value; ++i)
    if (!s.wordIn(i, {"of", "these", "them", "those", "the", "flags", "values", "are", "is", "were",
                      "set", "to"}))
      return std::nullopt;
  bool truth = s.wordIn(value, {"true", "yes"});
  // "one per expense line": what each flag stands for.
  for (size_t i = 1; i + 1 < p.toks.size(); ++i)
    if (s.word(i, "per") && s.wordIn(i - 1, {"one", "each"}))
      for (size_t j = i + 1; j < std::min(i + 3, p.toks.size()) && p.toks[j].kind == Tok::Word; ++j)
        s.used[j] = true;
  s.used[list] = s.used[value] = true;
  for (size_t i = many; i < value; ++i)
    s.used[i] = true;
  s.mark({"count", "how", "list", "flags", "flag", "true", "false", "one", "per", "line", "lines",
          "here", "is", "a", "booleans", "boolean"});
  return finish(s, "count", call("count", {p.toks[list].expr, ir::expr::lit(truth)}),
                p.result->kind() == K::Int, "the step's result is not an int");
}

// "sort {xs} from largest to smallest", "{names} in alphabetical order".
std::optional<DeterministicTask> sortForm(const Scan& scan, const Tok& list, bool numeric) {
  const Prompt& p = scan.p;
  Scan s = scan;
  // "from smallest to largest" is ascending: the first extreme named decides.
  size_t big = s.find({"largest", "highest", "biggest", "high", "descending", "decreasing"});
  size_t small = s.find({"smallest", "lowest", "low", "ascending", "increasing"});
  bool desc = big < small;
  s.mark({"sort", "sorted", "order", "ascending", "descending", "increasing", "decreasing",
          "largest", "highest", "biggest", "smallest", "lowest", "first", "last", "low", "high",
          "alphabetically", "alphabetical", "a-z"});
  bool typeOk = sema::isAssignable(list.type, p.result) && list.type->element() &&
                (numeric || elemIs(list.type, K::String));
  return finish(s, "sort", call(desc ? "sort_desc" : "sort", {list.expr}), typeOk,
                "the step's result type differs from the list's");
}

} // namespace

std::optional<DeterministicTask> listForm(const Prompt& p) {
  Scan s(p);
  std::vector<size_t> hs = s.holes();
  if (hs.size() == 2) return pairForm(p);
  if (hs.size() != 1 || !p.toks[hs[0]].type || p.toks[hs[0]].type->kind() != K::List)
    return std::nullopt;
  const Tok& list = p.toks[hs[0]];
  s.used[hs[0]] = true;
  bool numeric = isNumericList(list.type);
  K r = p.result->kind();
  if (s.has({"sort", "sorted", "order"}) && !s.has({"count", "many", "sum", "total"})) {
    if (auto t = sortForm(s, list, numeric)) return t;
    // "Average order value of {xs}": "order" was a noun; the aggregates read the prompt afresh.
  }
  bool count = s.has({"count", "many", "length"}) ||
               (s.find({"number"}) != std::string::npos && s.word(s.find({"number"}) + 1, "of"));
  bool distinct = s.has({"distinct", "unique", "different"});
  if (count && numeric && s.has({"total", "altogether", "combined"}) && s.has({"many"})) {
    s.mark({"many", "total", "altogether", "combined", "in", "is", "that"});
    return finish(s, "sum", call("sum", {list.expr}), isNumeric(p.result), "",
                  "\"how many … in total\" over a list of numbers may mean their sum or how many "
                  "there are");
  }
  if (count && elemIs(list.type, K::Bool)) return countFlagsForm(p, hs[0]);
  if (count && !(numeric && s.has({"total", "altogether", "combined", "sum"}))) {
    s.mark({"count", "many", "length", "distinct", "unique", "different", "are", "there", "number",
            "contain", "contains", "has", "have", "elements", "entries", "in", "size"});
    Json e = call("len", {distinct ? call("unique", {list.expr}) : list.expr});
    return finish(s, "count", e, r == K::Int, "the step's result is not an int");
  }
  if (!numeric || count) return std::nullopt;
  bool ints = elemIs(list.type, K::Int);
  struct Agg {
    std::initializer_list<const char*> words;
    const char* fn;
    bool keepsType;
  };
  static const Agg kAggs[] = {
      {{"average", "mean", "avg"}, "avg", false},
      {{"sum", "add", "total", "combined", "altogether"}, "sum", true},
      {{"minimum", "min", "smallest", "lowest", "least"}, "min_of", true},
      {{"maximum", "max", "largest", "highest", "biggest", "greatest", "peak"}, "max_of", true},
  };
  const Agg* found = nullptr;
  for (const Agg& a : kAggs)
    if (s.has(a.words)) {
      if (found) return std::nullopt; // "the sum and the average": two answers
      found = &a;
    }
  if (!found) return std::nullopt;
  s.mark(found->words);
  s.mark({"up", "together", "of", "in", "across", "over", "arithmetic"});
  // "in EUR": the one currency the values are in, not a conversion (no rate, no second one).
  for (size_t i = 1; i < p.toks.size(); ++i)
    if (s.word(i - 1, "in") && s.wordIn(i, {"eur", "usd", "gbp", "euros", "dollars"}))
      s.used[i] = true;
  return finishNumber(s, found->fn == std::string("sum") ? "sum" : found->fn,
                      call(found->fn, {list.expr}), found->keepsType && ints);
}

} // namespace awc::passes::det
