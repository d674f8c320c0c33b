// The flow-level union bound (tune/flow_bound.cpp) on hand-made profiles: how many applied
// candidates fit the bar, which ones go, and what does not count.
#include "confidence.h"
#include "tune_flow_bound.h"

#include <catch2/catch.hpp>

namespace {

using awc::profile::Candidate;
using awc::profile::CandidateKind;
using awc::profile::Profile;
using awc::profile::StepProfile;

// A step whose reference call takes 100 ms and costs $1, with one accepted model candidate
// that agreed on `agreed` of `calls` and takes `ms` at `usd`.
StepProfile step(const std::string& id, int64_t agreed, int64_t calls, double ms, double usd) {
  StepProfile s;
  s.id = id;
  s.reference.latencyMs = 100;
  s.reference.costUsd = 1;
  Candidate c;
  c.kind = CandidateKind::Model;
  c.value = "mini";
  c.agreement.samples = calls;
  c.agreement.agreed = agreed;
  c.stats.latencyMs = ms;
  c.stats.costUsd = usd;
  c.accepted = true;
  s.candidates.push_back(c);
  return s;
}

Profile profile(double confidence, int64_t samples) {
  Profile p;
  p.minAgreement = 0.95;
  p.confidence = confidence;
  p.samples = samples;
  return p;
}

bool accepted(const Profile& p, const std::string& id) {
  for (const auto& s : p.steps)
    if (s.id == id) return s.candidates.front().accepted;
  FAIL("no step " << id);
  return false;
}

} // namespace

TEST_CASE("flow bound: at confidence 0.5 the rates are not bounds, nothing is withdrawn",
          "[tune][flow_bound]") {
  Profile p = profile(0.5, 40);
  for (const char* id : {"a", "b", "c"})
    p.steps.push_back(step(id, 39, 40, 10, 0.1));
  auto r = awc::tune::detail::fitFlowBound(p);
  CHECK(r.withdrawn == 0);
  CHECK(accepted(p, "a"));
  CHECK(accepted(p, "b"));
  CHECK(accepted(p, "c"));
}

TEST_CASE("flow bound: three 40-of-40 steps do not fit a 95 % bar; the best saver stays",
          "[tune][flow_bound]") {
  // Each: lower bound 40 / (40 + z²) = 96.1 % at 90 % confidence, so a risk of 3.9 %: one fits
  // in the 5 % the bar leaves, two do not.
  Profile p = profile(0.9, 40);
  p.steps.push_back(step("slow_saver", 40, 40, 90, 0.9)); // saves 10 % + 10 %
  p.steps.push_back(step("best", 40, 40, 25, 0.05));      // saves 75 % + 95 %
  p.steps.push_back(step("middle", 40, 40, 50, 0.5));     // saves 50 % + 50 %
  auto r = awc::tune::detail::fitFlowBound(p);
  CHECK(r.withdrawn == 2);
  CHECK(accepted(p, "best"));
  CHECK_FALSE(accepted(p, "slow_saver"));
  CHECK_FALSE(accepted(p, "middle"));
  CHECK(r.bound >= 0.95);
  const std::string& why = p.steps[0].candidates[0].why;
  CHECK(why.rfind("withdrawn: with the 3 candidates applied", 0) == 0);
  CHECK(why.find("at 90 % confidence), below the bar 95.0 %") != std::string::npos);
}

TEST_CASE("flow bound: with 200 samples five candidates fit", "[tune][flow_bound]") {
  Profile p = profile(0.9, 200);
  for (const char* id : {"a", "b", "c", "d", "e"})
    p.steps.push_back(step(id, 200, 200, 10, 0.1));
  auto r = awc::tune::detail::fitFlowBound(p);
  CHECK(r.withdrawn == 0);
  double each = 1 - awc::tune::agreementLowerBound(200, 200, 0.9);
  CHECK(r.bound == Approx(1 - 5 * each));
}

TEST_CASE("flow bound: only the candidate --profile applies counts, and a map step counts per "
          "call",
          "[tune][flow_bound]") {
  Profile p = profile(0.9, 200);
  // Two accepted model candidates on one step: only the cheaper one is applied, so one risk.
  StepProfile two = step("two", 200, 200, 10, 0.1);
  Candidate dearer = two.candidates.front();
  dearer.value = "medium";
  dearer.stats.costUsd = 0.5;
  two.candidates.push_back(dearer);
  p.steps.push_back(two);
  auto r = awc::tune::detail::fitFlowBound(p);
  double each = 1 - awc::tune::agreementLowerBound(200, 200, 0.9);
  CHECK(r.bound == Approx(1 - each));
  // A map step measured on 1,000 calls over 200 samples: five calls per sample, five times the
  // risk of one call for the flow.
  Profile m = profile(0.9, 200);
  m.steps.push_back(step("items/price", 1000, 1000, 10, 0.1));
  r = awc::tune::detail::fitFlowBound(m);
  CHECK(r.bound == Approx(1 - 5 * (1 - awc::tune::agreementLowerBound(1000, 1000, 0.9))));
}
