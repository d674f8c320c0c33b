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
  /// Extra prefill ms per uncached token for every 1,000 tokens before it: attention makes a
  /// token's prefill cost grow with its position, which a long prompt on a small server shows
  /// (0 in the documented class defaults: hosted providers hide it behind parallel hardware).
  double prefillMsPerTokenPer1kContext = 0;
  /// Extra ms per output token for every 1,000 prompt tokens in the context (same reason).
  double decodeMsPerTokenPer1kContext = 0;
  /// Output speed when a JSON schema constrains the answer (grammar-constrained sampling checks
  /// every token); 0 means the same as decodeTokensPerSec.
  double structuredDecodeTokensPerSec = 0;
  /// Extra time to first token when a JSON schema constrains the answer: the server turns the
  /// schema into a grammar and samples the first token under it (0 in the class defaults).
  double structuredTtftMs = 0;
  /// The inference engine serving this model. Models naming the same engine share one prefix
  /// cache and one count of requests in flight, as several model names routed to one server
  /// do; empty means the model is its own engine.
  std::string engine;
  /// How the engine reuses prompts: 0 is one block cache shared by every request (vLLM's
  /// automatic prefix caching); N > 0 is llama-server's N slots, each keeping the prompt it last
  /// served, plus its RAM prompt cache (sim/slot_cache.h). The simulator takes the value of the
  /// first profile it sees for an engine; the compiler's estimates do not use it.
  size_t cacheSlots = 0;
  /// The engine's name: `engine`, or the model's own name when that is empty.
  const std::string& engineName() const { return engine.empty() ? name : engine; }
};

/// Documented defaults for "small" (~8B), "medium" (~70B) and "large" (frontier) hosted
/// models. Unknown class names give "large".
const ModelProfile& defaultProfile(std::string_view sizeClass);

/// Size class from a model name ("small", "medium" or "large"), by the rule below.
const char* sizeClassForModelName(std::string_view modelName);

/// Size class from a model name: 8b/mini/small/haiku/nano/flash → small,
/// 70b/sonnet/medium → medium, anything else → large. The profile keeps `modelName`.
ModelProfile profileForModelName(std::string_view modelName);

/// Slowdown factor with `inFlight` requests on the model (1 = alone): 1 + s × (n − 1).
double concurrencyFactor(double slowdown, size_t inFlight);
double concurrencyFactor(const ModelProfile& profile, size_t inFlight);

/// Time to first token in ms: ttft_base + factor × (prefill + structured_ttft_ms for a
/// schema-constrained answer), where prefilling n uncached tokens after c cached ones costs
/// n × prefill_ms_per_token + (n·c + n²/2) / 1000 × prefill_ms_per_token_per_1k_context.
double estimateTtftMs(const ModelProfile& profile, size_t uncachedPromptTokens, size_t inFlight = 1,
                      size_t cachedPromptTokens = 0, bool structured = false);

/// Time per output token after the first, in ms: (1000 / decode speed + context / 1000 ×
/// decode_ms_per_token_per_1k_context) × factor, where context is the prompt's length and the
/// speed is structured_decode_tokens_per_sec for schema-constrained answers (when set).
double estimateDecodeMsPerToken(const ModelProfile& profile, size_t inFlight = 1,
                                size_t contextTokens = 0, bool structured = false);

/// Whole-request latency in ms: TTFT, then the remaining output tokens at the decode rate
/// (both for a schema-constrained answer when `structured`).
double estimateLatencyMs(const ModelProfile& profile, size_t uncachedPromptTokens,
                         size_t outputTokens, size_t inFlight = 1, size_t cachedPromptTokens = 0,
                         bool structured = false);

/// Cost in USD of one call under the profile's illustrative prices.
double estimateCostUsd(const ModelProfile& profile, size_t uncachedPromptTokens,
                       size_t cachedPromptTokens, size_t outputTokens);

/// One profile as JSON: {"name", "ttft_base_ms", "prefill_ms_per_token",
/// "decode_tokens_per_sec", "concurrency_slowdown", ...,
/// "prefill_ms_per_token_per_1k_context", "decode_ms_per_token_per_1k_context",
/// "structured_decode_tokens_per_sec", "structured_ttft_ms", "engine", "cache_slots" (these
/// six only when set)}.
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
