// OpenAI Chat Completions and Anthropic Messages semantics for the simulator: request
// validation, prompt rendering, prefix cache, latency, answers, faults and wire format.
#include "engine.h"

#include "awc/support/tokenizer.h"

#include <algorithm>
#include <chrono>
#include <xxhash.h>

namespace awc::sim {
namespace {

using nlohmann::json;

enum class Api { OpenAI, Anthropic };

uint64_t hashOf(std::string_view s, uint64_t seed = 0) {
  return XXH3_64bits_withSeed(s.data(), s.size(), seed);
}

std::string hex(uint64_t v) {
  static const char* d = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    out[i] = d[v & 15];
  return out;
}

long long unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string errorBody(Api api, int status, const std::string& message,
                      const std::string& param = "") {
  if (api == Api::Anthropic) {
    const char* type = status == 400                    ? "invalid_request_error"
                       : status == 404                  ? "not_found_error"
                       : status == 413                  ? "request_too_large"
                       : status == 429                  ? "rate_limit_error"
                       : status == 503 || status == 529 ? "overloaded_error"
                                                        : "api_error";
    return json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}}.dump();
  }
  const char* type = status == 429   ? "rate_limit_exceeded"
                     : status >= 500 ? "server_error"
                                     : "invalid_request_error";
  json err{{"message", message},
           {"type", type},
           {"param", param.empty() ? json(nullptr) : json(param)},
           {"code", status == 429 ? json("rate_limit_exceeded") : json(nullptr)}};
  return json{{"error", err}}.dump();
}

ResponsePlan errorPlan(Api api, int status, const std::string& message, bool keepAlive,
                       const std::string& param = "", int retryAfter = -1) {
  ResponsePlan plan;
  std::vector<std::pair<std::string, std::string>> extra;
  if (retryAfter >= 0) {
    extra.emplace_back("Retry-After", std::to_string(retryAfter));
    extra.emplace_back("retry-after-ms", std::to_string(retryAfter * 1000));
  }
  plan.pieces.push_back(
      Piece{0, http::response(status, "application/json", errorBody(api, status, message, param),
                              keepAlive, extra)});
  plan.entry.status = status;
  plan.entry.api = api == Api::OpenAI ? "openai" : "anthropic";
  return plan;
}

// Text of an OpenAI message content (string or parts) or an Anthropic block list.
void appendContent(std::string& out, const json& content) {
  if (content.is_string()) {
    out += content.get_ref<const std::string&>();
  } else if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_string()) {
        out += part.get_ref<const std::string&>();
      } else if (part.is_object()) {
        auto t = part.find("text");
        if (t != part.end() && t->is_string())
          out += t->get_ref<const std::string&>();
        else
          out += part.dump(); // images, tool results: their JSON stands in for their tokens
      }
    }
  } else if (!content.is_null()) {
    out += content.dump();
  }
}

std::string lastUserText(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->is_object() && it->value("role", "") == "user" && it->contains("content")) {
      std::string s;
      appendContent(s, (*it)["content"]);
      return s;
    }
  return "";
}

bool optionalPositiveInt(const json& body, const char* key, size_t& out, std::string& error) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number_integer() || it->get<long long>() < 1) {
    error = std::string("Invalid '") + key + "': expected an integer >= 1.";
    return false;
  }
  out = it->get<size_t>();
  return true;
}

} // namespace

Engine::Engine(const ServerConfig& config)
    : config_(config), cache_(config.cacheBlockTokens, config.cacheTokens),
      started_(std::chrono::steady_clock::now()) {
  for (const auto& p : config.profiles) {
    profiles_[p.name] = p;
    // An engine's kind of prompt reuse is the first declaring profile's.
    if (p.cacheSlots > 0)
      slotCaches_.try_emplace(p.engineName(), p.cacheSlots, config.cacheBlockTokens,
                              config.cacheTokens);
  }
}

double Engine::clockMs() const {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_)
      .count();
}

const ModelProfile& Engine::profileFor(const std::string& model) {
  auto it = profiles_.find(model);
  if (it != profiles_.end()) return it->second;
  // Unknown names get the size-class heuristic, remembered so the map stays the one source.
  if (profiles_.size() > 10000) profiles_.clear();
  return profiles_.emplace(model, profileForModelName(model)).first->second;
}

Engine::Timing Engine::admit(ResponsePlan& plan, size_t promptTokens, size_t cachedTokens,
                             bool structured) {
  const ModelProfile& profile = profileFor(plan.entry.model);
  size_t n = ++inFlight_[profile.engineName()];
  plan.inFlight = true;
  plan.engine = profile.engineName();
  plan.entry.inFlight = n;
  double speed = config_.speed > 0 ? config_.speed : 1.0;
  plan.stretchFromMs = profile.ttftBaseMs / speed;
  plan.concurrencySlowdown = profile.concurrencySlowdown;
  size_t uncached = promptTokens - cachedTokens;
  return Timing{estimateTtftMs(profile, uncached, 1, cachedTokens, structured) / speed,
                estimateDecodeMsPerToken(profile, 1, promptTokens, structured) / speed,
                estimateTtftMs(profile, uncached, n, cachedTokens, structured) / speed};
}

void Engine::finished(const ResponsePlan& plan) {
  if (!plan.inFlight) return;
  if (plan.slot) slotCaches_.at(plan.engine).release(*plan.slot, clockMs());
  auto it = inFlight_.find(plan.engine);
  if (it != inFlight_.end() && it->second > 0 && --it->second == 0) inFlight_.erase(it);
}

const RecordedAnswer* Engine::nextRecorded(const json& body) {
  if (config_.replay.empty()) return nullptr;
  const std::vector<RecordedAnswer>* answers = config_.replay.find(body);
  if (!answers) return nullptr;
  size_t& next = replayed_[answers];
  const RecordedAnswer& answer = (*answers)[std::min(next, answers->size() - 1)];
  ++next;
  return &answer;
}

size_t Engine::inFlight(const std::string& engine) const {
  auto it = inFlight_.find(engine);
  return it == inFlight_.end() ? 0 : it->second;
}

ResponsePlan Engine::protocolError(int status, const std::string& message) {
  return errorPlan(Api::OpenAI, status, message, false);
}

ResponsePlan Engine::handle(const http::Request& req, bool keepAlive) {
  const std::string& path = req.target;
  bool anth = path == "/v1/messages";
  if (path == "/v1/chat/completions" || anth) {
    if (req.method != "POST")
      return errorPlan(anth ? Api::Anthropic : Api::OpenAI, 405, "Method not allowed; use POST.",
                       keepAlive);
    return anth ? anthropic(req, keepAlive) : openai(req, keepAlive);
  }
  if (path == "/health" || path == "/v1/models") {
    if (req.method != "GET" && req.method != "HEAD")
      return errorPlan(Api::OpenAI, 405, "Method not allowed; use GET.", keepAlive);
    if (path == "/v1/models") return models(keepAlive);
    ResponsePlan plan;
    plan.pieces.push_back(
        Piece{0, http::response(200, "application/json", R"({"status":"ok"})", keepAlive)});
    plan.entry.api = "health";
    return plan;
  }
  return errorPlan(path.rfind("/v1/messages", 0) == 0 ? Api::Anthropic : Api::OpenAI, 404,
                   "Unknown path '" + path + "'.", keepAlive);
}

ResponsePlan Engine::models(bool keepAlive) {
  json data = json::array();
  std::vector<std::string> names;
  for (const auto& p : config_.profiles)
    names.push_back(p.name);
  for (const char* c : {"small", "medium", "large"})
    if (std::find(names.begin(), names.end(), c) == names.end()) names.push_back(c);
  for (const auto& n : names)
    data.push_back({{"id", n}, {"object", "model"}, {"created", 0}, {"owned_by", "awc-sim"}});
  ResponsePlan plan;
  plan.pieces.push_back(
      Piece{0, http::response(200, "application/json",
                              json{{"object", "list"}, {"data", data}}.dump(), keepAlive)});
  plan.entry.api = "models";
  return plan;
}

ResponsePlan Engine::openai(const http::Request& req, bool keepAlive) {
  const Api api = Api::OpenAI;
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return errorPlan(api, 400, "We could not parse the JSON body of your request.", keepAlive);
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
    return errorPlan(api, 400, "you must provide a model parameter", keepAlive, "model");
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    return errorPlan(api, 400, "'messages' must be a non-empty array.", keepAlive, "messages");
  std::string error;
  size_t maxTokens = 0;
  if (!optionalPositiveInt(body, "max_tokens", maxTokens, error) ||
      !optionalPositiveInt(body, "max_completion_tokens", maxTokens, error))
    return errorPlan(api, 400, error, keepAlive, "max_tokens");
  if (auto t = body.find("temperature");
      t != body.end() && !t->is_null() &&
      (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 2))
    return errorPlan(api, 400, "Invalid 'temperature': expected a number between 0 and 2.",
                     keepAlive, "temperature");
  bool stream = body.value("stream", false) == true;
  bool includeUsage = false;
  if (auto so = body.find("stream_options"); so != body.end() && so->is_object())
    includeUsage = so->value("include_usage", false);

  json schemaStore;
  const json* schema = nullptr;
  if (auto rf = body.find("response_format"); rf != body.end() && rf->is_object()) {
    std::string type = rf->value("type", "text");
    if (type == "json_schema") {
      auto js = rf->find("json_schema");
      if (js == rf->end() || !js->is_object() || !js->contains("schema") ||
          !(*js)["schema"].is_object())
        return errorPlan(api, 400,
                         "Invalid 'response_format.json_schema': a 'schema' object is required.",
                         keepAlive, "response_format");
      schemaStore = (*js)["schema"];
      schema = &schemaStore;
    } else if (type == "json_object") {
      schemaStore = json{{"type", "object"},
                         {"properties", {{"answer", {{"type", "string"}}}}},
                         {"required", json::array({"answer"})}};
      schema = &schemaStore;
    } else if (type != "text") {
      return errorPlan(api, 400, "Invalid 'response_format.type': '" + type + "'.", keepAlive,
                       "response_format");
    }
  }

  // Prompt as a chat template would lay it out: tools, then each message.
  std::string prompt;
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array())
    prompt += "<|tools|>\n" + tools->dump() + "\n";
  for (const auto& m : *messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
      return errorPlan(api, 400, "Each message needs a string 'role'.", keepAlive, "messages");
    prompt += "<|" + m["role"].get<std::string>() + "|>\n";
    if (m.contains("content")) appendContent(prompt, m["content"]);
    if (m.contains("tool_calls")) prompt += m["tool_calls"].dump();
    prompt += "\n";
  }
  const std::string& modelName = model->get_ref<const std::string&>();
  std::vector<TokenSpan> tokens = tokenSpans(prompt);
  size_t promptTokens = tokens.size();

  std::string key = modelName + '\0' + prompt + '\0' + (schema ? schema->dump() : "") + '\0' +
                    std::to_string(maxTokens);
  uint64_t requestHash = hashOf(key, config_.seed);
  FaultKind fault =
      chooseFault(config_.faults, config_.seed, requestHash, attempts_[requestHash]++);
  if (attempts_.size() > 1000000) attempts_.clear();

  auto tag = [&](ResponsePlan& p) {
    p.entry.api = "openai";
    p.entry.model = modelName;
    p.entry.stream = stream;
    p.entry.promptTokens = promptTokens;
    p.entry.fault = faultName(fault);
  };
  if (fault == FaultKind::RateLimit || fault == FaultKind::ServerError ||
      fault == FaultKind::Unavailable) {
    int status = fault == FaultKind::RateLimit ? 429 : fault == FaultKind::ServerError ? 500 : 503;
    ResponsePlan p = errorPlan(api, status,
                               status == 429   ? "Rate limit reached (simulated)."
                               : status == 500 ? "The server had an error (simulated)."
                                               : "The engine is currently overloaded (simulated).",
                               keepAlive, "", status == 429 ? config_.faults.retryAfterSec : -1);
    tag(p);
    return p;
  }

  size_t cached = 0;
  double nowMs = clockMs();
  std::vector<uint64_t> blocks;
  SlotCache* slots = nullptr;
  std::optional<size_t> slot;
  if (config_.cacheTokens > 0) {
    const std::string& engineName = profileFor(modelName).engineName();
    blocks = blockHashes(prompt, tokens, cache_.blockTokens(), hashOf(engineName, 0x5eed));
    if (auto it = slotCaches_.find(engineName); it != slotCaches_.end()) {
      slots = &it->second;
      SlotAdmission admission = slots->acquire(blocks, nowMs);
      slot = admission.slot;
      cached = admission.cachedTokens;
    } else {
      cached = cache_.lookup(blocks, nowMs);
    }
    // Both vLLM and llama-server recompute the last prompt token for its logits, so a full hit
    // gives one block back.
    if (cached >= promptTokens && cached > 0) cached -= cache_.blockTokens();
  }

  std::string lastUser = lastUserText(*messages);
  const Fixture* fixture = findFixture(config_.fixtures, lastUser, modelName);
  bool violate = fault == FaultKind::SchemaViolation && schema;
  if (fault == FaultKind::SchemaViolation && !schema) fault = FaultKind::None;
  Answer answer;
  const RecordedAnswer* recorded = nextRecorded(body);
  if (recorded)
    answer = Answer{recorded->text, recorded->completionTokens, recorded->truncated};
  else
    answer = generateAnswer(AnswerRequest{requestHash, schema, maxTokens, fixture, violate});

  ResponsePlan plan;
  tag(plan);
  // A response_format schema means constrained decoding, which has its own speed.
  Timing t = admit(plan, promptTokens, cached, schema != nullptr);
  plan.slot = slot;
  // In a shared cache this prompt's blocks are reusable once its prefill is done; in a slot,
  // once the request has finished.
  if (!blocks.empty() && !slots) cache_.insertBlocks(blocks, nowMs + t.readyMs);

  plan.entry.cachedTokens = cached;
  plan.entry.outputTokens = answer.tokens;
  plan.entry.finishReason = answer.truncated ? "length" : "stop";
  std::string id = "chatcmpl-" + hex(requestHash);
  long long created = unixNow();
  json usage{{"prompt_tokens", promptTokens},
             {"completion_tokens", answer.tokens},
             {"total_tokens", promptTokens + answer.tokens},
             {"prompt_tokens_details", {{"cached_tokens", cached}, {"audio_tokens", 0}}},
             {"completion_tokens_details", {{"reasoning_tokens", 0}, {"audio_tokens", 0}}}};
  double lastAt = t.lastTokenMs(answer.tokens);

  if (fault == FaultKind::Hang) {
    plan.hang = true;
    plan.hangMs = config_.faults.hangMs;
    return plan;
  }
  if (!stream) {
    json resp{
        {"id", id},
        {"object", "chat.completion"},
        {"created", created},
        {"model", modelName},
        {"system_fingerprint", "awc-sim"},
        {"choices",
         json::array(
             {{{"index", 0},
               {"message", {{"role", "assistant"}, {"content", answer.text}, {"refusal", nullptr}}},
               {"logprobs", nullptr},
               {"finish_reason", plan.entry.finishReason}}})},
        {"usage", usage}};
    std::string text = resp.dump();
    if (fault == FaultKind::Malformed)
      text = text.substr(0, text.size() / 2) + "<<simulated garbage";
    if (fault == FaultKind::Drop) {
      std::string full = http::response(200, "application/json", text, keepAlive);
      plan.pieces.push_back(Piece{lastAt, full.substr(0, full.size() - text.size() / 2), true});
      plan.closeAfter = true;
      return plan;
    }
    plan.pieces.push_back(
        Piece{lastAt, http::response(200, "application/json", text, keepAlive), true});
    return plan;
  }

  // Streaming: headers and the role chunk at once, one chunk per token, then the end.
  std::string prefix = R"({"id":")" + id + R"(","object":"chat.completion.chunk","created":)" +
                       std::to_string(created) + R"(,"model":)" + json(modelName).dump() +
                       R"(,"system_fingerprint":"awc-sim","choices":[)";
  std::string usageNull = includeUsage ? R"(,"usage":null})" : "}";
  auto sse = [](const std::string& data) { return http::chunk("data: " + data + "\n\n"); };
  plan.pieces.push_back(Piece{
      0,
      http::streamHead("text/event-stream", keepAlive) +
          sse(prefix +
              R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}])" +
              usageNull)});
  size_t i = 0;
  size_t dropAt = fault == FaultKind::Drop ? answer.tokens / 2 : SIZE_MAX;
  bool dropped = false;
  // A replayed answer's token count is the recording server's, not this tokenizer's: its
  // pieces are spread over the time that count takes. A generated answer has one per token.
  size_t pieces = recorded ? approxTokenCount(answer.text) : answer.tokens;
  double pieceMs =
      pieces > 1 && answer.tokens > 1
          ? t.perTokenMs * static_cast<double>(answer.tokens - 1) / static_cast<double>(pieces - 1)
          : t.perTokenMs;
  forEachToken(answer.text, [&](TokenSpan s) {
    if (dropped) return;
    if (i == dropAt) {
      dropped = true;
      return;
    }
    double at = t.ttftMs + static_cast<double>(i) * pieceMs;
    std::string data = prefix + R"({"index":0,"delta":{"content":)" +
                       json(answer.text.substr(s.begin, s.end - s.begin)).dump() +
                       R"(},"logprobs":null,"finish_reason":null}])" + usageNull;
    if (fault == FaultKind::Malformed && i == 0) data = data.substr(0, data.size() / 2);
    plan.pieces.push_back(Piece{at, sse(data), i == 0});
    ++i;
  });
  if (dropped || (fault == FaultKind::Drop && answer.tokens == 0)) {
    plan.closeAfter = true;
    return plan;
  }
  std::string tail = sse(prefix + R"({"index":0,"delta":{},"logprobs":null,"finish_reason":")" +
                         plan.entry.finishReason + R"("}])" + usageNull);
  if (includeUsage)
    tail += sse(R"({"id":")" + id + R"(","object":"chat.completion.chunk","created":)" +
                std::to_string(created) + R"(,"model":)" + json(modelName).dump() +
                R"(,"system_fingerprint":"awc-sim","choices":[],"usage":)" + usage.dump() + "}");
  tail += sse("[DONE]");
  tail += http::kLastChunk;
  plan.pieces.push_back(Piece{std::max(lastAt, t.ttftMs), tail, answer.tokens == 0});
  return plan;
}

ResponsePlan Engine::anthropic(const http::Request& req, bool keepAlive) {
  const Api api = Api::Anthropic;
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return errorPlan(api, 400, "The request body is not valid JSON.", keepAlive);
  auto model = body.find("model");
  if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
    return errorPlan(api, 400, "model: Field required", keepAlive);
  auto mt = body.find("max_tokens");
  if (mt == body.end() || !mt->is_number_integer() || mt->get<long long>() < 1)
    return errorPlan(api, 400, "max_tokens: Field required (an integer >= 1)", keepAlive);
  size_t maxTokens = mt->get<size_t>();
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array() || messages->empty())
    return errorPlan(api, 400, "messages: at least one message is required", keepAlive);
  if (auto t = body.find("temperature");
      t != body.end() && !t->is_null() &&
      (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 1))
    return errorPlan(api, 400, "temperature: must be between 0 and 1", keepAlive);
  bool stream = body.value("stream", false) == true;
  const json* schema = nullptr;
  if (auto of = body.find("output_format");
      of != body.end() && of->is_object() && of->contains("schema") && (*of)["schema"].is_object())
    schema = &(*of)["schema"];

  // Prompt in Anthropic's cache order (tools, system, messages); a breakpoint is the
  // prompt up to the end of a block that carries cache_control.
  std::string prompt;
  std::vector<size_t> breakpointBytes;
  auto addBlock = [&](const json& block) {
    if (block.is_string()) {
      prompt += block.get_ref<const std::string&>();
      return;
    }
    if (!block.is_object()) return;
    if (block.contains("text") && block["text"].is_string())
      prompt += block["text"].get_ref<const std::string&>();
    else
      prompt += block.dump();
    if (block.contains("cache_control") && block["cache_control"].is_object())
      breakpointBytes.push_back(prompt.size());
  };
  if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
    prompt += "<|tools|>\n";
    for (const auto& tool : *tools) {
      prompt += tool.dump();
      if (tool.is_object() && tool.contains("cache_control"))
        breakpointBytes.push_back(prompt.size());
    }
    prompt += "\n";
  }
  if (auto sys = body.find("system"); sys != body.end()) {
    prompt += "<|system|>\n";
    if (sys->is_string())
      prompt += sys->get_ref<const std::string&>();
    else if (sys->is_array())
      for (const auto& b : *sys)
        addBlock(b);
    else
      return errorPlan(api, 400, "system: must be a string or a list of text blocks", keepAlive);
    prompt += "\n";
  }
  for (const auto& m : *messages) {
    if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content"))
      return errorPlan(api, 400, "messages: each message needs a 'role' and 'content'", keepAlive);
    std::string role = m["role"].get<std::string>();
    if (role != "user" && role != "assistant")
      return errorPlan(api, 400, "messages: role must be 'user' or 'assistant'", keepAlive);
    prompt += "<|" + role + "|>\n";
    const json& c = m["content"];
    if (c.is_string())
      prompt += c.get_ref<const std::string&>();
    else if (c.is_array())
      for (const auto& b : c)
        addBlock(b);
    else
      return errorPlan(api, 400, "messages: content must be a string or a list of blocks",
                       keepAlive);
    prompt += "\n";
  }
  if (breakpointBytes.size() > 4)
    return errorPlan(api, 400,
                     "A maximum of 4 blocks with cache_control may be provided. Found " +
                         std::to_string(breakpointBytes.size()) + ".",
                     keepAlive);

  const std::string& modelName = model->get_ref<const std::string&>();
  std::vector<TokenSpan> tokens = tokenSpans(prompt);
  size_t promptTokens = tokens.size();
  std::string key = modelName + '\0' + prompt + '\0' + (schema ? schema->dump() : "") + '\0' +
                    std::to_string(maxTokens);
  uint64_t requestHash = hashOf(key, config_.seed);
  FaultKind fault =
      chooseFault(config_.faults, config_.seed, requestHash, attempts_[requestHash]++);
  auto tag = [&](ResponsePlan& p) {
    p.entry.api = "anthropic";
    p.entry.model = modelName;
    p.entry.stream = stream;
    p.entry.promptTokens = promptTokens;
    p.entry.fault = faultName(fault);
  };
  if (fault == FaultKind::RateLimit || fault == FaultKind::ServerError ||
      fault == FaultKind::Unavailable) {
    int status = fault == FaultKind::RateLimit ? 429 : fault == FaultKind::ServerError ? 500 : 503;
    ResponsePlan p = errorPlan(
        api, status,
        status == 429   ? "Number of request tokens has exceeded your rate limit (simulated)."
        : status == 500 ? "Internal server error (simulated)."
                        : "Overloaded (simulated).",
        keepAlive, "", status == 429 ? config_.faults.retryAfterSec : -1);
    tag(p);
    return p;
  }

  // Breakpoints as token counts: every token that ends by the breakpoint's byte.
  std::vector<size_t> breakpoints;
  for (size_t byte : breakpointBytes) {
    auto it = std::upper_bound(tokens.begin(), tokens.end(), byte,
                               [](size_t b, const TokenSpan& s) { return b < s.end; });
    breakpoints.push_back(static_cast<size_t>(it - tokens.begin()));
  }
  std::sort(breakpoints.begin(), breakpoints.end());
  size_t cacheRead = 0, cacheWrite = 0;
  double nowMs = clockMs();
  uint64_t modelSeed = hashOf(profileFor(modelName).engineName(), 0xa17);
  if (config_.cacheTokens > 0 && !breakpoints.empty()) {
    for (auto it = breakpoints.rbegin(); it != breakpoints.rend(); ++it) {
      if (*it < config_.anthropicMinCacheTokens) break;
      if (cache_.touchEntry(prefixHash(prompt, tokens, *it, modelSeed), nowMs)) {
        cacheRead = *it;
        break;
      }
    }
    size_t last = breakpoints.back();
    if (last >= config_.anthropicMinCacheTokens && last > cacheRead) cacheWrite = last - cacheRead;
  }
  size_t inputTokens = promptTokens - cacheRead - cacheWrite;

  std::string lastUser = lastUserText(*messages);
  const Fixture* fixture = findFixture(config_.fixtures, lastUser, modelName);
  bool violate = fault == FaultKind::SchemaViolation && schema;
  if (fault == FaultKind::SchemaViolation && !schema) fault = FaultKind::None;
  Answer answer = generateAnswer(AnswerRequest{requestHash, schema, maxTokens, fixture, violate});

  ResponsePlan plan;
  tag(plan);
  // Messages ask for JSON in the prompt; nothing constrains the decoding.
  Timing t = admit(plan, promptTokens, cacheRead, false);
  // Written entries are readable once this request's prefill is done.
  if (cacheWrite > 0)
    for (size_t bp : breakpoints)
      if (bp >= config_.anthropicMinCacheTokens && bp > cacheRead)
        cache_.insertEntry(prefixHash(prompt, tokens, bp, modelSeed), bp, nowMs + t.readyMs);

  plan.entry.cachedTokens = cacheRead;
  plan.entry.cacheCreationTokens = cacheWrite;
  plan.entry.outputTokens = answer.tokens;
  std::string stopReason = answer.truncated ? "max_tokens" : "end_turn";
  plan.entry.finishReason = stopReason;
  std::string id = "msg_" + hex(requestHash);
  json usage{{"input_tokens", inputTokens},
             {"output_tokens", answer.tokens},
             {"cache_creation_input_tokens", cacheWrite},
             {"cache_read_input_tokens", cacheRead}};
  double lastAt = t.lastTokenMs(answer.tokens);

  if (fault == FaultKind::Hang) {
    plan.hang = true;
    plan.hangMs = config_.faults.hangMs;
    return plan;
  }
  if (!stream) {
    json resp{{"id", id},
              {"type", "message"},
              {"role", "assistant"},
              {"model", modelName},
              {"content", json::array({{{"type", "text"}, {"text", answer.text}}})},
              {"stop_reason", stopReason},
              {"stop_sequence", nullptr},
              {"usage", usage}};
    std::string text = resp.dump();
    if (fault == FaultKind::Malformed)
      text = text.substr(0, text.size() / 2) + "<<simulated garbage";
    std::string full = http::response(200, "application/json", text, keepAlive);
    if (fault == FaultKind::Drop) {
      plan.pieces.push_back(Piece{lastAt, full.substr(0, full.size() - text.size() / 2), true});
      plan.closeAfter = true;
      return plan;
    }
    plan.pieces.push_back(Piece{lastAt, std::move(full), true});
    return plan;
  }

  auto event = [](const char* name, const std::string& data) {
    return http::chunk(std::string("event: ") + name + "\ndata: " + data + "\n\n");
  };
  json startUsage = usage;
  startUsage["output_tokens"] = 1;
  json start{{"type", "message_start"},
             {"message",
              {{"id", id},
               {"type", "message"},
               {"role", "assistant"},
               {"model", modelName},
               {"content", json::array()},
               {"stop_reason", nullptr},
               {"stop_sequence", nullptr},
               {"usage", startUsage}}}};
  std::string head =
      http::streamHead("text/event-stream", keepAlive) + event("message_start", start.dump()) +
      event(
          "content_block_start",
          R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
      event("ping", R"({"type":"ping"})");
  plan.pieces.push_back(Piece{0, head});
  size_t i = 0;
  size_t dropAt = fault == FaultKind::Drop ? answer.tokens / 2 : SIZE_MAX;
  bool dropped = false;
  forEachToken(answer.text, [&](TokenSpan s) {
    if (dropped) return;
    if (i == dropAt) {
      dropped = true;
      return;
    }
    std::string data =
        R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":)" +
        json(answer.text.substr(s.begin, s.end - s.begin)).dump() + "}}";
    if (fault == FaultKind::Malformed && i == 0) data = data.substr(0, data.size() / 2);
    plan.pieces.push_back(Piece{t.ttftMs + static_cast<double>(i) * t.perTokenMs,
                                event("content_block_delta", data), i == 0});
    ++i;
  });
  if (dropped || (fault == FaultKind::Drop && answer.tokens == 0)) {
    plan.closeAfter = true;
    return plan;
  }
  json delta{{"type", "message_delta"},
             {"delta", {{"stop_reason", stopReason}, {"stop_sequence", nullptr}}},
             {"usage", {{"output_tokens", answer.tokens}}}};
  std::string tail = event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
                     event("message_delta", delta.dump()) +
                     event("message_stop", R"({"type":"message_stop"})") +
                     std::string(http::kLastChunk);
  plan.pieces.push_back(Piece{std::max(lastAt, t.ttftMs), tail, answer.tokens == 0});
  return plan;
}

} // namespace awc::sim
