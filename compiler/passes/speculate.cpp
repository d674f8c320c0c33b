// Speculation hints. The algorithm, for each branch whose condition reads a model
// classification (an llm step with an enum or bool result):
//  1. Candidates are the model steps and side-effect-free tool calls guarded by one of its
//     arms whose other inputs do not depend on the classification.
//  2. p(arm) is the chance the arm is taken: the author's `likely(cond, p)` when that is the
//     condition (p for the then arm, 1 − p for else), otherwise 1/2; times the p(arm) of every
//     enclosing arm (nested ifs, else-if chains). With a profile (`--profile`), a branch's
//     measured frequency on the samples replaces the declared or default p.
//  3. Started early, a candidate starts `saved` ms sooner: from when its other inputs could be
//     ready (arm steps it reads starting early too) to when the branch is decided (at most the
//     classification's latency).
//     Expected gain = p(arm) × saved; expected waste = (1 − p(arm)) × the step's cost, paid
//     when the other arm is taken.
//  4. The exchange rule: mark the step when gain × the value of a second
//     (CostAssumptions::speculateUsdPerS, -fspeculate-value=) ≥ waste, with
//     {speculate: {gain_ms, extra_cost_usd, condition, probability}}. Nothing is rewritten.
//  5. The plan's speculation budget is what the other passes saved against -O0 (estimated):
//     `--speculate auto` spends at most that, so -O2 costs no more than -O0 in expectation.
#include "awc/sema/type.h"
#include "pass_list.h"
#include "profile_apply.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace awc::passes {
namespace {

bool isClassification(const ir::Node& n) {
  return n.kind() == ir::NodeKind::Llm && n.type &&
         (n.type->kind() == sema::Type::Kind::Enum || n.type->kind() == sema::Type::Kind::Bool);
}

// Whether `from` reaches `target` through deps (ignoring `skip`, the guard edge).
bool reaches(const ir::Graph& g, ir::NodeIndex from, ir::NodeIndex target, ir::NodeIndex skip) {
  std::vector<ir::NodeIndex> stack{from};
  std::vector<bool> seen(g.nodes.size(), false);
  while (!stack.empty()) {
    ir::NodeIndex i = stack.back();
    stack.pop_back();
    if (i == target) return true;
    if (seen[i]) continue;
    seen[i] = true;
    for (ir::NodeIndex d : g.nodes[i]->deps)
      if (d != skip) stack.push_back(d);
  }
  return false;
}

// The chance the then arm is taken: p of `likely(cond, p)` (sema checked it is a literal in
// [0, 1]), looked for in the condition itself or, through refs, in the native steps it names.
double thenProbability(const PassContext& ctx, const ir::Graph& g, const ir::Node& branch) {
  // Measured beats declared: the profile's frequency on the samples (`--profile`).
  if (std::optional<double> measured = profileThenProbability(ctx, branch.id)) return *measured;
  const nlohmann::json* e = &branch.expr();
  for (int hops = 0; hops < 8 && e->is_object(); ++hops) {
    if (e->contains("call") && (*e)["call"] == "likely") {
      const nlohmann::json& args = (*e)["args"];
      if (args.is_array() && args.size() == 2 && args[1].is_object() && args[1].contains("lit") &&
          args[1]["lit"].is_number()) {
        double p = args[1]["lit"].get<double>();
        if (p >= 0 && p <= 1) return p;
      }
      return 0.5;
    }
    if (!e->contains("ref") || !(*e)["ref"].is_string()) break;
    const ir::Node* target = g.find((*e)["ref"].get<std::string>());
    if (!target || target->kind() != ir::NodeKind::Native) break;
    e = &target->expr();
  }
  return 0.5;
}

// The chance that `n`'s arm is taken: its branch's p(arm) times that of every enclosing arm
// (an else-if chain's third arm needs the first two conditions false).
double armProbability(const PassContext& ctx, const ir::Graph& g, const ir::Node& n) {
  double p = 1;
  for (std::optional<ir::Guard> guard = n.guard; guard;) {
    const ir::Node& branch = *g.nodes[guard->branch];
    double pThen = thenProbability(ctx, g, branch);
    p *= guard->arm == 0 ? pThen : 1 - pThen;
    guard = branch.guard;
  }
  return p;
}

// The classification a branch condition depends on (directly or through native nodes).
const ir::Node* classifierOf(const ir::Graph& g, const ir::Node& branch) {
  std::vector<ir::NodeIndex> stack(branch.deps.begin(), branch.deps.end());
  std::vector<bool> seen(g.nodes.size(), false);
  while (!stack.empty()) {
    ir::NodeIndex i = stack.back();
    stack.pop_back();
    if (seen[i]) continue;
    seen[i] = true;
    const ir::Node& d = *g.nodes[i];
    if (isClassification(d)) return &d;
    if (d.kind() == ir::NodeKind::Native || d.kind() == ir::NodeKind::Branch)
      stack.insert(stack.end(), d.deps.begin(), d.deps.end());
  }
  return nullptr;
}

// Whether `n` may run before the branch is known: a model step or a tool without side effects.
bool safeToStart(const PassContext& ctx, const ir::Node& n) {
  if (n.kind() == ir::NodeKind::Llm) return true;
  if (n.kind() != ir::NodeKind::Tool) return false;
  const ir::ToolInfo* t = ctx.module.tool(n.tool().name);
  return t && t->effect != "side_effect";
}

// Native work the runtime starts early with an arm: a native step, or a map whose body is.
bool pureWork(const ir::Node& n) {
  if (n.kind() == ir::NodeKind::Native) return true;
  const ir::MapData* map = n.asMap();
  if (!map || !map->body) return false;
  for (const auto& b : map->body->nodes)
    if (!b->removed && b->kind() != ir::NodeKind::Native) return false;
  return true;
}

// When `i` could finish if the arm started early: pure work or a step safe to start in the
// same arm starts on its own inputs (the runtime starts those early too); anything else
// finishes when the estimate's schedule says.
double earlyFinishMs(const PassContext& ctx, ir::NodeIndex i, const ir::Node& branch,
                     const ir::PlanEstimate& est, std::vector<double>& memo, int depth = 0) {
  if (memo[i] >= 0) return memo[i];
  const ir::Node& n = *ctx.module.graph.nodes[i];
  bool inArm = n.guard && n.guard->branch == branch.index && (pureWork(n) || safeToStart(ctx, n));
  if (!inArm || depth > 64) return est.finishMs[i]; // deeper: as scheduled (an upper bound)
  double ready = 0;
  for (ir::NodeIndex d : n.deps)
    if (d != branch.index)
      ready = std::max(ready, earlyFinishMs(ctx, d, branch, est, memo, depth + 1));
  return memo[i] = ready + n.estMs;
}

// How much sooner `n` can start than after the branch: from its other inputs' early finish
// to the branch's decision, never more than the classification takes.
double savedMs(const PassContext& ctx, const ir::Node& n, const ir::Node& branch,
               const ir::Node& classifier, const ir::PlanEstimate& est) {
  const ir::Graph& g = ctx.module.graph;
  if (est.finishMs.size() != g.nodes.size()) return classifier.estMs;
  double inputsReady = 0;
  std::vector<double> memo(g.nodes.size(), -1);
  for (ir::NodeIndex d : n.deps)
    if (d != branch.index)
      inputsReady = std::max(inputsReady, earlyFinishMs(ctx, d, branch, est, memo));
  double decided = est.finishMs[branch.index];
  return std::clamp(decided - inputsReady, 0.0, classifier.estMs);
}

} // namespace

PassReport runSpeculate(PassContext& ctx) {
  PassReport report;
  ir::Graph& g = ctx.module.graph;
  std::optional<ir::PlanEstimate> est; // computed once a candidate appears
  double usdPerS = ctx.assumptions.speculateUsdPerS;
  bool marked = false;
  for (auto& bp : g.nodes) {
    ir::Node& branch = *bp;
    if (branch.removed || branch.kind() != ir::NodeKind::Branch) continue;
    const ir::Node* classifier = classifierOf(g, branch);
    if (!classifier) continue;
    if (!est) est = ir::estimate(ctx.module, ctx.assumptions);
    for (auto& np : g.nodes) {
      ir::Node& n = *np;
      if (n.removed || !n.guard || n.guard->branch != branch.index ||
          (n.asLlm() && n.asLlm()->flags.nospeculate) || !safeToStart(ctx, n))
        continue;
      bool independent = true;
      for (ir::NodeIndex d : n.deps)
        if (d != branch.index && reaches(g, d, classifier->index, branch.index))
          independent = false;
      if (!independent) continue;
      // Rounded as the plan prints them (deterministic bytes, and 1 − 0.9 reads 0.1).
      double p = std::round(armProbability(ctx, g, n) * 1e6) / 1e6;
      double gain = ir::roundMs(p * savedMs(ctx, n, branch, *classifier, *est));
      double waste = ir::roundUsd((1 - p) * n.estCostUsd);
      bool worth = gain > 0 && gain / 1000 * usdPerS >= waste;
      nlohmann::json detail = {{"gain_ms", gain},
                               {"extra_cost_usd", waste},
                               {"probability", p},
                               {"branch", branch.id},
                               {"marked", worth}};
      if (profileThenProbability(ctx, branch.id)) detail["probability_source"] = "profile";
      if (!worth) {
        report.changes.push_back(
            {n.id,
             fmt::format("not marked: ~{:.0f} ms expected sooner (p = {:.2f}) is worth less "
                         "than ~${:.6f} expected waste at ${}/s",
                         gain, p, waste, usdPerS),
             std::move(detail)});
        continue;
      }
      marked = true;
      n.hints.speculate = plan::SpeculateHint{gain, waste, classifier->id, p};
      report.changes.push_back(
          {n.id,
           fmt::format("could start before {} is known: ~{:.0f} ms sooner expected (p = {:.2f}), "
                       "~${:.6f} extra expected cost",
                       classifier->id, gain, p, waste),
           std::move(detail)});
    }
  }
  if (marked && ctx.baselineCostUsd) {
    double budget = std::max(0.0, *ctx.baselineCostUsd - est->costUsd);
    ctx.module.speculationBudgetUsd = budget;
    report.changes.push_back(
        {"",
         fmt::format("speculation budget ~${:.6f}: the passes' estimated saving against -O0, "
                     "which `--speculate auto` may spend on early starts",
                     budget),
         {{"speculation_budget_usd", budget}}});
  }
  return report;
}

} // namespace awc::passes
