// Typing rules of the plain value expressions: literals, strings, field and index access,
// unary and binary operators, list and record literals.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::sema::detail {

const Type* Analyzer::checkLiteral(ast::LiteralExpr* e) {
  switch (e->literalKind) {
  case ast::LiteralExpr::Kind::Int:
    return types.integer();
  case ast::LiteralExpr::Kind::Float:
    return types.floating();
  case ast::LiteralExpr::Kind::Bool:
    return types.boolean();
  case ast::LiteralExpr::Kind::Duration:
    return types.duration();
  }
  return types.error();
}

const Type* Analyzer::checkString(ast::StringExpr* e, Ctx sub) {
  for (auto& part : e->parts) {
    if (!part.expr) continue;
    const Type* pt = checkExpr(part.expr.get(), sub);
    if (pt->kind() == Type::Kind::Duration) {
      auto& d = diags.report(DiagCode::NotInterpolable, part.expr->range(),
                             "a duration cannot be interpolated into text");
      d.hints.push_back("write the amount into the text itself");
    }
  }
  return types.string();
}

const Type* Analyzer::checkField(ast::FieldExpr* f, Ctx sub) {
  const Type* bt = checkExpr(f->base.get(), sub);
  if (bt->isError() || f->field.empty()) return types.error();
  SourceRange where = f->fieldRange.valid() ? f->fieldRange : f->range();
  if (bt->kind() != Type::Kind::Record) {
    auto& d = diags.report(DiagCode::NotARecord, where,
                           fmt::format("cannot read field '{}': {} has type {}, not a record",
                                       f->field, describeExpr(f->base.get()), bt->str()));
    if (bt->kind() == Type::Kind::List)
      d.hints.push_back(fmt::format("to read '{}' of every element, use `map x in list {{ x.{} }}`",
                                    f->field, f->field));
    return types.error();
  }
  if (const Type::Field* field = bt->field(f->field)) return field->type;
  std::vector<std::string> names;
  NameMatcher m(f->field, suggestBudget);
  for (auto& fd : bt->fields()) {
    names.push_back(fd.name);
    m.consider(fd.name);
  }
  std::string best = m.best();
  auto& d =
      diags.report(DiagCode::UnknownField, where,
                   fmt::format("{} has no field '{}'{}", bt->str(), f->field,
                               best.empty() ? "" : fmt::format("; did you mean '{}'?", best)));
  if (!best.empty()) d.fixes.push_back({f->fieldRange, best});
  d.hints.push_back(fmt::format("fields are: {}", joinNames(names)));
  return types.error();
}

const Type* Analyzer::checkIndex(ast::IndexExpr* ix, Ctx sub) {
  const Type* bt = checkExpr(ix->base.get(), sub);
  const Type* it = checkExpr(ix->index.get(), sub);
  if (!it->isError() && it->kind() != Type::Kind::Int)
    diags.report(DiagCode::TypeMismatch, ix->index->range(),
                 fmt::format("list index must be an int, not {}", it->str()));
  if (bt->isError()) return types.error();
  if (bt->kind() != Type::Kind::List) {
    diags.report(DiagCode::NotAList, ix->base ? ix->base->range() : ix->range(),
                 fmt::format("cannot index {}: it has type {}, not a list",
                             describeExpr(ix->base.get()), bt->str()));
    return types.error();
  }
  return bt->element();
}

const Type* Analyzer::checkUnary(ast::UnaryExpr* u, Ctx sub) {
  const Type* ot = checkExpr(u->operand.get(), sub);
  if (ot->isError()) return u->op == ast::UnaryOp::Not ? types.boolean() : types.error();
  if (u->op == ast::UnaryOp::Neg) {
    if (ot->isNumeric()) return ot;
    diags.report(DiagCode::BadOperands, u->range(), fmt::format("cannot negate a {}", ot->str()));
    return types.error();
  }
  if (ot->kind() != Type::Kind::Bool)
    diags.report(DiagCode::BadOperands, u->range(),
                 fmt::format("'not' needs a bool, not {}", ot->str()));
  return types.boolean();
}

namespace {

bool isText(const Type* x) {
  return x->kind() == Type::Kind::String || x->kind() == Type::Kind::Enum;
}

bool isCompare(ast::BinaryOp op) {
  using ast::BinaryOp;
  return op == BinaryOp::Lt || op == BinaryOp::Le || op == BinaryOp::Gt || op == BinaryOp::Ge ||
         op == BinaryOp::Eq || op == BinaryOp::Ne;
}

/// The result of an arithmetic or ordering operator on well-typed operands, or null with
/// `hint` set when the operator does not apply.
const Type* arithmetic(TypeContext& types, ast::BinaryOp op, const Type* lt, const Type* rt,
                       std::string& hint) {
  using ast::BinaryOp;
  using K = Type::Kind;
  bool numeric = lt->isNumeric() && rt->isNumeric();
  const Type* widened =
      lt->kind() == K::Int && rt->kind() == K::Int ? types.integer() : types.floating();
  switch (op) {
  case BinaryOp::Add:
    if (numeric) return widened;
    if (lt->kind() == K::String && rt->kind() == K::String) return types.string();
    if (lt->kind() == K::List && rt->kind() == K::List && unify(lt, rt)) return unify(lt, rt);
    if (lt->kind() == K::Duration && rt->kind() == K::Duration) return types.duration();
    if (isText(lt) || isText(rt)) hint = "to build text, interpolate: \"{a}{b}\"";
    return nullptr;
  case BinaryOp::Sub:
  case BinaryOp::Mul:
    return numeric ? widened : nullptr;
  case BinaryOp::Div:
    return numeric ? types.floating() : nullptr;
  case BinaryOp::Mod:
    hint = "'%' works on ints only";
    return lt->kind() == K::Int && rt->kind() == K::Int ? types.integer() : nullptr;
  case BinaryOp::And:
  case BinaryOp::Or:
    return lt->kind() == K::Bool && rt->kind() == K::Bool ? types.boolean() : nullptr;
  default: // orderings
    hint = "comparisons work on numbers or on strings";
    if (numeric || (isText(lt) && isText(rt)) ||
        (lt->kind() == K::Duration && rt->kind() == K::Duration))
      return types.boolean();
    return nullptr;
  }
}

/// The type an ill-typed operator still yields, so one mistake reports once.
const Type* fallbackType(TypeContext& types, ast::BinaryOp op) {
  using ast::BinaryOp;
  if (isCompare(op) || op == BinaryOp::And || op == BinaryOp::Or) return types.boolean();
  if (op == BinaryOp::Div) return types.floating();
  if (op == BinaryOp::Mod) return types.integer();
  return types.error();
}

} // namespace

const Type* Analyzer::checkBinary(ast::BinaryExpr* b, Ctx ctx) {
  Ctx sub = ctx;
  sub.atStepTop = false;
  const Type* lt = checkExpr(b->lhs.get(), sub);
  const Type* rt = checkExpr(b->rhs.get(), sub);
  using ast::BinaryOp;
  if (ctx.constMode && (b->op == BinaryOp::Div || b->op == BinaryOp::Mod))
    if (auto v = numericLiteral(b->rhs.get()); v && *v == 0)
      diags.report(DiagCode::DivisionByZero, b->rhs->range(), "division by zero in a constant");
  if (lt->isError() || rt->isError()) {
    // Poisoned: keep the obvious result type so one mistake reports once.
    return isCompare(b->op) || b->op == BinaryOp::And || b->op == BinaryOp::Or ||
                   b->op == BinaryOp::Div
               ? fallbackType(types, b->op)
               : types.error();
  }
  if (b->op == BinaryOp::Eq || b->op == BinaryOp::Ne) return checkEquality(b, lt, rt);
  std::string hint;
  if (const Type* t = arithmetic(types, b->op, lt, rt, hint)) return t;
  auto& d = diags.report(DiagCode::BadOperands, b->opRange.valid() ? b->opRange : b->range(),
                         fmt::format("operator '{}' cannot apply to {} and {}",
                                     ast::spelling(b->op), lt->str(), rt->str()));
  if (!hint.empty()) d.hints.push_back(hint);
  return fallbackType(types, b->op);
}

const Type* Analyzer::checkEquality(ast::BinaryExpr* b, const Type* lt, const Type* rt) {
  using K = Type::Kind;
  // An enum against a string literal: the literal must be a member.
  const Type* enumT = lt->kind() == K::Enum ? lt : rt->kind() == K::Enum ? rt : nullptr;
  const ast::StringExpr* lit = plainString(lt->kind() == K::Enum ? b->rhs.get() : b->lhs.get());
  if (enumT && lit) {
    const auto& ms = enumT->members();
    if (std::find(ms.begin(), ms.end(), lit->plainText()) == ms.end()) {
      auto& d = diags.report(DiagCode::UnknownEnumMember, lit->range(),
                             fmt::format("'{}' is not a member of {}{}", lit->plainText(),
                                         enumT->str(), suggest(lit->plainText(), ms)));
      std::vector<std::string> quoted(ms.begin(), ms.end());
      d.hints.push_back(fmt::format("members are: {}", joinNames(quoted)));
    }
    return types.boolean();
  }
  if (isText(lt) && isText(rt)) return types.boolean();
  if (!isAssignable(lt, rt) && !isAssignable(rt, lt))
    diags.report(DiagCode::BadOperands, b->opRange.valid() ? b->opRange : b->range(),
                 fmt::format("operator '{}' cannot apply to {} and {}", ast::spelling(b->op),
                             lt->str(), rt->str()));
  return types.boolean();
}

const Type* Analyzer::checkList(ast::ListExpr* l, Ctx sub) {
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
        DiagCode::TypeMismatch, el ? el->range() : l->range(),
        fmt::format("list elements must all have one type: this is {}, earlier ones are {}",
                    et->str(), elem->str()));
  }
  return limitNesting(types.list(elem ? elem : types.error()), l->range());
}

const Type* Analyzer::checkRecord(ast::RecordExpr* r, Ctx sub) {
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
  return limitNesting(types.record(std::move(fields)), r->range());
}

} // namespace awc::sema::detail
