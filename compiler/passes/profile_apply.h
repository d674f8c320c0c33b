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

/// The detail of a candidate a pass refused: profileDetail plus {applied: false, reason}.
nlohmann::json profileNotApplied(const profile::Candidate& c, const std::string& reason);

} // namespace awc::passes
