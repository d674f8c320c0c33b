// OpenAI Chat Completions and Anthropic Messages: bodies, parsing (whole and streamed), retries.
// Over ~600 lines because both wire protocols' builders and parsers share private helpers
// (usage readers, error shapes); splitting by protocol is the next step if it grows.
#include "awc/runtime/model_backend.h"

#include "awc/runtime/sse_parser.h"
#include "awc/support/utf8.h"

#include <algorithm>
#include <cstdlib>
#include <fmt/format.h>
#include <mutex>

namespace awc::runtime {

using nlohmann::json;

std::string_view providerName(Provider provider) {
  return plan::name(provider);
}

std::optional<Provider> parseProvider(std::string_view name) {
  return plan::parseEnum<Provider>(name);
}

static double msBetween(Clock::time_point a, Clock::time_point b) {
  if (a == Clock::time_point{} || b == Clock::time_point{}) return 0;
  return std::chrono::duration<double, std::milli>(b - a).count();
}

double ModelResponse::ttftMs() const {
  return msBetween(startTime, firstTokenTime);
}
double ModelResponse::durationMs() const {
  return msBetween(startTime, endTime);
}
double ModelResponse::outputTokensPerSecond() const {
  double decodeMs = msBetween(firstTokenTime, endTime);
  if (decodeMs <= 0 || usage.outputTokens <= 0) return 0;
  return static_cast<double>(usage.outputTokens) * 1000.0 / decodeMs;
}

EnvLookup processEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

static bool isAnthropic(const ModelCall& call) {
  return call.provider == Provider::Anthropic;
}

static std::string joinText(const std::vector<ContentBlock>& blocks) {
  std::string out;
  for (const auto& block : blocks)
    out += block.text;
  return out;
}

static std::string schemaInstruction(const ModelCall& call) {
  return "\n\nAnswer with only a JSON value (no prose, no code fence) that matches this JSON "
         "Schema:\n" +
         call.schema->dump();
}

json buildRequestBody(const ModelCall& call) {
  json body = json::object();
  body["model"] = call.model;
  if (!isAnthropic(call)) {
    json messages = json::array();
    if (!call.system.empty())
      messages.push_back({{"role", "system"}, {"content", joinText(call.system)}});
    for (const auto& message : call.messages)
      messages.push_back({{"role", message.role == Role::User ? "user" : "assistant"},
                          {"content", joinText(message.content)}});
    body["messages"] = std::move(messages);
    if (call.maxTokens) {
      if (call.maxTokensField != MaxTokensField::MaxTokens)
        body["max_completion_tokens"] = *call.maxTokens;
      if (call.maxTokensField != MaxTokensField::MaxCompletionTokens)
        body["max_tokens"] = *call.maxTokens;
    }
    if (call.temperature) body["temperature"] = *call.temperature;
    if (call.schema)
      body["response_format"] = {
          {"type", "json_schema"},
          {"json_schema", {{"name", call.schemaName}, {"schema", *call.schema}, {"strict", true}}}};
    if (!call.promptCacheKey.empty()) body["prompt_cache_key"] = call.promptCacheKey;
    if (call.stream) {
      body["stream"] = true;
      body["stream_options"] = {{"include_usage", true}};
    }
    return body;
  }

  // Anthropic: at most 4 cache breakpoints; the last ones cover the longest prefixes.
  int breakpoints = 0;
  for (const auto& block : call.system)
    breakpoints += block.cacheBreakpoint;
  for (const auto& message : call.messages)
    for (const auto& block : message.content)
      breakpoints += block.cacheBreakpoint;
  int skip = std::max(0, breakpoints - 4);
  auto toBlock = [&](const ContentBlock& block) {
    json out = {{"type", "text"}, {"text", block.text}};
    if (block.cacheBreakpoint) {
      if (skip > 0)
        --skip;
      else
        out["cache_control"] = {{"type", "ephemeral"}};
    }
    return out;
  };
  json system = json::array();
  for (const auto& block : call.system)
    if (!block.text.empty()) system.push_back(toBlock(block));
  if (call.schema) system.push_back({{"type", "text"}, {"text", schemaInstruction(call)}});
  if (!system.empty()) body["system"] = std::move(system);
  json messages = json::array();
  for (const auto& message : call.messages) {
    json content = json::array();
    for (const auto& block : message.content)
      if (!block.text.empty()) content.push_back(toBlock(block));
    messages.push_back({{"role", message.role == Role::User ? "user" : "assistant"},
                        {"content", std::move(content)}});
  }
  body["messages"] = std::move(messages);
  body["max_tokens"] = call.maxTokens.value_or(call.anthropicDefaultMaxTokens);
  if (call.temperature) body["temperature"] = *call.temperature;
  if (call.stream) body["stream"] = true;
  return body;
}

static bool endsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string requestUrl(const ModelCall& call) {
  std::string base = call.endpoint;
  if (base.empty())
    base = isAnthropic(call) ? "https://api.anthropic.com" : "https://api.openai.com/v1";
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  if (isAnthropic(call)) {
    if (endsWith(base, "/messages")) return base;
    return base + (endsWith(base, "/v1") ? "/messages" : "/v1/messages");
  }
  if (endsWith(base, "/chat/completions")) return base;
  return base + "/chat/completions";
}

std::optional<ModelError> buildModelRequest(const ModelCall& call, const EnvLookup& env,
                                            HttpRequest& out) {
  out = HttpRequest{};
  out.method = "POST";
  out.url = requestUrl(call);
  out.connectTimeout = call.connectTimeout;
  out.totalTimeout = call.totalTimeout;
  out.headers.emplace_back("Content-Type", "application/json");
  if (call.stream) out.headers.emplace_back("Accept", "text/event-stream");
  if (!call.apiKeyEnv.empty()) {
    std::optional<std::string> key = env ? env(call.apiKeyEnv) : std::nullopt;
    if (!key || key->empty()) {
      ModelError error;
      error.kind = ModelErrorKind::MissingApiKey;
      error.message = fmt::format("environment variable {} (the API key for model '{}') is not set",
                                  call.apiKeyEnv, call.model);
      return error;
    }
    if (isAnthropic(call))
      out.headers.emplace_back("x-api-key", *key);
    else
      out.headers.emplace_back("Authorization", "Bearer " + *key);
  }
  if (isAnthropic(call)) out.headers.emplace_back("anthropic-version", call.anthropicVersion);
  for (const auto& header : call.extraHeaders)
    out.headers.push_back(header);
  out.body = buildRequestBody(call).dump();
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Parsing

static std::int64_t intAt(const json& object, const char* key) {
  if (!object.is_object()) return 0;
  auto it = object.find(key);
  return (it != object.end() && it->is_number()) ? it->get<std::int64_t>() : 0;
}

static std::string stringAt(const json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return (it != object.end() && it->is_string()) ? it->get<std::string>() : std::string{};
}

static void readOpenAIUsage(const json& usage, Usage& out) {
  if (!usage.is_object()) return;
  out.promptTokens = intAt(usage, "prompt_tokens");
  out.outputTokens = intAt(usage, "completion_tokens");
  if (auto details = usage.find("prompt_tokens_details"); details != usage.end())
    out.cachedTokens = intAt(*details, "cached_tokens");
}

// Anthropic reports input_tokens without the cached parts; fold them in (see Usage).
static void readAnthropicUsage(const json& usage, Usage& out) {
  if (!usage.is_object()) return;
  if (usage.contains("input_tokens") || usage.contains("cache_read_input_tokens")) {
    out.cachedTokens = intAt(usage, "cache_read_input_tokens");
    out.cacheCreationTokens = intAt(usage, "cache_creation_input_tokens");
    out.promptTokens = intAt(usage, "input_tokens") + out.cachedTokens + out.cacheCreationTokens;
  }
  if (usage.contains("output_tokens")) out.outputTokens = intAt(usage, "output_tokens");
}

// The provider's error message from an error body, or a short excerpt of the body.
static std::string errorMessageFromBody(std::string_view body) {
  json parsed = json::parse(body.begin(), body.end(), nullptr, false);
  if (parsed.is_object()) {
    if (auto it = parsed.find("error"); it != parsed.end()) {
      if (it->is_object()) {
        std::string message = stringAt(*it, "message");
        std::string type = stringAt(*it, "type");
        if (!message.empty()) return type.empty() ? message : type + ": " + message;
      } else if (it->is_string()) {
        return it->get<std::string>();
      }
    }
    if (std::string message = stringAt(parsed, "message"); !message.empty()) return message;
  }
  std::string excerpt(body.substr(0, 200));
  return excerpt.empty() ? "empty body" : excerpt;
}

static void fillTimes(ModelResponse& out, const HttpResponse& response) {
  out.startTime = response.startTime;
  out.endTime = response.endTime;
  if (out.firstTokenTime == Clock::time_point{}) out.firstTokenTime = response.firstByteTime;
}

// Sets out.error when the transfer failed or the status is not 2xx; returns whether it did.
/// Whether a failed transfer had already been answered with a 2xx status: the server did
/// answer, then the body or stream stopped.
static bool cutShort(const HttpResponse& response) {
  return response.error != TransportError::None && response.error != TransportError::Cancelled &&
         response.error != TransportError::Shutdown && response.status >= 200 &&
         response.status < 300;
}

static bool failedTransfer(const HttpResponse& response, ModelResponse& out, std::uint64_t bytes) {
  if (response.error != TransportError::None) {
    ModelError error;
    error.kind = ModelErrorKind::Transport;
    error.message =
        cutShort(response)
            ? fmt::format("{} after {} bytes (HTTP {}): {}",
                          response.error == TransportError::Timeout ? "timed out"
                                                                    : "stream ended early",
                          bytes, response.status, response.errorMessage)
            : fmt::format("{} error: {}", transportErrorName(response.error),
                          response.errorMessage);
    error.retryable = isRetryable(response);
    out.error = std::move(error);
    return true;
  }
  if (response.status < 200 || response.status >= 300) {
    ModelError error;
    error.kind = ModelErrorKind::Http;
    error.httpStatus = response.status;
    error.message =
        fmt::format("HTTP {}: {}", response.status, errorMessageFromBody(response.body));
    error.retryable = isRetryable(response);
    error.retryAfter = retryAfterFromHeaders(response);
    out.error = std::move(error);
    return true;
  }
  return false;
}

static ModelError protocolError(std::string message, bool retryable = false) {
  ModelError error;
  error.kind = ModelErrorKind::Protocol;
  error.message = std::move(message);
  error.retryable = retryable;
  return error;
}

ModelResponse parseModelResponse(Provider provider, const HttpResponse& response) {
  ModelResponse out;
  fillTimes(out, response);
  if (failedTransfer(response, out, response.body.size())) return out;
  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object()) {
    out.error = protocolError("response body is not a JSON object");
    return out;
  }
  out.model = stringAt(body, "model");
  out.id = stringAt(body, "id");
  if (provider == Provider::Anthropic) {
    if (auto content = body.find("content"); content != body.end() && content->is_array())
      for (const auto& block : *content)
        if (stringAt(block, "type") == "text") out.text += stringAt(block, "text");
    out.finishReason = stringAt(body, "stop_reason");
    if (auto usage = body.find("usage"); usage != body.end()) readAnthropicUsage(*usage, out.usage);
    if (!body.contains("content")) out.error = protocolError("response has no 'content'");
    return out;
  }
  auto choices = body.find("choices");
  if (choices == body.end() || !choices->is_array() || choices->empty()) {
    out.error = protocolError("response has no 'choices'");
    return out;
  }
  const json& choice = choices->front();
  if (auto message = choice.find("message"); message != choice.end() && message->is_object()) {
    out.text = stringAt(*message, "content");
    if (out.text.empty()) {
      if (std::string refusal = stringAt(*message, "refusal"); !refusal.empty())
        out.error = protocolError("model refused: " + refusal);
    }
  }
  out.finishReason = stringAt(choice, "finish_reason");
  if (auto usage = body.find("usage"); usage != body.end()) readOpenAIUsage(*usage, out.usage);
  return out;
}

// Reads the fields an OpenAI stream chunk carries for us (id, model, each choice's
// delta.content and finish_reason) without building a document: a streamed answer is one
// event per token, and a DOM per event was a large part of the runtime's CPU per call.
// An event with anything else that matters (usage, error) stops the reader, and the caller
// parses that event whole.
class OpenAIChunkReader final : public nlohmann::json_sax<json> {
public:
  std::string id, model, finishReason, text;

  bool null() override { return value(nullptr, true); }
  bool boolean(bool) override { return value(nullptr); }
  bool number_integer(number_integer_t) override { return value(nullptr); }
  bool number_unsigned(number_unsigned_t) override { return value(nullptr); }
  bool number_float(number_float_t, const string_t&) override { return value(nullptr); }
  bool binary(binary_t&) override { return value(nullptr); }
  bool string(string_t& s) override { return value(&s); }

  // A container under a top-level usage/error key stops the reader: the whole parse reads it.
  bool start_object(std::size_t) override { return !pendingTopKey_ && push(true); }
  bool start_array(std::size_t) override { return !pendingTopKey_ && push(false); }
  bool key(string_t& k) override {
    stack_.back().key = k;
    if (stack_.size() == 1 && (k == "usage" || k == "error")) pendingTopKey_ = true;
    return true;
  }
  bool end_object() override { return pop(); }
  bool end_array() override { return pop(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

private:
  struct Level {
    bool isObject;
    std::string key; // the current key, for objects
  };
  std::vector<Level> stack_;
  bool pendingTopKey_ = false;

  bool push(bool isObject) {
    stack_.push_back(Level{isObject, {}});
    return true;
  }
  bool pop() {
    stack_.pop_back();
    return true;
  }

  bool value(const std::string* s, bool isNull = false) {
    if (pendingTopKey_) {
      pendingTopKey_ = false;
      return isNull; // "usage": null carries nothing; any other value needs the whole parse
    }
    if (!s) return true;
    const std::size_t depth = stack_.size();
    if (depth == 1) {
      if (stack_[0].key == "id" && id.empty()) id = *s;
      if (stack_[0].key == "model" && model.empty()) model = *s;
    } else if (depth == 3 && stack_[0].key == "choices" && !stack_[1].isObject) {
      if (stack_[2].key == "finish_reason" && !s->empty()) finishReason = *s;
    } else if (depth == 4 && stack_[0].key == "choices" && !stack_[1].isObject &&
               stack_[2].key == "delta" && stack_[3].key == "content") {
      text.append(*s);
    }
    return true;
  }
};

struct ModelStreamParser::State {
  Provider provider;
  SseParser sse;
  ModelResponse response;
  bool done = false;
  bool sawEvent = false;
  std::uint64_t bytes = 0; ///< body bytes received, for "stream ended early" errors
  std::optional<ModelError> streamError;
  Clock::time_point now{};

  void onText(std::string_view text) {
    if (text.empty()) return;
    if (response.firstTokenTime == Clock::time_point{}) response.firstTokenTime = now;
    response.text.append(text);
  }

  void onEvent(const SseEvent& event) {
    sawEvent = true;
    if (event.isDone()) {
      done = true;
      return;
    }
    if (provider != Provider::Anthropic && readOpenAIChunk(event.data)) return;
    json data = json::parse(event.data, nullptr, false);
    if (!data.is_object()) return; // keep-alives and unknown payloads are not fatal
    if (auto error = data.find("error"); error != data.end() && !error->is_null()) {
      ModelError e;
      e.kind = ModelErrorKind::Provider;
      std::string type = error->is_object() ? stringAt(*error, "type") : std::string{};
      e.message = "stream error: " + errorMessageFromBody(data.dump());
      // Overload and rate errors mid-stream are worth another attempt.
      e.retryable = type == "overloaded_error" || type == "rate_limit_error" ||
                    type == "api_error" || type == "server_error";
      streamError = std::move(e);
      done = true;
      return;
    }
    if (provider == Provider::Anthropic)
      onAnthropic(data);
    else
      onOpenAI(data);
  }

  // The common event, a token delta, read without a document; false when the event needs the
  // whole parse (usage, an error, anything malformed or not an object).
  bool readOpenAIChunk(std::string_view data) {
    if (data.empty() || data.front() != '{') return false;
    OpenAIChunkReader reader;
    // false when the reader stopped: a parse error, or a usage/error value to read whole.
    if (!json::sax_parse(data.begin(), data.end(), &reader, json::input_format_t::json, true))
      return false;
    onOpenAIFields(reader.id, reader.model, reader.text, reader.finishReason);
    return true;
  }

  void onOpenAI(const json& data) {
    std::string text, finishReason;
    if (auto choices = data.find("choices"); choices != data.end() && choices->is_array())
      for (const auto& choice : *choices) {
        if (auto delta = choice.find("delta"); delta != choice.end() && delta->is_object())
          text += stringAt(*delta, "content");
        if (std::string reason = stringAt(choice, "finish_reason"); !reason.empty())
          finishReason = reason;
      }
    onOpenAIFields(stringAt(data, "id"), stringAt(data, "model"), text, finishReason);
    if (auto usage = data.find("usage"); usage != data.end() && usage->is_object())
      readOpenAIUsage(*usage, response.usage);
  }

  // One chunk's fields, however they were read.
  void onOpenAIFields(const std::string& id, const std::string& model, const std::string& text,
                      const std::string& finishReason) {
    if (response.model.empty()) response.model = model;
    if (response.id.empty()) response.id = id;
    onText(text);
    if (!finishReason.empty()) response.finishReason = finishReason;
  }

  void onAnthropic(const json& data) {
    std::string type = stringAt(data, "type");
    if (type == "message_start") {
      if (auto message = data.find("message"); message != data.end() && message->is_object()) {
        response.model = stringAt(*message, "model");
        response.id = stringAt(*message, "id");
        if (auto usage = message->find("usage"); usage != message->end())
          readAnthropicUsage(*usage, response.usage);
      }
    } else if (type == "content_block_delta") {
      if (auto delta = data.find("delta");
          delta != data.end() && stringAt(*delta, "type") == "text_delta")
        onText(stringAt(*delta, "text"));
    } else if (type == "message_delta") {
      if (auto delta = data.find("delta"); delta != data.end())
        if (std::string reason = stringAt(*delta, "stop_reason"); !reason.empty())
          response.finishReason = reason;
      if (auto usage = data.find("usage"); usage != data.end())
        readAnthropicUsage(*usage, response.usage);
    } else if (type == "message_stop") {
      done = true;
    }
  }
};

ModelStreamParser::ModelStreamParser(Provider provider) : state_(std::make_unique<State>()) {
  state_->provider = provider;
}
ModelStreamParser::~ModelStreamParser() = default;

void ModelStreamParser::feed(std::string_view chunk, Clock::time_point now) {
  state_->now = now;
  state_->bytes += chunk.size();
  state_->sse.feed(chunk, [this](const SseEvent& event) { state_->onEvent(event); });
}

bool ModelStreamParser::hasFirstToken() const {
  return state_->response.firstTokenTime != Clock::time_point{};
}

ModelResponse ModelStreamParser::finish(const HttpResponse& response) {
  State& s = *state_;
  s.now = Clock::now();
  s.sse.finish([this](const SseEvent& event) { state_->onEvent(event); });
  ModelResponse out = std::move(s.response);
  fillTimes(out, response);
  if (failedTransfer(response, out, s.bytes)) return out;
  if (s.streamError)
    out.error = s.streamError;
  else if (s.sse.failed())
    out.error = protocolError("event stream line too long");
  else if (!s.done)
    // Cut off before the end marker: the connection dropped, worth another attempt.
    // Say what the server did: it answered (with this status), then the stream stopped.
    out.error = protocolError(fmt::format("stream ended early after {} bytes{} (HTTP {})", s.bytes,
                                          s.sawEvent ? "" : ", no events", response.status),
                              true);
  return out;
}

std::string redact(std::string text, std::string_view secret) {
  if (secret.empty()) return text;
  for (std::size_t pos = text.find(secret); pos != std::string::npos;
       pos = text.find(secret, pos)) {
    text.replace(pos, secret.size(), "[REDACTED]");
    pos += 10;
  }
  return text;
}

std::string truncateForRepair(const std::string& badAnswer, std::size_t limit) {
  if (badAnswer.size() <= limit) return badAnswer;
  // Never split a UTF-8 sequence: back up to the start of the character at the cut.
  std::size_t cut = utf8FloorBoundary(badAnswer, limit);
  return badAnswer.substr(0, cut) +
         fmt::format("\n[... truncated: {} more bytes of the invalid answer]",
                     badAnswer.size() - cut);
}

ModelCall makeRepairCall(const ModelCall& call, const std::string& badAnswer,
                         const std::string& error) {
  ModelCall repair = call;
  repair.messages.push_back(
      Message{Role::Assistant, {ContentBlock{truncateForRepair(badAnswer, kRepairAnswerLimit)}}});
  repair.messages.push_back(
      Message{Role::User,
              {ContentBlock{"Your answer was invalid: " + error +
                            ". Reply again with only the corrected JSON value."}}});
  return repair;
}

// ---------------------------------------------------------------------------------------------
// Call runner

namespace {

struct CallState : ModelCallHandle, std::enable_shared_from_this<CallState> {
  Transport* transport = nullptr;
  ModelCall call;
  HttpRequest request; // holds the key; never logged
  std::string secret;
  RetryPolicy* policy = nullptr;
  RetryBudget* budget = nullptr;
  std::function<void(ModelResponse)> done;
  int attempt = 0;
  Clock::time_point firstStart{};

  std::mutex mutex;
  RequestId current = 0;
  bool cancelled = false;
  bool finished = false;

  void cancel() override {
    RequestId id;
    {
      std::lock_guard lock(mutex);
      if (finished || cancelled) return;
      cancelled = true;
      id = current;
    }
    if (id) transport->cancel(id);
  }

  void launch() {
    {
      std::lock_guard lock(mutex);
      if (cancelled) {
        finished = true;
        current = 0;
      }
    }
    if (finished) {
      ModelResponse response;
      response.attempts = attempt;
      response.error =
          ModelError{ModelErrorKind::Transport, 0, "cancelled error: request cancelled"};
      complete(std::move(response));
      return;
    }
    ++attempt;
    HttpRequest req = request;
    std::shared_ptr<ModelStreamParser> parser;
    if (call.stream) {
      parser = std::make_shared<ModelStreamParser>(call.provider);
      req.onBodyChunk = [parser, notify = call.onFirstToken,
                         fired = false](std::string_view chunk) mutable {
        parser->feed(chunk);
        if (notify && !fired && parser->hasFirstToken()) {
          fired = true;
          notify();
        }
      };
      req.keepStreamedBody = true; // error statuses arrive as a plain JSON body
    }
    auto self = shared_from_this();
    RequestId id = transport->submit(std::move(req), [self, parser](HttpResponse http) {
      ModelResponse response =
          parser ? parser->finish(http) : parseModelResponse(self->call.provider, http);
      self->onAttempt(std::move(response), http);
    });
    std::lock_guard lock(mutex);
    if (!finished) current = id;
  }

  void onAttempt(ModelResponse response, const HttpResponse& http) {
    if (attempt == 1) firstStart = response.startTime;
    bool stop;
    {
      std::lock_guard lock(mutex);
      current = 0;
      stop = cancelled;
    }
    if (response.error && response.error->retryable && policy && !stop) {
      // Stream-level errors have a 2xx status; ask the policy as if the server had said 503,
      // but name what really happened in the reason.
      bool streamError = (response.error->kind != ModelErrorKind::Http &&
                          response.error->kind != ModelErrorKind::Transport) ||
                         cutShort(http);
      HttpResponse probe;
      probe.status = streamError ? 503 : http.status;
      probe.error = http.error;
      probe.headers = http.headers;
      RetryDecision decision = streamError
                                   ? policy->decide(attempt, probe, budget, "the broken stream")
                                   : policy->decide(attempt, probe, budget);
      if (decision.retry) {
        auto self = shared_from_this();
        transport->runAfter(decision.delay, [self] { self->launch(); });
        return;
      }
      response.error->message += " (" + decision.reason + ")";
    }
    response.attempts = attempt;
    if (firstStart != Clock::time_point{}) response.startTime = firstStart;
    complete(std::move(response));
  }

  void complete(ModelResponse response) {
    {
      std::lock_guard lock(mutex);
      finished = true;
    }
    if (response.error)
      response.error->message = redact(response.error->message, secret);
    else if (call.onExchange)
      call.onExchange(request.body, response);
    if (done) done(std::move(response));
  }
};

} // namespace

std::shared_ptr<ModelCallHandle> startModelCall(Transport& transport, const ModelCall& call,
                                                const EnvLookup& env, RetryPolicy* policy,
                                                RetryBudget* budget,
                                                std::function<void(ModelResponse)> done) {
  auto state = std::make_shared<CallState>();
  state->transport = &transport;
  state->call = call;
  state->policy = policy;
  state->budget = budget;
  state->done = std::move(done);
  if (auto error = buildModelRequest(call, env, state->request)) {
    ModelResponse response;
    response.attempts = 0;
    response.error = std::move(error);
    state->complete(std::move(response));
    return state;
  }
  if (!call.apiKeyEnv.empty()) state->secret = env(call.apiKeyEnv).value_or("");
  state->launch();
  return state;
}

} // namespace awc::runtime
