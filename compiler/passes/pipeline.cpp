// The pass registry and the pipeline driver. Adding a pass: one file with a `run<Name>`
// function, one line in the table below, one section in docs/optimizations.md.
#include "awc/ir/printer.h"
#include "awc/ir/verify.h"
#include "awc/passes/pass.h"
#include "pass_list.h"

#include <chrono>
#include <cstdio>
#include <fmt/format.h>

namespace awc::passes {

nlohmann::json PassReport::toJson() const {
  nlohmann::json changesJson = nlohmann::json::array();
  for (const Change& c : changes)
    changesJson.push_back({{"node", c.node}, {"message", c.message}, {"detail", c.detail}});
  ir::roundEstimates(changesJson);
  return {{"pass", pass}, {"changes", std::move(changesJson)}};
}

const std::vector<PassInfo>& allPasses() {
  static const std::vector<PassInfo> passes = {
#define AWC_PASS(Name, Fn, Level, Description) {Name, Description, Level, &Fn},
#include "pass_list.def"
  };
  return passes;
}

bool isKnownPass(const std::string& name) {
  for (const PassInfo& p : allPasses())
    if (name == p.name) return true;
  return false;
}

namespace {

void verifyAfter(const ir::Module& module, const std::string& pass) {
  std::vector<ir::VerifyProblem> problems = ir::verify(module);
  if (problems.empty()) return;
  throw VerifyError(
      fmt::format("IR verification failed after {}:\n{}", pass, ir::formatProblems(problems)));
}

void printAfter(const ir::Module& module, const std::string& pass, const PipelineOptions& options) {
  if (!options.printAfter.count(pass) && !options.printAfter.count("all")) return;
  std::string text = ir::printModule(module);
  if (options.printSink)
    options.printSink(pass, text);
  else
    std::fputs(fmt::format("; IR after {}\n{}", pass, text).c_str(), stderr);
}

} // namespace

std::vector<PassReport> runPipeline(PassContext& ctx, const PipelineOptions& options) {
  if (options.verifyEach) verifyAfter(ctx.module, "building the IR");
  if (options.optLevel > 0) {
    ctx.module.mode = ir::ExecMode::Sequential;
    ctx.baselineCostUsd = ir::estimate(ctx.module, ctx.assumptions).costUsd;
  }
  ctx.module.optLevel = options.optLevel;
  ctx.module.mode = options.optLevel == 0 ? ir::ExecMode::Sequential : ir::ExecMode::Parallel;
  std::vector<PassReport> reports;
  for (const PassInfo& p : allPasses()) {
    if (options.optLevel < p.minLevel || options.disabled.count(p.name)) continue;
    auto start = std::chrono::steady_clock::now();
    reports.push_back(p.run(ctx));
    reports.back().pass = p.name;
    reports.back().elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (options.verifyEach) verifyAfter(ctx.module, fmt::format("pass '{}'", p.name));
    printAfter(ctx.module, p.name, options);
  }
  return reports;
}

} // namespace awc::passes
