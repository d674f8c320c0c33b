// Constant folding. The algorithm:
//  1. Walk nodes in topological order; in every expression (native code, tool args,
//     dynamic prompt segments, branch conditions, map lists), replace refs to nodes already
//     known to be constant by their values.
//  2. A native node whose expression then reads nothing and is deterministic is evaluated
//     now: it becomes a constant.
//  3. A dynamic prompt segment that reads nothing becomes static text — more of the prompt
//     is then static, which the hoisting pass and prefix caches can use.
//  4. A branch whose condition folds to a constant keeps only the taken arm: the other
//     arm's nodes are removed and the taken arm's guards dropped.
//  5. Budgets: evaluation runs under stdlib::kFoldLimits. A value over them is left to the
//     runtime (warning AWC6009), and substituting constants into their readers stops once
//     kMaxInlinedBytes have been copied, so hostile constants cannot exhaust memory.
#include "awc/ir/expr.h"
#include "awc/stdlib/eval.h"
#include "awc/stdlib/value.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

using Json = nlohmann::json;
using ir::expr::Kind;

/// The most bytes of constant values copied into readers' expressions in one compilation.
constexpr size_t kMaxInlinedBytes = size_t{64} << 20;

/// A folded value and its size (what substituting it once costs).
struct Constant {
  Json value;
  size_t bytes = 0;
};

struct Constants {
  std::map<std::string, Constant> values;
  size_t inlinedBytes = 0; // copied into readers so far, against kMaxInlinedBytes

  void add(const std::string& id, const Json& value) {
    values[id] = Constant{value, stdlib::approxValueBytes(value)};
  }
  bool count(const std::string& id) const { return values.count(id) != 0; }
};

bool simplifyIfs(Json& expr);

// Replaces {"ref": id} by {"lit": value} for known constants (then drops the untaken arms of
// `if`s whose condition became a literal); returns whether anything changed.
bool substitute(Json& expr, Constants& constants) {
  if (constants.values.empty()) return false;
  bool changed = false;
  std::vector<Json*> stack{&expr};
  while (!stack.empty()) {
    Json* e = stack.back();
    stack.pop_back();
    if (e->is_object()) {
      ir::expr::View v(*e);
      if (v.is(Kind::Ref)) {
        auto it = constants.values.find(v.name());
        // Small values (bools deciding branches) always go in: the arms depend on it.
        if (it != constants.values.end() &&
            (it->second.bytes <= 64 ||
             constants.inlinedBytes + it->second.bytes <= kMaxInlinedBytes)) {
          constants.inlinedBytes += it->second.bytes;
          *e = ir::expr::lit(it->second.value);
          changed = true;
        }
        continue;
      }
      for (auto it = e->begin(); it != e->end(); ++it)
        if (it.key() != "lit") stack.push_back(&it.value());
    } else if (e->is_array()) {
      for (Json& x : *e)
        stack.push_back(&x);
    }
  }
  if (changed) simplifyIfs(expr);
  return changed;
}

// Replaces {"if": {"lit": b}, "then": T, "else": E} by the taken arm, so a plan never
// keeps a reference to the nodes of an arm that was removed; returns whether it changed.
bool simplifyIfs(Json& expr) {
  bool changed = false;
  std::vector<Json*> stack{&expr};
  while (!stack.empty()) {
    Json* e = stack.back();
    stack.pop_back();
    if (e->is_object()) {
      ir::expr::View v(*e);
      if (v.is(Kind::If) && v.cond().is(Kind::Lit) && v.cond().literal().is_boolean() &&
          e->contains("then") && e->contains("else")) {
        Json taken = std::move((*e)[v.cond().literal().get<bool>() ? "then" : "else"]);
        *e = std::move(taken);
        changed = true;
        stack.push_back(e);
        continue;
      }
      for (auto it = e->begin(); it != e->end(); ++it)
        if (it.key() != "lit") stack.push_back(&it.value());
    } else if (e->is_array()) {
      for (Json& x : *e)
        stack.push_back(&x);
    }
  }
  return changed;
}

bool readsNothing(const Json& expr) {
  std::vector<std::string> refs;
  stdlib::collectRefs(expr, refs);
  return refs.empty();
}

// A value too large (or too slow) to compute at compile time stays for the runtime, whose own
// budgets are larger; the author hears why the step was not folded.
void notFolded(PassContext& ctx, PassReport& report, const ir::Node& n,
               const stdlib::EvalResult& r) {
  Diagnostic& d = ctx.diags.report(
      DiagCode::NotFolded, n.loc,
      fmt::format("'{}' not folded: result too large to compute at compile time ({})", n.id,
                  r.error()));
  d.hints.push_back("the runtime computes it instead, under its own limits (docs/stdlib.md)");
  report.changes.push_back(
      {n.id, "not folded: result too large (" + r.error() + ")", {{"reason", r.error()}}});
}

void removeArm(ir::Graph& g, ir::NodeIndex branch, int arm, std::vector<std::string>& removed) {
  // Nodes guarded by the dropped arm, and (transitively) everything they guard.
  bool grew = true;
  std::set<ir::NodeIndex> dead;
  for (auto& n : g.nodes)
    if (!n->removed && n->guard && n->guard->branch == branch && n->guard->arm == arm)
      dead.insert(n->index);
  while (grew) {
    grew = false;
    for (auto& n : g.nodes)
      if (!n->removed && n->guard && dead.count(n->guard->branch) && dead.insert(n->index).second)
        grew = true;
  }
  for (ir::NodeIndex i : dead) {
    g.nodes[i]->removed = true;
    removed.push_back(g.nodes[i]->id);
  }
}

} // namespace

PassReport runFold(PassContext& ctx) {
  PassReport report;
  ir::Graph& g = ctx.module.graph;
  Constants constants;
  std::vector<bool> touched(g.nodes.size(), false); // nodes whose expressions or guards changed
  for (ir::NodeIndex i : g.topoOrder()) {
    ir::Node& n = *g.nodes[i];
    if (n.removed) continue;
    switch (n.kind()) {
    case ir::NodeKind::Native: {
      // As written, a literal step is not worth reporting.
      bool wasLiteral = ir::expr::View(n.expr()).is(Kind::Lit);
      if (substitute(n.expr(), constants)) touched[i] = true;
      if (readsNothing(n.expr()) && stdlib::isDeterministic(n.expr()) && !n.guard) {
        stdlib::EvalResult r = stdlib::evaluateConstant(n.expr(), stdlib::kFoldLimits);
        if (r.overLimit()) notFolded(ctx, report, n, r);
        if (r.ok()) {
          n.expr() = ir::expr::lit(r.value());
          constants.add(n.id, r.value());
          if (!wasLiteral)
            report.changes.push_back({n.id,
                                      fmt::format("folded to {}", stdlib::toJsonText(r.value())),
                                      {{"value", r.value()}}});
        }
      }
      break;
    }
    case ir::NodeKind::Llm: {
      int madeStatic = 0;
      for (auto& m : n.llm().messages)
        for (auto& s : m.segments)
          if (!s.isStatic && substitute(s.expr, constants) && (touched[i] = true) &&
              readsNothing(s.expr)) {
            stdlib::EvalResult r = stdlib::evaluateConstant(s.expr, stdlib::kFoldLimits);
            if (r.overLimit()) notFolded(ctx, report, n, r);
            if (!r.ok()) continue;
            s.isStatic = true;
            s.text =
                r.value().is_string() ? r.value().get<std::string>() : stdlib::toText(r.value());
            s.expr = nullptr;
            s.origin = "folded";
            ++madeStatic;
          }
      if (madeStatic)
        report.changes.push_back({n.id,
                                  fmt::format("{} prompt part{} became static text", madeStatic,
                                              madeStatic == 1 ? "" : "s"),
                                  {{"segments", madeStatic}}});
      break;
    }
    case ir::NodeKind::Tool:
      for (auto& [name, arg] : n.tool().args)
        if (substitute(arg, constants)) touched[i] = true;
      break;
    case ir::NodeKind::Map:
      if (substitute(n.map().over, constants)) touched[i] = true;
      if (substitute(n.map().accInit, constants)) touched[i] = true;
      break;
    case ir::NodeKind::Output:
      if (substitute(n.expr(), constants)) touched[i] = true;
      break;
    case ir::NodeKind::Branch: {
      if (substitute(n.expr(), constants)) touched[i] = true;
      if (n.guard || !readsNothing(n.expr())) break;
      stdlib::EvalResult r = stdlib::evaluateConstant(n.expr(), stdlib::kFoldLimits);
      if (r.overLimit()) notFolded(ctx, report, n, r);
      if (!r.ok() || !r.value().is_boolean()) break;
      int taken = r.value().get<bool>() ? 0 : 1;
      std::vector<std::string> removed;
      removeArm(g, n.index, 1 - taken, removed);
      constants.add(n.id, r.value());
      report.changes.push_back(
          {n.id,
           fmt::format("condition is always {}; removed {} node{} of the other arm",
                       taken == 0 ? "true" : "false", removed.size(),
                       removed.size() == 1 ? "" : "s"),
           {{"taken_arm", taken}, {"removed", removed}}});
      break;
    }
    case ir::NodeKind::Input:
      break;
    }
  }
  // Deps follow the rewritten expressions: a ref that became a literal is no longer an input.
  for (auto& n : g.nodes) {
    if (n->removed) continue;
    bool guardFolded = n->guard && constants.count(g.nodes[n->guard->branch]->id);
    if (!touched[n->index] && !guardFolded) continue;
    std::vector<std::string> refs;
    for (const Json* e : ir::exprsOf(*n)) // captures, a reduce's initial value, arguments...
      stdlib::collectRefs(*e, refs);
    std::set<ir::NodeIndex> deps;
    for (const auto& r : refs)
      if (auto it = g.byId.find(r); it != g.byId.end() && !g.nodes[it->second]->removed)
        deps.insert(it->second);
    if (n->guard) {
      if (g.nodes[n->guard->branch]->removed) continue;
      if (constants.count(g.nodes[n->guard->branch]->id))
        n->guard.reset(); // the taken arm of a folded branch
      else
        deps.insert(n->guard->branch);
    }
    n->deps.assign(deps.begin(), deps.end());
  }
  return report;
}

} // namespace awc::passes
