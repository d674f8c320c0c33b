// Recognises deterministic tasks in model prompts. The algorithm:
//  1. Turn the user message into tokens: lower-cased words, numbers, symbols, and holes
//     (interpolated values, with their types).
//  2. Pull out the parts every such prompt has — a lead ("what is", "calculate"), a rounding
//     instruction ("round to 2 decimals") and reply boilerplate ("reply with the number only").
//  3. Try each task form in turn: an arithmetic expression over numeric holes and numbers
//     (with + - * / and their words, and percentages: "8% of x", "x plus 8% tax", "8% tax on
//     x minus a discount of d"); a sum, count or sort of a list hole; a unit conversion; money
//     formatting. Date arithmetic and JSON field picking are recognised but only flagged.
//  4. The rewrite is exact when every word of the prompt was understood and the rewrite's
//     type matches the step's result type; otherwise it is a suggestion with a reason.
#include "awc/passes/deterministic.h"

#include "awc/ir/expr.h"
#include "awc/sema/type.h"
#include "awc/stdlib/value.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <set>

namespace awc::passes {
namespace {

using Json = nlohmann::json;
using K = sema::Type::Kind;

struct Tok {
  enum Kind { Word, Number, Symbol, Hole } kind;
  std::string text; // word, symbol, or number spelling
  double number = 0;
  bool isInt = false;
  Json expr;                        // Hole
  const sema::Type* type = nullptr; // Hole
};

std::vector<Tok> tokenize(const ir::Node& n) {
  std::vector<Tok> toks;
  for (const auto& m : n.llm().messages) {
    if (m.role != "user") continue;
    for (const auto& s : m.segments) {
      if (!s.isStatic) {
        Json inner = ir::expr::View(s.expr).unwrapText().json();
        toks.push_back({Tok::Hole, "", 0, false, inner, s.type});
        continue;
      }
      const std::string& t = s.text;
      for (size_t i = 0; i < t.size();) {
        unsigned char c = t[i];
        if (std::isspace(c)) {
          ++i;
        } else if (std::isdigit(c) || (c == '.' && i + 1 < t.size() &&
                                       std::isdigit(static_cast<unsigned char>(t[i + 1])))) {
          size_t j = i;
          bool dot = false;
          while (j < t.size() && (std::isdigit(static_cast<unsigned char>(t[j])) || t[j] == ',' ||
                                  (t[j] == '.' && !dot && j + 1 < t.size() &&
                                   std::isdigit(static_cast<unsigned char>(t[j + 1]))))) {
            if (t[j] == '.') dot = true;
            ++j;
          }
          std::string digits;
          for (size_t k = i; k < j; ++k)
            if (t[k] != ',') digits += t[k];
          toks.push_back(
              {Tok::Number, digits, std::strtod(digits.c_str(), nullptr), !dot, nullptr, nullptr});
          i = j;
        } else if (std::isalpha(c) || c >= 0x80) {
          size_t j = i;
          while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '\'' ||
                                  t[j] == '-' || static_cast<unsigned char>(t[j]) >= 0x80))
            ++j;
          std::string w = t.substr(i, j - i);
          std::transform(w.begin(), w.end(), w.begin(),
                         [](unsigned char ch) { return std::tolower(ch); });
          if (w == "×")
            toks.push_back({Tok::Symbol, "*", 0, false, nullptr, nullptr});
          else
            toks.push_back({Tok::Word, w, 0, false, nullptr, nullptr});
          i = j;
        } else {
          toks.push_back(
              {Tok::Symbol, std::string(1, static_cast<char>(c)), 0, false, nullptr, nullptr});
          ++i;
        }
      }
    }
  }
  return toks;
}

bool numericType(const sema::Type* t) {
  return t && (t->kind() == K::Int || t->kind() == K::Float);
}
bool numericList(const sema::Type* t) {
  return t && t->kind() == K::List && numericType(t->element());
}

Json lit(double v, bool isInt) {
  return isInt ? ir::expr::lit(static_cast<int64_t>(v)) : ir::expr::lit(v);
}
Json op(const char* o, Json a, Json b) {
  return ir::expr::op(o, {std::move(a), std::move(b)});
}
Json call(const char* f, std::vector<Json> args) {
  return ir::expr::call(f, std::move(args));
}

/// A typed native expression under construction.
struct Value {
  Json expr;
  bool isInt = false;
};

// Recursive-descent parser over the tokens for arithmetic requests. `used[i]` marks tokens
// it understood, so leftover words can be judged afterwards.
class ArithParser {
public:
  ArithParser(const std::vector<Tok>& toks, std::vector<bool>& used) : t_(toks), used_(used) {}

  std::optional<Value> parseFrom(size_t start) {
    pos_ = start;
    auto v = sum();
    if (!v) return std::nullopt;
    end_ = pos_;
    return v;
  }
  size_t end() const { return end_; }
  int operators() const { return operators_; }

private:
  bool word(const char* w) const {
    return pos_ < t_.size() && t_[pos_].kind == Tok::Word && t_[pos_].text == w;
  }
  bool sym(const char* s) const {
    return pos_ < t_.size() && t_[pos_].kind == Tok::Symbol && t_[pos_].text == s;
  }
  void take() { used_[pos_++] = true; }
  bool takeWord(const char* w) {
    if (!word(w)) return false;
    take();
    return true;
  }
  void skipNoise() {
    while (word("a") || word("an") || word("the"))
      take();
    if (word("discount") || word("tax") || word("fee") || word("shipping")) {
      size_t save = pos_;
      take();
      if (!takeWord("of")) {
        for (size_t i = save; i < pos_; ++i)
          used_[i] = false;
        pos_ = save;
      }
    }
  }

  // percentage := value '%' ('tax'|'discount'|...)? ('of'|'on') sum
  std::optional<Value> operand() {
    skipNoise();
    if (pos_ >= t_.size()) return std::nullopt;
    if (sym("(")) {
      take();
      auto v = sum();
      if (!v || !sym(")")) return std::nullopt;
      take();
      return v;
    }
    Value v;
    const Tok& tok = t_[pos_];
    if (tok.kind == Tok::Number) {
      v = {lit(tok.number, tok.isInt), tok.isInt};
    } else if (tok.kind == Tok::Hole && numericType(tok.type)) {
      v = {tok.expr, tok.type->kind() == K::Int};
    } else {
      return std::nullopt;
    }
    take();
    if (sym("%")) {
      take();
      if (word("tax") || word("discount") || word("vat") || word("interest")) take();
      if (!(word("of") || word("on"))) return std::nullopt;
      take();
      auto base = sum();
      if (!base) return std::nullopt;
      ++operators_;
      return Value{op("/", op("*", base->expr, v.expr), lit(100, true)), false};
    }
    return v;
  }

  std::optional<Value> product() {
    auto lhs = operand();
    if (!lhs) return std::nullopt;
    while (pos_ < t_.size()) {
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
        if (!takeWord("by")) return std::nullopt;
      } else {
        break;
      }
      auto rhs = operand();
      if (!rhs) return std::nullopt;
      ++operators_;
      bool isInt = lhs->isInt && rhs->isInt && std::string(o) == "*";
      lhs = Value{op(o, lhs->expr, rhs->expr), isInt};
    }
    return lhs;
  }

  std::optional<Value> sum() {
    auto lhs = product();
    if (!lhs) return std::nullopt;
    while (pos_ < t_.size()) {
      const char* o = nullptr;
      if (sym("+") || word("plus"))
        o = "+";
      else if (sym("-") || word("minus") || word("less"))
        o = "-";
      else
        break;
      size_t save = pos_;
      take();
      // "x plus 8% tax" / "x minus 5% discount": a percentage of x itself.
      skipNoise();
      if (pos_ + 1 < t_.size() &&
          (t_[pos_].kind == Tok::Number ||
           (t_[pos_].kind == Tok::Hole && numericType(t_[pos_].type))) &&
          t_[pos_ + 1].kind == Tok::Symbol && t_[pos_ + 1].text == "%" &&
          !(pos_ + 2 < t_.size() && t_[pos_ + 2].kind == Tok::Word &&
            (t_[pos_ + 2].text == "of" || t_[pos_ + 2].text == "on"))) {
        Json pct =
            t_[pos_].kind == Tok::Number ? lit(t_[pos_].number, t_[pos_].isInt) : t_[pos_].expr;
        take();
        take();
        if (word("tax") || word("discount") || word("vat") || word("off") || word("fee")) take();
        ++operators_;
        Json factor = op(o, lit(1, true), op("/", pct, lit(100, true)));
        lhs = Value{op("*", lhs->expr, factor), false};
        continue;
      }
      auto rhs = product();
      if (!rhs) {
        pos_ = save;
        break;
      }
      ++operators_;
      lhs = Value{op(o, lhs->expr, rhs->expr), lhs->isInt && rhs->isInt};
    }
    return lhs;
  }

  const std::vector<Tok>& t_;
  std::vector<bool>& used_;
  size_t pos_ = 0, end_ = 0;
  int operators_ = 0;
};

const std::set<std::string>& boilerplate() {
  static const std::set<std::string> words = {
      "what",      "is",        "what's",    "whats",       "calculate", "compute", "how",
      "much",      "work",      "out",       "give",        "me",        "please",  "reply",
      "respond",   "answer",    "return",    "with",        "the",       "number",  "only",
      "just",      "and",       "result",    "a",           "single",    "value",   "numeric",
      "no",        "other",     "text",      "explanation", "digits",    "as",      "output",
      "nothing",   "else",      "it",        "round",       "rounded",   "to",      "decimal",
      "decimals",  "places",    "place",     "nearest",     "whole",     "integer", "cent",
      "cents",     "two",       "one",       "zero",        "three",     "four",    "then",
      "amount",    "final",     "exact",     "exactly",     "your",      "in",      "of",
      "these",     "this",      "following", "total",       "sum",       "add",     "up",
      "amounts",   "numbers",   "values",    "that",        "be",        "should",  "must",
      "format",    "formatted", "like",      "for",         "example",   "e",       "g",
      "separator", "thousands", "us",        "dollars",     "usd",       "dollar",  "currency",
      "money"};
  return words;
}

// "round to 2 decimals", "rounded to two decimal places", "to the nearest whole number".
std::optional<int> findRounding(const std::vector<Tok>& toks, std::vector<bool>& used) {
  static const std::map<std::string, int> spelled = {
      {"zero", 0}, {"one", 1}, {"two", 2}, {"three", 3}, {"four", 4}};
  for (size_t i = 0; i + 2 < toks.size(); ++i) {
    if (toks[i].kind != Tok::Word || (toks[i].text != "round" && toks[i].text != "rounded"))
      continue;
    size_t j = i + 1;
    if (j < toks.size() && toks[j].kind == Tok::Word && toks[j].text == "it") ++j;
    if (j >= toks.size() || toks[j].kind != Tok::Word || toks[j].text != "to") continue;
    ++j;
    if (j < toks.size() && toks[j].kind == Tok::Number && toks[j].isInt) {
      used[j] = true;
      return static_cast<int>(toks[j].number);
    }
    if (j < toks.size() && toks[j].kind == Tok::Word && spelled.count(toks[j].text))
      return spelled.at(toks[j].text);
    if (j < toks.size() && toks[j].kind == Tok::Word &&
        (toks[j].text == "the" || toks[j].text == "nearest")) {
      for (size_t k = j; k < std::min(toks.size(), j + 4); ++k)
        if (toks[k].kind == Tok::Word && (toks[k].text == "cent" || toks[k].text == "cents"))
          return 2;
      return 0;
    }
  }
  return std::nullopt;
}

// Judges what the parser did not consume: only boilerplate may remain.
std::vector<std::string> leftovers(const std::vector<Tok>& toks, const std::vector<bool>& used) {
  std::vector<std::string> out;
  for (size_t i = 0; i < toks.size(); ++i) {
    if (used[i]) continue;
    const Tok& t = toks[i];
    if (t.kind == Tok::Symbol) continue;
    if (t.kind == Tok::Word && boilerplate().count(t.text)) continue;
    out.push_back(t.kind == Tok::Hole ? "{" + exprToFlow(t.expr) + "}" : t.text);
  }
  return out;
}

bool hasWord(const std::vector<Tok>& toks, std::initializer_list<const char*> words) {
  for (const Tok& t : toks)
    if (t.kind == Tok::Word)
      for (const char* w : words)
        if (t.text == w) return true;
  return false;
}

std::vector<size_t> holes(const std::vector<Tok>& toks) {
  std::vector<size_t> out;
  for (size_t i = 0; i < toks.size(); ++i)
    if (toks[i].kind == Tok::Hole) out.push_back(i);
  return out;
}

const char* unitCode(const std::string& w) {
  static const std::map<std::string, const char*> units = {
      {"km", "km"},       {"kilometers", "km"}, {"kilometres", "km"}, {"mi", "mi"},
      {"miles", "mi"},    {"mile", "mi"},       {"m", "m"},           {"meters", "m"},
      {"metres", "m"},    {"ft", "ft"},         {"feet", "ft"},       {"in", "in"},
      {"inches", "in"},   {"kg", "kg"},         {"kilograms", "kg"},  {"lb", "lb"},
      {"lbs", "lb"},      {"pounds", "lb"},     {"g", "g"},           {"grams", "g"},
      {"oz", "oz"},       {"ounces", "oz"},     {"celsius", "C"},     {"fahrenheit", "F"},
      {"kelvin", "K"},    {"l", "l"},           {"liters", "l"},      {"litres", "l"},
      {"gallons", "gal"}, {"gal", "gal"},       {"ml", "ml"}};
  auto it = units.find(w);
  return it == units.end() ? nullptr : it->second;
}

} // namespace

std::string exprToFlow(const Json& json) {
  using ir::expr::Kind;
  ir::expr::View e(json);
  switch (e.kind()) {
  case Kind::Lit: {
    const Json& v = e.literal();
    if (v.is_string()) return v.dump();
    if (v.is_number_float()) return stdlib::formatFloat(v.get<double>());
    return v.dump();
  }
  case Kind::Ref: {
    const std::string& r = e.name();
    return r.rfind("input.", 0) == 0 ? r.substr(6) : r;
  }
  case Kind::Field:
    return exprToFlow(e.of().json()) + "." + e.name();
  case Kind::Index:
    return exprToFlow(e.of().json()) + "[" + exprToFlow(e.index().json()) + "]";
  case Kind::Call: {
    std::string args;
    for (size_t i = 0; i < e.size(); ++i)
      args += (args.empty() ? "" : ", ") + exprToFlow(e[i].json());
    return e.name() + "(" + args + ")";
  }
  case Kind::Op: {
    auto wrap = [](ir::expr::View x) {
      std::string s = exprToFlow(x.json());
      return x.is(Kind::Op) ? "(" + s + ")" : s;
    };
    if (e.size() == 1) return (e.name() == "neg" ? "-" : "not ") + wrap(e[0]);
    return wrap(e[0]) + " " + e.name() + " " + wrap(e[1]);
  }
  case Kind::Text: {
    std::string s = "\"";
    for (size_t i = 0; i < e.size(); ++i) {
      const std::string* lit = e[i].literalString();
      s += lit ? *lit : "{" + exprToFlow(e[i].json()) + "}";
    }
    return s + "\"";
  }
  default:
    return "…";
  }
}

std::optional<DeterministicTask> recognizeDeterministicTask(const ir::Node& n) {
  if (n.kind() != ir::NodeKind::Llm || !n.llm().fused.empty() || !n.type) return std::nullopt;
  std::vector<Tok> toks = tokenize(n);
  if (toks.empty()) return std::nullopt;
  std::vector<bool> used(toks.size(), false);
  const sema::Type* result = n.type;
  auto finish = [&](DeterministicTask task, bool typeOk, const char* typeWhy) -> DeterministicTask {
    std::vector<std::string> rest = leftovers(toks, used);
    task.rewrite = exprToFlow(task.expr);
    if (!typeOk) {
      task.why = typeWhy;
    } else if (!rest.empty()) {
      std::string words;
      for (size_t i = 0; i < rest.size() && i < 4; ++i)
        words += (i ? " " : "") + rest[i];
      task.why = fmt::format("the prompt says more than the computation (\"{}\")", words);
    } else {
      task.exact = true;
    }
    return task;
  };

  // Money formatting: "Format {total} as US dollars".
  std::vector<size_t> hs = holes(toks);
  if (hasWord(toks, {"format", "formatted"}) &&
      hasWord(toks, {"dollars", "usd", "dollar", "currency", "money"}) && hs.size() == 1 &&
      numericType(toks[hs[0]].type)) {
    used[hs[0]] = true;
    for (size_t i = 0; i < toks.size(); ++i)
      if (toks[i].kind == Tok::Number || (toks[i].kind == Tok::Symbol))
        used[i] = true; // the "$1,234.50" example
    DeterministicTask task{"format", call("format_money", {toks[hs[0]].expr}), "", false, ""};
    return finish(task, result->kind() == K::String, "the step's result is not a string");
  }

  // Unit conversion: "convert {x} km to miles".
  if (hasWord(toks, {"convert"}) && hs.size() == 1 && numericType(toks[hs[0]].type)) {
    const char* from = nullptr;
    const char* to = nullptr;
    for (size_t i = 0; i < toks.size(); ++i) {
      if (toks[i].kind != Tok::Word) continue;
      if (const char* u = unitCode(toks[i].text)) {
        if (!from && i > hs[0]) {
          from = u;
          used[i] = true;
        } else if (from && !to && i > 0 && toks[i - 1].kind == Tok::Word &&
                   toks[i - 1].text == "to") {
          to = u;
          used[i] = true;
        }
      }
    }
    if (from && to) {
      used[hs[0]] = true;
      for (size_t i = 0; i < toks.size(); ++i)
        if (toks[i].kind == Tok::Word && toks[i].text == "convert") used[i] = true;
      DeterministicTask task{
          "convert", call("convert", {toks[hs[0]].expr, ir::expr::lit(from), ir::expr::lit(to)}),
          "", false, ""};
      return finish(task, result->kind() == K::Float, "the step's result is not a float");
    }
  }

  // A list hole: sum, count or sort.
  if (hs.size() == 1 && toks[hs[0]].type && toks[hs[0]].type->kind() == K::List) {
    const Tok& list = toks[hs[0]];
    used[hs[0]] = true;
    if (hasWord(toks, {"sort", "sorted", "order"})) {
      bool desc = hasWord(toks, {"descending", "largest", "highest", "decreasing"});
      for (size_t i = 0; i < toks.size(); ++i)
        if (toks[i].kind == Tok::Word &&
            (toks[i].text == "sort" || toks[i].text == "sorted" || toks[i].text == "ascending" ||
             toks[i].text == "descending" || toks[i].text == "order"))
          used[i] = true;
      DeterministicTask task{"sort", call(desc ? "sort_desc" : "sort", {list.expr}), "", false, ""};
      return finish(task, sema::isAssignable(list.type, result),
                    "the step's result type differs from the list's");
    }
    if (numericList(list.type) && hasWord(toks, {"add", "sum", "total"}) &&
        !hasWord(toks, {"how", "many", "count"})) {
      DeterministicTask task{"sum", call("sum", {list.expr}), "", false, ""};
      bool intSum = list.type->element()->kind() == K::Int;
      return finish(task, intSum ? numericType(result) : result->kind() == K::Float,
                    "the step's result type differs");
    }
    if (hasWord(toks, {"how", "count"}) && hasWord(toks, {"many", "count", "number"})) {
      if (numericList(list.type) && hasWord(toks, {"total", "altogether", "combined"})) {
        DeterministicTask task{"sum", call("sum", {list.expr}), "", false, ""};
        task.rewrite = exprToFlow(task.expr);
        task.why = "\"how many … in total\" over a list of numbers may mean their sum or how many "
                   "there are";
        return task;
      }
      DeterministicTask task{"count", call("len", {list.expr}), "", false, ""};
      for (size_t i = 0; i < toks.size(); ++i)
        if (toks[i].kind == Tok::Word &&
            (toks[i].text == "how" || toks[i].text == "many" || toks[i].text == "count" ||
             toks[i].text == "are" || toks[i].text == "there" || toks[i].text == "items" ||
             toks[i].text == "elements" || toks[i].text == "entries"))
          used[i] = true;
      return finish(task, result->kind() == K::Int, "the step's result is not an int");
    }
    used[hs[0]] = false;
  }

  // Date arithmetic and JSON picking: recognised, never lowered (formats and paths are guesses).
  if (hasWord(toks, {"days", "weeks"}) && hasWord(toks, {"after", "before", "from", "between"}) &&
      !hs.empty()) {
    DeterministicTask task{"date", call("date_add", {toks[hs.back()].expr, toks[hs.front()].expr}),
                           "", false, ""};
    task.rewrite = exprToFlow(task.expr);
    task.why =
        "date arithmetic: check the date format and direction, then use date_add/days_between";
    return task;
  }
  if (hasWord(toks, {"field", "key", "property"}) && hasWord(toks, {"json", "value"}) &&
      !hs.empty()) {
    DeterministicTask task{"json", call("json_get", {toks[hs.back()].expr, ir::expr::lit("path")}),
                           "", false, ""};
    task.rewrite = exprToFlow(task.expr);
    task.why = "picking a field out of JSON: use json_get with the field's path";
    return task;
  }

  // Arithmetic: the longest expression the parser accepts, anywhere in the prompt.
  ArithParser parser(toks, used);
  for (size_t start = 0; start < toks.size(); ++start) {
    if (toks[start].kind != Tok::Hole && toks[start].kind != Tok::Number &&
        !(toks[start].kind == Tok::Symbol && toks[start].text == "("))
      continue;
    std::vector<bool> trial(toks.size(), false);
    ArithParser p(toks, trial);
    auto v = p.parseFrom(start);
    if (!v || p.operators() == 0) continue;
    for (size_t i = 0; i < toks.size(); ++i)
      used[i] = used[i] || trial[i];
    std::optional<int> digits = findRounding(toks, used);
    Json expr = v->expr;
    bool isInt = v->isInt;
    if (digits) {
      expr = call("round", {expr, ir::expr::lit(*digits)});
      isInt = false;
    }
    bool hasPercent = std::any_of(toks.begin(), toks.end(), [](const Tok& t) {
      return t.kind == Tok::Symbol && t.text == "%";
    });
    DeterministicTask task{hasPercent ? "percentage" : "arithmetic", expr, "", false, ""};
    bool typeOk = result->kind() == K::Float || (result->kind() == K::Int && isInt);
    return finish(task, typeOk, "the computation yields a float but the step returns an int");
  }
  (void)parser;
  return std::nullopt;
}

} // namespace awc::passes
