// Model right-sizing. The algorithm:
//  1. Classify every model step's task from its result type and prompt wording:
//     enum or bool → classify; numbers, or records/lists without free text → extract;
//     free text → generate, or reason when the prompt asks for planning, analysis or
//     step-by-step thinking.
//  2. `llm auto` steps take a rung of their ladder (smallest first) by task:
//     classify → the smallest, extract → the second smallest, generate → the middle,
//     reason → the largest.
//  3. A step that names a model is moved only with the author's consent: the model's
//     declaration lists `cheaper: [...]` alternatives, and the step (flag `rightsize`), its
//     workflow (`with { rightsize: [classify, extract] }`) or the command line
//     (`-frightsize=classify,extract`) opts its task class in; `norightsize` opts out.
//     A classify or extract step then moves to the cheapest alternative its task allows:
//     smaller (size class, then price) than the named model, fitting the step's prompt and
//     answer in its context, and — for extraction into a large or nested record — not a
//     small model (structured output that size needs a medium one). Explain says why.
//  4. With a profile (`--profile`), a step whose accepted model candidate met the bar moves to
//     it — the samples are the consent — if its declaration allows that model (`cheaper:`,
//     or a rung of its `auto` ladder); otherwise AWC6011 and the rules above apply.
//  5. Otherwise a step that names a large model for a classify or extract task gets a
//     warning (AWC6006) suggesting a smaller declared model, `auto`, or the opt-in.
#include "awc/ir/cost_model.h"
#include "awc/sema/type.h"
#include "pass_list.h"
#include "profile_apply.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <tuple>

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

// Every live model step: the graph's, then its map and reduce bodies' (ir::forEachGraph).
std::vector<ir::Node*> llmNodes(ir::Graph& g) {
  std::vector<ir::Node*> out;
  ir::forEachGraph(g, [&](ir::Graph& graph) {
    for (auto& np : graph.nodes)
      if (!np->removed && np->kind() == ir::NodeKind::Llm) out.push_back(np.get());
  });
  return out;
}

// ---------------------------------------------------------------------------
// Named models moved down with the author's consent.

int sizeRank(const std::string& sizeClass) {
  if (sizeClass == "small") return 0;
  if (sizeClass == "medium") return 1;
  return 2;
}

double pricePerMTokens(const ir::ModelInfo& m) {
  return m.priceIn + m.priceOut;
}

// Who allowed this step to move, for explain; "" when nobody did.
std::string consentSource(const PassContext& ctx, const ir::Node& n) {
  if (n.llm().flags.norightsize) return "";
  if (n.llm().flags.rightsize) return "step flag `rightsize`";
  if (ctx.module.rightsizeTasks.count(n.llm().taskClass)) return "workflow option `rightsize`";
  if (ctx.rightsizeTasks.count(n.llm().taskClass)) return "-frightsize";
  return "";
}

// Leaf fields of a structured answer, and its deepest nesting of records and lists.
void measureShape(const sema::Type* t, int depth, int& leaves, int& maxDepth) {
  using K = sema::Type::Kind;
  if (!t || leaves > 1000) return;
  maxDepth = std::max(maxDepth, depth);
  if (t->kind() == K::Record) {
    for (const auto& f : t->fields())
      measureShape(f.type, depth + 1, leaves, maxDepth);
  } else if (t->kind() == K::List) {
    measureShape(t->element(), depth + 1, leaves, maxDepth);
  } else {
    ++leaves;
  }
}

/// Structured output past this needs at least a medium model: small models drop or
/// misplace fields of large or nested schemas far more often than they misclassify.
constexpr int kSmallModelMaxFields = 8;
constexpr int kSmallModelMaxDepth = 2;

// Why an extraction's answer needs more than a small model, or "".
std::string structureNeed(const ir::Node& n) {
  if (n.llm().taskClass != "extract") return "";
  int leaves = 0, depth = 0;
  measureShape(n.type, 0, leaves, depth);
  if (leaves > kSmallModelMaxFields)
    return fmt::format("its answer has {} fields (a small model is trusted with up to {})", leaves,
                       kSmallModelMaxFields);
  if (depth > kSmallModelMaxDepth)
    return fmt::format("its answer nests {} levels deep (a small model is trusted with {})", depth,
                       kSmallModelMaxDepth);
  return "";
}

// Why `alt` cannot take step `n` off `from`, or "" when it can.
std::string rejectReason(const PassContext& ctx, const ir::Node& n, const ir::ModelInfo& from,
                         const ir::ModelInfo& alt) {
  if (sizeRank(alt.sizeClass) > sizeRank(from.sizeClass))
    return fmt::format("{} is larger than {}", alt.sizeClass, from.sizeClass);
  bool priced = pricePerMTokens(alt) > 0 && pricePerMTokens(from) > 0;
  if (priced && pricePerMTokens(alt) > pricePerMTokens(from))
    return fmt::format("it costs more than '{}'", from.id);
  if (sizeRank(alt.sizeClass) == sizeRank(from.sizeClass) &&
      !(priced && pricePerMTokens(alt) < pricePerMTokens(from)))
    return fmt::format("it is not smaller or cheaper than '{}' (both {})", from.id, from.sizeClass);
  if (alt.context > 0 && n.estPromptTokens > 0) {
    int64_t need = n.estPromptTokens + ir::estimateOutputTokens(n, ctx.assumptions);
    if (need > alt.context)
      return fmt::format("the step needs about {} tokens, more than its context of {}", need,
                         alt.context);
  }
  if (alt.sizeClass == "small") {
    std::string need = structureNeed(n);
    if (!need.empty()) return need;
  }
  return "";
}

struct Candidate {
  const ir::ModelInfo* model;
  size_t declared; // position in the `cheaper` list: the author's order breaks ties
};

// Moves `n` to the cheapest allowed alternative when the author consented; records what it
// did (or why it kept the model) for explain. True when the step was considered.
bool rightsizeNamed(PassContext& ctx, ir::Node& n, PassReport& report) {
  if (!n.llm().autoLadder.empty() || !n.llm().fused.empty()) return false;
  const ir::ModelInfo* from = ctx.module.model(n.llm().model);
  if (!from) return false;
  if (n.llm().flags.norightsize) return true; // the author keeps this model: no warning either
  std::string consent = consentSource(ctx, n);
  if (consent.empty()) return false;
  nlohmann::json detail = {
      {"task", n.llm().taskClass}, {"previous", n.llm().model}, {"consent", consent}};
  if (n.llm().taskClass != "classify" && n.llm().taskClass != "extract") {
    Diagnostic& d = ctx.diags.report(
        DiagCode::IgnoredOption, n.loc,
        fmt::format("flag 'rightsize' has no effect on step '{}': {} tasks keep their model", n.id,
                    n.llm().taskClass));
    d.hints.push_back("only classify and extract steps move to a cheaper model");
    detail["model"] = n.llm().model;
    report.changes.push_back({n.id,
                              fmt::format("kept {} ({} task: only classify and extract move)",
                                          n.llm().model, n.llm().taskClass),
                              std::move(detail)});
    return true;
  }
  if (from->cheaper.empty() && from->sizeClass == "small" && !n.llm().flags.rightsize)
    return true; // nothing to say: a small model with nowhere to go
  std::vector<Candidate> allowed;
  nlohmann::json rejected = nlohmann::json::array();
  for (size_t i = 0; i < from->cheaper.size(); ++i) {
    const ir::ModelInfo* alt = ctx.module.model(from->cheaper[i]);
    if (!alt) continue;
    std::string why = rejectReason(ctx, n, *from, *alt);
    if (why.empty())
      allowed.push_back({alt, i});
    else
      rejected.push_back({{"model", alt->id}, {"reason", why}});
  }
  std::sort(allowed.begin(), allowed.end(), [](const Candidate& a, const Candidate& b) {
    return std::make_tuple(sizeRank(a.model->sizeClass), pricePerMTokens(*a.model), a.declared) <
           std::make_tuple(sizeRank(b.model->sizeClass), pricePerMTokens(*b.model), b.declared);
  });
  if (!rejected.empty()) detail["rejected"] = rejected;
  if (allowed.empty()) {
    std::string why =
        from->cheaper.empty()
            ? fmt::format("'{}' declares no cheaper alternatives", n.llm().model)
            : fmt::format("no alternative fits: {}", [&] {
                std::string all;
                for (const auto& r : rejected)
                  all += fmt::format("{}{}: {}", all.empty() ? "" : "; ",
                                     r["model"].get<std::string>(), r["reason"].get<std::string>());
                return all;
              }());
    detail["model"] = n.llm().model;
    report.changes.push_back(
        {n.id,
         fmt::format("kept {} ({} task, {}): {}", n.llm().model, n.llm().taskClass, consent, why),
         std::move(detail)});
    return false; // still oversized: the warning stays
  }
  const ir::ModelInfo* to = allowed.front().model;
  n.llm().rightsizedFrom = n.llm().model;
  n.llm().model = to->id;
  detail["model"] = to->id;
  report.changes.push_back(
      {n.id,
       fmt::format("{} → {} ({} task, {}; cheapest of {} allowed alternative{})",
                   n.llm().rightsizedFrom, to->id, n.llm().taskClass, consent, allowed.size(),
                   allowed.size() == 1 ? "" : "s"),
       std::move(detail)});
  return true;
}

// AWC6006: a large named model on a classify or extract step nobody opted in to move.
void warnOversized(PassContext& ctx, const ir::Node& n) {
  if (!n.llm().autoLadder.empty() ||
      (n.llm().taskClass != "classify" && n.llm().taskClass != "extract"))
    return;
  const ir::ModelInfo* model = ctx.module.model(n.llm().model);
  if (!model || model->sizeClass != "large") return;
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
          : fmt::format("use `llm {}` or `llm auto`; {} tasks rarely need a large model", smaller,
                        n.llm().taskClass));
  if (model->cheaper.empty())
    d.hints.push_back(fmt::format(
        "or declare `cheaper: [...]` on model '{}' and opt in with `-frightsize={}`, the step "
        "flag `rightsize` or `with {{ rightsize: [{}] }}` on the workflow",
        n.llm().model, n.llm().taskClass, n.llm().taskClass));
  else
    d.hints.push_back(fmt::format(
        "'{}' names cheaper alternatives; let awc move this step with `-frightsize={}`, the "
        "step flag `rightsize` or `with {{ rightsize: [{}] }}` on the workflow",
        n.llm().model, n.llm().taskClass, n.llm().taskClass));
}

// Whether the step's declaration lets it run on `model`: a `cheaper:` alternative of its named
// model, or a rung of its `auto` ladder.
bool declarationAllows(const PassContext& ctx, const ir::Node& n, const std::string& model) {
  if (!n.llm().autoLadder.empty()) {
    auto it = ctx.module.ladders.find(n.llm().autoLadder);
    return it != ctx.module.ladders.end() &&
           std::find(it->second.begin(), it->second.end(), model) != it->second.end();
  }
  const ir::ModelInfo* from = ctx.module.model(n.llm().model);
  return from && ctx.module.model(model) &&
         std::find(from->cheaper.begin(), from->cheaper.end(), model) != from->cheaper.end();
}

// Moves the step to the profile's accepted model; true when it did.
bool applyProfileModel(PassContext& ctx, ir::Node& n, PassReport& report) {
  const profile::Candidate* c = profileCandidate(ctx, n.id, profile::CandidateKind::Model);
  if (!c || n.llm().flags.norightsize) return false;
  if (!declarationAllows(ctx, n, c->value)) {
    Diagnostic& d = ctx.diags.report(
        DiagCode::ProfileNotApplied, n.loc,
        fmt::format("profile suggests model '{}' for step '{}', which its declaration does "
                    "not allow",
                    c->value, n.id));
    d.hints.push_back(
        fmt::format("list it in `cheaper: [...]` of model '{}' to let it move", n.llm().model));
    nlohmann::json detail = profileDetail(*c);
    report.changes.push_back(
        {n.id,
         fmt::format("kept {}: the profile's {} is not an alternative its declaration allows",
                     n.llm().model, c->value),
         {{"model", n.llm().model},
          {"profile", profileNotApplied(*c, "its declaration does not allow it")}}});
    return false;
  }
  std::string before = n.llm().autoLadder.empty() ? n.llm().model : "auto";
  if (n.llm().autoLadder.empty()) n.llm().rightsizedFrom = n.llm().model;
  n.llm().model = c->value;
  report.changes.push_back({n.id,
                            fmt::format("{} → {} ({} task; {})", before, c->value,
                                        n.llm().taskClass, profileEvidence(*c)),
                            {{"model", c->value},
                             {"previous", before},
                             {"task", n.llm().taskClass},
                             {"consent", "profile"},
                             {"profile", profileDetail(*c)}}});
  return true;
}

} // namespace

PassReport runRightsize(PassContext& ctx) {
  PassReport report;
  bool consentAnywhere = !ctx.rightsizeTasks.empty() || !ctx.module.rightsizeTasks.empty();
  for (ir::Node* np : llmNodes(ctx.module.graph))
    consentAnywhere = consentAnywhere || np->llm().flags.rightsize;
  // Fresh prompt-size estimates for the context check (fold and lower changed prompts).
  if (consentAnywhere) ir::estimate(ctx.module, ctx.assumptions);
  for (ir::Node* np : llmNodes(ctx.module.graph)) {
    ir::Node& n = *np;
    n.llm().taskClass = taskClass(n);
    if (applyProfileModel(ctx, n, report)) continue;
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
    } else if (!rightsizeNamed(ctx, n, report)) {
      warnOversized(ctx, n);
    }
  }
  return report;
}

} // namespace awc::passes
