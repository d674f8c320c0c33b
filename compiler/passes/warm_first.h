// The warm-first decision of the schedule pass (schedule.cpp), shared with the fuse pass's
// cost gate so that a fusion is priced against the separate calls as the final plan runs them.
#pragma once

#include "awc/passes/pass.h"

#include <optional>

namespace awc::passes {

/// Marks warm-first groups on the module's graph (and its map/reduce bodies) as the schedule
/// pass decides them — every group sharing a long prefix, then others in plan order while the
/// plan costs more than `budget` — recording each in `report`; `e` is the plan's estimate
/// before. Returns the estimate with the waits applied.
ir::PlanEstimate warmFirst(PassContext& ctx, std::optional<double> budget, ir::PlanEstimate e,
                           PassReport& report);

} // namespace awc::passes
