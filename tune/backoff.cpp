// The workflow-level bar: per-step errors compound (three steps at 97 % can give a flow at
// 91 %), so the flow built with the accepted candidates is measured, and while its final
// outputs agree with the reference's on fewer tuning samples than the bar, the candidate the
// disagreeing samples implicate most is withdrawn and the flow measured again.
#include "confidence.h"
#include "tune_backoff.h"

#include <cmath>
#include <fmt/format.h>
#include <set>

namespace awc::tune::detail {

using nlohmann::json;

namespace {

// "88 %", "86.7 %": whole percentages without a decimal.
std::string percent(double rate) {
  double p = 100 * rate;
  return std::abs(p - std::round(p)) < 0.05 ? fmt::format("{:.0f} %", p)
                                            : fmt::format("{:.1f} %", p);
}

// The dataflow of the plan, for "is another differing step upstream of this one": each node's
// direct inputs (a map body node also waits for what its map waits for; a guarded node for its
// branch), and which nodes are map body nodes (their values are per element).
struct Dataflow {
  std::map<std::string, std::vector<std::string>> deps;
  std::set<std::string> inMap;

  void add(const json& nodes, const std::vector<std::string>& outer, bool body) {
    for (const json& n : nodes) {
      std::string id = n.value("id", "");
      std::vector<std::string> d = outer;
      for (const json& dep : n.value("deps", json::array()))
        if (dep.is_string()) d.push_back(dep.get<std::string>());
      if (const json* g = n.contains("guard") ? &n["guard"] : nullptr; g && g->is_object())
        d.push_back(g->value("branch", ""));
      if (body) inMap.insert(id);
      if (n.value("kind", "") == "map" && n.contains("body"))
        add(n["body"].value("nodes", json::array()), d, true);
      deps[id] = std::move(d);
    }
  }

  // Whether `from` is (transitively) an input of `to`.
  bool upstream(const std::string& from, const std::string& to) const {
    std::set<std::string> seen;
    std::vector<std::string> work{to};
    while (!work.empty()) {
      std::string id = std::move(work.back());
      work.pop_back();
      auto it = deps.find(id);
      if (it == deps.end()) continue;
      for (const std::string& d : it->second) {
        if (d == from) return true;
        if (seen.insert(d).second) work.push_back(d);
      }
    }
    return false;
  }
};

// A step's value in one run: the node's value, or for a map body step its instances' values.
json valueOf(const SampleRun& run, const std::string& step, const Dataflow& flow) {
  if (!flow.inMap.count(step)) {
    auto it = run.result.values.find(step);
    return it == run.result.values.end() ? json() : *it;
  }
  json out = json::object();
  for (const auto& [id, value] : run.instanceValues.items())
    if (stepOf(id) == step) out[id] = value;
  return out;
}

// The accepted steps first in the dataflow to differ from the reference in one sample (a failed
// run also blames the step that failed).
std::set<std::string> implicated(const std::set<std::string>& accepted, const SampleRun& ref,
                                 const SampleRun& run, const Dataflow& flow) {
  std::set<std::string> differing;
  for (const std::string& step : accepted)
    if (valueOf(ref, step, flow) != valueOf(run, step, flow)) differing.insert(step);
  if (!run.result.ok && accepted.count(stepOf(run.result.errorNode)))
    differing.insert(stepOf(run.result.errorNode));
  std::set<std::string> first;
  for (const std::string& step : differing) {
    bool root = true;
    for (const std::string& other : differing)
      root = root && (other == step || !flow.upstream(other, step));
    if (root) first.insert(step);
  }
  return first;
}

// Withdraws every candidate still accepted, saying why.
int withdrawAll(profile::Profile& p, const std::string& why) {
  int n = 0;
  for (profile::StepProfile& s : p.steps)
    for (profile::Candidate& c : s.candidates)
      if (c.accepted) {
        c.accepted = false;
        c.why = why;
        ++n;
      }
  return n;
}

std::string disagreementWhy(const profile::FrontPoint& point, double bar, double confidence) {
  const profile::Agreement& a = point.agreement;
  std::string bound =
      confidence > 0.5 ? ", " + describeBound(a.agreed, a.samples, confidence) : std::string();
  return fmt::format("withdrawn: the flow's outputs agreed on {} of {} samples with it{} (bar {})",
                     percent(a.rate()), a.samples, bound, percent(bar));
}

} // namespace

std::optional<CandidateRef> chooseWithdrawal(const profile::Profile& profile, const json& planNodes,
                                             const std::vector<SampleRun>& reference,
                                             const std::vector<SampleRun>& tuned,
                                             const std::vector<bool>& disagreed) {
  Dataflow flow;
  flow.add(planNodes, {}, false);
  std::set<std::string> accepted;
  for (const profile::StepProfile& s : profile.steps)
    for (const profile::Candidate& c : s.candidates)
      if (c.accepted) accepted.insert(s.id);
  std::map<std::string, int> blame;
  for (std::size_t i = 0; i < disagreed.size() && i < reference.size() && i < tuned.size(); ++i)
    if (disagreed[i])
      for (const std::string& step : implicated(accepted, reference[i], tuned[i], flow))
        ++blame[step];
  std::optional<CandidateRef> best;
  auto better = [&](const CandidateRef& a, const CandidateRef& b) {
    const profile::StepProfile &sa = profile.steps[a.step], &sb = profile.steps[b.step];
    int ba = blame.count(sa.id) ? blame.at(sa.id) : 0,
        bb = blame.count(sb.id) ? blame.at(sb.id) : 0;
    if (ba != bb) return ba > bb;
    double ra = sa.candidates[a.candidate].agreement.rate();
    double rb = sb.candidates[b.candidate].agreement.rate();
    if (ra != rb) return ra < rb;
    if (sa.id != sb.id) return sa.id < sb.id;
    return a.candidate < b.candidate;
  };
  for (std::size_t i = 0; i < profile.steps.size(); ++i)
    for (std::size_t k = 0; k < profile.steps[i].candidates.size(); ++k)
      if (profile.steps[i].candidates[k].accepted && (!best || better({i, k}, *best)))
        best = CandidateRef{i, k};
  return best;
}

BackoffResult backOff(profile::Profile& profile, const json& planNodes,
                      const std::vector<SampleRun>& reference, const BackoffHooks& hooks) {
  BackoffResult r;
  for (;;) {
    r.plan = hooks.build();
    if (!r.plan) return r;
    std::vector<SampleRun> runs = hooks.run(r.plan);
    ++r.rounds;
    profile::FrontPoint point = hooks.point(runs);
    std::size_t started = 0;
    for (const SampleRun& s : runs)
      started += s.started;
    if (started < runs.size()) { // what was not run was not verified
      r.withdrawn += withdrawAll(
          profile, fmt::format("withdrawn: the budget stopped tune before the flow was measured "
                               "with it ({} of {} samples run)",
                               started, runs.size()));
      r.plan = nullptr;
      return r;
    }
    // The same bar as each candidate's: the lower bound on the tuning samples.
    if (meetsBar(point.agreement.agreed, point.agreement.samples, profile.minAgreement,
                 profile.confidence)) {
      r.point = point;
      return r;
    }
    std::string why = disagreementWhy(point, profile.minAgreement, profile.confidence);
    if (r.rounds > kMaxBackoffRounds) {
      r.withdrawn += withdrawAll(
          profile, fmt::format("{}; back-off stopped after {} rounds", why, kMaxBackoffRounds));
      r.plan = nullptr;
      return r;
    }
    std::vector<bool> disagreed(runs.size(), false);
    for (std::size_t i = 0; i < runs.size() && i < reference.size(); ++i)
      disagreed[i] = reference[i].result.ok && !hooks.agrees(reference[i], runs[i]);
    std::optional<CandidateRef> pick =
        chooseWithdrawal(profile, planNodes, reference, runs, disagreed);
    if (!pick) { // build() found something accepted; kept for safety
      r.point = point;
      return r;
    }
    profile::Candidate& c = profile.steps[pick->step].candidates[pick->candidate];
    c.accepted = false;
    c.why = why;
    ++r.withdrawn;
  }
}

} // namespace awc::tune::detail
