// Deterministic lowering. The algorithm, for every model step (map bodies included)
// unless it is marked `nolower`:
//  1. Ask the recogniser (deterministic.cpp) whether the prompt is a deterministic task.
//  2. Exact and unambiguous with the same result type: replace the model call by a native
//     node computing the rewrite — no model call, no tokens, microseconds instead of seconds.
//  3. With a profile (`--profile`) whose accepted native candidate for the step met the bar,
//     is exactly the rewrite suggested today and yields a value of the step's result type,
//     apply it: the samples are the proof the recogniser lacks. `nolower` still wins.
//  4. Otherwise only report it (AWC6005) with the suggested native rewrite and the reason it
//     was not applied.
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "pass_list.h"
#include "profile_apply.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

// Refuses the profile's rewrite for step `n`: a report entry and AWC6011 with the reason.
void refuseRewrite(PassContext& ctx, const ir::Node& n, const profile::Candidate& c,
                   const std::string& message, const std::string& reason, std::string note,
                   PassReport& report) {
  report.changes.push_back(
      {n.id, "kept the model call: " + message, {{"profile", profileNotApplied(c, reason)}}});
  ctx.diags
      .report(DiagCode::ProfileNotApplied, n.loc,
              fmt::format("profile's native rewrite for step '{}' is {}", n.id, message))
      .notes.push_back({SourceRange{}, std::move(note)});
}

// The profile's accepted rewrite when it is the one suggested today and yields the step's
// type (agreement on the samples says nothing about a value the output type cannot hold);
// warns when it is not.
const profile::Candidate* profileRewrite(PassContext& ctx, const ir::Node& n,
                                         const DeterministicTask& task, PassReport& report) {
  const profile::Candidate* c = profileCandidate(ctx, n.id, profile::CandidateKind::Native);
  if (!c || n.llm().flags.nolower) return nullptr;
  if (c->value != task.rewrite) {
    refuseRewrite(ctx, n, *c, "not the one suggested now",
                  "not the rewrite suggested now: " + task.rewrite,
                  "suggested now: " + task.rewrite, report);
    return nullptr;
  }
  if (!task.typeOk) {
    std::string type = n.type ? n.type->str() : "its declared type";
    refuseRewrite(ctx, n, *c, "not of the step's type " + type,
                  "the rewrite's type is not the step's: " + task.why, task.why, report);
    return nullptr;
  }
  return c;
}

void lowerGraph(ir::Graph& g, PassContext& ctx, PassReport& report) {
  for (auto& np : g.nodes) {
    ir::Node& n = *np;
    if (n.removed) continue;
    if (n.kind() == ir::NodeKind::Map && n.map().body) {
      lowerGraph(*n.map().body, ctx, report);
      continue;
    }
    if (n.kind() != ir::NodeKind::Llm) continue;
    std::optional<DeterministicTask> task = recognizeDeterministicTask(n);
    if (!task) continue;
    if (task->exact && !n.llm().flags.nolower) {
      n.setKind(ir::NodeKind::Native); // drops the llm payload
      n.expr() = task->expr;
      report.changes.push_back(
          {n.id,
           fmt::format("{} task lowered to native code: {}", task->kind, task->rewrite),
           {{"kind", task->kind}, {"rewrite", task->rewrite}}});
      continue;
    }
    if (const profile::Candidate* c = profileRewrite(ctx, n, *task, report)) {
      n.setKind(ir::NodeKind::Native);
      n.expr() = task->expr;
      report.changes.push_back(
          {n.id,
           fmt::format("{} task lowered to native code ({}): {}", task->kind, profileEvidence(*c),
                       task->rewrite),
           {{"kind", task->kind}, {"rewrite", task->rewrite}, {"profile", profileDetail(*c)}}});
      continue;
    }
    Diagnostic& d = ctx.diags.report(
        DiagCode::DeterministicModelTask, n.loc,
        fmt::format("model step '{}' is asked to do a deterministic task ({})", n.id, task->kind));
    // An enum from an if-chain of member literals needs the step's annotation to stay an enum.
    std::string annotation =
        n.type && n.type->kind() == sema::Type::Kind::Enum ? ": " + n.type->str() : "";
    d.hints.push_back(fmt::format("compute it natively: `{}{} = {}`",
                                  n.id.substr(n.id.rfind('/') + 1), annotation, task->rewrite));
    if (!task->why.empty())
      d.notes.push_back({SourceRange{}, "not lowered automatically: " + task->why});
    else if (n.llm().flags.nolower)
      d.notes.push_back({SourceRange{}, "not lowered automatically: the step is marked nolower"});
    report.changes.push_back(
        {n.id,
         fmt::format("flagged {} task (not lowered: {}); rewrite: {}", task->kind,
                     task->why.empty() ? "nolower" : task->why, task->rewrite),
         {{"kind", task->kind}, {"rewrite", task->rewrite}, {"lowered", false}}});
  }
}

} // namespace

PassReport runLower(PassContext& ctx) {
  PassReport report;
  lowerGraph(ctx.module.graph, ctx, report);
  return report;
}

} // namespace awc::passes
