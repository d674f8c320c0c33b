// The compile pipeline in one visible function: parse + check (sema) → build IR → run the
// passes for the level → emit the plan.
#include "awc/compiler/driver.h"

#include "awc/ir/builder.h"
#include "awc/plan/emit.h"

#include <chrono>

namespace awc {
namespace {

class PhaseTimer {
public:
  explicit PhaseTimer(std::vector<std::pair<std::string, double>>& out) : out_(out) {}
  void lap(std::string name) {
    auto now = std::chrono::steady_clock::now();
    out_.emplace_back(std::move(name),
                      std::chrono::duration<double, std::milli>(now - last_).count());
    last_ = now;
  }

private:
  std::vector<std::pair<std::string, double>>& out_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

void runPipeline(Compilation& c, FileId root, const CompileOptions& options) {
  PhaseTimer timer(c.timings);
  sema::AnalyzeOptions analyze;
  analyze.workflow = options.workflow;
  analyze.stdlibDir = options.stdlibDir;
  analyze.importRoots = options.importRoots;
  analyze.warnings = options.warnings;
  c.program = sema::analyze(root, *c.sources, *c.diags, analyze);
  timer.lap("front end (parse + sema)");
  if (options.stopAfterSema && !options.profilePath.empty()) { // check: the file alone
    std::string text;
    loadProfile(options.profilePath, *c.sources, *c.diags, text);
  }
  if (c.diags->hasErrors() || !c.program || !c.program->workflow || options.stopAfterSema) {
    c.diags->sortByLocation();
    return;
  }
  c.module = ir::buildModule(*c.program, *c.sources, *c.diags);
  timer.lap("build IR");
  if (!c.module || c.diags->hasErrors()) {
    c.diags->sortByLocation();
    return;
  }
  c.profileHashes = profileHashes(*c.module, c.sources->text(root));
  if (!options.profilePath.empty()) {
    c.profile = useProfile(options.profilePath, *c.module, c.profileHashes, *c.sources, *c.diags);
    if (!c.profile) {
      c.module.reset(); // not ok(): the profile asked for cannot be applied
      c.diags->sortByLocation();
      return;
    }
  }
  passes::PassContext ctx{*c.module, *c.diags, {}, std::nullopt};
  if (c.profile && !options.profileCalibrateOnly) ctx.profile = &c.profile->profile;
  if (options.speculateUsdPerS) ctx.assumptions.speculateUsdPerS = *options.speculateUsdPerS;
  ctx.rightsizeTasks = options.rightsizeTasks;
  passes::PipelineOptions pipeline;
  pipeline.optLevel = options.optLevel;
  pipeline.disabled = options.disabledPasses;
  pipeline.verifyEach = options.verifyEach;
  pipeline.printAfter = options.printAfter;
  c.reports = passes::runPipeline(ctx, pipeline);
  timer.lap("passes");
  c.timings.pop_back();
  for (const auto& r : c.reports)
    c.timings.emplace_back("pass " + r.pass, r.elapsedMs);
  c.estimate = ctx.estimate ? *ctx.estimate : ir::estimate(*c.module, ctx.assumptions);
  c.plan = plan::emitPlan(*c.module, c.estimate, c.reports, *c.sources);
  timer.lap("emit plan");
  c.diags->sortByLocation();
}

} // namespace

Compilation compileFile(const std::string& path, const CompileOptions& options) {
  Compilation c;
  std::string error;
  std::optional<FileId> root = c.sources->addFile(path, error);
  if (!root) {
    c.diags->report(DiagCode::ImportNotFound, SourceRange{}, error);
    return c;
  }
  runPipeline(c, *root, options);
  return c;
}

Compilation compileSource(const std::string& name, std::string text,
                          const CompileOptions& options) {
  Compilation c;
  FileId root = c.sources->addBuffer(name, std::move(text));
  runPipeline(c, root, options);
  return c;
}

nlohmann::json explainJson(const std::string& path, const CompileOptions& options,
                           Compilation* detail) {
  nlohmann::json levels = nlohmann::json::object();
  nlohmann::json passesJson = nlohmann::json::array();
  nlohmann::json profileJson;
  bool withProfile = !options.profilePath.empty();
  // -O0..-O2 as written; with a profile, the requested level once more with it (level 3 here).
  for (int level : {0, 1, 2, 3}) {
    if (level == 3 && !withProfile) break;
    CompileOptions o = options;
    o.optLevel = level == 3 ? options.optLevel : level;
    o.warnings = false;
    // The levels without the profile's decisions, but on the server speeds it measured: the
    // speed-ups then compare plans, not a calibrated estimate with an uncalibrated one.
    if (level != 3) o.profileCalibrateOnly = true;
    Compilation c = compileFile(path, o);
    if (!c.ok()) {
      if (detail) *detail = std::move(c);
      return nullptr;
    }
    std::string name = level == 3 ? "O" + std::to_string(options.optLevel) + "+profile"
                                  : "O" + std::to_string(level);
    levels[name] = {{"latency_ms", ir::roundMs(c.estimate.latencyMs)},
                    {"model_calls", c.estimate.modelCalls},
                    {"prompt_tokens", c.estimate.promptTokens},
                    {"cached_tokens", c.estimate.cachedTokens},
                    {"output_tokens", c.estimate.outputTokens},
                    {"cost_usd", ir::roundUsd(c.estimate.costUsd)},
                    {"critical_path", c.estimate.criticalPath}};
    if (c.module->speculationBudgetUsd)
      levels[name]["speculation_budget_usd"] = ir::roundUsd(*c.module->speculationBudgetUsd);
    if (level == 3) profileJson = profileExplainJson(*c.profile, options.profilePath, c.reports);
    if (level == (withProfile ? 3 : options.optLevel)) {
      passesJson = nlohmann::json::array();
      for (const auto& r : c.reports)
        passesJson.push_back(r.toJson());
      if (detail) *detail = std::move(c);
    }
  }
  nlohmann::json out = {{"awc_explain", 1},
                        {"levels", std::move(levels)},
                        {"passes", std::move(passesJson)},
                        {"opt_level", options.optLevel}};
  if (withProfile) out["profile"] = std::move(profileJson);
  return out;
}

} // namespace awc
