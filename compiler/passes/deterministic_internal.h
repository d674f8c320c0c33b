// Private to the deterministic-task recogniser (deterministic*.cpp): the token stream of a
// prompt, the bookkeeping of which tokens a task form understood, and the form entry points.
#pragma once

#include "awc/ir/expr.h"
#include "awc/ir/graph.h"
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace awc::passes::det {

using Json = nlohmann::json;
using K = sema::Type::Kind;

/// One token of a user prompt. Numbers glued to letters or other numbers ("639-1", "v2",
/// "2026-03", "555-1234") are Opaque: text that merely contains digits, never a quantity.
struct Tok {
  enum Kind { Word, Number, Symbol, Hole, Opaque, Table } kind;
  std::string text; // lower-cased word, symbol, number spelling, raw opaque text
  double number = 0;
  bool isInt = false;
  Json expr;                        // Hole: the interpolated expression
  const sema::Type* type = nullptr; // Hole
  std::vector<std::string> names; // Hole/Table: words of its name ("order_total" → order, total)
  Json table;                     // Table: the constant's value (a record)
  std::string constName;          // Table
};

/// A user prompt as tokens, with the raw static text (for date patterns) and the step's type.
struct Prompt {
  std::vector<Tok> toks;
  std::string text; // static text, holes as "\x01"
  const sema::Type* result = nullptr;
};

/// The tokens of the step's user messages (the only place that reads ir::Node's prompt).
Prompt tokenize(const ir::Node& n);

bool isNumeric(const sema::Type* t);
bool isNumericList(const sema::Type* t);

/// Which tokens a form understood; leftovers decide whether the prompt said only that.
class Scan {
public:
  explicit Scan(const Prompt& p) : p(p), toks(p.toks), used(p.toks.size(), false) {}
  const Prompt& p;
  const std::vector<Tok>& toks;
  std::vector<bool> used;

  bool word(size_t i, const char* w) const {
    return i < toks.size() && toks[i].kind == Tok::Word && toks[i].text == w;
  }
  bool wordIn(size_t i, std::initializer_list<const char*> ws) const;
  bool sym(size_t i, const char* s) const {
    return i < toks.size() && toks[i].kind == Tok::Symbol && toks[i].text == s;
  }
  bool has(std::initializer_list<const char*> ws) const;
  /// Index of the first word among `ws`, or npos.
  size_t find(std::initializer_list<const char*> ws, size_t from = 0) const;
  /// Marks every occurrence of these words as understood.
  void mark(std::initializer_list<const char*> ws);
  std::vector<size_t> holes() const;
  std::vector<size_t> numbers() const;
  /// The content left over: words not boilerplate, unused numbers, holes and tables.
  std::vector<std::string> leftovers() const;
};

/// Marks the words of each statement sentence (ending . : ; or a line end) that holds one of
/// `ops`, as context ("The parcel weighs {w} kg."); false when such a sentence also says
/// something that changes the computation ("but", "unless", a fee, a tax, another number).
/// A sentence holding a token of `request` is the request itself, not context: it is skipped
/// ("Convert {x} km to miles and describe the route" keeps "describe the route").
bool markContextSentences(Scan& s, const std::vector<size_t>& ops,
                          const std::vector<size_t>& request = {});

/// Builds the task if nothing meaningful is left over; `typeOk` decides exact vs suggestion.
std::optional<DeterministicTask> finish(const Scan& s, const char* kind, Json expr, bool typeOk,
                                        std::string typeWhy, std::string ambiguity = {});

Json lit(double v, bool isInt);
Json op(const char* o, Json a, Json b);
Json call(const char* f, std::vector<Json> args);

/// "round to 2 decimals", "to the nearest cent": digits; marks the words it used.
std::optional<int> findRounding(Scan& s);
/// Wraps a float-valued expression in the rounding the prompt asks for, to the step's type.
std::optional<DeterministicTask> finishNumber(Scan& s, const char* kind, Json expr, bool isInt);

/// "with a 10% discount", "plus 20% VAT", "including 7% sales tax": one percentage that adjusts
/// the whole amount; marks its words. `at` is the percentage's operand token.
struct PercentAdjust {
  size_t at;
  Json factor; // 1 - p/100 or 1 + p/100
};
std::optional<PercentAdjust> percentAdjust(Scan& s);

// The task forms, tried in order by recognizeDeterministicTask. Each returns nullopt when the
// prompt is not (only) its task.
std::optional<DeterministicTask> formatForm(const Prompt& p);     // money, numbers
std::optional<DeterministicTask> currencyForm(const Prompt& p);   // with a given rate
std::optional<DeterministicTask> unitForm(const Prompt& p);       // convert(x, "km", "mi")
std::optional<DeterministicTask> dateForm(const Prompt& p);       // ± N days, between, formats
std::optional<DeterministicTask> listForm(const Prompt& p);       // sum, avg, min, count, sort
std::optional<DeterministicTask> compareForm(const Prompt& p);    // threshold → bool
std::optional<DeterministicTask> bandForm(const Prompt& p);       // thresholds → enum
std::optional<DeterministicTask> lookupForm(const Prompt& p);     // const table[hole]
std::optional<DeterministicTask> shareForm(const Prompt& p);      // pro rata, part of a whole
std::optional<DeterministicTask> splitForm(const Prompt& p);      // a total split evenly
std::optional<DeterministicTask> capForm(const Prompt& p);        // min/max/clamp by limits
std::optional<DeterministicTask> compoundForm(const Prompt& p);   // p × (1 + r/100)^n
std::optional<DeterministicTask> perUnitForm(const Prompt& p);    // "the revenue per employee"
std::optional<DeterministicTask> rateForm(const Prompt& p);       // {p} per night × {n} nights
std::optional<DeterministicTask> percentForm(const Prompt& p);    // increase by, what percent
std::optional<DeterministicTask> arithmeticForm(const Prompt& p); // + - * / and "8% of"
std::optional<DeterministicTask> roundForm(const Prompt& p);      // round(x, 2), ceil, floor
std::optional<DeterministicTask> verbForm(const Prompt& p);       // "add a and b"

} // namespace awc::passes::det
