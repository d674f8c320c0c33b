// Names: lookup through a workflow's scopes, on-demand checking of the step or constant a
// name refers to (which is where dependency cycles are found), and the unknown-name error
// with its bounded "did you mean" search.
#include "analyzer.h"

#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace awc::sema::detail {

using llvm::cast;
using llvm::dyn_cast;

namespace {

/// Names that people coming from other languages reach for.
std::optional<std::string> keywordHint(std::string_view name) {
  if (name == "True" || name == "TRUE" || name == "False" || name == "FALSE")
    return std::string("booleans are spelled 'true' and 'false'");
  if (name == "null" || name == "nil" || name == "None" || name == "none" || name == "undefined")
    return std::string("flow has no null value; use an empty string, 0, false or an empty list");
  if (name == "elif" || name == "elsif" || name == "elseif") return std::string("write `else if`");
  if (name == "self" || name == "this") return std::string("refer to steps and inputs by name");
  if (name == "let" || name == "var" || name == "val")
    return std::string("steps need no keyword: write `name = value`");
  return std::nullopt;
}

/// Offers every name visible from `s` to `m`, innermost first.
void considerVisible(Scope* s, NameMatcher& m) {
  for (; s && m.viable(); s = s->parent) {
    for (auto& v : s->vars)
      m.consider(v.name);
    for (auto& [n, st] : s->steps)
      m.consider(n);
    if (s->workflow)
      for (auto& p : s->workflow->params)
        if (p) m.consider(p->name);
  }
}

} // namespace

std::optional<Found> lookupLocal(Scope* s, std::string_view name) {
  for (; s; s = s->parent) {
    for (auto it = s->vars.rbegin(); it != s->vars.rend(); ++it)
      if (it->name == name) {
        SourceRange r;
        if (auto* m = dyn_cast<ast::MapExpr>(it->target))
          r = m->varRange;
        else if (auto* rd = dyn_cast<ast::ReduceExpr>(it->target))
          r = it->binding == ast::Binding::ReduceAcc ? rd->accRange : rd->varRange;
        return Found{it->binding, it->target, it->type, r};
      }
    if (auto it = s->steps.find(name); it != s->steps.end())
      return Found{ast::Binding::Step, it->second, nullptr, it->second->nameRange};
    if (s->workflow)
      for (auto& p : s->workflow->params)
        if (p && p->name == name) return Found{ast::Binding::Input, p.get(), p->type, p->nameRange};
  }
  return std::nullopt;
}

const Type* Analyzer::checkName(ast::NameExpr* e, Ctx ctx) {
  if (auto found = lookupLocal(ctx.scope, e->name)) {
    e->binding = found->binding;
    e->target = found->target;
    if (found->binding == ast::Binding::Step) return checkNameRef(e, found->target, false);
    if (found->binding == ast::Binding::Input) info[found->target].used = true;
    return found->type ? found->type : types.error();
  }
  if (auto it = program.consts.find(e->name); it != program.consts.end()) {
    e->binding = ast::Binding::Const;
    e->target = it->second;
    return checkNameRef(e, it->second, true);
  }
  return reportUnknownName(e, ctx);
}

// A step or constant: checked now if it has not been yet; in progress means a cycle.
const Type* Analyzer::checkNameRef(ast::NameExpr* e, const ast::Node* target, bool isConst) {
  StepInfo& si = info[target];
  si.used = true;
  if (si.state == State::Done) return si.type ? si.type : types.error();
  const std::string& name =
      isConst ? cast<ast::ConstDecl>(target)->name : cast<ast::Step>(target)->name;
  if (si.state == State::InProgress) {
    reportCycle(target, name, e->range());
    return types.error();
  }
  if (!stack.empty()) stack.back().refToNext = e->range();
  const Type* t = isConst ? checkConst(cast<ast::ConstDecl>(target))
                          : checkStep(const_cast<ast::Step*>(cast<ast::Step>(target)));
  if (!stack.empty()) stack.back().refToNext = {};
  return t;
}

const Type* Analyzer::reportUnknownName(ast::NameExpr* e, Ctx ctx) {
  // Say what it is if it names something else.
  if (e->name.empty()) return types.error();
  if (program.tools.count(e->name)) {
    auto& d = diags.report(DiagCode::UnknownName, e->range(),
                           fmt::format("'{}' is a tool, not a value", e->name));
    d.hints.push_back(fmt::format("call it: {}(...)", e->name));
    return types.error();
  }
  if (program.models.count(e->name)) {
    auto& d = diags.report(DiagCode::UnknownName, e->range(),
                           fmt::format("'{}' is a model, not a value", e->name));
    d.hints.push_back(fmt::format("ask it with `llm {} -> string {{ user \"...\" }}`", e->name));
    return types.error();
  }
  if (program.typeAliases.count(e->name) || program.workflows.count(e->name) ||
      program.ladders.count(e->name)) {
    const char* what = program.typeAliases.count(e->name) ? "type"
                       : program.workflows.count(e->name) ? "workflow"
                                                          : "model ladder";
    diags.report(DiagCode::UnknownName, e->range(),
                 fmt::format("'{}' is a {}, not a value", e->name, what));
    return types.error();
  }
  NameMatcher m(e->name, suggestBudget);
  considerVisible(ctx.scope, m);
  for (auto& c : program.consts) {
    if (!m.viable()) break;
    m.consider(c.getKey());
  }
  std::string best = m.best();
  std::string msg = fmt::format("unknown name '{}'", e->name);
  if (!best.empty()) msg += fmt::format("; did you mean '{}'?", best);
  auto& d = diags.report(DiagCode::UnknownName, e->range(), msg);
  if (!best.empty()) d.fixes.push_back({e->range(), best});
  if (auto hint = keywordHint(e->name))
    d.hints.push_back(*hint);
  else if (ctx.constMode && !ctx.scope)
    d.hints.push_back("constants and option values may only use literals and other constants");
  return types.error();
}

std::string Analyzer::suggest(std::string_view name, const std::vector<std::string>& candidates) {
  NameMatcher m(name, suggestBudget);
  for (const std::string& c : candidates) {
    if (!m.viable()) break;
    m.consider(c);
  }
  std::string best = m.best();
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

} // namespace awc::sema::detail
