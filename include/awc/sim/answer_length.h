// How long a real model's free-text answer to a request runs: explicit limits ("in 50 words",
// "two sentences"), formats ("YYYY-MM-DD", "name only") and the kind of text asked for (a
// summary, an email, a report), from the request's words alone (docs/simulator.md, Answers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace awc::sim {

/// What a request asks of a free-text answer's length.
struct AskedLength {
  double tokens = 0;     ///< the typical length in tokens: the mean of the simulator's draws
  double ceiling = 0;    ///< an "at most" limit the answer never exceeds, in tokens (0: none)
  std::string_view rule; ///< the table row that decided ("value", "words", "summary", ...)
};

/// The length `instruction` (the last user message, or one task of a fused prompt) asks for,
/// with `system` (the system messages) as the fallback for cues the instruction lacks.
AskedLength askedLength(std::string_view instruction, std::string_view system);

/// One answer's length: the typical length × a factor in [0.75, 1.25] drawn from `seed`,
/// never above the ceiling, at least 1 token.
size_t drawAnswerTokens(const AskedLength& asked, uint64_t seed);

} // namespace awc::sim
