// Model right-sizing. The algorithm:
//  1. Classify every model step's task from its result type and prompt wording:
//     enum or bool → classify; numbers, or records/lists without free text → extract;
//     free text → generate, or reason when the prompt asks for planning, analysis or
//     step-by-step thinking.
//  2. `llm auto` steps take a rung of their ladder (smallest first) by task:
//     classify → the smallest, extract → the second smallest, generate → the middle,
//     reason → the largest.
//  3. A step that names a large model for a classify or extract task gets a warning
//     (AWC6006) suggesting a smaller declared model or `auto`.
#include "awc/sema/type.h"
#include "pass_list.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>

namespace awc::passes {
namespace {

bool hasFreeText(const sema::Type* t) {
  using K = sema::Type::Kind;
  if (!t) return true;
  switch (t->kind()) {
  case K::String:
    return true;
  case K::Record:
    for (const auto& f : t->fields())
      if (hasFreeText(f.type)) return true;
    return false;
  case K::List:
    return hasFreeText(t->element());
  default:
    return false;
  }
}

std::string lowerText(const ir::Node& n) {
  std::string text;
  for (const auto& m : n.llm().messages)
    for (const auto& s : m.segments)
      if (s.isStatic && m.role == "user") text += s.text;
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string taskClass(const ir::Node& n) {
  using K = sema::Type::Kind;
  const sema::Type* t = n.type;
  if (t && (t->kind() == K::Enum || t->kind() == K::Bool)) return "classify";
  if (t && !hasFreeText(t)) return "extract";
  std::string text = lowerText(n);
  for (const char* word :
       {"step by step", "reason", "plan ", "analy", "prove", "think", "strategy", "trade-off"})
    if (text.find(word) != std::string::npos) return "reason";
  return "generate";
}

size_t rungFor(const std::string& task, size_t rungs) {
  if (rungs == 0) return 0;
  if (task == "classify") return 0;
  if (task == "extract") return std::min<size_t>(1, rungs - 1);
  if (task == "generate") return rungs / 2;
  return rungs - 1;
}

} // namespace

PassReport runRightsize(PassContext& ctx) {
  PassReport report;
  for (auto& np : ctx.module.graph.nodes) {
    ir::Node& n = *np;
    if (n.removed || n.kind() != ir::NodeKind::Llm) continue;
    n.llm().taskClass = taskClass(n);
    if (!n.llm().autoLadder.empty()) {
      auto it = ctx.module.ladders.find(n.llm().autoLadder);
      if (it == ctx.module.ladders.end() || it->second.empty()) continue;
      const auto& rungs = it->second;
      size_t pick = rungFor(n.llm().taskClass, rungs.size());
      std::string before = n.llm().model;
      n.llm().model = rungs[pick];
      report.changes.push_back(
          {n.id,
           fmt::format("auto → {} ({} task; ladder {}: {} of {})", n.llm().model, n.llm().taskClass,
                       n.llm().autoLadder, pick + 1, rungs.size()),
           {{"model", n.llm().model},
            {"task", n.llm().taskClass},
            {"ladder", n.llm().autoLadder},
            {"previous", before}}});
    } else if ((n.llm().taskClass == "classify" || n.llm().taskClass == "extract")) {
      const ir::ModelInfo* model = ctx.module.model(n.llm().model);
      if (model && model->sizeClass == "large") {
        Diagnostic& d = ctx.diags.report(
            DiagCode::OversizedModel, n.loc,
            fmt::format("step '{}' uses the large model '{}' for {} {} task", n.id, n.llm().model,
                        n.llm().taskClass == "extract" ? "an" : "a", n.llm().taskClass));
        std::string smaller;
        for (const auto& m : ctx.module.models)
          if (m.sizeClass == "small") {
            smaller = m.id;
            break;
          }
        d.hints.push_back(
            smaller.empty()
                ? "declare a small model for this step, or use `llm auto` with a ladder"
                : fmt::format("use `llm {}` or `llm auto`; {} tasks rarely need a large model",
                              smaller, n.llm().taskClass));
      }
    }
  }
  return report;
}

} // namespace awc::passes
