// Deterministic lowering. The algorithm, for every model step (map bodies included)
// unless it is marked `nolower`:
//  1. Ask the recogniser (deterministic.cpp) whether the prompt is a deterministic task.
//  2. Exact and unambiguous with the same result type: replace the model call by a native
//     node computing the rewrite — no model call, no tokens, microseconds instead of seconds.
//  3. Otherwise only report it (AWC6005) with the suggested native rewrite and the reason it
//     was not applied.
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

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
