// Chrome trace event export (opens in ui.perfetto.dev) of run metrics.
#pragma once

#include "awc/runtime/metrics.h"

#include <nlohmann/json.hpp>
#include <vector>

namespace awc::runtime {

/// Trace events for one run: an "invoke_workflow {name}" span on tid 0 and one "X" event per
/// started node on its lane (finalizeRun assigns lanes), times in µs relative to the run's
/// startUnixUs, `pid` = `pid`. Model nodes also get an instant "first_token" event.
nlohmann::json traceEvents(const RunMetrics& run, int pid = 1);

/// A complete trace document {"traceEvents": [...], "displayTimeUnit": "ms"} for runs, one
/// pid per run (1, 2, ...), with process_name/thread_name metadata.
nlohmann::json chromeTrace(const std::vector<RunMetrics>& runs);

} // namespace awc::runtime
