// The optimisation pipeline: passes are functions IR → IR that report what they changed
// (the report is what `awc explain` prints), selected like compiler flags.
#pragma once

#include "awc/ir/cost_model.h"
#include "awc/ir/graph.h"
#include "awc/profile/profile.h"
#include "awc/support/diagnostics.h"

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace awc::passes {

/// One thing a pass did, e.g. "fused triage/extract and triage/summary".
struct Change {
  std::string node;                                 // the node it concerns ("" for the whole plan)
  std::string message;                              // one line for humans
  nlohmann::json detail = nlohmann::json::object(); // machine-readable facts
};

struct PassReport {
  std::string pass;
  std::vector<Change> changes;
  double elapsedMs = 0; // wall time of the pass (never part of a plan: not deterministic)
  nlohmann::json toJson() const;
};

struct PassContext {
  ir::Module& module;
  DiagnosticEngine& diags;
  ir::CostAssumptions assumptions;
  /// The final plan's estimate, set by the `schedule` pass (it runs last).
  std::optional<ir::PlanEstimate> estimate;
  /// The estimated cost of the flow as written (-O0), set by runPipeline for -O1 and -O2:
  /// the optimised plan must not cost more.
  std::optional<double> baselineCostUsd;
  /// Task classes `-frightsize=classify,extract` opts in to moving to a named model's
  /// declared cheaper alternatives (the `rightsize` pass).
  std::set<std::string> rightsizeTasks;
  /// What `awc tune` measured (`--profile`), already matched to this flow: only the steps
  /// whose hash matched. Passes apply its accepted candidates (docs/tune.md); null = none.
  const profile::Profile* profile = nullptr;
};

using PassFn = PassReport (*)(PassContext& ctx);

struct PassInfo {
  const char* name; // the flag name: -fno-<name>
  const char* description;
  int minLevel; // the lowest -O level that runs it
  PassFn run;
};

/// Every pass, in pipeline order.
const std::vector<PassInfo>& allPasses();

struct PipelineOptions {
  int optLevel = 2;
  std::set<std::string> disabled; // pass names from -fno-<name>
  /// Run ir::verify on the built IR and after every pass (`--verify-each`; on in the tests).
  bool verifyEach = false;
  /// Pass names after which the IR is printed (`--print-after`); "all" means every pass.
  std::set<std::string> printAfter;
  /// Where printed IR goes; unset = stderr.
  std::function<void(const std::string& pass, const std::string& ir)> printSink;
};

/// Thrown by runPipeline under verifyEach when a pass leaves invalid IR: a compiler bug,
/// reported by the CLI as an internal error naming the pass.
struct VerifyError : std::logic_error {
  using std::logic_error::logic_error;
};

/// Sets the execution mode for the level (-O0 sequential) and runs the selected passes in
/// order. Unknown names in `disabled` are the caller's to reject (see isKnownPass).
std::vector<PassReport> runPipeline(PassContext& ctx, const PipelineOptions& options);
bool isKnownPass(const std::string& name);

} // namespace awc::passes
