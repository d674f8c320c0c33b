// The flow-level bound. Each candidate is accepted on its own lower bound, and the tuned
// flow's run on the tuning samples cannot add evidence: the candidates were chosen because
// they agreed on those very samples, so the run agrees too (the winner's curse). A bar on the
// flow that holds on unseen inputs needs a bound that does not reuse the samples' luck: the
// union bound over the applied candidates' own lower bounds.
#include "confidence.h"
#include "tune_flow_bound.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace awc::tune::detail {

namespace {

struct Applied {
  profile::StepProfile* step = nullptr;
  profile::Candidate* c = nullptr;
  double risk = 0;  ///< bound on the share of flow samples it can change
  double value = 0; ///< relative latency plus relative cost saved on its step
};

double saved(double reference, double candidate) {
  return reference > 0 ? std::max(0.0, (reference - candidate) / reference) : 0;
}

// The candidates `--profile` would apply now: accepted, and per step and kind the cheapest.
std::vector<Applied> applied(profile::Profile& p) {
  std::vector<Applied> out;
  for (profile::StepProfile& s : p.steps) {
    std::map<profile::CandidateKind, profile::Candidate*> best;
    for (profile::Candidate& c : s.candidates) {
      if (!c.accepted || c.agreement.samples == 0) continue;
      auto [it, fresh] = best.try_emplace(c.kind, &c);
      if (!fresh && c.stats.costUsd < it->second->stats.costUsd) it->second = &c;
    }
    for (auto& [kind, c] : best) {
      double perSample = p.samples > 0 ? std::max(1.0, double(c->agreement.samples) / p.samples)
                                       : 1.0; // a map step: several calls per flow sample
      double risk =
          1 - agreementLowerBound(c->agreement.agreed, c->agreement.samples, p.confidence);
      out.push_back({&s, c, std::min(1.0, risk * perSample),
                     saved(s.reference.latencyMs, c->stats.latencyMs) +
                         saved(s.reference.costUsd, c->stats.costUsd)});
    }
  }
  return out;
}

std::string percent(double rate) {
  return fmt::format("{:.1f} %", 100 * rate);
}

} // namespace

FlowBoundResult fitFlowBound(profile::Profile& p) {
  FlowBoundResult r;
  if (p.confidence <= 0.5) return r;
  for (;;) {
    std::vector<Applied> now = applied(p);
    double risk = 0;
    for (const Applied& a : now)
      risk += a.risk;
    r.bound = std::max(0.0, 1 - risk);
    if (r.bound >= p.minAgreement || now.empty()) return r;
    // Least saved per unit of risk goes first; then the riskier; then plan order (stable).
    auto worst = std::min_element(now.begin(), now.end(), [](const Applied& a, const Applied& b) {
      double va = a.value / std::max(a.risk, 1e-12), vb = b.value / std::max(b.risk, 1e-12);
      return va != vb ? va < vb : a.risk > b.risk;
    });
    worst->c->accepted = false;
    worst->c->why = fmt::format(
        "withdrawn: with the {} candidates applied, the flow's agreement is bounded by {} (1 − "
        "the sum of their disagreement bounds at {:.0f} % confidence), below the bar {}; this "
        "one saved least for its risk",
        now.size(), percent(r.bound), 100 * p.confidence, percent(p.minAgreement));
    ++r.withdrawn;
  }
}

} // namespace awc::tune::detail
