// Typing rules of the expressions that carry blocks: `if` and the `map` / `reduce`
// fan-outs, with their scopes, local variables and placement rules.
#include "analyzer.h"

#include <fmt/format.h>

namespace awc::sema::detail {

const Type* Analyzer::checkIf(ast::IfExpr* i, Ctx ctx) {
  if (ctx.constMode)
    checkPlacement(i, ctx, "`if`");
  else if (!ctx.atStepTop && (!i->thenBlock.steps.empty() || !i->elseBlock.steps.empty()))
    checkPlacement(i, ctx, "an `if` with steps in its arms");
  Ctx sub = ctx;
  sub.atStepTop = false;
  const Type* ct = checkExpr(i->cond.get(), sub);
  if (!ct->isError() && ct->kind() != Type::Kind::Bool)
    diags.report(DiagCode::ConditionNotBool, i->cond->range(),
                 fmt::format("condition must be a bool, not {}", ct->str()));
  Scope thenScope{ctx.scope}, elseScope{ctx.scope};
  const Type* a = checkBlock(i->thenBlock, thenScope, sub);
  const Type* b = checkBlock(i->elseBlock, elseScope, sub);
  if (const Type* u = unify(a, b)) return u;
  auto& d = diags.report(
      DiagCode::BranchTypeMismatch, i->range(),
      fmt::format("the arms of this `if` yield different types: {} and {}", a->str(), b->str()));
  if (i->thenBlock.value)
    d.notes.push_back({i->thenBlock.value->range(), "this arm yields " + a->str()});
  if (i->elseBlock.value)
    d.notes.push_back({i->elseBlock.value->range(), "this arm yields " + b->str()});
  return types.error();
}

// The list a map or reduce runs over; returns its element type.
const Type* Analyzer::checkFanoutList(ast::Expr* fanout, ast::Expr* list, Ctx sub,
                                      const char* what) {
  const Type* lt = checkExpr(list, sub);
  if (lt->kind() == Type::Kind::List) return lt->element();
  if (!lt->isError())
    diags.report(
        DiagCode::NotAList, list ? list->range() : fanout->range(),
        fmt::format("`{}` needs a list, but {} has type {}", what, describeExpr(list), lt->str()));
  return types.error();
}

void Analyzer::warnShadowedVar(Scope* scope, const std::string& var, SourceRange varRange) {
  if (var.empty()) return;
  if (auto outer = lookupLocal(scope, var)) {
    auto& d = diags.report(DiagCode::ShadowedName, varRange,
                           fmt::format("'{}' shadows an outer name", var));
    d.notes.push_back({outer->defRange, "the outer name is defined here"});
  }
}

const Type* Analyzer::checkMap(ast::MapExpr* m, Ctx ctx) {
  checkPlacement(m, ctx, "`map`");
  Ctx sub = ctx;
  sub.atStepTop = false;
  const Type* elem = checkFanoutList(m, m->list.get(), sub, "map");
  warnShadowedVar(ctx.scope, m->var, m->varRange);
  m->varType = elem;
  Scope inner{ctx.scope};
  inner.vars.push_back({m->var, ast::Binding::MapVar, m, elem});
  return limitNesting(types.list(checkBlock(m->body, inner, sub)), m->range());
}

const Type* Analyzer::checkReduce(ast::ReduceExpr* r, Ctx ctx) {
  checkPlacement(r, ctx, "`reduce`");
  Ctx sub = ctx;
  sub.atStepTop = false;
  const Type* elem = checkFanoutList(r, r->list.get(), sub, "reduce");
  warnShadowedVar(ctx.scope, r->var, r->varRange);
  r->varType = elem;
  const Type* acc = checkExpr(r->init.get(), sub);
  if (auto outer = lookupLocal(ctx.scope, r->acc); outer && !r->acc.empty()) {
    auto& d = diags.report(DiagCode::ShadowedName, r->accRange,
                           fmt::format("'{}' shadows an outer name", r->acc));
    d.notes.push_back({outer->defRange, "the outer name is defined here"});
  } else if (r->acc == r->var && !r->var.empty()) {
    diags.report(DiagCode::ShadowedName, r->accRange,
                 fmt::format("the accumulator and the element are both named '{}'", r->var));
  }
  Scope inner{ctx.scope};
  inner.vars.push_back({r->var, ast::Binding::ReduceVar, r, elem});
  inner.vars.push_back({r->acc, ast::Binding::ReduceAcc, r, acc});
  const Type* bt = checkBlock(r->body, inner, sub);
  if (!bt->isError() && !acc->isError() && !isAssignable(bt, acc)) {
    auto& d =
        diags.report(DiagCode::TypeMismatch, r->body.value ? r->body.value->range() : r->range(),
                     fmt::format("the reduce body yields {}, but the accumulator '{}' is {}",
                                 bt->str(), r->acc, acc->str()));
    if (acc->kind() == Type::Kind::Int && bt->kind() == Type::Kind::Float)
      d.hints.push_back("start from a float, e.g. `with acc = 0.0`");
    return acc;
  }
  if (acc->kind() == Type::Kind::List && acc->element()->isError() && !bt->isError())
    return bt; // `with acc = []`: the body says what the list holds
  return acc;
}

} // namespace awc::sema::detail
