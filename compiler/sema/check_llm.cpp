// Model steps: `llm MODEL -> T { prompts, options, flags }` — the model or ladder it names,
// its result type, its prompts (strings), and its options and flags.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::sema::detail {

using llvm::cast;
using llvm::isa_and_nonnull;

const Type* Analyzer::checkLlm(ast::LlmExpr* e, Ctx ctx) {
  Ctx sub = ctx;
  sub.atStepTop = false;
  resolveLlmModel(e);
  const Type* result = resolveType(e->resultType.get());
  if (result->kind() == Type::Kind::Duration)
    diags.report(DiagCode::BadToolSignature, e->resultType->range,
                 "a model cannot answer with a duration; ask for a number of seconds");
  checkLlmPrompts(e, sub);
  checkLlmOptions(e, sub);
  static const std::vector<std::string> flagNames = {
      "nocache", "nofuse", "nohoist", "nolower", "nospeculate", "norightsize", "rightsize"};
  for (auto& f : e->flags)
    if (std::find(flagNames.begin(), flagNames.end(), f.name) == flagNames.end()) {
      auto& d = diags.report(
          DiagCode::UnknownOption, f.range,
          fmt::format("unknown model step flag '{}'{}", f.name, suggest(f.name, flagNames)));
      d.hints.push_back(fmt::format("flags are: {}", joinNames(flagNames)));
    }
  checkRightsizeFlags(e, workflowWarnings);
  return result;
}

void Analyzer::resolveLlmModel(ast::LlmExpr* e) {
  if (e->isAuto) {
    std::string ladder = e->model.empty() ? "default" : e->model;
    auto it = program.ladders.find(ladder);
    if (it != program.ladders.end()) {
      e->modelDecl = it->second;
      return;
    }
    std::vector<std::string> names;
    for (auto& l : program.ladders)
      names.push_back(l.getKey().str());
    std::sort(names.begin(), names.end());
    auto& d =
        diags.report(DiagCode::UnknownLadder, e->modelRange.valid() ? e->modelRange : e->range(),
                     e->model.empty() ? std::string("`llm auto` needs a ladder named 'default'")
                                      : fmt::format("unknown model ladder '{}'{}", ladder,
                                                    suggest(ladder, names)));
    d.hints.push_back(fmt::format("declare it: `ladder {} = [small_model, big_model]`", ladder));
    return;
  }
  if (e->model.empty()) return;
  auto it = program.models.find(e->model);
  if (it != program.models.end()) {
    e->modelDecl = it->second;
    return;
  }
  std::vector<std::string> names;
  for (auto& m : program.models)
    names.push_back(m.getKey().str());
  std::sort(names.begin(), names.end());
  auto& d = diags.report(DiagCode::UnknownModel, e->modelRange,
                         fmt::format("unknown model '{}'{}", e->model, suggest(e->model, names)));
  if (program.ladders.count(e->model))
    d.hints.push_back(fmt::format("'{}' is a ladder: write `llm auto({})`", e->model, e->model));
}

void Analyzer::checkLlmPrompts(ast::LlmExpr* e, Ctx sub) {
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
}

namespace {

/// What is wrong with the value of model step option `name` (of type `t`), or "".
std::string badLlmOption(const std::string& name, const Type* t, std::optional<double> lit) {
  if (name == "temperature") {
    if (!t->isNumeric()) return fmt::format("temperature must be a number, not {}", t->str());
    if (lit && (*lit < 0 || *lit > 2)) return "temperature must be between 0 and 2";
  } else if (name == "max_tokens") {
    if (t->kind() != Type::Kind::Int)
      return fmt::format("max_tokens must be an int, not {}", t->str());
    if (lit && *lit <= 0) return "max_tokens must be positive";
  } else if (name == "retries") {
    if (t->kind() != Type::Kind::Int)
      return fmt::format("retries must be an int, not {}", t->str());
    if (lit && *lit < 0) return "retries cannot be negative";
  } else if (name == "timeout") {
    if (t->kind() != Type::Kind::Duration)
      return fmt::format("timeout must be a duration (like 30s), not {}", t->str());
  } else if (name == "cache") {
    if (t->kind() != Type::Kind::Duration && t->kind() != Type::Kind::Bool)
      return fmt::format("cache must be a bool or a duration, not {}", t->str());
  }
  return {};
}

} // namespace

void Analyzer::checkLlmOptions(ast::LlmExpr* e, Ctx sub) {
  static const std::vector<std::string> optionNames = {"cache", "max_tokens", "retries",
                                                       "temperature", "timeout"};
  std::set<std::string> seen;
  for (auto& opt : e->options) {
    if (std::find(optionNames.begin(), optionNames.end(), opt.name) == optionNames.end()) {
      auto& d = diags.report(DiagCode::UnknownOption, opt.nameRange,
                             fmt::format("unknown model step option '{}'{}", opt.name,
                                         suggest(opt.name, optionNames)));
      d.hints.push_back(fmt::format("options are: {}", joinNames(optionNames)));
      checkExpr(opt.value.get(), sub);
      continue;
    }
    if (!seen.insert(opt.name).second)
      diags.report(DiagCode::BadOptionValue, opt.nameRange,
                   fmt::format("option '{}' given twice", opt.name));
    const Type* t = checkExpr(opt.value.get(), sub);
    if (t->isError() || !opt.value) continue;
    std::string bad = badLlmOption(opt.name, t, numericLiteral(opt.value.get()));
    if (!bad.empty()) diags.report(DiagCode::BadOptionValue, opt.value->range(), bad);
  }
}

} // namespace awc::sema::detail
