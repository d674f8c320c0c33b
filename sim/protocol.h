// The protocol-neutral shape of a chat request and of its answer, and the interface each wire
// protocol (OpenAI Chat Completions, Anthropic Messages) implements for the engine (internal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awc::sim {

/// A request a protocol refuses: HTTP status, message and (OpenAI) the offending parameter.
struct ApiError {
  int status = 400;
  std::string message;
  std::string param;
};

/// What the engine needs of a chat request, whichever protocol it came in.
struct ChatRequest {
  nlohmann::json body; ///< the parsed body: replay matches on it
  std::string model;
  std::string prompt;   ///< laid out as a chat template would (docs/simulator.md, Tokens)
  std::string lastUser; ///< text of the last user message: what fixtures match
  std::string system;   ///< text of the system messages: cues for an answer's length
  std::optional<nlohmann::json> schema; ///< JSON Schema the answer must satisfy
  bool constrained = false;             ///< the schema constrains decoding (its own speed and TTFT)
  size_t maxTokens = 0;                 ///< 0 = no limit
  bool stream = false;
  bool streamUsage = false;   ///< a usage event closes the stream (OpenAI's include_usage)
  bool explicitCache = false; ///< cache at breakpoints only (Anthropic) instead of by blocks
  std::vector<size_t> breakpointBytes; ///< prompt offsets where a cache_control block ends
  bool replayable = false;             ///< answers recorded by `awc run --record` apply
};

/// An answer with its accounting, ready to render in the request's protocol.
struct Completion {
  uint64_t requestHash = 0; ///< names the response
  std::string model;
  std::string text;
  size_t outputTokens = 0;
  std::string finishReason; ///< in the protocol's words
  size_t promptTokens = 0;
  size_t cachedTokens = 0;     ///< read from the cache
  size_t cacheWriteTokens = 0; ///< written to the cache (explicit caching)
  long long created = 0;       ///< unix seconds
  bool streamUsage = false;
};

/// One wire protocol: parsing a request body into a ChatRequest, and the bytes of its answers
/// and errors. The engine owns everything in between (faults, cache, timing, answers).
class Protocol {
public:
  virtual ~Protocol() = default;
  /// "openai" or "anthropic": the request log's `api`.
  virtual const char* name() const = 0;
  /// The API's error JSON.
  virtual std::string errorBody(int status, const std::string& message,
                                const std::string& param) const = 0;
  /// Validates and lays out a request body; an error in the API's own words otherwise.
  virtual std::optional<ApiError> parse(const std::string& text, ChatRequest& out) const = 0;
  /// Message of an injected 429, 500 or 503.
  virtual const char* faultMessage(int status) const = 0;
  virtual const char* finishReason(bool truncated) const = 0;
  /// A non-streamed answer's JSON body.
  virtual std::string body(const Completion& c) const = 0;
  /// Chunk-framed events of a stream before its first token.
  virtual std::string streamStart(const Completion& c) const = 0;
  /// A token's event data is `before + JSON string of the token + after`.
  struct DeltaTemplate {
    std::string before, after;
  };
  virtual DeltaTemplate deltaTemplate(const Completion& c) const = 0;
  /// One token's event, chunk-framed.
  virtual std::string frameDelta(const std::string& data) const = 0;
  /// Chunk-framed events after the last token (the last chunk itself is the engine's).
  virtual std::string streamEnd(const Completion& c) const = 0;
};

const Protocol& openaiProtocol();
const Protocol& anthropicProtocol();

/// Appends the text of message content: a string, OpenAI text parts or Anthropic blocks; other
/// parts (images, tool results) count by their JSON.
void appendContent(std::string& out, const nlohmann::json& content);
/// Text of the last user message in `messages`, or "".
std::string lastUserText(const nlohmann::json& messages);
/// The text of the system (and OpenAI "developer") messages, one after another.
std::string systemText(const nlohmann::json& messages);
/// Whether `object[key]` is true; anything else (absent, null, a non-boolean) is false, where
/// json::value would throw.
bool isTrue(const nlohmann::json& object, const char* key);
/// `value` as compact JSON; invalid UTF-8 (a path or header echoed in an error, a cut character)
/// becomes U+FFFD where json::dump would throw.
std::string toJsonText(const nlohmann::json& value);
/// 16 lower-case hex digits: response ids.
std::string hex(uint64_t v);

} // namespace awc::sim
