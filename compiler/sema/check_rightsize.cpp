// Right-sizing consent (docs/language.md §2.3, §4, §5.4): a model's `cheaper: [a, b]`
// alternatives (declared models, not itself, no cycles), a workflow's
// `with { rightsize: [classify, extract] }` option, and the `rightsize` / `norightsize`
// step flags. The rightsize pass acts on what is checked here; nothing moves without it.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::sema::detail {

using llvm::dyn_cast;
using llvm::dyn_cast_or_null;

namespace {

/// The task classes a flow may opt in to: only these move to a cheaper model.
const std::vector<std::string> kRightsizeTasks = {"classify", "extract"};

std::vector<std::string> sortedModelNames(const Program& program) {
  std::vector<std::string> names;
  for (auto& m : program.models)
    names.push_back(m.getKey().str());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

void Analyzer::checkModelAlternatives(ast::ModelDecl& m) {
  for (ast::Option& opt : m.options) {
    if (opt.name != "cheaper" || !opt.value) continue;
    auto* list = dyn_cast<ast::ListExpr>(opt.value.get());
    if (!list) {
      auto& d = diags.report(DiagCode::BadOptionValue, opt.value->range(),
                             "option 'cheaper' must be a list of model names");
      d.hints.push_back("write `cheaper: [mini, nano]` with models declared in this flow");
      continue;
    }
    opt.value->type = types.string();
    std::set<std::string> seen;
    for (auto& el : list->elements) {
      auto* name = dyn_cast<ast::NameExpr>(el.get());
      if (!name) {
        diags.report(DiagCode::BadOptionValue, el->range(),
                     "a cheaper alternative must be a model's name");
        continue;
      }
      if (name->name == m.name) {
        auto& d =
            diags.report(DiagCode::AlternativeCycle, name->range(),
                         fmt::format("model '{}' lists itself as a cheaper alternative", m.name));
        d.hints.push_back("list only smaller models");
        continue;
      }
      if (!seen.insert(name->name).second) {
        diags.report(DiagCode::BadOptionValue, name->range(),
                     fmt::format("'{}' is listed twice", name->name));
        continue;
      }
      auto it = program.models.find(name->name);
      if (it == program.models.end()) {
        diags.report(DiagCode::UnknownModel, name->range(),
                     fmt::format("unknown model '{}' in the cheaper alternatives of '{}'{}",
                                 name->name, m.name,
                                 suggest(name->name, sortedModelNames(program))));
        continue;
      }
      m.cheaper.push_back({name->name, name->range(), it->second});
    }
  }
}

// Iterative depth-first search over the `cheaper` edges (no recursion: any number of models
// is safe); every cycle is reported once, at the alternative that closes it.
void Analyzer::checkAlternativeCycles() {
  enum Color : uint8_t { White, Grey, Black };
  std::map<const ast::Node*, Color> color;
  std::vector<const ast::ModelDecl*> roots;
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* m = dyn_cast<ast::ModelDecl>(decl.get()); m && program.models.lookup(m->name) == m)
        roots.push_back(m);
  for (const ast::ModelDecl* root : roots) {
    if (color[root] != White) continue;
    std::vector<std::pair<const ast::ModelDecl*, size_t>> stack{{root, 0}};
    color[root] = Grey;
    while (!stack.empty()) {
      auto& [m, next] = stack.back();
      if (next == m->cheaper.size()) {
        color[m] = Black;
        stack.pop_back();
        continue;
      }
      const ast::ModelDecl::Alternative& alt = m->cheaper[next++];
      const auto* target = dyn_cast_or_null<ast::ModelDecl>(alt.decl);
      if (!target) continue;
      if (color[target] == Grey) {
        std::string path;
        auto from = std::find_if(stack.begin(), stack.end(),
                                 [&](const auto& frame) { return frame.first == target; });
        for (auto it = from; it != stack.end(); ++it)
          path += it->first->name + " → ";
        auto& d =
            diags.report(DiagCode::AlternativeCycle, alt.range,
                         fmt::format("cheaper models form a cycle: {}{}", path, target->name));
        d.hints.push_back("list each model's cheaper alternatives from the larger model only");
        continue;
      }
      if (color[target] == White) {
        color[target] = Grey;
        stack.push_back({target, 0});
      }
    }
  }
}

void Analyzer::checkWorkflowOptions(ast::WorkflowDecl& wf) {
  static const std::vector<std::string> optionNames = {"rightsize"};
  std::set<std::string> seenOptions;
  for (ast::Option& opt : wf.options) {
    if (opt.name != "rightsize") {
      auto& d = diags.report(
          DiagCode::UnknownOption, opt.nameRange,
          fmt::format("unknown workflow option '{}'{}", opt.name, suggest(opt.name, optionNames)));
      d.hints.push_back(fmt::format("workflow options are: {}", joinNames(optionNames)));
      continue;
    }
    if (!seenOptions.insert(opt.name).second) {
      diags.report(DiagCode::BadOptionValue, opt.nameRange,
                   fmt::format("option '{}' given twice", opt.name));
      continue;
    }
    auto* list = dyn_cast_or_null<ast::ListExpr>(opt.value.get());
    if (!list) {
      auto& d =
          diags.report(DiagCode::BadOptionValue, opt.value ? opt.value->range() : opt.nameRange,
                       "option 'rightsize' must be a list of task classes");
      d.hints.push_back("write `rightsize: [classify, extract]`");
      continue;
    }
    list->type = types.string();
    for (auto& el : list->elements) {
      std::string task;
      if (auto* n = dyn_cast<ast::NameExpr>(el.get()))
        task = n->name;
      else if (auto* s = plainString(el.get()))
        task = s->plainText();
      if (std::find(kRightsizeTasks.begin(), kRightsizeTasks.end(), task) ==
          kRightsizeTasks.end()) {
        auto& d = diags.report(
            DiagCode::BadOptionValue, el->range(),
            fmt::format("'{}' is not a task class rightsize may move{}",
                        task.empty() ? std::string("this") : task,
                        task.empty() ? std::string() : suggest(task, kRightsizeTasks)));
        d.hints.push_back("only classify and extract steps move to a cheaper model");
        continue;
      }
      if (std::find(wf.rightsizeTasks.begin(), wf.rightsizeTasks.end(), task) ==
          wf.rightsizeTasks.end())
        wf.rightsizeTasks.push_back(task);
    }
    std::sort(wf.rightsizeTasks.begin(), wf.rightsizeTasks.end());
  }
}

void Analyzer::checkRightsizeFlags(ast::LlmExpr* e, bool warnings) {
  const ast::LlmExpr::Flag* on = nullptr;
  const ast::LlmExpr::Flag* off = nullptr;
  for (const auto& f : e->flags) {
    if (f.name == "rightsize") on = &f;
    if (f.name == "norightsize") off = &f;
  }
  if (on && off) {
    auto& d = diags.report(DiagCode::BadOptionValue, on->range,
                           "flags 'rightsize' and 'norightsize' contradict each other");
    d.notes.push_back({off->range, "'norightsize' given here"});
    return;
  }
  if (!on || !warnings) return;
  if (e->isAuto) {
    auto& d = diags.report(DiagCode::IgnoredOption, on->range,
                           "flag 'rightsize' has no effect on an `llm auto` step");
    d.hints.push_back("`llm auto` already picks a ladder rung by task; drop the flag");
    return;
  }
  const auto* model = dyn_cast_or_null<ast::ModelDecl>(e->modelDecl);
  if (model && model->cheaper.empty()) {
    auto& d = diags.report(DiagCode::IgnoredOption, on->range,
                           fmt::format("flag 'rightsize' has no effect: model '{}' declares no "
                                       "cheaper alternatives",
                                       model->name));
    d.hints.push_back(
        fmt::format("add `cheaper: [smaller_model]` to the declaration of '{}'", model->name));
  }
}

} // namespace awc::sema::detail
