// Model backends: request builders and response/stream parsers for OpenAI Chat Completions and
// Anthropic Messages, and the call runner that ties them to a Transport with retries.
#pragma once

#include "awc/plan/contract.h"
#include "awc/runtime/http_client.h"
#include "awc/runtime/retry_policy.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::runtime {

/// Wire protocol of a model. `Sim` is awc's simulator, which speaks the OpenAI protocol.
/// The plan contract's providers (include/awc/plan/plan_enums.def).
using Provider = plan::Provider;

/// "openai", "anthropic", "sim".
std::string_view providerName(Provider provider);
/// Inverse of providerName.
std::optional<Provider> parseProvider(std::string_view name);

/// A run of prompt text. `cacheBreakpoint` marks the end of a static prefix: Anthropic gets
/// `cache_control` on this block (the last 4 marks win); OpenAI caches prefixes by itself.
struct ContentBlock {
  std::string text;
  bool cacheBreakpoint = false;
};

enum class Role { User, Assistant };

struct Message {
  Role role = Role::User;
  /// Blocks are concatenated without separators for OpenAI.
  std::vector<ContentBlock> content;
};

struct ModelResponse;

/// Which field carries the output limit for OpenAI-compatible servers.
enum class MaxTokensField { MaxCompletionTokens, MaxTokens, Both };

/// Everything needed for one model request, independent of the wire protocol.
struct ModelCall {
  Provider provider = Provider::OpenAI;
  /// Base URL: "https://api.openai.com/v1" style for OpenAI/sim (".../chat/completions" is
  /// appended), "https://api.anthropic.com" for Anthropic ("/v1/messages" is appended).
  /// Empty means the provider's public endpoint.
  std::string endpoint;
  std::string model;
  /// Name of the environment variable holding the API key; empty sends no key (sim, local
  /// servers). The key itself never enters a ModelCall.
  std::string apiKeyEnv;
  /// The key variable a call to `provider` reads: none for the simulator (it takes no key, so a
  /// flow declaring `key_env` runs against it without one), else the model's `key_env`.
  static std::string keyEnvFor(Provider provider, const std::string& modelKeyEnv) {
    return provider == Provider::Sim ? std::string() : modelKeyEnv;
  }
  std::vector<ContentBlock> system;
  std::vector<Message> messages;
  /// JSON Schema of the typed result; OpenAI gets response_format json_schema (strict),
  /// Anthropic an instruction block after the cached prefix.
  std::optional<nlohmann::json> schema;
  std::string schemaName = "result";
  std::optional<int> maxTokens;
  MaxTokensField maxTokensField = MaxTokensField::MaxCompletionTokens;
  std::optional<double> temperature;
  bool stream = true;
  /// OpenAI prompt_cache_key (routing hint for prefix caching); empty omits it.
  std::string promptCacheKey;
  std::string anthropicVersion = "2023-06-01";
  /// Anthropic requires max_tokens; used when maxTokens is unset.
  int anthropicDefaultMaxTokens = 4096;
  std::chrono::milliseconds connectTimeout{10'000};
  std::chrono::milliseconds totalTimeout{300'000};
  /// Extra request headers (never put keys here: use apiKeyEnv).
  std::vector<std::pair<std::string, std::string>> extraHeaders;
  /// Called on the I/O thread when the first content token of a streamed answer arrives
  /// (at most once per attempt). The executor uses it to release "warm first" followers:
  /// by then the server has the prompt's prefix in its cache.
  std::function<void()> onFirstToken;
  /// Called once when the call succeeds (never on an error or cancellation), on the thread
  /// that completes it and just before startModelCall's `done`, with the request body exactly
  /// as sent (the key travels in a header, never in the body) and the final response. After
  /// retries this is the successful attempt; every attempt sends the same body. Lets callers
  /// record a run's exchanges (`awc run --record`); unset costs nothing. Must not throw.
  std::function<void(const std::string& requestBody, const ModelResponse& response)> onExchange;
};

/// Token counts. promptTokens is the whole prompt including cached tokens (for Anthropic the
/// sum of input, cache-read and cache-creation tokens).
struct Usage {
  std::int64_t promptTokens = 0;
  std::int64_t cachedTokens = 0;
  std::int64_t cacheCreationTokens = 0;
  std::int64_t outputTokens = 0;
};

enum class ModelErrorKind {
  MissingApiKey, ///< the key's environment variable is unset or empty
  Transport,     ///< no HTTP answer (connect, timeout, TLS, cancelled)
  Http,          ///< non-2xx status
  Protocol,      ///< a 2xx answer that could not be understood, or a stream cut short
  Provider,      ///< an error reported inside a 2xx stream
};

/// A failed call. `message` never contains an API key.
struct ModelError {
  ModelErrorKind kind = ModelErrorKind::Protocol;
  int httpStatus = 0;
  std::string message;
  bool retryable = false;
  /// Server-requested wait before a retry, when it sent one.
  std::optional<std::chrono::milliseconds> retryAfter;
};

/// The result of one model call (after retries, when run through startModelCall).
struct ModelResponse {
  std::string text;
  Usage usage;
  std::string finishReason;
  std::string model;
  std::string id;
  Clock::time_point startTime{};
  /// First content token (streaming) or first body byte (non-streaming).
  Clock::time_point firstTokenTime{};
  Clock::time_point endTime{};
  /// Attempts made (1 = no retry).
  int attempts = 1;
  std::optional<ModelError> error;

  bool ok() const { return !error.has_value(); }
  double ttftMs() const;
  double durationMs() const;
  /// Output tokens per second of decode time (first token to end); 0 when unknown.
  double outputTokensPerSecond() const;
};

/// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
/// Reads the process environment.
EnvLookup processEnv();

/// The JSON body for `call` (contains no secret).
nlohmann::json buildRequestBody(const ModelCall& call);
/// The URL for `call`.
std::string requestUrl(const ModelCall& call);
/// Builds the full HTTP request, reading the key through `env`. On failure returns the error.
std::optional<ModelError> buildModelRequest(const ModelCall& call, const EnvLookup& env,
                                            HttpRequest& out);

/// Parses a complete (non-streamed) response or an error response.
ModelResponse parseModelResponse(Provider provider, const HttpResponse& response);

/// Incremental parser of a streamed answer (SSE) for either protocol.
class ModelStreamParser {
public:
  explicit ModelStreamParser(Provider provider);
  ~ModelStreamParser();
  ModelStreamParser(const ModelStreamParser&) = delete;
  ModelStreamParser& operator=(const ModelStreamParser&) = delete;

  /// Feeds one body chunk received at `now` (the first content delta sets the TTFT time).
  void feed(std::string_view chunk, Clock::time_point now = Clock::now());
  /// Whether a content token has arrived yet.
  bool hasFirstToken() const;
  /// Completes the response from the transfer's outcome; error statuses are parsed from
  /// the body when the HttpRequest kept it (keepStreamedBody).
  ModelResponse finish(const HttpResponse& response);

private:
  struct State;
  std::unique_ptr<State> state_;
};

/// Replaces every occurrence of `secret` in `text` with "[REDACTED]".
std::string redact(std::string text, std::string_view secret);

/// How much of an invalid answer a repair request sends back (bytes).
inline constexpr std::size_t kRepairAnswerLimit = 4096;

/// `badAnswer` cut to at most `limit` bytes (at a UTF-8 character boundary) with a marker
/// saying how many bytes were left out; unchanged when it fits.
std::string truncateForRepair(const std::string& badAnswer, std::size_t limit);

/// Adds the failed answer (truncated to kRepairAnswerLimit bytes) and the validation error to a
/// copy of `call`, for the one repair retry.
ModelCall makeRepairCall(const ModelCall& call, const std::string& badAnswer,
                         const std::string& error);

/// Cancels a model call started by startModelCall, whichever attempt it is on.
class ModelCallHandle {
public:
  virtual ~ModelCallHandle() = default;
  /// The call completes with a Transport error (not retryable); a no-op once it completed.
  virtual void cancel() = 0;
};

/// Runs `call` on `transport`: streams when call.stream is set, retries per `policy`
/// (delays through Transport::runAfter, budget from `budget` if given), and hands the final
/// response to `done` on the I/O thread. A request that cannot be built (missing key)
/// completes through `done` immediately on the calling thread.
std::shared_ptr<ModelCallHandle> startModelCall(Transport& transport, const ModelCall& call,
                                                const EnvLookup& env, RetryPolicy* policy,
                                                RetryBudget* budget,
                                                std::function<void(ModelResponse)> done);

} // namespace awc::runtime
