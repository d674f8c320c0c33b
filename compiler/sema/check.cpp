// Workflow checking: dataflow name resolution across the steps of each block, dependency
// cycles, single assignment, step placement, and the dispatch of every expression to its
// kind's checker (check_*.cpp).
//
// Steps may be written in any order, so a step is checked on demand when a name first
// refers to it; a reference to a step that is still being checked closes a dependency
// cycle, and the stack of steps in progress is the cycle's path. Every nested check counts
// against kMaxCheckDepth, so a long chain stops with a located error, not a stack overflow.
#include "analyzer.h"
#include "awc/ast/walker.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::sema::detail {

using llvm::cast;
using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

// ---------------------------------------------------------------------------
// Shared helpers

const Type* unify(const Type* a, const Type* b) {
  if (a == b) return a;
  if (a->isError()) return b;
  if (b->isError()) return a;
  if (isAssignable(a, b)) return b;
  if (isAssignable(b, a)) return a;
  return nullptr;
}

std::optional<double> numericLiteral(const ast::Expr* e) {
  bool negate = false;
  // Iterative: `- - - 1` may be long.
  while (auto* u = dyn_cast_or_null<ast::UnaryExpr>(e)) {
    if (u->op != ast::UnaryOp::Neg) return std::nullopt;
    negate = !negate;
    e = u->operand.get();
  }
  if (auto* l = dyn_cast_or_null<ast::LiteralExpr>(e)) {
    if (l->literalKind == ast::LiteralExpr::Kind::Int)
      return negate ? -double(l->intValue) : double(l->intValue);
    if (l->literalKind == ast::LiteralExpr::Kind::Float)
      return negate ? -l->floatValue : l->floatValue;
  }
  return std::nullopt;
}

const ast::StringExpr* plainString(const ast::Expr* e) {
  auto* s = dyn_cast_or_null<ast::StringExpr>(e);
  return s && s->isPlain() ? s : nullptr;
}

// `if c { "low" } else if d { "medium" } else { "high" }`: every arm a plain member literal of
// the enum (how a rewrite of bands by thresholds is written; the lower pass suggests it).
bool armsAreMembers(const ast::Expr* e, const Type* en) {
  if (auto* s = plainString(e))
    return std::find(en->members().begin(), en->members().end(), s->plainText()) !=
           en->members().end();
  auto* ie = dyn_cast_or_null<ast::IfExpr>(e);
  return ie && ie->thenBlock.steps.empty() && ie->elseBlock.steps.empty() &&
         armsAreMembers(ie->thenBlock.value.get(), en) &&
         armsAreMembers(ie->elseBlock.value.get(), en);
}

std::string describeExpr(const ast::Expr* e) {
  if (auto* n = dyn_cast_or_null<ast::NameExpr>(e)) return "'" + n->name + "'";
  return "the value";
}

// ---------------------------------------------------------------------------
// Workflows, blocks, steps

void Analyzer::checkWorkflow(ast::WorkflowDecl& wf, bool warnings) {
  Scope top;
  top.workflow = &wf;
  workflowSteps.clear();
  workflowWarnings = warnings;
  checkWorkflowOptions(wf);
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
  if (warnings && !tooDeepReported) warnUnused(wf);
}

void Analyzer::warnUnused(ast::WorkflowDecl& wf) {
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
                               suggest(s->plainText(), ms)));
      return false;
    }
    if (from->kind() == Type::Kind::String && dyn_cast_or_null<ast::IfExpr>(value) != nullptr &&
        armsAreMembers(value, to))
      return true;
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
// Limits

void Analyzer::reportTooDeep(SourceRange where) {
  if (tooDeepReported) return;
  tooDeepReported = true;
  auto& d = diags.report(
      DiagCode::ChainTooDeep, where,
      fmt::format("expression/definition chain too deep (limit {} levels)", kMaxCheckDepth));
  if (!stack.empty())
    d.notes.push_back({stack.front().nameRange,
                       fmt::format("the chain starts at '{}' ({} definitions in progress)",
                                   stack.front().name, stack.size())});
  d.hints.push_back("define steps, constants and types before the ones that use them, or "
                    "split long expressions into steps");
}

const Type* Analyzer::limitNesting(const Type* t, SourceRange where) {
  if (t->depth() <= kMaxTypeDepth) return t;
  if (!typeTooDeepReported)
    diags.report(DiagCode::TypeTooDeep, where,
                 fmt::format("type nested deeper than {} levels", kMaxTypeDepth));
  typeTooDeepReported = true;
  return types.error();
}

// Constants are expanded (lowered and folded) recursively downstream, so the depth of a
// constant's value with its constants expanded is bounded here. Computed bottom-up over
// the constants' dependency graph with explicit stacks; cycles were reported by checking.
void Analyzer::checkConstDepths() {
  std::unordered_map<const ast::ConstDecl*, size_t> height;
  std::set<const ast::ConstDecl*> tooDeep, onPath;
  auto depsOf = [](const ast::ConstDecl* c) {
    std::vector<const ast::ConstDecl*> deps;
    ast::walkExpr(c->value.get(), [&](const ast::Expr* e, size_t) {
      if (auto* n = dyn_cast<ast::NameExpr>(e); n && n->binding == ast::Binding::Const)
        deps.push_back(cast<ast::ConstDecl>(n->target));
      return true;
    });
    return deps;
  };
  auto measure = [&](const ast::ConstDecl* c) {
    size_t h = 0;
    bool inherited = false;
    ast::walkExpr(c->value.get(), [&](const ast::Expr* e, size_t d) {
      size_t below = 0;
      if (auto* n = dyn_cast<ast::NameExpr>(e); n && n->binding == ast::Binding::Const) {
        auto* target = cast<ast::ConstDecl>(n->target);
        below = height.count(target) ? height[target] : 0;
        inherited = inherited || tooDeep.count(target);
      }
      h = std::max(h, d + 1 + below);
      return true;
    });
    height[c] = h;
    if (inherited || h > kMaxConstDepth) tooDeep.insert(c);
    // Once per compilation, and not on top of a chain already cut short by the check limit.
    if (!inherited && h > kMaxConstDepth && !tooDeepReported) {
      tooDeepReported = true;
      diags.report(DiagCode::ChainTooDeep, c->nameRange,
                   fmt::format("constant '{}' nests {} levels deep with the constants it uses "
                               "expanded (limit {})",
                               c->name, h, kMaxConstDepth));
    }
  };
  std::vector<const ast::ConstDecl*> roots; // declaration order, for a stable report
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* c = dyn_cast<ast::ConstDecl>(decl.get()); c && program.consts.lookup(c->name) == c)
        roots.push_back(c);
  for (const ast::ConstDecl* root : roots) {
    if (height.count(root)) continue;
    // Post-order over dependencies: (const, deps pushed?).
    std::vector<std::pair<const ast::ConstDecl*, bool>> work{{root, false}};
    while (!work.empty()) {
      auto [c, expanded] = work.back();
      if (expanded) {
        work.pop_back();
        onPath.erase(c);
        if (!height.count(c)) measure(c);
        continue;
      }
      work.back().second = true;
      if (height.count(c) || !onPath.insert(c).second) {
        work.pop_back();
        continue;
      }
      for (const ast::ConstDecl* dep : depsOf(c))
        if (!height.count(dep) && !onPath.count(dep)) work.push_back({dep, false});
    }
  }
}

// ---------------------------------------------------------------------------
// Expressions: one checker per kind

void Analyzer::checkPlacement(const ast::Expr* e, Ctx ctx, const char* what) {
  // Model calls, tool calls, fan-outs and ifs with steps become their own DAG nodes.
  if (ctx.constMode) {
    diags.report(DiagCode::ConstNotConstant, e->range(),
                 fmt::format("a constant cannot contain {}", what));
  } else if (!ctx.atStepTop) {
    auto& d = diags.report(DiagCode::NotAtStepLevel, e->range(),
                           fmt::format("{} must be the whole right-hand side of a step", what));
    d.hints.push_back("bind it to its own step: `x = ...`");
  }
}

const Type* Analyzer::checkExpr(ast::Expr* e, Ctx ctx) {
  if (!e) return types.error();
  DepthGuard guard(depth);
  if (depth > kMaxCheckDepth) {
    reportTooDeep(e->range());
    e->type = types.error();
    return e->type;
  }
  Ctx sub = ctx;
  sub.atStepTop = false;
  const Type* t = types.error();
  switch (e->kind()) {
  case ast::NodeKind::Literal:
    t = checkLiteral(cast<ast::LiteralExpr>(e));
    break;
  case ast::NodeKind::String:
    t = checkString(cast<ast::StringExpr>(e), sub);
    break;
  case ast::NodeKind::Name:
    t = checkName(cast<ast::NameExpr>(e), ctx);
    break;
  case ast::NodeKind::Field:
    t = checkField(cast<ast::FieldExpr>(e), sub);
    break;
  case ast::NodeKind::Index:
    t = checkIndex(cast<ast::IndexExpr>(e), sub);
    break;
  case ast::NodeKind::Unary:
    t = checkUnary(cast<ast::UnaryExpr>(e), sub);
    break;
  case ast::NodeKind::Binary:
    t = checkBinary(cast<ast::BinaryExpr>(e), ctx);
    break;
  case ast::NodeKind::Call:
    t = checkCall(cast<ast::CallExpr>(e), ctx);
    break;
  case ast::NodeKind::List:
    t = checkList(cast<ast::ListExpr>(e), sub);
    break;
  case ast::NodeKind::Record:
    t = checkRecord(cast<ast::RecordExpr>(e), sub);
    break;
  case ast::NodeKind::If:
    t = checkIf(cast<ast::IfExpr>(e), ctx);
    break;
  case ast::NodeKind::Llm:
    checkPlacement(e, ctx, "`llm`");
    t = checkLlm(cast<ast::LlmExpr>(e), ctx);
    break;
  case ast::NodeKind::Map:
    t = checkMap(cast<ast::MapExpr>(e), ctx);
    break;
  case ast::NodeKind::Reduce:
    t = checkReduce(cast<ast::ReduceExpr>(e), ctx);
    break;
  default:
    break;
  }
  e->type = t;
  return t;
}

} // namespace awc::sema::detail
