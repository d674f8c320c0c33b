// Candidates of one model step and how they are judged (candidates.cpp).
#pragma once

#include "awc/passes/deterministic.h"
#include "awc/profile/profile.h"
#include "awc/tune/tune.h"
#include "tune_judge.h"
#include "tune_reference.h"

namespace awc::tune::detail {

/// A model step of the plan tune measures, with its reference exchanges.
struct StepInfo {
  std::string id;
  nlohmann::json node; ///< the plan's llm node
  std::string modelId;
  bool freeText = false; ///< a plain string answer (no schema to compare by)
  bool record = false;   ///< an object answer: compared field-wise
  bool inMap = false;
  /// The enclosing map node when it is a top-level one (null at the top level and in a map
  /// nested in another): its `over` and `var` give a body step's per-element bindings.
  nlohmann::json map;
  std::optional<int64_t> maxTokens;
  std::vector<std::string> cheaper;
  std::vector<const Exchange*> instances; ///< its reference exchanges, all samples
};

/// What a candidate must not be slower or costlier than.
struct Baseline {
  double latencyMs = 0;   ///< median of the unchanged requests replayed with the candidates
  double listCostUsd = 0; ///< mean per call at list prices (listCost)
};

/// A candidate and the calls that measure it (results parallel to jobs).
struct PendingCandidate {
  profile::Candidate c;
  /// The step's requests sent again unchanged, alongside the candidates: the latency baseline
  /// under the same load and prefix cache. Not written to the profile.
  bool baseline = false;
  const Route* route = nullptr; ///< null: not measured
  std::vector<ReplayJob> jobs;
  std::vector<CallResult> results;
  /// With a judge (method judge): one per result, parallel to it; a call that failed or was
  /// cut at the length limit has nothing to judge (its item stays un-asked, unused).
  std::vector<JudgeItem> judged;
};

profile::CallStats statsOf(const std::vector<const Exchange*>& calls);
profile::LengthStats lengthsOf(const std::vector<const Exchange*>& calls);

/// Cheaper models (same wire protocol) and a max_tokens of 1.2 × the longest observed answer
/// (when it is tighter than the step's own), each with one replay job per reference exchange.
/// `judged`: a judge compares the step's free-text answers (method judge, not length_format).
std::vector<PendingCandidate> planCandidates(const StepInfo& step,
                                             const std::map<std::string, Route>& routes,
                                             bool judged = false);

/// After the replays: the comparisons a judge is to make for `pc` (method judge only), one per
/// call that answered in full, appended to `out` for one batch over all candidates.
void judgeItems(PendingCandidate& pc, const StepInfo& step, std::vector<JudgeItem*>& out);

/// The baseline: the replayed unchanged requests when all of them were measured, else the
/// reference runs' own calls.
Baseline baselineOf(const PendingCandidate* replay, const StepInfo& step, const Route& route);

/// Agreement and figures from the replayed calls, then decide().
void scoreCandidate(PendingCandidate& pc, const StepInfo& step, double minAgreement,
                    double confidence, const Baseline& reference);

/// Accepted when measured on every call, at or above the bar by the agreement's lower bound at
/// `confidence` (confidence.h), no slower and no costlier (at list prices: `listCostUsd` is the
/// candidate's mean).
void decide(profile::Candidate& c, int64_t instances, double minAgreement, double confidence,
            const Baseline& reference, double listCostUsd);

/// The recogniser's native rewrite evaluated on each sample's values — in a map body, on each
/// element's (the element, the instance's other body values, the top-level values; from
/// `instanceValues`, parallel to `sampleValues`) — compared as `--profile` would apply it: a
/// rewrite of another type than the step never agrees. In a map, `samples` counts elements.
std::optional<profile::Candidate>
nativeCandidate(const StepInfo& step, const std::optional<passes::DeterministicTask>& task,
                const std::vector<const nlohmann::json*>& sampleValues,
                const std::vector<const nlohmann::json*>& instanceValues, double minAgreement,
                double confidence, const Baseline& reference);

} // namespace awc::tune::detail
