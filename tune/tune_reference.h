// Plan runs over samples for tune (reference.cpp): what each run answered, per node instance.
#pragma once

#include "tune_internal.h"

#include <map>
#include <memory>

namespace awc::tune::detail {

/// One model exchange of a reference run, with its measured timings and cost.
struct Exchange {
  nlohmann::json request;
  std::string answer, finishReason;
  runtime::Usage usage;
  double ttftMs = 0, latencyMs = 0, tokensPerS = 0, costUsd = 0;
};

/// One run of a plan on one sample.
struct SampleRun {
  bool started = false; ///< false: the budget stopped tune before this sample
  runtime::RunResult result;
  std::map<std::string, Exchange> exchanges; ///< by node instance id ("scored/r[2]")
  /// Values of map body node instances by instance id ("scored/r[2]"): RunResult::values holds
  /// the top level only. Read by native candidates in map bodies and by the back-off.
  nlohmann::json instanceValues = nlohmann::json::object();
};

/// What a run is expected to spend, for the budget.
struct RunEstimate {
  int64_t calls = 0;
  double usd = 0;
};

/// The step id of a node instance id: "scored/r[2]" -> "scored/r".
std::string stepOf(const std::string& instanceId);

/// Runs `plan` on every sample (at most `concurrency` at once, no result cache, no
/// speculation) while the budget allows; a run is expected to cost what the finished ones did
/// on average (`first` before any finished). `tick(finished)` runs on the calling thread.
std::vector<SampleRun> runSamples(runtime::Runtime& rt, std::shared_ptr<const runtime::Plan> plan,
                                  const std::vector<nlohmann::json>& samples,
                                  const RunEstimate& first, int concurrency, Budget& budget,
                                  const std::function<void(int64_t)>& tick);

} // namespace awc::tune::detail
