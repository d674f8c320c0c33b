// The simulator as a judge model: it recognises `awc tune`'s judge requests by their shape and
// answers whether the two answers are the same text, erring as often as the judge model's
// quality says (docs/simulator.md, Quality).
#pragma once

#include "awc/sim/answers.h"
#include "awc/sim/quality.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace awc::sim {

/// The three texts of a judge request (views into the message it was parsed from).
struct JudgeRequest {
  std::string_view task, reference, candidate;
};

/// A judge request's user message, as `awc tune` writes it (tune/judge.cpp): the line
/// "awc-judge v1: …", then the sections task, reference answer and candidate answer, each
/// `[NAME: N bytes]\n` + N bytes + `\n[end of NAME]`, separated by a blank line. The byte
/// counts make the shape unambiguous whatever the answers contain; anything else is not one.
std::optional<JudgeRequest> parseJudgeRequest(std::string_view lastUser);

/// Equal after collapsing runs of whitespace and trimming both ends.
bool sameAnswerText(std::string_view a, std::string_view b);

/// The simulated judge's verdict: the two answers are the same text (the simulator gives two
/// models the same free text unless the quality model's draw said otherwise, so equal text is
/// the same meaning), flipped when `model`'s own classify disagreement draw on `prompt` says so
/// (a small judge errs sometimes, a large one never). No flip when quality is off.
bool judgeVerdict(const JudgeRequest& request, const QualityModel& quality, std::string_view prompt,
                  std::string_view model, uint64_t seed);

/// The answer to a chat request whose last user message is a judge request:
/// `{"equivalent":true}` or `{"equivalent":false}`; unset when it is not one.
std::optional<Answer> judgeAnswer(std::string_view lastUser, const QualityModel& quality,
                                  std::string_view prompt, std::string_view model, uint64_t seed);

} // namespace awc::sim
