// Fused vs separate (fused.cpp): the flow as `awc build -O2` fuses it, run over the samples, each
// fused group's answers compared with the separate calls' of the reference runs.
#pragma once

#include "awc/profile/profile.h"
#include "awc/tune/tune.h"
#include "tune_reference.h"

#include <functional>
#include <map>

namespace awc::tune::detail {

/// What the fused measurement reads of a tune in progress.
struct FusedInputs {
  const TuneOptions& options;
  runtime::Runtime& rt;
  Budget& budget;
  const std::vector<SampleRun>& reference; ///< the reference runs (fusion off), per sample
  const std::map<std::string, Route>& routes;
  /// Progress: phase, done, total.
  std::function<void(const char*, int64_t, int64_t)> progress;
};

/// Compiles the flow at -O2 with fusion, and when the fuse pass made fused calls runs that plan
/// over the tuning samples (progress phase "fused") and adds one `fused` candidate per fused
/// group to the profile step of its first member: agreement with the reference values of every
/// member, the fused call's figures, accepted under the rule in docs/tune.md. A flow that does
/// not compile with fusion adds a warning and no candidate.
void addFusedCandidates(const FusedInputs& in, profile::Profile& p,
                        std::vector<std::string>& warnings);

} // namespace awc::tune::detail
