// Response bounds. The algorithm:
//  1. For a model step without max_tokens — in every graph, map and reduce bodies too —
//     whose result type has a bounded size — enum, bool, int, float, and records or lists
//     (of known length) made of those — set
//     max_tokens to the type's estimated size with generous headroom (×2 + 16, covering the
//     JSON wrapper and whitespace), so a cut-off valid answer is not possible in practice.
//  2. Free text (a string anywhere in the type) cannot be bounded safely: warn (AWC6004)
//     when the author gave no bound, with a hint on how to add one.
#include "awc/sema/type.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

// Whether every value of the type has a small, predictable token length.
bool isBounded(const sema::Type* t) {
  using K = sema::Type::Kind;
  if (!t) return false;
  switch (t->kind()) {
  case K::Enum:
  case K::Bool:
  case K::Int:
  case K::Float:
    return true;
  case K::Record:
    for (const auto& f : t->fields())
      if (!isBounded(f.type)) return false;
    return !t->fields().empty();
  default:
    return false; // strings, lists of unknown length, durations
  }
}

void boundGraph(PassContext& ctx, ir::Graph& g, PassReport& report) {
  for (auto& np : g.nodes) {
    ir::Node& n = *np;
    if (n.removed || n.kind() != ir::NodeKind::Llm || n.llm().options.maxTokens) continue;
    const sema::Type* type = n.type;
    bool bounded = n.llm().fused.empty() ? isBounded(type) : false;
    if (!n.llm().fused.empty()) {
      bounded = true;
      for (const auto& part : n.llm().fused)
        bounded = bounded && isBounded(part.type);
    }
    if (bounded) {
      int64_t estimate = ir::estimateOutputTokens(n, ctx.assumptions);
      int64_t bound = estimate * 2 + 16;
      n.llm().options.maxTokens = bound;
      n.llm().options.maxTokensInferred = true;
      report.changes.push_back({n.id,
                                fmt::format("max_tokens {} inferred from the result type {}", bound,
                                            type ? type->str() : "?"),
                                {{"max_tokens", bound}, {"estimated_tokens", estimate}}});
    } else if (type && type->kind() == sema::Type::Kind::String) {
      Diagnostic& d = ctx.diags.report(
          DiagCode::UnboundedOutput, n.loc,
          fmt::format("model step '{}' returns free text with no max_tokens bound", n.id));
      d.hints.push_back(
          "add `max_tokens: N` to the step; unbounded answers are the slowest part of a call");
    }
  }
}

} // namespace

PassReport runBound(PassContext& ctx) {
  PassReport report;
  ir::forEachGraph(ctx.module.graph, [&](ir::Graph& g) { boundGraph(ctx, g, report); });
  return report;
}

} // namespace awc::passes
