// The passes' read-only view of a matched profile: which candidate meets the bar, and how to
// word the evidence. The bar is the profile's own `min_agreement` and the tuner's `accepted`.
#include "profile_apply.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace awc::passes {
namespace {

const profile::StepProfile* stepOf(const PassContext& ctx, const std::string& step) {
  if (!ctx.profile) return nullptr;
  for (const profile::StepProfile& s : ctx.profile->steps)
    if (s.id == step) return &s;
  return nullptr;
}

} // namespace

std::vector<const profile::Candidate*>
profileCandidates(const PassContext& ctx, const std::string& step, profile::CandidateKind kind) {
  std::vector<const profile::Candidate*> out;
  if (const profile::StepProfile* s = stepOf(ctx, step))
    for (const profile::Candidate& c : s->candidates)
      if (c.kind == kind) out.push_back(&c);
  return out;
}

const profile::Candidate* profileCandidate(const PassContext& ctx, const std::string& step,
                                           profile::CandidateKind kind) {
  const profile::Candidate* best = nullptr;
  for (const profile::Candidate* c : profileCandidates(ctx, step, kind)) {
    if (!c->accepted || c->agreement.samples == 0 ||
        c->agreement.rate() < ctx.profile->minAgreement)
      continue;
    if (!best || c->stats.costUsd < best->stats.costUsd) best = c;
  }
  return best;
}

std::string profileEvidence(const profile::Candidate& c) {
  return fmt::format("profile: {:g} % agreement on {} samples",
                     std::round(c.agreement.rate() * 1000) / 10, c.agreement.samples);
}

std::optional<double> profileThenProbability(const PassContext& ctx, const std::string& id) {
  if (!ctx.profile) return std::nullopt;
  for (const profile::BranchProfile& b : ctx.profile->branches)
    if (b.id == id && b.samples > 0) return double(b.taken) / double(b.samples);
  return std::nullopt;
}

nlohmann::json profileDetail(const profile::Candidate& c) {
  return {{"kind", std::string(profile::toString(c.kind))},
          {"value", c.value},
          {"agreement", std::round(c.agreement.rate() * 1e4) / 1e4},
          {"samples", c.agreement.samples},
          {"method", std::string(profile::toString(c.method))}};
}

std::vector<ProfileFusion> profileFusions(const PassContext& ctx) {
  std::vector<ProfileFusion> out;
  if (!ctx.profile) return out;
  auto matched = [&](const std::string& id) { return stepOf(ctx, id) != nullptr; };
  for (const profile::StepProfile& s : ctx.profile->steps)
    for (const profile::Candidate& c : s.candidates) {
      if (c.kind != profile::CandidateKind::Fused || c.agreement.samples == 0) continue;
      ProfileFusion f;
      for (size_t at = 0; at <= c.value.size();) {
        size_t comma = std::min(c.value.find(',', at), c.value.size());
        if (comma > at) f.steps.push_back(c.value.substr(at, comma - at));
        at = comma + 1;
      }
      // A member whose hash changed since tune measured it is not the step measured: the
      // candidate says nothing about the flow as it is now.
      if (f.steps.size() < 2 || !std::all_of(f.steps.begin(), f.steps.end(), matched)) continue;
      f.candidate = &c;
      f.refused = !c.accepted || c.agreement.rate() < ctx.profile->minAgreement;
      out.push_back(std::move(f));
    }
  return out;
}

std::string profileFusionRefusal(const PassContext& ctx, const profile::Candidate& c) {
  if (c.agreement.rate() < ctx.profile->minAgreement)
    return fmt::format("profile: fused answers agreed on {} of {} samples, below the bar {:g} %",
                       c.agreement.agreed, c.agreement.samples,
                       std::round(ctx.profile->minAgreement * 1000) / 10);
  return "profile: not accepted by tune: " +
         (c.why.empty() ? std::string("no reason given") : c.why);
}

nlohmann::json profileNotApplied(const profile::Candidate& c, const std::string& reason) {
  nlohmann::json j = profileDetail(c);
  j["applied"] = false;
  j["reason"] = reason;
  return j;
}

} // namespace awc::passes
