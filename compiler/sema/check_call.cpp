// Calls: tool calls (arguments bound to parameters by position or name), standard library
// function calls (typed by the stdlib registry), and unknown callees.
#include "analyzer.h"
#include "awc/stdlib/functions.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace awc::sema::detail {

namespace {

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

} // namespace

const Type* Analyzer::checkCall(ast::CallExpr* e, Ctx ctx) {
  auto toolIt = program.tools.find(e->callee);
  if (toolIt != program.tools.end()) return checkToolCall(e, toolIt->second, ctx);
  Ctx sub = ctx;
  sub.atStepTop = false;
  bool known = false;
  const Type* t = checkFunctionCall(e, sub, known);
  return known ? t : reportUnknownCallee(e, sub);
}

const Type* Analyzer::checkToolCall(ast::CallExpr* e, const ast::ToolDecl* tool, Ctx ctx) {
  e->target = ast::CallExpr::Target::Tool;
  e->tool = tool;
  if (ctx.constMode) {
    diags.report(DiagCode::ConstNotConstant, e->range(),
                 fmt::format("a constant cannot call tool '{}'", e->callee));
  } else if (!ctx.atStepTop) {
    auto& d = diags.report(
        DiagCode::NotAtStepLevel, e->range(),
        fmt::format("tool call '{}(...)' must be the whole right-hand side of a step", e->callee));
    d.hints.push_back("bind it to its own step: `x = ...`");
  }
  Ctx sub = ctx;
  sub.atStepTop = false;
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
                                 suggest(arg.name, paramNames)));
        badName = true;
        continue;
      }
      index = pit - paramNames.begin();
    }
    if (bound[index]) {
      diags.report(DiagCode::BadArgumentName, arg.name.empty() ? arg.value->range() : arg.nameRange,
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

namespace {

// `likely(cond, p)`: p is what the compiler reads at build time (speculate), so it must be a
// number literal from 0 to 1 — a value known only at run time could not inform the plan.
void checkProbability(const ast::CallExpr& e, DiagnosticEngine& diags) {
  if (e.args.size() != 2 || !e.args[1].value) return; // the count is reported already
  const ast::Expr* p = e.args[1].value.get();
  auto* lit = llvm::dyn_cast<ast::LiteralExpr>(p);
  bool number = lit && (lit->literalKind == ast::LiteralExpr::Kind::Int ||
                        lit->literalKind == ast::LiteralExpr::Kind::Float);
  if (!number) {
    auto& d = diags.report(DiagCode::BadProbability, p->range(),
                           "the probability of 'likely' must be a number literal");
    d.hints.push_back("write the chance that the condition is true, e.g. `likely(c, 0.8)`");
    return;
  }
  double v =
      lit->literalKind == ast::LiteralExpr::Kind::Int ? double(lit->intValue) : lit->floatValue;
  if (!(v >= 0 && v <= 1))
    diags.report(DiagCode::BadProbability, p->range(),
                 fmt::format("probability {} is outside 0 to 1", v));
}

} // namespace

// A standard library call; `known` is false when `e` names no standard function.
const Type* Analyzer::checkFunctionCall(ast::CallExpr* e, Ctx sub, bool& known) {
  const stdlib::Function* fn = stdlib::findFunction(e->callee);
  known = fn != nullptr;
  if (!fn) return types.error();
  e->target = ast::CallExpr::Target::Function;
  if (sub.constMode && !fn->deterministic)
    diags.report(DiagCode::ConstNotConstant, e->range(),
                 fmt::format("a constant cannot call '{}', which is not deterministic", e->callee));
  std::vector<const Type*> argTypes;
  for (auto& arg : e->args) {
    argTypes.push_back(checkExpr(arg.value.get(), sub));
    if (arg.name.empty()) continue;
    auto pit = std::find_if(fn->params.begin(), fn->params.end(),
                            [&](const stdlib::Param& p) { return p.name == arg.name; });
    size_t pos = argTypes.size() - 1;
    if (pit != fn->params.end() && size_t(pit - fn->params.begin()) == pos) continue;
    std::vector<std::string> names;
    for (auto& p : fn->params)
      names.emplace_back(p.name);
    diags.report(DiagCode::BadArgumentName, arg.nameRange,
                 pit == fn->params.end()
                     ? fmt::format("'{}' has no parameter '{}'{}", e->callee, arg.name,
                                   suggest(arg.name, names))
                     : fmt::format("standard functions take arguments in order; '{}' is "
                                   "parameter {} of '{}'",
                                   arg.name, (pit - fn->params.begin()) + 1, e->callee));
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
  if (e->callee == "likely") checkProbability(*e, diags);
  const stdlib::TypeSpec& r = fn->result;
  auto argType = [&](int i) -> const Type* {
    return i >= 0 && size_t(i) < n ? argTypes[i] : types.error();
  };
  if (r.sameAsArg >= 0) return argType(r.sameAsArg);
  if (r.elemOfArg >= 0) {
    const Type* t = argType(r.elemOfArg);
    return t->kind() == Type::Kind::List ? t->element() : types.error();
  }
  if (r.listOfArg >= 0) return limitNesting(types.list(argType(r.listOfArg)), e->range());
  if (r.kind == stdlib::Kind::Number) return allInt ? types.integer() : types.floating();
  return kindType(types, r.kind, r.elem);
}

const Type* Analyzer::reportUnknownCallee(ast::CallExpr* e, Ctx sub) {
  // Still check the arguments.
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
  NameMatcher m(e->callee, suggestBudget);
  for (auto& t : program.tools)
    m.consider(t.getKey());
  for (auto& f : stdlib::allFunctions())
    m.consider(f.name);
  std::string best = m.best();
  auto& d =
      diags.report(DiagCode::UnknownTool, e->calleeRange,
                   fmt::format("unknown function or tool '{}'{}", e->callee,
                               best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
  if (!best.empty()) d.fixes.push_back({e->calleeRange, best});
  return types.error();
}

} // namespace awc::sema::detail
