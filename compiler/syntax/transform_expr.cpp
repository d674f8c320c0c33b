// Parse tree -> AST for expressions. Recursion is bounded by ParseOptions::maxExprDepth:
// past it the expression is reported (AWC5002) and dropped, so a 100k-term operator chain
// neither overflows the stack here nor builds an AST too deep to destroy safely.
#include "internal.h"

#include <cmath>
#include <cstdlib>
#include <fmt/format.h>

namespace awc::syntax {

using awc::FlowLexer;
using awc::FlowParser;
namespace A = awc::ast;

namespace {

struct DepthScope {
  size_t& depth;
  explicit DepthScope(size_t& d) : depth(d) { ++depth; }
  ~DepthScope() { --depth; }
};

std::optional<A::BinaryOp> binaryOp(std::string_view s) {
  static const std::pair<std::string_view, A::BinaryOp> ops[] = {
      {"*", A::BinaryOp::Mul}, {"/", A::BinaryOp::Div}, {"%", A::BinaryOp::Mod},
      {"+", A::BinaryOp::Add}, {"-", A::BinaryOp::Sub}, {"<", A::BinaryOp::Lt},
      {"<=", A::BinaryOp::Le}, {">", A::BinaryOp::Gt},  {">=", A::BinaryOp::Ge},
      {"==", A::BinaryOp::Eq}, {"!=", A::BinaryOp::Ne}, {"and", A::BinaryOp::And},
      {"or", A::BinaryOp::Or}};
  for (const auto& [spelling, op] : ops)
    if (spelling == s) return op;
  return std::nullopt;
}

} // namespace

A::ExprPtr Transformer::transformExpr(FlowParser::ExprContext* ctx) {
  if (!ctx) return nullptr;
  if (depth_ >= state_.options.maxExprDepth) {
    if (!depthReported_)
      state_.error(DiagCode::ExpressionTooDeep, rangeOf(ctx->getStart()),
                   fmt::format("expression nested deeper than {} levels; split it into steps",
                               state_.options.maxExprDepth));
    depthReported_ = true;
    return nullptr;
  }
  DepthScope scope(depth_);
  return transformExprInner(ctx);
}

// expr : primary # primaryExpr | expr '.' name # fieldExpr | expr '[' expr ']' # indexExpr
//      | op='-' expr # unaryExpr | expr op=(...) expr # binaryExpr | op='not' expr # unaryExpr
A::ExprPtr Transformer::transformExprInner(FlowParser::ExprContext* ctx) {
  SourceRange range = rangeOf(ctx);
  if (auto* p = dynamic_cast<FlowParser::PrimaryExprContext*>(ctx))
    return transformPrimary(p->primary());
  if (auto* f = dynamic_cast<FlowParser::FieldExprContext*>(ctx)) {
    auto base = transformExpr(f->expr());
    if (!f->name()) return base;
    return std::make_unique<A::FieldExpr>(range, std::move(base), textOf(f->name()->getStart()),
                                          rangeOf(f->name()));
  }
  if (auto* ix = dynamic_cast<FlowParser::IndexExprContext*>(ctx)) {
    auto base = transformExpr(ix->expr(0));
    auto index = transformExpr(ix->expr(1));
    return std::make_unique<A::IndexExpr>(range, std::move(base), std::move(index));
  }
  if (auto* u = dynamic_cast<FlowParser::UnaryExprContext*>(ctx)) {
    A::UnaryOp op = u->op && textOf(u->op) == "not" ? A::UnaryOp::Not : A::UnaryOp::Neg;
    return std::make_unique<A::UnaryExpr>(range, op, transformExpr(u->expr()));
  }
  if (auto* bin = dynamic_cast<FlowParser::BinaryExprContext*>(ctx)) {
    auto op = bin->op ? binaryOp(textOf(bin->op)) : std::nullopt;
    auto lhs = transformExpr(bin->expr(0));
    auto rhs = transformExpr(bin->expr(1));
    if (!op) return lhs;
    return std::make_unique<A::BinaryExpr>(range, *op, std::move(lhs), std::move(rhs),
                                           rangeOf(bin->op));
  }
  return nullptr;
}

A::ExprPtr Transformer::transformPrimary(FlowParser::PrimaryContext* ctx) {
  if (!ctx) return nullptr;
  SourceRange range = rangeOf(ctx);
  // literal
  if (auto* lit = dynamic_cast<FlowParser::LiteralPrimaryContext*>(ctx))
    return transformLiteral(lit->literal());
  // IDENT
  if (auto* name = dynamic_cast<FlowParser::NamePrimaryContext*>(ctx))
    return std::make_unique<A::NameExpr>(range, textOf(name->IDENT()));
  // '(' expr ')' — parentheses leave no node behind.
  if (auto* paren = dynamic_cast<FlowParser::ParenPrimaryContext*>(ctx))
    return transformExpr(paren->expr());
  // IDENT '(' argList? ')' ;  argList : arg (',' arg)* ','? ;  arg : (IDENT ':')? expr ;
  if (auto* call = dynamic_cast<FlowParser::CallPrimaryContext*>(ctx)) {
    auto expr = std::make_unique<A::CallExpr>(range, textOf(call->IDENT()), rangeOf(call->IDENT()));
    if (auto* args = call->argList()) {
      for (auto* a : args->arg()) {
        A::CallExpr::Arg arg;
        if (a->IDENT()) {
          arg.name = textOf(a->IDENT());
          arg.nameRange = rangeOf(a->IDENT());
        }
        arg.value = transformExpr(a->expr());
        expr->args.push_back(std::move(arg));
      }
    }
    return expr;
  }
  // '[' (expr (',' expr)* ','?)? ']'
  if (auto* list = dynamic_cast<FlowParser::ListPrimaryContext*>(ctx)) {
    auto expr = std::make_unique<A::ListExpr>(range);
    for (auto* e : list->expr())
      if (auto el = transformExpr(e)) expr->elements.push_back(std::move(el));
    return expr;
  }
  // '{' fieldInit (',' fieldInit)* ','? '}' ;  fieldInit : name ':' expr ;
  if (auto* rec = dynamic_cast<FlowParser::RecordPrimaryContext*>(ctx)) {
    auto expr = std::make_unique<A::RecordExpr>(range);
    for (auto* f : rec->fieldInit()) {
      if (!f->name()) continue;
      expr->fields.push_back(
          {textOf(f->name()->getStart()), rangeOf(f->name()), transformExpr(f->expr())});
    }
    return expr;
  }
  // 'if' expr valueBlock 'else' (valueBlock | ifTail)
  if (auto* i = dynamic_cast<FlowParser::IfPrimaryContext*>(ctx))
    return transformIf(i->expr(), i->valueBlock(), i->ifTail(), range);
  // 'llm' modelRef '->' typeExpr '{' llmItem* '}'
  if (auto* llm = dynamic_cast<FlowParser::LlmPrimaryContext*>(ctx)) return transformLlm(llm);
  // 'map' IDENT 'in' expr valueBlock
  if (auto* m = dynamic_cast<FlowParser::MapPrimaryContext*>(ctx)) {
    auto expr = std::make_unique<A::MapExpr>(range);
    expr->var = textOf(m->IDENT());
    expr->varRange = rangeOf(m->IDENT());
    expr->list = transformExpr(m->expr());
    expr->body = transformBlock(m->valueBlock());
    return expr;
  }
  // 'reduce' IDENT 'in' expr 'with' IDENT '=' expr valueBlock
  if (auto* r = dynamic_cast<FlowParser::ReducePrimaryContext*>(ctx)) {
    auto expr = std::make_unique<A::ReduceExpr>(range);
    auto ids = r->IDENT();
    if (ids.size() > 0) {
      expr->var = textOf(ids[0]);
      expr->varRange = rangeOf(ids[0]);
    }
    if (ids.size() > 1) {
      expr->acc = textOf(ids[1]);
      expr->accRange = rangeOf(ids[1]);
    }
    expr->list = transformExpr(r->expr(0));
    expr->init = transformExpr(r->expr(1));
    expr->body = transformBlock(r->valueBlock());
    return expr;
  }
  return nullptr;
}

// ifTail : 'if' expr valueBlock 'else' (valueBlock | ifTail) ;  — an `else if` becomes an
// IfExpr that is the whole value of the else block.
A::ExprPtr Transformer::transformIf(FlowParser::ExprContext* cond,
                                    std::vector<FlowParser::ValueBlockContext*> blocks,
                                    FlowParser::IfTailContext* tail, SourceRange range) {
  auto expr = std::make_unique<A::IfExpr>(range);
  expr->cond = transformExpr(cond);
  if (blocks.size() > 0) expr->thenBlock = transformBlock(blocks[0]);
  if (blocks.size() > 1) {
    expr->elseBlock = transformBlock(blocks[1]);
  } else if (tail) {
    expr->elseBlock.range = rangeOf(tail);
    if (depth_ >= state_.options.maxExprDepth) {
      if (!depthReported_)
        state_.error(
            DiagCode::ExpressionTooDeep, rangeOf(tail->getStart()),
            fmt::format("'else if' chain deeper than {} levels", state_.options.maxExprDepth));
      depthReported_ = true;
    } else {
      DepthScope scope(depth_);
      expr->elseBlock.value =
          transformIf(tail->expr(), tail->valueBlock(), tail->ifTail(), rangeOf(tail));
    }
  }
  return expr;
}

// valueBlock : '{' statement* expr '}' ;
A::Block Transformer::transformBlock(FlowParser::ValueBlockContext* ctx) {
  A::Block block;
  if (!ctx) return block;
  block.range = rangeOf(ctx);
  for (auto* st : ctx->statement()) {
    auto* ident = st->IDENT();
    if (!ident || isMissing(ident)) continue;
    auto step = std::make_unique<A::Step>(rangeOf(st), textOf(ident), rangeOf(ident));
    step->annotation = transformType(st->typeExpr());
    step->value = transformExpr(st->expr());
    block.steps.push_back(std::move(step));
  }
  block.value = transformExpr(ctx->expr());
  return block;
}

// modelRef : IDENT | 'auto' ('(' IDENT ')')? ;
// llmItem : role=('system' | 'user') expr ','? # promptItem | name ':' expr ','? # optionItem
//         | name ','? # flagItem ;
A::ExprPtr Transformer::transformLlm(FlowParser::LlmPrimaryContext* ctx) {
  auto expr = std::make_unique<A::LlmExpr>(rangeOf(ctx));
  if (auto* ref = ctx->modelRef()) {
    expr->modelRange = rangeOf(ref);
    expr->isAuto = textOf(ref->getStart()) == "auto";
    if (ref->IDENT()) expr->model = textOf(ref->IDENT());
  }
  expr->resultType = transformType(ctx->typeExpr());
  for (auto* item : ctx->llmItem()) {
    if (auto* p = dynamic_cast<FlowParser::PromptItemContext*>(item)) {
      if (!p->role) continue;
      A::LlmExpr::Role role =
          textOf(p->role) == "system" ? A::LlmExpr::Role::System : A::LlmExpr::Role::User;
      expr->prompts.push_back({role, rangeOf(p->role), transformExpr(p->expr())});
    } else if (auto* o = dynamic_cast<FlowParser::OptionItemContext*>(item)) {
      if (!o->name()) continue;
      expr->options.push_back(
          {textOf(o->name()->getStart()), rangeOf(o->name()), transformExpr(o->expr())});
    } else if (auto* f = dynamic_cast<FlowParser::FlagItemContext*>(item)) {
      if (!f->name()) continue;
      expr->flags.push_back({textOf(f->name()->getStart()), rangeOf(f->name())});
    }
  }
  return expr;
}

// literal : INT | FLOAT | DURATION | STRING | TRIPLE_STRING | RAW_STRING | 'true' | 'false' ;
A::ExprPtr Transformer::transformLiteral(FlowParser::LiteralContext* ctx) {
  if (!ctx) return nullptr;
  antlr4::Token* tok = ctx->getStart();
  switch (tok->getType()) {
  case FlowLexer::INT:
  case FlowLexer::FLOAT:
  case FlowLexer::DURATION:
    return transformNumber(tok);
  case FlowLexer::STRING:
  case FlowLexer::TRIPLE_STRING:
  case FlowLexer::RAW_STRING:
    return transformString(tok);
  default:
    break;
  }
  auto lit = std::make_unique<A::LiteralExpr>(rangeOf(tok), A::LiteralExpr::Kind::Bool);
  lit->boolValue = textOf(tok) == "true";
  return lit;
}

// INT : DIGITS ;  FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT ;
// DURATION : DIGITS ('ms' | 's' | 'm' | 'h') ;   DIGITS may contain '_' separators.
A::ExprPtr Transformer::transformNumber(antlr4::Token* tok) {
  SourceRange range = rangeOf(tok);
  std::string spelled = textOf(tok);
  std::string digits;
  for (char c : spelled)
    if (c != '_') digits += c;
  size_t type = tok->getType();

  if (type == FlowLexer::FLOAT) {
    auto lit = std::make_unique<A::LiteralExpr>(range, A::LiteralExpr::Kind::Float);
    lit->floatValue = std::strtod(digits.c_str(), nullptr);
    if (!std::isfinite(lit->floatValue)) {
      state_.error(DiagCode::BadNumber, range,
                   fmt::format("number '{}' is too large for a float", spelled));
      lit->floatValue = 0;
    }
    return lit;
  }

  int64_t multiplier = 1;
  if (type == FlowLexer::DURATION) {
    size_t unitAt = digits.find_first_not_of("0123456789");
    std::string unit = digits.substr(unitAt);
    digits.resize(unitAt);
    multiplier = unit == "ms" ? 1 : unit == "s" ? 1000 : unit == "m" ? 60'000 : 3'600'000;
  }
  uint64_t value = 0;
  bool overflow = false;
  for (char c : digits) {
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (value > (uint64_t(INT64_MAX) - d) / 10) {
      overflow = true;
      break;
    }
    value = value * 10 + d;
  }
  if (!overflow && value > uint64_t(INT64_MAX) / uint64_t(multiplier)) overflow = true;
  auto lit = std::make_unique<A::LiteralExpr>(range, type == FlowLexer::DURATION
                                                         ? A::LiteralExpr::Kind::Duration
                                                         : A::LiteralExpr::Kind::Int);
  if (overflow) {
    state_.error(
        DiagCode::BadNumber, range,
        type == FlowLexer::DURATION
            ? fmt::format("duration '{}' is too long (the limit is {} ms)", spelled, INT64_MAX)
            : fmt::format("integer '{}' does not fit in 64 bits (the largest is {})", spelled,
                          INT64_MAX));
    return lit;
  }
  lit->intValue = static_cast<int64_t>(value) * multiplier;
  return lit;
}

} // namespace awc::syntax
