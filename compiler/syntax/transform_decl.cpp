// Parse tree -> AST for declarations, types and statements: one transformX per grammar
// rule (the rule is quoted above each). Parts missing from an erroneous tree become null.
#include "internal.h"

namespace awc::syntax {

using awc::FlowParser;
namespace A = awc::ast;

SourceRange Transformer::rangeOf(antlr4::Token* token) const {
  if (!token || token->getStartIndex() == INVALID_INDEX) return {};
  uint32_t b = static_cast<uint32_t>(token->getStartIndex() + base_);
  if (token->getType() == antlr4::Token::EOF) return state_.range(b, b);
  return state_.range(b, static_cast<uint32_t>(token->getStopIndex() + 1 + base_));
}

SourceRange Transformer::rangeOf(antlr4::ParserRuleContext* ctx) const {
  if (!ctx) return {};
  SourceRange start = rangeOf(ctx->getStart());
  SourceRange stop = rangeOf(ctx->getStop());
  if (!stop.valid() || stop.end < start.begin) return start;
  return SourceRange::join(start, stop);
}

std::string Transformer::textOf(antlr4::Token* token) const {
  SourceRange r = rangeOf(token);
  if (!r.valid()) return {};
  return std::string(state_.text.substr(r.begin, r.end - r.begin));
}

bool Transformer::isMissing(antlr4::tree::TerminalNode* node) {
  return !node || node->getSymbol()->getStartIndex() == INVALID_INDEX;
}

// file_ : item* EOF ;
std::unique_ptr<A::Module> Transformer::transformFile(FlowParser::File_Context* ctx) {
  auto module = std::make_unique<A::Module>();
  module->file = state_.file;
  if (!ctx) return module;
  for (auto* item : ctx->item())
    if (A::DeclPtr decl = transformItem(item)) module->decls.push_back(std::move(decl));
  return module;
}

// item : importDecl | hostDecl | modelDecl | ladderDecl | typeDecl | toolDecl | constDecl
//      | workflowDecl ;
A::DeclPtr Transformer::transformItem(FlowParser::ItemContext* ctx) {
  if (!ctx) return nullptr;
  depthReported_ = false;
  if (auto* c = ctx->importDecl()) return transformImport(c);
  if (auto* c = ctx->hostDecl()) return transformHost(c);
  if (auto* c = ctx->modelDecl()) return transformModel(c);
  if (auto* c = ctx->ladderDecl()) return transformLadder(c);
  if (auto* c = ctx->typeDecl()) return transformTypeDecl(c);
  if (auto* c = ctx->toolDecl()) return transformTool(c);
  if (auto* c = ctx->constDecl()) return transformConst(c);
  if (auto* c = ctx->workflowDecl()) return transformWorkflow(c);
  return nullptr;
}

// importDecl : 'import' (STRING | modulePath) ;   modulePath : IDENT ('/' IDENT)* ;
A::DeclPtr Transformer::transformImport(FlowParser::ImportDeclContext* ctx) {
  auto decl = std::make_unique<A::ImportDecl>(rangeOf(ctx));
  if (auto* s = ctx->STRING()) {
    decl->path = plainString(s);
    decl->nameRange = rangeOf(s);
  } else if (auto* m = ctx->modulePath()) {
    for (auto* id : m->IDENT()) {
      if (!decl->path.empty()) decl->path += '/';
      decl->path += textOf(id);
    }
    decl->isStd = true;
    decl->nameRange = rangeOf(m);
  }
  return decl;
}

// hostDecl : 'host' STRING (',' STRING)* ;
A::DeclPtr Transformer::transformHost(FlowParser::HostDeclContext* ctx) {
  auto decl = std::make_unique<A::HostDecl>(rangeOf(ctx));
  for (auto* s : ctx->STRING())
    if (!isMissing(s)) decl->hosts.push_back({plainString(s), rangeOf(s)});
  return decl;
}

// modelDecl : 'model' IDENT '=' IDENT '(' STRING ')' optionBlock? ;
A::DeclPtr Transformer::transformModel(FlowParser::ModelDeclContext* ctx) {
  auto decl = std::make_unique<A::ModelDecl>(rangeOf(ctx));
  auto ids = ctx->IDENT();
  if (ids.size() > 0) {
    decl->name = textOf(ids[0]);
    decl->nameRange = rangeOf(ids[0]);
  }
  if (ids.size() > 1) {
    decl->provider = textOf(ids[1]);
    decl->providerRange = rangeOf(ids[1]);
  }
  if (auto* s = ctx->STRING(); s && !isMissing(s)) {
    decl->modelName = plainString(s);
    decl->modelNameRange = rangeOf(s);
  }
  decl->options = transformOptions(ctx->optionBlock());
  return decl;
}

// ladderDecl : 'ladder' IDENT '=' '[' IDENT (',' IDENT)* ','? ']' ;
A::DeclPtr Transformer::transformLadder(FlowParser::LadderDeclContext* ctx) {
  auto decl = std::make_unique<A::LadderDecl>(rangeOf(ctx));
  auto ids = ctx->IDENT();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (isMissing(ids[i])) continue;
    if (i == 0) {
      decl->name = textOf(ids[i]);
      decl->nameRange = rangeOf(ids[i]);
    } else {
      decl->rungs.push_back({textOf(ids[i]), rangeOf(ids[i])});
    }
  }
  return decl;
}

// typeDecl : 'type' IDENT '=' typeExpr ;
A::DeclPtr Transformer::transformTypeDecl(FlowParser::TypeDeclContext* ctx) {
  auto decl = std::make_unique<A::TypeAliasDecl>(rangeOf(ctx));
  decl->name = textOf(ctx->IDENT());
  decl->nameRange = rangeOf(ctx->IDENT());
  decl->type = transformType(ctx->typeExpr());
  return decl;
}

// toolDecl : 'tool' IDENT '(' paramList? ')' '->' typeExpr '=' toolImpl optionBlock? ;
// toolImpl : 'http' IDENT STRING # httpTool | 'host' # hostTool ;
A::DeclPtr Transformer::transformTool(FlowParser::ToolDeclContext* ctx) {
  auto decl = std::make_unique<A::ToolDecl>(rangeOf(ctx));
  decl->name = textOf(ctx->IDENT());
  decl->nameRange = rangeOf(ctx->IDENT());
  decl->params = transformParams(ctx->paramList());
  decl->resultType = transformType(ctx->typeExpr());
  if (auto* http = dynamic_cast<FlowParser::HttpToolContext*>(ctx->toolImpl())) {
    decl->impl = A::ToolDecl::Impl::Http;
    decl->method = textOf(http->IDENT());
    decl->methodRange = rangeOf(http->IDENT());
    if (!isMissing(http->STRING())) {
      decl->url = plainString(http->STRING());
      decl->urlRange = rangeOf(http->STRING());
    }
  } else {
    decl->impl = A::ToolDecl::Impl::Host;
  }
  decl->options = transformOptions(ctx->optionBlock());
  return decl;
}

// constDecl : 'const' IDENT (':' typeExpr)? '=' expr ;
A::DeclPtr Transformer::transformConst(FlowParser::ConstDeclContext* ctx) {
  auto decl = std::make_unique<A::ConstDecl>(rangeOf(ctx));
  decl->name = textOf(ctx->IDENT());
  decl->nameRange = rangeOf(ctx->IDENT());
  decl->annotation = transformType(ctx->typeExpr());
  decl->value = transformExpr(ctx->expr());
  return decl;
}

// workflowDecl : 'workflow' IDENT '(' paramList? ')' '->' typeExpr ('with' optionBlock)?
//                '{' statement* returnStmt '}' ;
A::DeclPtr Transformer::transformWorkflow(FlowParser::WorkflowDeclContext* ctx) {
  auto decl = std::make_unique<A::WorkflowDecl>(rangeOf(ctx));
  decl->name = textOf(ctx->IDENT());
  decl->nameRange = rangeOf(ctx->IDENT());
  decl->params = transformParams(ctx->paramList());
  decl->resultType = transformType(ctx->typeExpr());
  decl->options = transformOptions(ctx->optionBlock());
  for (auto* st : ctx->statement())
    if (auto step = transformStatement(st)) decl->steps.push_back(std::move(step));
  if (auto* ret = ctx->returnStmt()) {
    depthReported_ = false;
    decl->returnRange = rangeOf(ret);
    decl->result = transformExpr(ret->expr());
  }
  return decl;
}

// paramList : param (',' param)* ','? ;   param : IDENT ':' typeExpr ('=' expr)? ;
std::vector<std::unique_ptr<A::Param>>
Transformer::transformParams(FlowParser::ParamListContext* ctx) {
  std::vector<std::unique_ptr<A::Param>> params;
  if (!ctx) return params;
  for (auto* p : ctx->param()) {
    if (isMissing(p->IDENT())) continue;
    auto param = std::make_unique<A::Param>(rangeOf(p), textOf(p->IDENT()), rangeOf(p->IDENT()));
    param->typeExpr = transformType(p->typeExpr());
    param->defaultValue = transformExpr(p->expr());
    params.push_back(std::move(param));
  }
  return params;
}

// optionBlock : '{' (option (','? option)* ','?)? '}' ;   option : name ':' expr ;
std::vector<A::Option> Transformer::transformOptions(FlowParser::OptionBlockContext* ctx) {
  std::vector<A::Option> options;
  if (!ctx) return options;
  for (auto* o : ctx->option()) {
    if (!o->name()) continue;
    depthReported_ = false;
    options.push_back(
        {textOf(o->name()->getStart()), rangeOf(o->name()), transformExpr(o->expr())});
  }
  return options;
}

// typeExpr : 'enum' '{' enumMember (',' enumMember)* ','? '}'   # enumType
//          | '{' fieldType (',' fieldType)* ','? '}'            # recordType
//          | IDENT '<' typeExpr '>'                             # genericType
//          | IDENT                                              # namedType ;
std::unique_ptr<A::TypeExpr> Transformer::transformType(FlowParser::TypeExprContext* ctx) {
  if (!ctx) return nullptr;
  auto type = std::make_unique<A::TypeExpr>();
  type->range = rangeOf(ctx);
  if (auto* named = dynamic_cast<FlowParser::NamedTypeContext*>(ctx)) {
    type->kind = A::TypeExpr::Kind::Named;
    type->name = textOf(named->IDENT());
  } else if (auto* generic = dynamic_cast<FlowParser::GenericTypeContext*>(ctx)) {
    type->kind = A::TypeExpr::Kind::Generic;
    type->name = textOf(generic->IDENT());
    if (auto arg = transformType(generic->typeExpr())) type->args.push_back(std::move(arg));
  } else if (auto* en = dynamic_cast<FlowParser::EnumTypeContext*>(ctx)) {
    // enumMember : name | STRING ;
    type->kind = A::TypeExpr::Kind::Enum;
    for (auto* m : en->enumMember()) {
      if (m->STRING())
        type->members.push_back({plainString(m->STRING()), rangeOf(m->STRING())});
      else if (m->name())
        type->members.push_back({textOf(m->name()->getStart()), rangeOf(m->name())});
    }
  } else if (auto* rec = dynamic_cast<FlowParser::RecordTypeContext*>(ctx)) {
    // fieldType : name ':' typeExpr STRING? ;
    type->kind = A::TypeExpr::Kind::Record;
    for (auto* f : rec->fieldType()) {
      if (!f->name()) continue;
      A::TypeExpr::FieldDecl field;
      field.name = textOf(f->name()->getStart());
      field.range = rangeOf(f->name());
      field.type = transformType(f->typeExpr());
      if (f->STRING()) field.description = plainString(f->STRING());
      type->fields.push_back(std::move(field));
    }
  } else {
    return nullptr;
  }
  return type;
}

// statement : IDENT (':' typeExpr)? '=' expr ;
std::unique_ptr<A::Step> Transformer::transformStatement(FlowParser::StatementContext* ctx) {
  if (!ctx || isMissing(ctx->IDENT())) return nullptr;
  depthReported_ = false;
  auto step = std::make_unique<A::Step>(rangeOf(ctx), textOf(ctx->IDENT()), rangeOf(ctx->IDENT()));
  step->annotation = transformType(ctx->typeExpr());
  step->value = transformExpr(ctx->expr());
  return step;
}

} // namespace awc::syntax
