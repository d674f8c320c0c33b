// Response bounds. The algorithm:
//  1. For a model step without max_tokens — in every graph, map and reduce bodies too —
//     whose result type has a bounded size — enum, bool, int, float, and records or lists
//     (of known length) made of those — set
//     max_tokens to the type's estimated size with generous headroom (×2 + 16, covering the
//     JSON wrapper and whitespace), so a cut-off valid answer is not possible in practice.
//  2. Free text (a string anywhere in the type) cannot be bounded safely: warn (AWC6004)
//     when the author gave no bound, with a hint on how to add one.
//  0. Before both, with a profile (`--profile`): a step whose accepted max_tokens candidate
//     met the bar gets that bound — free text too, the samples are the evidence — unless the
//     author's own bound is already tighter.
#include "awc/sema/type.h"
#include "pass_list.h"
#include "profile_apply.h"

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

// Sets the profile's measured bound; true when the step now has it.
bool applyProfileBound(PassContext& ctx, ir::Node& n, PassReport& report) {
  if (!n.llm().fused.empty()) return false; // the profile measured the step alone
  const profile::Candidate* c = profileCandidate(ctx, n.id, profile::CandidateKind::MaxTokens);
  if (!c) return false;
  int64_t bound = std::stoll(c->value); // parse checked: 1 to 999999999
  std::optional<int64_t>& current = n.llm().options.maxTokens;
  if (current && *current <= bound) {
    report.changes.push_back(
        {n.id,
         fmt::format("kept max_tokens {}: tighter than the profile's {}", *current, bound),
         {{"max_tokens", *current},
          {"profile", profileNotApplied(
                          *c, fmt::format("the step's own max_tokens {} is tighter", *current))}}});
    return false;
  }
  nlohmann::json detail = {{"max_tokens", bound}, {"profile", profileDetail(*c)}};
  if (current) detail["previous"] = *current;
  current = bound;
  n.llm().options.maxTokensInferred = true;
  report.changes.push_back({n.id,
                            fmt::format("max_tokens {} measured ({})", bound, profileEvidence(*c)),
                            std::move(detail)});
  return true;
}

void boundGraph(PassContext& ctx, ir::Graph& g, PassReport& report) {
  for (auto& np : g.nodes) {
    ir::Node& n = *np;
    if (n.removed || n.kind() != ir::NodeKind::Llm) continue;
    if (applyProfileBound(ctx, n, report) || n.llm().options.maxTokens) continue;
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
