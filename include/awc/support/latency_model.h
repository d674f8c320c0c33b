// The model latency model shared by the compiler's estimates and the simulator:
// TTFT = base + uncached prompt tokens × prefill cost, then output at the decode rate,
// both stretched when many requests share one model. Figures: docs/simulator.md.
#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc {

/// Latency parameters of one model (or one size class).
struct ModelProfile {
  std::string name;                   ///< exact model name, or a class name (small/medium/large)
  double ttftBaseMs = 0;              ///< fixed time to first token (network, queueing, scheduling)
  double prefillMsPerToken = 0;       ///< extra TTFT per uncached prompt token
  double decodeTokensPerSec = 1;      ///< output speed after the first token
  double concurrencySlowdown = 0;     ///< fractional slowdown per extra request in flight
  double inputCostPerMTok = 0;        ///< USD per million uncached input tokens (illustrative)
  double outputCostPerMTok = 0;       ///< USD per million output tokens (illustrative)
  double cachedInputCostFactor = 0.1; ///< cached input tokens cost this fraction of input
};

/// Documented defaults for "small" (~8B), "medium" (~70B) and "large" (frontier) hosted
/// models. Unknown class names give "large".
const ModelProfile& defaultProfile(std::string_view sizeClass);

/// Size class from a model name: 8b/mini/small/haiku/nano/flash → small,
/// 70b/sonnet/medium → medium, anything else → large. The profile keeps `modelName`.
ModelProfile profileForModelName(std::string_view modelName);

/// Slowdown factor with `inFlight` requests on the model (1 = alone): 1 + s × (n − 1).
double concurrencyFactor(const ModelProfile& profile, size_t inFlight);

/// Time to first token in ms.
double estimateTtftMs(const ModelProfile& profile, size_t uncachedPromptTokens,
                      size_t inFlight = 1);

/// Time per output token after the first, in ms.
double estimateDecodeMsPerToken(const ModelProfile& profile, size_t inFlight = 1);

/// Whole-request latency in ms: TTFT, then the remaining output tokens at the decode rate.
double estimateLatencyMs(const ModelProfile& profile, size_t uncachedPromptTokens,
                         size_t outputTokens, size_t inFlight = 1);

/// Cost in USD of one call under the profile's illustrative prices.
double estimateCostUsd(const ModelProfile& profile, size_t uncachedPromptTokens,
                       size_t cachedPromptTokens, size_t outputTokens);

/// One profile as JSON: {"name", "ttft_base_ms", "prefill_ms_per_token",
/// "decode_tokens_per_sec", "concurrency_slowdown", ...}.
nlohmann::json profileToJson(const ModelProfile& profile);

/// Parses one profile; a "class" field (small/medium/large) supplies defaults for the
/// fields that are absent. Returns nullopt and sets `error` on bad input.
std::optional<ModelProfile> profileFromJson(const nlohmann::json& json, std::string& error);

/// A profile file: {"models": [profile, ...]}.
std::optional<std::vector<ModelProfile>> parseProfileFile(std::string_view text,
                                                          std::string& error);
std::optional<std::vector<ModelProfile>> loadProfileFile(const std::string& path,
                                                         std::string& error);
bool saveProfileFile(const std::string& path, const std::vector<ModelProfile>& profiles,
                     std::string& error);

} // namespace awc
