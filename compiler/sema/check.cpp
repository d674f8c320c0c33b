// Workflow checking: dataflow name resolution across the steps of each block, dependency
// cycles, single assignment, step placement, and the typing rules of every expression.
//
// Steps may be written in any order, so a step is checked on demand when a name first
// refers to it; a reference to a step that is still being checked closes a dependency
// cycle, and the stack of steps in progress is the cycle's path.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <optional>
#include <set>

#if AWC_SEMA_HAS_STDLIB
#include "awc/stdlib/functions.h"
#endif

namespace awc::sema::detail {

using llvm::cast;
using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;
using llvm::isa_and_nonnull;

namespace {

constexpr const char* kBindHint = "bind it to its own step: `x = ...`";

/// The common type of two branches or list elements, or null when there is none.
const Type* unify(const Type* a, const Type* b) {
  if (a == b) return a;
  if (a->isError()) return b;
  if (b->isError()) return a;
  if (isAssignable(a, b)) return b;
  if (isAssignable(b, a)) return a;
  return nullptr;
}

std::optional<double> numericLiteral(const ast::Expr* e) {
  if (auto* l = dyn_cast_or_null<ast::LiteralExpr>(e)) {
    if (l->literalKind == ast::LiteralExpr::Kind::Int) return double(l->intValue);
    if (l->literalKind == ast::LiteralExpr::Kind::Float) return l->floatValue;
  }
  if (auto* u = dyn_cast_or_null<ast::UnaryExpr>(e); u && u->op == ast::UnaryOp::Neg)
    if (auto v = numericLiteral(u->operand.get())) return -*v;
  return std::nullopt;
}

const ast::StringExpr* plainString(const ast::Expr* e) {
  auto* s = dyn_cast_or_null<ast::StringExpr>(e);
  return s && s->isPlain() ? s : nullptr;
}

std::string describeExpr(const ast::Expr* e) {
  if (auto* n = dyn_cast_or_null<ast::NameExpr>(e)) return "'" + n->name + "'";
  return "the value";
}

/// Names that people coming from other languages reach for.
std::optional<std::string> keywordHint(std::string_view name) {
  if (name == "True" || name == "TRUE")
    return std::string("booleans are spelled 'true' and 'false'");
  if (name == "False" || name == "FALSE")
    return std::string("booleans are spelled 'true' and 'false'");
  if (name == "null" || name == "nil" || name == "None" || name == "none" || name == "undefined")
    return std::string("flow has no null value; use an empty string, 0, false or an empty list");
  if (name == "elif" || name == "elsif" || name == "elseif") return std::string("write `else if`");
  if (name == "self" || name == "this") return std::string("refer to steps and inputs by name");
  if (name == "let" || name == "var" || name == "val")
    return std::string("steps need no keyword: write `name = value`");
  return std::nullopt;
}

#if AWC_SEMA_HAS_STDLIB
bool kindAccepts(stdlib::Kind k, stdlib::Kind elem, const Type* t) {
  if (t->isError()) return true;
  switch (k) {
  case stdlib::Kind::Any:
    return true;
  case stdlib::Kind::Int:
    return t->kind() == Type::Kind::Int;
  case stdlib::Kind::Float:
  case stdlib::Kind::Number:
    return t->isNumeric();
  case stdlib::Kind::String:
    return t->kind() == Type::Kind::String || t->kind() == Type::Kind::Enum;
  case stdlib::Kind::Bool:
    return t->kind() == Type::Kind::Bool;
  case stdlib::Kind::List:
    return t->kind() == Type::Kind::List && kindAccepts(elem, stdlib::Kind::Any, t->element());
  case stdlib::Kind::Record:
    return t->kind() == Type::Kind::Record;
  }
  return false;
}

// Result kinds without a precise type (Any, Record) come back as the Error type, which
// is compatible with everything: the runtime checks those values.
const Type* kindType(TypeContext& types, stdlib::Kind k, stdlib::Kind elem) {
  switch (k) {
  case stdlib::Kind::Int:
    return types.integer();
  case stdlib::Kind::Float:
  case stdlib::Kind::Number:
    return types.floating();
  case stdlib::Kind::String:
    return types.string();
  case stdlib::Kind::Bool:
    return types.boolean();
  case stdlib::Kind::List:
    return types.list(kindType(types, elem, stdlib::Kind::Any));
  default:
    return types.error();
  }
}
#endif

} // namespace

// ---------------------------------------------------------------------------
// Workflows, blocks, steps

void Analyzer::checkWorkflow(ast::WorkflowDecl& wf, bool warnings) {
  Scope top;
  top.workflow = &wf;
  workflowSteps.clear();
  std::map<std::string, SourceRange> seen;
  for (auto& p : wf.params) {
    if (!p) continue;
    p->type = resolveType(p->typeExpr.get());
    StepInfo& pi = info[p.get()];
    pi.state = State::Done;
    pi.type = p->type;
    auto [it, inserted] = seen.emplace(p->name, p->nameRange);
    if (!inserted) {
      auto& d = diags.report(DiagCode::Redefinition, p->nameRange,
                             fmt::format("input '{}' listed twice", p->name));
      d.notes.push_back({it->second, "first listed here"});
    }
    if (p->defaultValue) {
      const Type* dt = checkExpr(p->defaultValue.get(), Ctx{nullptr, true, false});
      checkAssign(p->defaultValue.get(), dt, p->type,
                  fmt::format("default value of input '{}'", p->name));
    }
  }
  wf.resultTypeResolved = resolveType(wf.resultType.get());
  registerSteps(wf.steps, top);
  for (auto& s : wf.steps)
    if (s) checkStep(s.get());
  if (wf.result) {
    const Type* rt = checkExpr(wf.result.get(), Ctx{&top, false, false});
    checkAssign(wf.result.get(), rt, wf.resultTypeResolved,
                fmt::format("the result of workflow '{}'", wf.name));
  }
  if (!warnings) return;
  for (auto& p : wf.params)
    if (p && !p->name.empty() && p->name[0] != '_' && !info[p.get()].used)
      diags.report(DiagCode::UnusedInput, p->nameRange,
                   fmt::format("input '{}' is never used", p->name));
  for (const ast::Step* s : workflowSteps) {
    if (s->name.empty() || s->name[0] == '_' || info[s].used) continue;
    // A side-effecting tool call is run for its effect, not its value.
    if (auto* call = dyn_cast_or_null<ast::CallExpr>(s->value.get()))
      if (auto* tool = dyn_cast_or_null<ast::ToolDecl>(call->tool)) {
        bool sideEffect = false;
        for (auto& o : tool->options)
          if (o.name == "effect")
            if (auto* n = dyn_cast_or_null<ast::NameExpr>(o.value.get());
                n && n->name == "side_effect")
              sideEffect = true;
        if (sideEffect) continue;
      }
    auto& d = diags.report(DiagCode::UnusedStep, s->nameRange,
                           fmt::format("step '{}' is never used", s->name));
    d.hints.push_back(fmt::format("remove it, or name it '_{}' to keep it", s->name));
  }
}

namespace {

struct Found {
  ast::Binding binding;
  const ast::Node* target;
  const Type* type; // for local variables
  SourceRange defRange;
};

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

void collectVisible(Scope* s, std::vector<std::string>& out) {
  for (; s; s = s->parent) {
    for (auto& v : s->vars)
      out.push_back(v.name);
    for (auto& [n, st] : s->steps)
      out.push_back(n);
    if (s->workflow)
      for (auto& p : s->workflow->params)
        if (p) out.push_back(p->name);
  }
}

} // namespace

void Analyzer::registerSteps(std::vector<std::unique_ptr<ast::Step>>& steps, Scope& scope) {
  for (auto& sp : steps) {
    ast::Step* s = sp.get();
    if (!s) continue;
    info[s].scope = &scope;
    workflowSteps.push_back(s);
    if (s->name.empty()) continue;
    if (auto outer = lookupLocal(scope.parent, s->name)) {
      auto& d = diags.report(DiagCode::ShadowedName, s->nameRange,
                             fmt::format("step '{}' shadows an outer name", s->name));
      d.notes.push_back({outer->defRange, "the outer name is defined here"});
      d.hints.push_back("steps inside a block may use outer names but not rebind them; rename it");
    }
    auto [it, inserted] = scope.steps.emplace(s->name, s);
    if (!inserted) {
      auto& d = diags.report(DiagCode::Reassignment, s->nameRange,
                             fmt::format("step '{}' is assigned twice", s->name));
      d.notes.push_back({it->second->nameRange, "first assigned here"});
      d.hints.push_back("every step binds its name once; give the new value its own name");
    }
  }
}

const Type* Analyzer::checkBlock(ast::Block& block, Scope& scope, Ctx ctx) {
  registerSteps(block.steps, scope);
  for (auto& s : block.steps)
    if (s) checkStep(s.get());
  if (!block.value) return types.error();
  // A block's value is the block's own "step": it may be a model or tool call.
  return checkExpr(block.value.get(), Ctx{&scope, ctx.constMode, true});
}

const Type* Analyzer::checkStep(ast::Step* step) {
  StepInfo& si = info[step];
  if (si.state == State::Done) return si.type;
  if (si.state == State::InProgress) return types.error();
  si.state = State::InProgress;
  stack.push_back({step, step->name, step->nameRange, {}});
  const Type* t = checkExpr(step->value.get(), Ctx{si.scope, false, true});
  if (step->annotation) {
    const Type* at = resolveType(step->annotation.get());
    checkAssign(step->value.get(), t, at, fmt::format("step '{}'", step->name));
    if (!at->isError()) t = at;
  }
  stack.pop_back();
  StepInfo& done = info[step];
  done.state = State::Done;
  done.type = t;
  step->type = t;
  return t;
}

const Type* Analyzer::checkConst(const ast::ConstDecl* c) {
  StepInfo& si = info[c];
  if (si.state == State::Done) return si.type;
  if (si.state == State::InProgress) return types.error();
  si.state = State::InProgress;
  stack.push_back({c, c->name, c->nameRange, {}});
  auto* mc = const_cast<ast::ConstDecl*>(c);
  const Type* t = checkExpr(mc->value.get(), Ctx{nullptr, true, false});
  if (c->annotation) {
    const Type* at = resolveType(c->annotation.get());
    checkAssign(c->value.get(), t, at, fmt::format("constant '{}'", c->name));
    if (!at->isError()) t = at;
  }
  stack.pop_back();
  StepInfo& done = info[c];
  done.state = State::Done;
  done.type = t;
  return t;
}

void Analyzer::reportCycle(const ast::Node* target, const std::string& name, SourceRange ref) {
  auto pos =
      std::find_if(stack.begin(), stack.end(), [&](const Frame& f) { return f.node == target; });
  if (pos == stack.end()) return;
  bool isConst = isa<ast::ConstDecl>(target);
  if (pos + 1 == stack.end()) {
    auto& d =
        diags.report(DiagCode::SelfReference, ref,
                     fmt::format("{} '{}' refers to itself", isConst ? "constant" : "step", name));
    d.notes.push_back({pos->nameRange, fmt::format("'{}' is defined here", name)});
    return;
  }
  std::string path;
  for (auto it = pos; it != stack.end(); ++it)
    path += it->name + " → ";
  path += name;
  auto& d = diags.report(DiagCode::DependencyCycle, pos->nameRange,
                         fmt::format("dependency cycle: {}", path));
  for (auto it = pos; it != stack.end(); ++it) {
    bool last = it + 1 == stack.end();
    SourceRange r = last ? ref : it->refToNext;
    d.notes.push_back(
        {r, fmt::format("'{}' uses '{}' here", it->name, last ? name : (it + 1)->name)});
  }
}

bool Analyzer::checkAssign(const ast::Expr* value, const Type* from, const Type* to,
                           const std::string& what) {
  if (!from || !to || from->isError() || to->isError()) return true;
  if (to->kind() == Type::Kind::Enum) {
    if (auto* s = plainString(value)) {
      const auto& ms = to->members();
      if (std::find(ms.begin(), ms.end(), s->plainText()) != ms.end()) return true;
      diags.report(DiagCode::UnknownEnumMember, value->range(),
                   fmt::format("'{}' is not a member of {}{}", s->plainText(), to->str(),
                               didYouMean(s->plainText(), ms)));
      return false;
    }
  }
  if (isAssignable(from, to)) return true;
  // Enum values are strings at run time.
  if (from->kind() == Type::Kind::Enum && to->kind() == Type::Kind::String) return true;
  SourceRange r = value ? value->range() : SourceRange{};
  auto& d = diags.report(DiagCode::TypeMismatch, r,
                         fmt::format("{} {}, but {} is expected", what,
                                     fmt::format("has type {}", from->str()), to->str()));
  if (from->kind() == Type::Kind::Float && to->kind() == Type::Kind::Int)
    d.hints.push_back("convert explicitly, e.g. with round() or floor()");
  return false;
}

// ---------------------------------------------------------------------------
// Expressions

const Type* Analyzer::checkName(ast::NameExpr* e, Ctx ctx) {
  if (auto found = lookupLocal(ctx.scope, e->name)) {
    e->binding = found->binding;
    e->target = found->target;
    if (found->binding != ast::Binding::Step) {
      if (found->binding == ast::Binding::Input) info[found->target].used = true;
      return found->type ? found->type : types.error();
    }
    auto* step = const_cast<ast::Step*>(cast<ast::Step>(found->target));
    StepInfo& si = info[step];
    si.used = true;
    if (si.state == State::Done) return si.type ? si.type : types.error();
    if (si.state == State::InProgress) {
      reportCycle(step, step->name, e->range());
      return types.error();
    }
    if (!stack.empty()) stack.back().refToNext = e->range();
    const Type* t = checkStep(step);
    if (!stack.empty()) stack.back().refToNext = {};
    return t;
  }
  if (auto it = program.consts.find(e->name); it != program.consts.end()) {
    const ast::ConstDecl* c = it->second;
    e->binding = ast::Binding::Const;
    e->target = c;
    StepInfo& si = info[c];
    si.used = true;
    if (si.state == State::Done) return si.type ? si.type : types.error();
    if (si.state == State::InProgress) {
      reportCycle(c, c->name, e->range());
      return types.error();
    }
    if (!stack.empty()) stack.back().refToNext = e->range();
    const Type* t = checkConst(c);
    if (!stack.empty()) stack.back().refToNext = {};
    return t;
  }
  // Unknown. Say what it is if it names something else.
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
  std::vector<std::string> candidates;
  collectVisible(ctx.scope, candidates);
  for (auto& c : program.consts)
    candidates.push_back(c.getKey().str());
  std::string best = closestName(e->name, candidates);
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

const Type* Analyzer::checkCall(ast::CallExpr* e, Ctx ctx, bool top) {
  Ctx sub = ctx;
  sub.atStepTop = false;
  auto toolIt = program.tools.find(e->callee);
  if (toolIt != program.tools.end()) {
    const ast::ToolDecl* tool = toolIt->second;
    e->target = ast::CallExpr::Target::Tool;
    e->tool = tool;
    if (ctx.constMode) {
      diags.report(DiagCode::ConstNotConstant, e->range(),
                   fmt::format("a constant cannot call tool '{}'", e->callee));
    } else if (!top) {
      auto& d = diags.report(
          DiagCode::NotAtStepLevel, e->range(),
          fmt::format("tool call '{}(...)' must be the whole right-hand side of a step",
                      e->callee));
      d.hints.push_back(kBindHint);
    }
    std::vector<const ast::Param*> params;
    std::vector<std::string> paramNames;
    for (auto& p : tool->params)
      if (p) params.push_back(p.get()), paramNames.push_back(p->name);
    std::vector<const ast::Expr*> bound(params.size(), nullptr);
    size_t positional = 0;
    bool countReported = false;
    bool badName = false; // a misspelt name already explains a "missing" argument
    for (auto& arg : e->args) {
      const Type* at = checkExpr(arg.value.get(), sub);
      size_t index = params.size();
      if (arg.name.empty()) {
        index = positional++;
        if (index >= params.size()) {
          if (!countReported)
            diags.report(DiagCode::WrongArgCount, arg.value ? arg.value->range() : e->range(),
                         fmt::format("tool '{}' takes {} argument{}, but {} were given", e->callee,
                                     params.size(), params.size() == 1 ? "" : "s", e->args.size()));
          countReported = true;
          continue;
        }
      } else {
        auto pit = std::find(paramNames.begin(), paramNames.end(), arg.name);
        if (pit == paramNames.end()) {
          diags.report(DiagCode::BadArgumentName, arg.nameRange,
                       fmt::format("tool '{}' has no parameter '{}'{}", e->callee, arg.name,
                                   didYouMean(arg.name, paramNames)));
          badName = true;
          continue;
        }
        index = pit - paramNames.begin();
      }
      if (bound[index]) {
        diags.report(DiagCode::BadArgumentName,
                     arg.name.empty() ? arg.value->range() : arg.nameRange,
                     fmt::format("argument '{}' given twice", params[index]->name));
        continue;
      }
      bound[index] = arg.value ? arg.value.get() : e;
      if (arg.value)
        checkAssign(arg.value.get(), at, params[index]->type,
                    fmt::format("argument '{}' of tool '{}'", params[index]->name, e->callee));
    }
    std::vector<std::string> missing;
    for (size_t i = 0; i < params.size(); ++i)
      if (!bound[i] && !params[i]->defaultValue) missing.push_back(params[i]->name);
    if (!missing.empty() && !badName && !countReported)
      diags.report(DiagCode::MissingArgument, e->range(),
                   fmt::format("call to tool '{}' is missing argument{} {}", e->callee,
                               missing.size() == 1 ? "" : "s", joinNames(missing)));
    return tool->result ? tool->result : types.error();
  }

#if AWC_SEMA_HAS_STDLIB
  if (const stdlib::Function* fn = stdlib::findFunction(e->callee)) {
    e->target = ast::CallExpr::Target::Function;
    if (ctx.constMode && !fn->deterministic)
      diags.report(
          DiagCode::ConstNotConstant, e->range(),
          fmt::format("a constant cannot call '{}', which is not deterministic", e->callee));
    std::vector<const Type*> argTypes;
    for (auto& arg : e->args) {
      argTypes.push_back(checkExpr(arg.value.get(), sub));
      if (!arg.name.empty()) {
        auto pit = std::find_if(fn->params.begin(), fn->params.end(),
                                [&](const stdlib::Param& p) { return p.name == arg.name; });
        size_t pos = argTypes.size() - 1;
        if (pit == fn->params.end() || size_t(pit - fn->params.begin()) != pos) {
          std::vector<std::string> names;
          for (auto& p : fn->params)
            names.emplace_back(p.name);
          diags.report(DiagCode::BadArgumentName, arg.nameRange,
                       pit == fn->params.end()
                           ? fmt::format("'{}' has no parameter '{}'{}", e->callee, arg.name,
                                         didYouMean(arg.name, names))
                           : fmt::format("standard functions take arguments in order; '{}' is "
                                         "parameter {} of '{}'",
                                         arg.name, (pit - fn->params.begin()) + 1, e->callee));
        }
      }
    }
    size_t n = e->args.size();
    if (n < fn->minArgs() || n > fn->maxArgs()) {
      std::string expected = fn->minArgs() == fn->maxArgs()
                                 ? fmt::format("{}", fn->maxArgs())
                                 : fmt::format("{} to {}", fn->minArgs(), fn->maxArgs());
      diags.report(DiagCode::WrongArgCount, e->range(),
                   fmt::format("'{}' takes {} argument{}, but {} {} given", e->callee, expected,
                               fn->maxArgs() == 1 ? "" : "s", n, n == 1 ? "was" : "were"));
      return kindType(types, fn->result.kind, fn->result.elem);
    }
    bool allInt = true;
    for (size_t i = 0; i < n; ++i) {
      const stdlib::Param& p = fn->params[i];
      const Type* t = argTypes[i];
      if (!kindAccepts(p.type.kind, p.type.elem, t)) {
        diags.report(DiagCode::TypeMismatch,
                     e->args[i].value ? e->args[i].value->range() : e->range(),
                     fmt::format("argument '{}' of '{}' must be {}, not {}", p.name, e->callee,
                                 stdlib::kindName(p.type), t->str()));
        continue;
      }
      if (p.type.kind == stdlib::Kind::Number && t->kind() != Type::Kind::Int && !t->isError())
        allInt = false;
    }
    const stdlib::TypeSpec& r = fn->result;
    auto argType = [&](int i) -> const Type* {
      return i >= 0 && size_t(i) < n ? argTypes[i] : types.error();
    };
    if (r.sameAsArg >= 0) return argType(r.sameAsArg);
    if (r.elemOfArg >= 0) {
      const Type* t = argType(r.elemOfArg);
      return t->kind() == Type::Kind::List ? t->element() : types.error();
    }
    if (r.listOfArg >= 0) return types.list(argType(r.listOfArg));
    if (r.kind == stdlib::Kind::Number) return allInt ? types.integer() : types.floating();
    return kindType(types, r.kind, r.elem);
  }
#endif

  // Unknown callee: still check the arguments.
  for (auto& arg : e->args)
    checkExpr(arg.value.get(), sub);
  if (e->callee.empty()) return types.error();
  if (program.models.count(e->callee)) {
    auto& d = diags.report(
        DiagCode::UnknownTool, e->calleeRange,
        fmt::format("'{}' is a model and cannot be called like a function", e->callee));
    d.hints.push_back(fmt::format("ask it with `llm {} -> string {{ user \"...\" }}`", e->callee));
    return types.error();
  }
  if (program.workflows.count(e->callee)) {
    diags.report(
        DiagCode::UnknownTool, e->calleeRange,
        fmt::format("'{}' is a workflow; workflows cannot be called from flows", e->callee));
    return types.error();
  }
  std::vector<std::string> candidates;
  for (auto& t : program.tools)
    candidates.push_back(t.getKey().str());
#if AWC_SEMA_HAS_STDLIB
  for (auto& f : stdlib::allFunctions())
    candidates.emplace_back(f.name);
#endif
  std::string best = closestName(e->callee, candidates);
  auto& d =
      diags.report(DiagCode::UnknownTool, e->calleeRange,
                   fmt::format("unknown function or tool '{}'{}", e->callee,
                               best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
  if (!best.empty()) d.fixes.push_back({e->calleeRange, best});
  return types.error();
}

const Type* Analyzer::checkLlm(ast::LlmExpr* e, Ctx ctx) {
  Ctx sub = ctx;
  sub.atStepTop = false;
  if (e->isAuto) {
    std::string ladder = e->model.empty() ? "default" : e->model;
    auto it = program.ladders.find(ladder);
    if (it != program.ladders.end()) {
      e->modelDecl = it->second;
    } else {
      std::vector<std::string> names;
      for (auto& l : program.ladders)
        names.push_back(l.getKey().str());
      std::sort(names.begin(), names.end());
      auto& d =
          diags.report(DiagCode::UnknownLadder, e->modelRange.valid() ? e->modelRange : e->range(),
                       e->model.empty() ? std::string("`llm auto` needs a ladder named 'default'")
                                        : fmt::format("unknown model ladder '{}'{}", ladder,
                                                      didYouMean(ladder, names)));
      d.hints.push_back(fmt::format("declare it: `ladder {} = [small_model, big_model]`", ladder));
    }
  } else if (!e->model.empty()) {
    auto it = program.models.find(e->model);
    if (it != program.models.end()) {
      e->modelDecl = it->second;
    } else {
      std::vector<std::string> names;
      for (auto& m : program.models)
        names.push_back(m.getKey().str());
      std::sort(names.begin(), names.end());
      auto& d =
          diags.report(DiagCode::UnknownModel, e->modelRange,
                       fmt::format("unknown model '{}'{}", e->model, didYouMean(e->model, names)));
      if (program.ladders.count(e->model))
        d.hints.push_back(
            fmt::format("'{}' is a ladder: write `llm auto({})`", e->model, e->model));
    }
  }
  const Type* result = resolveType(e->resultType.get());
  if (result->kind() == Type::Kind::Duration)
    diags.report(DiagCode::BadToolSignature, e->resultType->range,
                 "a model cannot answer with a duration; ask for a number of seconds");
  int users = 0;
  for (auto& p : e->prompts) {
    if (p.role == ast::LlmExpr::Role::User) ++users;
    const Type* t = checkExpr(p.text.get(), sub);
    if (t->isError() || t->kind() == Type::Kind::String) continue;
    auto& d =
        diags.report(DiagCode::NotAString, p.text ? p.text->range() : p.roleRange,
                     fmt::format("{} prompt must be a string, not {}",
                                 p.role == ast::LlmExpr::Role::User ? "user" : "system", t->str()));
    d.hints.push_back(fmt::format("interpolate it into text: \"{{{}}}\"",
                                  isa_and_nonnull<ast::NameExpr>(p.text.get())
                                      ? cast<ast::NameExpr>(p.text.get())->name
                                      : std::string("value")));
  }
  if (users == 0) {
    auto& d = diags.report(DiagCode::MissingPrompt, e->range(), "model step has no `user` prompt");
    d.hints.push_back("add one: user \"...\"");
  }
  static const std::vector<std::string> optionNames = {"cache", "max_tokens", "retries",
                                                       "temperature", "timeout"};
  std::set<std::string> seen;
  for (auto& opt : e->options) {
    if (std::find(optionNames.begin(), optionNames.end(), opt.name) == optionNames.end()) {
      auto& d = diags.report(DiagCode::UnknownOption, opt.nameRange,
                             fmt::format("unknown model step option '{}'{}", opt.name,
                                         didYouMean(opt.name, optionNames)));
      d.hints.push_back(fmt::format("options are: {}", joinNames(optionNames)));
      checkExpr(opt.value.get(), sub);
      continue;
    }
    if (!seen.insert(opt.name).second)
      diags.report(DiagCode::BadOptionValue, opt.nameRange,
                   fmt::format("option '{}' given twice", opt.name));
    const Type* t = checkExpr(opt.value.get(), sub);
    if (t->isError() || !opt.value) continue;
    SourceRange r = opt.value->range();
    auto lit = numericLiteral(opt.value.get());
    if (opt.name == "temperature") {
      if (!t->isNumeric())
        diags.report(DiagCode::BadOptionValue, r,
                     fmt::format("temperature must be a number, not {}", t->str()));
      else if (lit && (*lit < 0 || *lit > 2))
        diags.report(DiagCode::BadOptionValue, r, "temperature must be between 0 and 2");
    } else if (opt.name == "max_tokens") {
      if (t->kind() != Type::Kind::Int)
        diags.report(DiagCode::BadOptionValue, r,
                     fmt::format("max_tokens must be an int, not {}", t->str()));
      else if (lit && *lit <= 0)
        diags.report(DiagCode::BadOptionValue, r, "max_tokens must be positive");
    } else if (opt.name == "retries") {
      if (t->kind() != Type::Kind::Int)
        diags.report(DiagCode::BadOptionValue, r,
                     fmt::format("retries must be an int, not {}", t->str()));
      else if (lit && *lit < 0)
        diags.report(DiagCode::BadOptionValue, r, "retries cannot be negative");
    } else if (opt.name == "timeout") {
      if (t->kind() != Type::Kind::Duration)
        diags.report(DiagCode::BadOptionValue, r,
                     fmt::format("timeout must be a duration (like 30s), not {}", t->str()));
    } else if (opt.name == "cache") {
      if (t->kind() != Type::Kind::Duration && t->kind() != Type::Kind::Bool)
        diags.report(DiagCode::BadOptionValue, r,
                     fmt::format("cache must be a bool or a duration, not {}", t->str()));
    }
  }
  static const std::vector<std::string> flagNames = {"nocache", "nofuse", "nohoist", "nolower",
                                                     "nospeculate"};
  for (auto& f : e->flags)
    if (std::find(flagNames.begin(), flagNames.end(), f.name) == flagNames.end()) {
      auto& d = diags.report(
          DiagCode::UnknownOption, f.range,
          fmt::format("unknown model step flag '{}'{}", f.name, didYouMean(f.name, flagNames)));
      d.hints.push_back(fmt::format("flags are: {}", joinNames(flagNames)));
    }
  return result;
}

const Type* Analyzer::checkExpr(ast::Expr* e, Ctx ctx) {
  if (!e) return types.error();
  const bool top = ctx.atStepTop;
  Ctx sub = ctx;
  sub.atStepTop = false;
  // Model calls, tool calls, fan-outs and ifs with steps become their own DAG nodes.
  auto placement = [&](const char* what) {
    if (ctx.constMode) {
      diags.report(DiagCode::ConstNotConstant, e->range(),
                   fmt::format("a constant cannot contain {}", what));
    } else if (!top) {
      auto& d = diags.report(DiagCode::NotAtStepLevel, e->range(),
                             fmt::format("{} must be the whole right-hand side of a step", what));
      d.hints.push_back(kBindHint);
    }
  };
  const Type* t = types.error();
  switch (e->kind()) {
  case ast::NodeKind::Literal: {
    auto* l = cast<ast::LiteralExpr>(e);
    switch (l->literalKind) {
    case ast::LiteralExpr::Kind::Int:
      t = types.integer();
      break;
    case ast::LiteralExpr::Kind::Float:
      t = types.floating();
      break;
    case ast::LiteralExpr::Kind::Bool:
      t = types.boolean();
      break;
    case ast::LiteralExpr::Kind::Duration:
      t = types.duration();
      break;
    }
    break;
  }
  case ast::NodeKind::String: {
    auto* s = cast<ast::StringExpr>(e);
    for (auto& part : s->parts) {
      if (!part.expr) continue;
      const Type* pt = checkExpr(part.expr.get(), sub);
      if (pt->kind() == Type::Kind::Duration) {
        auto& d = diags.report(DiagCode::NotInterpolable, part.expr->range(),
                               "a duration cannot be interpolated into text");
        d.hints.push_back("write the amount into the text itself");
      }
    }
    t = types.string();
    break;
  }
  case ast::NodeKind::Name:
    t = checkName(cast<ast::NameExpr>(e), ctx);
    break;
  case ast::NodeKind::Field: {
    auto* f = cast<ast::FieldExpr>(e);
    const Type* bt = checkExpr(f->base.get(), sub);
    if (bt->isError() || f->field.empty()) break;
    if (bt->kind() != Type::Kind::Record) {
      auto& d =
          diags.report(DiagCode::NotARecord, f->fieldRange.valid() ? f->fieldRange : f->range(),
                       fmt::format("cannot read field '{}': {} has type {}, not a record", f->field,
                                   describeExpr(f->base.get()), bt->str()));
      if (bt->kind() == Type::Kind::List)
        d.hints.push_back(fmt::format(
            "to read '{}' of every element, use `map x in list {{ x.{} }}`", f->field, f->field));
      break;
    }
    if (const Type::Field* field = bt->field(f->field)) {
      t = field->type;
      break;
    }
    std::vector<std::string> names;
    for (auto& fd : bt->fields())
      names.push_back(fd.name);
    std::string best = closestName(f->field, names);
    auto& d =
        diags.report(DiagCode::UnknownField, f->fieldRange.valid() ? f->fieldRange : f->range(),
                     fmt::format("{} has no field '{}'{}", bt->str(), f->field,
                                 best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
    if (!best.empty()) d.fixes.push_back({f->fieldRange, best});
    d.hints.push_back(fmt::format("fields are: {}", joinNames(names)));
    break;
  }
  case ast::NodeKind::Index: {
    auto* ix = cast<ast::IndexExpr>(e);
    const Type* bt = checkExpr(ix->base.get(), sub);
    const Type* it = checkExpr(ix->index.get(), sub);
    if (!it->isError() && it->kind() != Type::Kind::Int)
      diags.report(DiagCode::TypeMismatch, ix->index->range(),
                   fmt::format("list index must be an int, not {}", it->str()));
    if (bt->isError()) break;
    if (bt->kind() != Type::Kind::List) {
      diags.report(DiagCode::NotAList, ix->base ? ix->base->range() : e->range(),
                   fmt::format("cannot index {}: it has type {}, not a list",
                               describeExpr(ix->base.get()), bt->str()));
      break;
    }
    t = bt->element();
    break;
  }
  case ast::NodeKind::Unary: {
    auto* u = cast<ast::UnaryExpr>(e);
    const Type* ot = checkExpr(u->operand.get(), sub);
    if (ot->isError()) {
      t = u->op == ast::UnaryOp::Not ? types.boolean() : types.error();
      break;
    }
    if (u->op == ast::UnaryOp::Neg) {
      if (ot->isNumeric())
        t = ot;
      else
        diags.report(DiagCode::BadOperands, e->range(),
                     fmt::format("cannot negate a {}", ot->str()));
    } else {
      t = types.boolean();
      if (ot->kind() != Type::Kind::Bool)
        diags.report(DiagCode::BadOperands, e->range(),
                     fmt::format("'not' needs a bool, not {}", ot->str()));
    }
    break;
  }
  case ast::NodeKind::Binary: {
    auto* b = cast<ast::BinaryExpr>(e);
    const Type* lt = checkExpr(b->lhs.get(), sub);
    const Type* rt = checkExpr(b->rhs.get(), sub);
    using ast::BinaryOp;
    using K = Type::Kind;
    const char* op = ast::spelling(b->op);
    SourceRange opRange = b->opRange.valid() ? b->opRange : e->range();
    auto bad = [&](const std::string& hint = {}) {
      auto& d = diags.report(
          DiagCode::BadOperands, opRange,
          fmt::format("operator '{}' cannot apply to {} and {}", op, lt->str(), rt->str()));
      if (!hint.empty()) d.hints.push_back(hint);
    };
    bool isCompare = b->op == BinaryOp::Lt || b->op == BinaryOp::Le || b->op == BinaryOp::Gt ||
                     b->op == BinaryOp::Ge || b->op == BinaryOp::Eq || b->op == BinaryOp::Ne;
    bool isLogic = b->op == BinaryOp::And || b->op == BinaryOp::Or;
    if (isCompare || isLogic) t = types.boolean();
    if (ctx.constMode && (b->op == BinaryOp::Div || b->op == BinaryOp::Mod))
      if (auto v = numericLiteral(b->rhs.get()); v && *v == 0)
        diags.report(DiagCode::DivisionByZero, b->rhs->range(), "division by zero in a constant");
    if (lt->isError() || rt->isError()) {
      // Poisoned: keep the obvious result type so one mistake reports once.
      if (b->op == BinaryOp::Div) t = types.floating();
      break;
    }
    auto isText = [](const Type* x) { return x->kind() == K::String || x->kind() == K::Enum; };
    switch (b->op) {
    case BinaryOp::Add:
      if (lt->isNumeric() && rt->isNumeric())
        t = lt->kind() == K::Int && rt->kind() == K::Int ? types.integer() : types.floating();
      else if (lt->kind() == K::String && rt->kind() == K::String)
        t = types.string();
      else if (lt->kind() == K::List && rt->kind() == K::List && unify(lt, rt))
        t = unify(lt, rt);
      else if (lt->kind() == K::Duration && rt->kind() == K::Duration)
        t = types.duration();
      else if (isText(lt) || isText(rt))
        bad("to build text, interpolate: \"{a}{b}\"");
      else
        bad();
      break;
    case BinaryOp::Sub:
    case BinaryOp::Mul:
      if (lt->isNumeric() && rt->isNumeric())
        t = lt->kind() == K::Int && rt->kind() == K::Int ? types.integer() : types.floating();
      else
        bad();
      break;
    case BinaryOp::Div:
      t = types.floating();
      if (!lt->isNumeric() || !rt->isNumeric()) bad();
      break;
    case BinaryOp::Mod:
      t = types.integer();
      if (lt->kind() != K::Int || rt->kind() != K::Int) bad("'%' works on ints only");
      break;
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
      if (!(lt->isNumeric() && rt->isNumeric()) && !(isText(lt) && isText(rt)) &&
          !(lt->kind() == K::Duration && rt->kind() == K::Duration))
        bad("comparisons work on numbers or on strings");
      break;
    case BinaryOp::Eq:
    case BinaryOp::Ne: {
      // An enum against a string literal: the literal must be a member.
      const Type* enumT = lt->kind() == K::Enum ? lt : rt->kind() == K::Enum ? rt : nullptr;
      const ast::StringExpr* lit = plainString(lt->kind() == K::Enum ? b->rhs.get() : b->lhs.get());
      if (enumT && lit) {
        const auto& ms = enumT->members();
        if (std::find(ms.begin(), ms.end(), lit->plainText()) == ms.end()) {
          std::string best = closestName(lit->plainText(), ms);
          auto& d = diags.report(
              DiagCode::UnknownEnumMember, lit->range(),
              fmt::format("'{}' is not a member of {}{}", lit->plainText(), enumT->str(),
                          best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
          std::vector<std::string> quoted(ms.begin(), ms.end());
          d.hints.push_back(fmt::format("members are: {}", joinNames(quoted)));
        }
        break;
      }
      if (isText(lt) && isText(rt)) break;
      if (!isAssignable(lt, rt) && !isAssignable(rt, lt)) bad();
      break;
    }
    case BinaryOp::And:
    case BinaryOp::Or:
      if (lt->kind() != K::Bool || rt->kind() != K::Bool) bad();
      break;
    }
    break;
  }
  case ast::NodeKind::Call:
    t = checkCall(cast<ast::CallExpr>(e), ctx, top);
    break;
  case ast::NodeKind::List: {
    auto* l = cast<ast::ListExpr>(e);
    const Type* elem = nullptr;
    for (auto& el : l->elements) {
      const Type* et = checkExpr(el.get(), sub);
      if (!elem) {
        elem = et;
        continue;
      }
      if (const Type* u = unify(elem, et)) {
        elem = u;
        continue;
      }
      diags.report(
          DiagCode::TypeMismatch, el ? el->range() : e->range(),
          fmt::format("list elements must all have one type: this is {}, earlier ones are {}",
                      et->str(), elem->str()));
    }
    t = types.list(elem ? elem : types.error());
    break;
  }
  case ast::NodeKind::Record: {
    auto* r = cast<ast::RecordExpr>(e);
    std::vector<Type::Field> fields;
    std::map<std::string, SourceRange> seen;
    for (auto& fi : r->fields) {
      const Type* ft = checkExpr(fi.value.get(), sub);
      auto [it, inserted] = seen.emplace(fi.name, fi.nameRange);
      if (!inserted) {
        auto& d = diags.report(DiagCode::DuplicateField, fi.nameRange,
                               fmt::format("field '{}' listed twice", fi.name));
        d.notes.push_back({it->second, "first listed here"});
        continue;
      }
      fields.push_back({fi.name, ft, {}});
    }
    t = types.record(std::move(fields));
    break;
  }
  case ast::NodeKind::If: {
    auto* i = cast<ast::IfExpr>(e);
    if (ctx.constMode) {
      placement("`if`");
    } else if (!top && (!i->thenBlock.steps.empty() || !i->elseBlock.steps.empty())) {
      placement("an `if` with steps in its arms");
    }
    const Type* ct = checkExpr(i->cond.get(), sub);
    if (!ct->isError() && ct->kind() != Type::Kind::Bool)
      diags.report(DiagCode::ConditionNotBool, i->cond->range(),
                   fmt::format("condition must be a bool, not {}", ct->str()));
    Scope thenScope{ctx.scope}, elseScope{ctx.scope};
    const Type* a = checkBlock(i->thenBlock, thenScope, sub);
    const Type* bt = checkBlock(i->elseBlock, elseScope, sub);
    if (const Type* u = unify(a, bt)) {
      t = u;
    } else {
      auto& d = diags.report(DiagCode::BranchTypeMismatch, e->range(),
                             fmt::format("the arms of this `if` yield different types: {} and {}",
                                         a->str(), bt->str()));
      if (i->thenBlock.value)
        d.notes.push_back({i->thenBlock.value->range(), "this arm yields " + a->str()});
      if (i->elseBlock.value)
        d.notes.push_back({i->elseBlock.value->range(), "this arm yields " + bt->str()});
    }
    break;
  }
  case ast::NodeKind::Llm:
    placement("`llm`");
    t = checkLlm(cast<ast::LlmExpr>(e), ctx);
    break;
  case ast::NodeKind::Map:
  case ast::NodeKind::Reduce: {
    bool isMap = e->kind() == ast::NodeKind::Map;
    placement(isMap ? "`map`" : "`reduce`");
    auto* m = isMap ? cast<ast::MapExpr>(e) : nullptr;
    auto* r = isMap ? nullptr : cast<ast::ReduceExpr>(e);
    ast::Expr* listExpr = isMap ? m->list.get() : r->list.get();
    const Type* lt = checkExpr(listExpr, sub);
    const Type* elem = types.error();
    if (lt->kind() == Type::Kind::List)
      elem = lt->element();
    else if (!lt->isError())
      diags.report(DiagCode::NotAList, listExpr->range(),
                   fmt::format("`{}` needs a list, but {} has type {}", isMap ? "map" : "reduce",
                               describeExpr(listExpr), lt->str()));
    Scope inner{ctx.scope};
    const std::string& var = isMap ? m->var : r->var;
    SourceRange varRange = isMap ? m->varRange : r->varRange;
    if (auto outer = lookupLocal(ctx.scope, var); outer && !var.empty()) {
      auto& d = diags.report(DiagCode::ShadowedName, varRange,
                             fmt::format("'{}' shadows an outer name", var));
      d.notes.push_back({outer->defRange, "the outer name is defined here"});
    }
    if (isMap) {
      m->varType = elem;
      inner.vars.push_back({var, ast::Binding::MapVar, e, elem});
      const Type* bt = checkBlock(m->body, inner, sub);
      t = types.list(bt);
      break;
    }
    r->varType = elem;
    const Type* acc = checkExpr(r->init.get(), sub);
    if (auto outer = lookupLocal(ctx.scope, r->acc); outer && !r->acc.empty()) {
      auto& d = diags.report(DiagCode::ShadowedName, r->accRange,
                             fmt::format("'{}' shadows an outer name", r->acc));
      d.notes.push_back({outer->defRange, "the outer name is defined here"});
    } else if (r->acc == var && !var.empty()) {
      diags.report(DiagCode::ShadowedName, r->accRange,
                   fmt::format("the accumulator and the element are both named '{}'", var));
    }
    inner.vars.push_back({var, ast::Binding::ReduceVar, e, elem});
    inner.vars.push_back({r->acc, ast::Binding::ReduceAcc, e, acc});
    const Type* bt = checkBlock(r->body, inner, sub);
    t = acc;
    if (!bt->isError() && !acc->isError() && !isAssignable(bt, acc)) {
      auto& d =
          diags.report(DiagCode::TypeMismatch, r->body.value ? r->body.value->range() : e->range(),
                       fmt::format("the reduce body yields {}, but the accumulator '{}' is {}",
                                   bt->str(), r->acc, acc->str()));
      if (acc->kind() == Type::Kind::Int && bt->kind() == Type::Kind::Float)
        d.hints.push_back("start from a float, e.g. `with acc = 0.0`");
    } else if (acc->kind() == Type::Kind::List && acc->element()->isError() && !bt->isError()) {
      t = bt; // `with acc = []`: the body says what the list holds
    }
    break;
  }
  default:
    break;
  }
  e->type = t;
  return t;
}

} // namespace awc::sema::detail
