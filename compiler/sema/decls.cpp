// Declarations: models, ladders and tools (with their options), then every constant; the
// URL and host checks of HTTP tools are in tool_url.cpp.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>

namespace awc::sema::detail {

using llvm::dyn_cast;

namespace {

enum class OptKind { String, Number, Int, Bool, Duration, DurationOrBool, Size, Effect, Models };

const char* optKindName(OptKind k) {
  switch (k) {
  case OptKind::String:
    return "a string";
  case OptKind::Number:
    return "a number";
  case OptKind::Int:
    return "an int";
  case OptKind::Bool:
    return "a bool";
  case OptKind::Duration:
    return "a duration (like 30s)";
  case OptKind::DurationOrBool:
    return "a duration or a bool";
  case OptKind::Size:
    return "one of \"small\", \"medium\", \"large\"";
  case OptKind::Effect:
    return "one of pure, idempotent, side_effect";
  case OptKind::Models:
    return "a list of model names";
  }
  return "a value";
}

const std::map<std::string, OptKind, std::less<>> kModelOptions = {
    {"endpoint", OptKind::String},
    {"key_env", OptKind::String},
    {"price_in", OptKind::Number},
    {"price_out", OptKind::Number},
    {"cached_price_in", OptKind::Number},
    {"context", OptKind::Int},
    {"max_concurrency", OptKind::Int},
    {"rpm", OptKind::Int},
    {"tpm", OptKind::Int},
    {"size", OptKind::Size},
    {"ttft_ms", OptKind::Number},
    {"tokens_per_s", OptKind::Number},
    {"structured_tokens_per_s", OptKind::Number},
    {"structured_ttft_ms", OptKind::Number},
    {"cheaper", OptKind::Models}, // checked by checkModelAlternatives
};

const std::map<std::string, OptKind, std::less<>> kToolOptions = {
    {"effect", OptKind::Effect}, {"cache", OptKind::DurationOrBool}, {"timeout", OptKind::Duration},
    {"retries", OptKind::Int},   {"description", OptKind::String},
};

const std::vector<std::string> kProviders = {"openai", "anthropic", "sim"};

} // namespace

namespace {

// Checks `opts` against a table; values are checked as constants.
void checkOptions(Analyzer& a, std::vector<ast::Option>& opts,
                  const std::map<std::string, OptKind, std::less<>>& table, const char* what) {
  std::map<std::string, SourceRange> seen;
  std::vector<std::string> names;
  for (auto& [n, k] : table)
    names.push_back(n);
  for (ast::Option& opt : opts) {
    auto it = table.find(opt.name);
    if (it == table.end()) {
      auto& d = a.diags.report(
          DiagCode::UnknownOption, opt.nameRange,
          fmt::format("unknown {} option '{}'{}", what, opt.name, a.suggest(opt.name, names)));
      d.hints.push_back(fmt::format("{} options are: {}", what, joinNames(names)));
      continue;
    }
    auto [sit, inserted] = seen.emplace(opt.name, opt.nameRange);
    if (!inserted) {
      auto& d = a.diags.report(DiagCode::BadOptionValue, opt.nameRange,
                               fmt::format("option '{}' given twice", opt.name));
      d.notes.push_back({sit->second, "first given here"});
    }
    if (!opt.value) continue;
    OptKind kind = it->second;
    if (kind == OptKind::Models) continue; // names of models, never resolved as values
    if (kind == OptKind::Effect || kind == OptKind::Size) {
      // Bare names (effect: pure) or strings (size: "small"); never resolved as values.
      std::string v;
      bool ok = false;
      if (auto* n = dyn_cast<ast::NameExpr>(opt.value.get()))
        v = n->name, ok = true;
      else if (auto* s = dyn_cast<ast::StringExpr>(opt.value.get()); s && s->isPlain())
        v = s->plainText(), ok = true;
      std::vector<std::string> allowed =
          kind == OptKind::Effect ? std::vector<std::string>{"pure", "idempotent", "side_effect"}
                                  : std::vector<std::string>{"small", "medium", "large"};
      opt.value->type = a.types.string();
      if (!ok || std::find(allowed.begin(), allowed.end(), v) == allowed.end())
        a.diags.report(DiagCode::BadOptionValue, opt.value->range(),
                       fmt::format("option '{}' must be {}{}", opt.name, optKindName(kind),
                                   ok ? a.suggest(v, allowed) : std::string()));
      continue;
    }
    const Type* t = a.checkExpr(opt.value.get(), Ctx{nullptr, true, false});
    if (t->isError()) continue;
    bool good = false;
    switch (kind) {
    case OptKind::String:
      good = t->kind() == Type::Kind::String;
      break;
    case OptKind::Number:
      good = t->isNumeric();
      break;
    case OptKind::Int:
      good = t->kind() == Type::Kind::Int;
      break;
    case OptKind::Bool:
      good = t->kind() == Type::Kind::Bool;
      break;
    case OptKind::Duration:
      good = t->kind() == Type::Kind::Duration;
      break;
    case OptKind::DurationOrBool:
      good = t->kind() == Type::Kind::Duration || t->kind() == Type::Kind::Bool;
      break;
    default:
      break;
    }
    if (!good) {
      a.diags.report(
          DiagCode::BadOptionValue, opt.value->range(),
          fmt::format("option '{}' must be {}, not {}", opt.name, optKindName(kind), t->str()));
      continue;
    }
    // Negative counts and prices make no sense.
    if (auto* u = dyn_cast<ast::UnaryExpr>(opt.value.get()); u && u->op == ast::UnaryOp::Neg)
      a.diags.report(DiagCode::BadOptionValue, opt.value->range(),
                     fmt::format("option '{}' cannot be negative", opt.name));
  }
}

bool allowedInSignature(const Type* t) {
  if (!t) return true;
  switch (t->kind()) {
  case Type::Kind::Duration:
    return false;
  case Type::Kind::List:
    return allowedInSignature(t->element());
  case Type::Kind::Record:
    for (auto& f : t->fields())
      if (!allowedInSignature(f.type)) return false;
    return true;
  default:
    return true;
  }
}

} // namespace

void Analyzer::checkDecls() {
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* t = dyn_cast<ast::TypeAliasDecl>(decl.get())) {
        // A redefinition is checked for errors but not registered.
        if (program.typeAliases.lookup(t->name) == t)
          resolveAlias(t);
        else
          t->resolved = resolveType(t->type.get(), t->name);
      }
  for (auto& mod : program.modules)
    for (auto& declPtr : mod->decls) {
      ast::Decl* decl = declPtr.get();
      if (auto* m = dyn_cast<ast::ModelDecl>(decl))
        checkModelDecl(*m);
      else if (auto* l = dyn_cast<ast::LadderDecl>(decl))
        checkLadderDecl(*l);
      else if (auto* tool = dyn_cast<ast::ToolDecl>(decl))
        checkToolDecl(*tool);
    }
  checkAlternativeCycles();
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* c = dyn_cast<ast::ConstDecl>(decl.get())) checkConst(c);
  checkConstDepths();
}

void Analyzer::checkModelDecl(ast::ModelDecl& m) {
  if (!m.provider.empty() &&
      std::find(kProviders.begin(), kProviders.end(), m.provider) == kProviders.end()) {
    auto& d = diags.report(
        DiagCode::UnknownProvider, m.providerRange,
        fmt::format("unknown model provider '{}'{}", m.provider, suggest(m.provider, kProviders)));
    d.hints.push_back("providers are 'openai', 'anthropic' and 'sim'");
  }
  checkOptions(*this, m.options, kModelOptions, "model");
  checkModelAlternatives(m);
}

void Analyzer::checkLadderDecl(ast::LadderDecl& l) {
  for (auto& rung : l.rungs) {
    auto it = program.models.find(rung.model);
    if (it != program.models.end()) {
      rung.decl = it->second;
      continue;
    }
    std::vector<std::string> modelNames;
    for (auto& m : program.models)
      modelNames.push_back(m.getKey().str());
    std::sort(modelNames.begin(), modelNames.end());
    diags.report(DiagCode::UnknownModel, rung.range,
                 fmt::format("unknown model '{}' in ladder '{}'{}", rung.model, l.name,
                             suggest(rung.model, modelNames)));
  }
}

void Analyzer::checkToolDecl(ast::ToolDecl& tool) {
  std::map<std::string, SourceRange> seen;
  for (auto& p : tool.params) {
    if (!p) continue;
    p->type = resolveType(p->typeExpr.get());
    if (!allowedInSignature(p->type))
      diags.report(DiagCode::BadToolSignature, p->typeExpr ? p->typeExpr->range : p->range(),
                   fmt::format("tool parameter '{}' cannot be a {}; pass a number of seconds "
                               "or a string",
                               p->name, p->type->str()));
    auto [it, inserted] = seen.emplace(p->name, p->nameRange);
    if (!inserted) {
      auto& d = diags.report(DiagCode::Redefinition, p->nameRange,
                             fmt::format("parameter '{}' listed twice", p->name));
      d.notes.push_back({it->second, "first listed here"});
    }
    if (p->defaultValue) {
      const Type* dt = checkExpr(p->defaultValue.get(), Ctx{nullptr, true, false});
      if (!isAssignable(dt, p->type))
        diags.report(DiagCode::TypeMismatch, p->defaultValue->range(),
                     fmt::format("default value of '{}' is {}, expected {}", p->name, dt->str(),
                                 p->type->str()));
    }
  }
  tool.result = resolveType(tool.resultType.get());
  if (!allowedInSignature(tool.result))
    diags.report(DiagCode::BadToolSignature, tool.resultType->range,
                 fmt::format("tool result cannot contain a duration ({})", tool.result->str()));
  if (tool.impl == ast::ToolDecl::Impl::Http) checkHttpTool(tool);
  checkOptions(*this, tool.options, kToolOptions, "tool");
}

} // namespace awc::sema::detail
