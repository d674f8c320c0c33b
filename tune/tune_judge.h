// The judge model for free-text agreement (judge.cpp): the request tune sends it, the strict
// verdict parse, and the batched, budgeted calls (docs/tune.md, "The judge").
#pragma once

#include "awc/runtime/http_client.h"
#include "tune_internal.h"

#include <map>
#include <utility>

namespace awc::tune::detail {

/// What "the same answer" means when the user gives no rubric.
extern const char* const kDefaultRubric;

/// One comparison: is `candidate` the same answer as `reference` to `task`?
struct JudgeItem {
  std::string task; ///< the original prompt (taskText), or what the output is
  std::string reference, candidate;
  bool asked = false;          ///< a verdict was had: from the judge, or identical texts
  std::optional<bool> verdict; ///< unset: no verdict (the call failed, the answer did not parse)
  std::string error;           ///< why there is no verdict, when asked but unset
  bool called = false;         ///< the judge was called (not identical texts)
  double costUsd = 0;          ///< what the call cost
};

/// The request's messages as "role: text" lines (system first), at most kJudgeTaskBytes: the
/// head and the tail are kept, as the instruction is usually at one end.
std::string taskText(const nlohmann::json& requestBody);
constexpr std::size_t kJudgeTaskBytes = 6000;
/// An answer longer than this is shortened in the judge's prompt (head kept).
constexpr std::size_t kJudgeAnswerBytes = 32000;

/// The judge's user message: a header line, then the task, the reference and the candidate,
/// each as `[NAME: N bytes]\n` + exactly N bytes + `\n[end of NAME]` (the simulator recognises
/// a judge request by this shape, sim/judge.cpp).
std::string judgePrompt(const std::string& task, const std::string& reference,
                        const std::string& candidate);

/// The judge's system message: the instruction and the rubric.
std::string judgeSystem(const std::string& rubric);

/// `{"equivalent": true|false}` (surrounding whitespace allowed, nothing else); unset otherwise.
std::optional<bool> parseVerdict(const std::string& answer);

/// Equal after collapsing runs of whitespace and trimming: such answers need no judge.
bool sameText(const std::string& a, const std::string& b);

/// A declared judge: its route and rubric, its own connections, and the calls it made (a cost
/// of tuning).
class Judge {
public:
  /// `tick(done, total)` runs on the judging thread after each call (the progress line).
  Judge(Route route, std::string rubric, int concurrency, Budget& budget,
        std::function<void(int64_t, int64_t)> tick)
      : route_(std::move(route)), rubric_(std::move(rubric)), concurrency_(concurrency),
        budget_(budget), tick_(std::move(tick)) {}

  /// Decides every item: identical texts agree without a call, the rest are asked of the judge,
  /// at most `concurrency` in flight, while the budget allows (an item the budget refused
  /// stays un-asked).
  void judgeAll(const std::vector<JudgeItem*>& items);

  int64_t calls() const { return calls_; }
  double costUsd() const { return costUsd_; }

private:
  nlohmann::json requestBody(const JudgeItem& item) const;

  Route route_;
  std::string rubric_;
  int concurrency_;
  Budget& budget_;
  std::function<void(int64_t, int64_t)> tick_;
  runtime::CurlTransport transport_;
  int64_t calls_ = 0;
  double costUsd_ = 0;
};

/// The front's comparisons of final outputs: free-text parts (as outputsAgree finds them) are
/// collected over all samples first, judged in one batch, then looked up.
class FrontJudge {
public:
  FrontJudge(Judge& judge, std::string task) : judge_(judge), task_(std::move(task)) {}
  /// Records the free-text pairs of one sample's outputs that need a verdict.
  void collect(const nlohmann::json& schema, const nlohmann::json& reference,
               const nlohmann::json& candidate);
  /// Judges what collect() gathered.
  void run();
  /// The outputs' agreement with the verdicts; unset when a part got none.
  std::optional<bool> agree(const nlohmann::json& schema, const nlohmann::json& reference,
                            const nlohmann::json& candidate) const;
  /// Pairs that got no verdict, and the first reason.
  int64_t failures() const;
  std::string firstError() const;

private:
  Judge& judge_;
  std::string task_;
  std::vector<JudgeItem> items_;
  std::map<std::pair<std::string, std::string>, std::size_t> index_;
};

} // namespace awc::tune::detail
