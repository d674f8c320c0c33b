// The workflow-level bar (backoff.cpp): when the flow built with the accepted candidates agrees
// with the reference on fewer samples than the bar, withdraw candidates by evidence and measure
// again.
#pragma once

#include "awc/profile/profile.h"
#include "tune_reference.h"

#include <functional>
#include <memory>
#include <optional>

namespace awc::tune::detail {

/// Rounds of withdraw-and-measure after the first measurement of the tuned flow. Each costs a
/// run over the tuning samples; past them, every candidate still accepted is withdrawn.
inline constexpr int kMaxBackoffRounds = 4;

/// An accepted candidate: indices into Profile::steps and that step's candidates.
struct CandidateRef {
  std::size_t step = 0, candidate = 0;
};

/// What the back-off needs from the tuner: building and running the plan with what is accepted
/// now, the front point of a run, and whether one sample's final output agrees.
struct BackoffHooks {
  /// The flow built with the profile as it stands; null when nothing is accepted (or it did
  /// not build: then it is measured as written).
  std::function<std::shared_ptr<const runtime::Plan>()> build;
  std::function<std::vector<SampleRun>(std::shared_ptr<const runtime::Plan>)> run;
  std::function<profile::FrontPoint(const std::vector<SampleRun>&)> point;
  /// Sample i's run agrees with the reference's run of it.
  std::function<bool(const SampleRun& reference, const SampleRun& tuned)> agrees;
};

/// The tuned flow as finally measured on the tuning samples.
struct BackoffResult {
  std::shared_ptr<const runtime::Plan> plan; ///< null: nothing stayed accepted
  std::optional<profile::FrontPoint> point;  ///< unset with `plan`
  int rounds = 0;                            ///< runs of the tuned flow made
  int withdrawn = 0;
};

/// Measures the tuned flow; while its agreement is below `profile.minAgreement`, withdraws the
/// candidate `chooseWithdrawal` picks and measures again, at most kMaxBackoffRounds times. A
/// measurement the budget cut short (a sample not run) verifies nothing: every candidate still
/// accepted is then withdrawn, as are those left when the rounds run out.
BackoffResult backOff(profile::Profile& profile, const nlohmann::json& planNodes,
                      const std::vector<SampleRun>& reference, const BackoffHooks& hooks);

/// The accepted candidate to withdraw: the one whose step's value differed from the reference's
/// — first in its dataflow, no other differing accepted step upstream — in the most samples
/// whose final output disagreed (a failed run blames its failing step); ties go to the lower
/// per-candidate agreement, then the step id, then the order in the step. With no evidence
/// (no differing step), the accepted candidate of lowest agreement. None when none is accepted.
std::optional<CandidateRef> chooseWithdrawal(const profile::Profile& profile,
                                             const nlohmann::json& planNodes,
                                             const std::vector<SampleRun>& reference,
                                             const std::vector<SampleRun>& tuned,
                                             const std::vector<bool>& disagreed);

} // namespace awc::tune::detail
