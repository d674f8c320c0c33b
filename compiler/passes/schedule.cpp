// Scheduling: critical-path priorities for the runtime and the plan's estimated latency
// and cost. Runs at every level (also -O0, whose plan is sequential) and last, so its
// figures describe the final plan.
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {

PassReport runSchedule(PassContext& ctx) {
  PassReport report;
  ir::PlanEstimate e = ir::estimate(ctx.module, ctx.assumptions);
  ctx.estimate = e;
  std::string path;
  for (const auto& id : e.criticalPath) path += (path.empty() ? "" : " → ") + id;
  report.changes.push_back(
      {"", fmt::format("critical path {:.0f} ms: {}", e.latencyMs, path),
       {{"latency_ms", e.latencyMs}, {"critical_path", e.criticalPath}}});
  return report;
}

} // namespace awc::passes
