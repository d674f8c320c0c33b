// The one way to visit the AST: the direct parts of an expression (forEachChild,
// forEachPart) and whole-tree walks (walkExpr, walkSteps) that keep their own stack, so
// an arbitrarily deep tree costs heap, never call stack. Sema, lint and the printer use it
// instead of each switching over node kinds.
#pragma once

#include "awc/ast/ast.h"

#include <algorithm>
#include <llvm/Support/Casting.h>
#include <memory>
#include <vector>

namespace awc::ast {

/// Calls `onExpr(const Expr*)` for each sub-expression of `e` and `onStep(const Step*)` for
/// each step of its blocks, in source order (an `if`: condition, then-steps, then-value,
/// else-steps, else-value). Null children are skipped.
template <typename OnExpr, typename OnStep>
void forEachPart(const Expr* e, OnExpr&& onExpr, OnStep&& onStep) {
  using llvm::cast;
  auto expr = [&](const ExprPtr& p) {
    if (p) onExpr(p.get());
  };
  auto block = [&](const Block& b) {
    for (const auto& s : b.steps)
      if (s) onStep(s.get());
    expr(b.value);
  };
  if (!e) return;
  switch (e->kind()) {
  case NodeKind::String:
    for (const auto& p : cast<StringExpr>(e)->parts)
      expr(p.expr);
    break;
  case NodeKind::Field:
    expr(cast<FieldExpr>(e)->base);
    break;
  case NodeKind::Index:
    expr(cast<IndexExpr>(e)->base);
    expr(cast<IndexExpr>(e)->index);
    break;
  case NodeKind::Unary:
    expr(cast<UnaryExpr>(e)->operand);
    break;
  case NodeKind::Binary:
    expr(cast<BinaryExpr>(e)->lhs);
    expr(cast<BinaryExpr>(e)->rhs);
    break;
  case NodeKind::Call:
    for (const auto& a : cast<CallExpr>(e)->args)
      expr(a.value);
    break;
  case NodeKind::List:
    for (const auto& x : cast<ListExpr>(e)->elements)
      expr(x);
    break;
  case NodeKind::Record:
    for (const auto& f : cast<RecordExpr>(e)->fields)
      expr(f.value);
    break;
  case NodeKind::If: {
    auto* i = cast<IfExpr>(e);
    expr(i->cond);
    block(i->thenBlock);
    block(i->elseBlock);
    break;
  }
  case NodeKind::Llm: {
    auto* l = cast<LlmExpr>(e);
    for (const auto& p : l->prompts)
      expr(p.text);
    for (const auto& o : l->options)
      expr(o.value);
    break;
  }
  case NodeKind::Map:
    expr(cast<MapExpr>(e)->list);
    block(cast<MapExpr>(e)->body);
    break;
  case NodeKind::Reduce: {
    auto* r = cast<ReduceExpr>(e);
    expr(r->list);
    expr(r->init);
    block(r->body);
    break;
  }
  default:
    break;
  }
}

/// Calls `fn(const Expr*)` for each sub-expression of `e`, blocks' values included but not
/// the steps inside blocks.
template <typename Fn> void forEachChild(const Expr* e, Fn&& fn) {
  forEachPart(e, fn, [](const Step*) {});
}

namespace detail {
struct WalkItem {
  const Expr* expr;
  const Step* step;
  size_t depth;
};

template <typename OnExpr, typename OnStep>
void walk(std::vector<WalkItem>& stack, OnExpr& onExpr, OnStep& onStep) {
  while (!stack.empty()) {
    WalkItem it = stack.back();
    stack.pop_back();
    if (it.step) {
      if (onStep(it.step) && it.step->value)
        stack.push_back({it.step->value.get(), nullptr, it.depth + 1});
      continue;
    }
    if (!it.expr || !onExpr(it.expr, it.depth)) continue;
    size_t mark = stack.size();
    forEachPart(
        it.expr,
        [&](const Expr* c) {
          stack.push_back({c, nullptr, it.depth + 1});
        },
        [&](const Step* s) {
          stack.push_back({nullptr, s, it.depth + 1});
        });
    std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(mark), stack.end());
  }
}
} // namespace detail

/// Visits `root` and everything under it in pre-order without recursion:
/// `onExpr(const Expr*, size_t depth)` and `onStep(const Step*)` (for steps inside blocks)
/// return whether to descend into that node. The root has depth 0.
template <typename OnExpr, typename OnStep>
void walkExpr(const Expr* root, OnExpr&& onExpr, OnStep&& onStep) {
  std::vector<detail::WalkItem> stack{{root, nullptr, 0}};
  detail::walk(stack, onExpr, onStep);
}

/// walkExpr over expressions only (steps inside blocks are descended into, not reported).
template <typename OnExpr> void walkExpr(const Expr* root, OnExpr&& onExpr) {
  walkExpr(root, onExpr, [](const Step*) { return true; });
}

/// Calls `fn(const Step&)` for every step of `steps` and of the blocks nested in their
/// values (if arms, map and reduce bodies), in source order, without recursion.
template <typename Fn> void walkSteps(const std::vector<std::unique_ptr<Step>>& steps, Fn&& fn) {
  std::vector<detail::WalkItem> stack;
  for (auto it = steps.rbegin(); it != steps.rend(); ++it)
    if (*it) stack.push_back({nullptr, it->get(), 0});
  auto onExpr = [](const Expr*, size_t) { return true; };
  auto onStep = [&](const Step* s) {
    fn(*s);
    return true;
  };
  detail::walk(stack, onExpr, onStep);
}

} // namespace awc::ast
