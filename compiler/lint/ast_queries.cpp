// Questions the lint rules ask of the checked AST: is a prompt part static, what is its
// text, does an expression read a workflow input or a value that changes on every run.
// Every walk goes through awc/ast/walker.h (explicit stacks), so long step chains are safe.
#include "awc/ast/walker.h"
#include "lint_internal.h"

#include <cctype>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::lint {

using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

// A prompt part whose text is known at compile time: literals and constants only.
bool isStaticExpr(const ast::Expr* e) {
  if (!e) return false;
  if (isa<ast::LiteralExpr>(e)) return true;
  if (auto* n = dyn_cast<ast::NameExpr>(e)) return n->binding == ast::Binding::Const;
  if (auto* s = dyn_cast<ast::StringExpr>(e)) {
    for (const auto& p : s->parts)
      if (p.expr && !isStaticExpr(p.expr.get())) return false;
    return true;
  }
  return false;
}

// The text of a static prompt part (constants resolved one level deep, as the IR does).
std::optional<std::string> staticText(const ast::Expr* e) {
  if (auto* s = dyn_cast_or_null<ast::StringExpr>(e)) {
    std::string out;
    for (const auto& p : s->parts) {
      if (!p.expr) {
        out += p.text;
        continue;
      }
      auto inner = staticText(p.expr.get());
      if (!inner) return std::nullopt;
      out += *inner;
    }
    return out;
  }
  if (auto* n = dyn_cast_or_null<ast::NameExpr>(e))
    if (auto* c = dyn_cast_or_null<ast::ConstDecl>(n->target)) return staticText(c->value.get());
  return std::nullopt;
}

std::string trimmed(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b])))
    ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1])))
    --e;
  return std::string(s.substr(b, e - b));
}

std::string collapseSpace(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// An expression that reads nothing at run time: literals and constants combined.
bool isConstantExpr(const ast::Expr* e) {
  if (!e) return false;
  bool all = true;
  ast::walkExpr(e, [&](const ast::Expr* x, size_t) {
    if (!all || isa<ast::LiteralExpr>(x)) return false;
    if (auto* n = dyn_cast<ast::NameExpr>(x)) {
      all = n->binding == ast::Binding::Const;
      return false;
    }
    all = isa<ast::UnaryExpr>(x) || isa<ast::BinaryExpr>(x) || isa<ast::StringExpr>(x);
    return all;
  });
  return all;
}

void forEachExpr(const ast::Expr* e, const std::function<void(const ast::Expr*)>& fn) {
  ast::walkExpr(e, [&](const ast::Expr* x, size_t) {
    fn(x);
    return true;
  });
}

// Whether an expression reads a workflow input, directly or through native steps. A
// worklist, not recursion: chains of steps may be thousands long.
bool readsInput(const ast::Expr* root, std::string& which) {
  std::set<const ast::Node*> seen;
  std::vector<const ast::Expr*> work{root};
  bool found = false;
  while (!work.empty() && !found) {
    const ast::Expr* e = work.back();
    work.pop_back();
    ast::walkExpr(e, [&](const ast::Expr* x, size_t) {
      auto* n = dyn_cast<ast::NameExpr>(x);
      if (found || !n) return !found;
      if (n->binding == ast::Binding::Input) {
        which = n->name;
        found = true;
      } else if (auto* s = dyn_cast_or_null<ast::Step>(n->target);
                 s && n->binding == ast::Binding::Step && s->value && seen.insert(s).second) {
        // A model answer or a tool result is a new value, not the caller's text.
        auto* call = dyn_cast<ast::CallExpr>(s->value.get());
        bool fresh = isa<ast::LlmExpr>(s->value.get()) ||
                     (call && call->target == ast::CallExpr::Target::Tool);
        if (!fresh) work.push_back(s->value.get());
      }
      return false;
    });
  }
  return found;
}

namespace {

bool isVolatileFunction(const ast::CallExpr* c) {
  return c->target == ast::CallExpr::Target::Function &&
         (c->callee == "now" || c->callee == "today" || c->callee == "uuid" ||
          c->callee == "random");
}

} // namespace

// A value that changes on every run (now(), today()) — poison inside a cached prefix. Steps
// whose value is a call are followed (the step's call is what gets reported), with a
// worklist rather than recursion.
const ast::CallExpr* volatileCall(const ast::Expr* root) {
  struct Item {
    const ast::Expr* expr;
    const ast::CallExpr* report; // what to report when the poison is found under `expr`
  };
  std::vector<Item> work{{root, nullptr}};
  std::set<const ast::Step*> seen;
  while (!work.empty()) {
    Item it = work.back();
    work.pop_back();
    const ast::CallExpr* found = nullptr;
    std::vector<Item> next;
    ast::walkExpr(it.expr, [&](const ast::Expr* x, size_t) {
      if (found) return false;
      if (auto* c = dyn_cast<ast::CallExpr>(x); c && isVolatileFunction(c)) {
        found = c;
        return false;
      }
      if (auto* n = dyn_cast<ast::NameExpr>(x); n && n->binding == ast::Binding::Step)
        if (auto* s = dyn_cast_or_null<ast::Step>(n->target); s && seen.insert(s).second)
          if (auto* c = dyn_cast_or_null<ast::CallExpr>(s->value.get()))
            next.push_back({c, it.report ? it.report : c});
      return true;
    });
    if (found) return it.report ? it.report : found;
    work.insert(work.end(), next.rbegin(), next.rend());
  }
  return nullptr;
}

} // namespace awc::lint
