// The flow-level bound (flow_bound.cpp): a sound limit on how many answer-changing candidates
// one flow may take, from their per-candidate lower bounds alone.
#pragma once

#include "awc/profile/profile.h"

namespace awc::tune::detail {

/// What fitFlowBound did.
struct FlowBoundResult {
  double bound = 1;  ///< the flow's agreement bound with the candidates left applied
  int withdrawn = 0; ///< candidates withdrawn to fit the bar
};

/// Every applied candidate (accepted; per step and kind the cheapest, as `--profile` picks)
/// may change the flow's output on at most 1 − its agreement lower bound of the inputs (times
/// the calls per sample for a step in a map), so the flow agrees on at least 1 − the sum of
/// those, whatever the correlation (the union bound). While that is below the bar, the applied
/// candidate that saves least per unit of that risk is withdrawn. Only above confidence 0.5:
/// at 0.5 the rates are observed, not bounds, and the tuned flow's run is the flow-level check.
FlowBoundResult fitFlowBound(profile::Profile& p);

} // namespace awc::tune::detail
