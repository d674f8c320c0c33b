// What the passes read of a profile (`--profile`, PassContext::profile): the accepted
// candidate of a step that meets the bar, the measured branch frequency, and the one-line
// evidence explain prints ("profile: 98 % agreement on 50 samples").
#pragma once

#include "awc/passes/pass.h"

#include <optional>
#include <string>

namespace awc::passes {

/// The step's accepted candidate of `kind` whose agreement rate is at least the profile's
/// bar (the cheapest measured when several are; the first on a tie); null when none.
const profile::Candidate* profileCandidate(const PassContext& ctx, const std::string& step,
                                           profile::CandidateKind kind);

/// Every candidate of `kind` for the step (accepted or not), for explain's "not taken: why".
std::vector<const profile::Candidate*>
profileCandidates(const PassContext& ctx, const std::string& step, profile::CandidateKind kind);

/// "profile: 98 % agreement on 50 samples".
std::string profileEvidence(const profile::Candidate& c);

/// The measured chance that branch `id` took its `then` arm, when the profile has samples.
std::optional<double> profileThenProbability(const PassContext& ctx, const std::string& id);

/// The JSON detail of an applied candidate: {kind, value, agreement, samples, method}.
nlohmann::json profileDetail(const profile::Candidate& c);

/// A `fused` candidate of the profile whose member steps all matched the flow.
struct ProfileFusion {
  std::vector<std::string> steps; ///< its member steps, in the candidate's order
  const profile::Candidate* candidate = nullptr;
  /// Measured (on at least one sample) and not applicable: not accepted by tune, or below the
  /// bar. The fuse pass keeps these steps in separate calls.
  bool refused = false;
};

/// Every `fused` candidate whose members are all steps of the matched profile. One measured
/// on no sample is left out: there is no evidence either way, so the fuse pass decides alone.
std::vector<ProfileFusion> profileFusions(const PassContext& ctx);

/// Why a refused fusion stays apart, for the fuse pass's record: "profile: fused answers
/// agreed on 41 of 50 samples, below the bar 95 %", or tune's own reason when it refused a
/// candidate that met the bar (slower, costlier, budget, failed calls).
std::string profileFusionRefusal(const PassContext& ctx, const profile::Candidate& c);

/// The detail of a candidate a pass refused: profileDetail plus {applied: false, reason}.
nlohmann::json profileNotApplied(const profile::Candidate& c, const std::string& reason);

} // namespace awc::passes
