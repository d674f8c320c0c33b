// Recognises deterministic tasks in model prompts. The algorithm:
//  1. Turn the user message into tokens (deterministic_tokens.cpp): lower-cased words, numbers,
//     symbols, holes (interpolated values, with their types) and constant tables; numbers that
//     are part of other text ("ISO 639-1", "rev. 2026-03", "v2") become opaque words.
//  2. Try each task form in turn (formatting, dates, table lookups, bands → enum, threshold →
//     bool, lists, currency and unit conversion, pro-rata shares, even splits, caps, rate ×
//     quantity, percentages, arithmetic). A
//     form marks the tokens it understood.
//  3. A form answers only when nothing meaningful is left over — every remaining word is
//     boilerplate ("please reply with the number only") or names a hole — so a free-text or
//     judgement task that merely mentions numbers is never flagged.
//  4. The rewrite is exact when it computes what was asked with the step's result type;
//     otherwise it is a suggestion with the reason (a date format to check, an int step given
//     a float, bands with gaps).
#include "awc/stdlib/value.h"
#include "deterministic_internal.h"

namespace awc::passes {

using det::Json;

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
    std::string out = wrap(e[0]);
    for (size_t i = 1; i < e.size(); ++i)
      out += " " + e.name() + " " + wrap(e[i]);
    return out;
  }
  case Kind::Text: {
    std::string s = "\"";
    for (size_t i = 0; i < e.size(); ++i) {
      const std::string* lit = e[i].literalString();
      s += lit ? *lit : "{" + exprToFlow(e[i].json()) + "}";
    }
    return s + "\"";
  }
  case Kind::If: {
    std::string out =
        "if " + exprToFlow(e.cond().json()) + " { " + exprToFlow(e.then().json()) + " } else ";
    std::string rest = exprToFlow(e.otherwise().json());
    return out + (e.otherwise().is(Kind::If) ? rest : "{ " + rest + " }");
  }
  default:
    return "…";
  }
}

std::optional<DeterministicTask> recognizeDeterministicTask(const ir::Node& n) {
  if (n.kind() != ir::NodeKind::Llm || !n.llm().fused.empty() || !n.type) return std::nullopt;
  det::Prompt p = det::tokenize(n);
  // Deterministic requests are short; a long prompt is a document, and the forms are quadratic.
  if (p.toks.empty() || p.toks.size() > 400) return std::nullopt;
  using Form = std::optional<DeterministicTask> (*)(const det::Prompt&);
  static const Form kForms[] = {
      det::formatForm,     det::dateForm,     det::lookupForm,  det::bandForm,  det::compareForm,
      det::listForm,       det::currencyForm, det::unitForm,    det::shareForm, det::splitForm,
      det::capForm,        det::compoundForm, det::perUnitForm, det::rateForm,  det::percentForm,
      det::arithmeticForm, det::roundForm,    det::verbForm};
  for (Form form : kForms)
    if (auto task = form(p)) return task;
  return std::nullopt;
}

} // namespace awc::passes
