// OpenAI Chat Completions on the wire: request validation and prompt layout, `chat.completion`
// bodies, `chat.completion.chunk` streams and the API's error shape.
#include "http.h"
#include "protocol.h"

namespace awc::sim {
namespace {

using nlohmann::json;

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

std::string sse(const std::string& data) {
  return http::chunk("data: " + data + "\n\n");
}

class OpenAi final : public Protocol {
public:
  const char* name() const override { return "openai"; }

  std::string errorBody(int status, const std::string& message,
                        const std::string& param) const override {
    const char* type = status == 429   ? "rate_limit_exceeded"
                       : status >= 500 ? "server_error"
                                       : "invalid_request_error";
    json err{{"message", message},
             {"type", type},
             {"param", param.empty() ? json(nullptr) : json(param)},
             {"code", status == 429 ? json("rate_limit_exceeded") : json(nullptr)}};
    return toJsonText(json{{"error", err}});
  }

  std::optional<ApiError> parse(const std::string& text, ChatRequest& out) const override {
    out.body = json::parse(text, nullptr, false);
    const json& body = out.body;
    if (body.is_discarded() || !body.is_object())
      return ApiError{400, "We could not parse the JSON body of your request.", ""};
    auto model = body.find("model");
    if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
      return ApiError{400, "you must provide a model parameter", "model"};
    out.model = model->get<std::string>();
    auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array() || messages->empty())
      return ApiError{400, "'messages' must be a non-empty array.", "messages"};
    if (auto error = parseOptions(body, out)) return error;
    if (auto error = parseResponseFormat(body, out)) return error;
    if (auto error = layOutPrompt(body, *messages, out)) return error;
    out.lastUser = lastUserText(*messages);
    out.system = systemText(*messages);
    out.replayable = true;
    return std::nullopt;
  }

  const char* faultMessage(int status) const override {
    return status == 429   ? "Rate limit reached (simulated)."
           : status == 500 ? "The server had an error (simulated)."
                           : "The engine is currently overloaded (simulated).";
  }

  const char* finishReason(bool truncated) const override { return truncated ? "length" : "stop"; }

  std::string body(const Completion& c) const override {
    json message{{"role", "assistant"}, {"content", c.text}, {"refusal", nullptr}};
    json resp{{"id", id(c)},
              {"object", "chat.completion"},
              {"created", c.created},
              {"model", c.model},
              {"system_fingerprint", "awc-sim"},
              {"choices", json::array({{{"index", 0},
                                        {"message", message},
                                        {"logprobs", nullptr},
                                        {"finish_reason", c.finishReason}}})},
              {"usage", usage(c)}};
    return toJsonText(resp);
  }

  // Headers' companion: the role chunk, sent at once.
  std::string streamStart(const Completion& c) const override {
    return sse(
        chunkPrefix(c) +
        R"({"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}])" +
        usageNull(c));
  }

  DeltaTemplate deltaTemplate(const Completion& c) const override {
    return {chunkPrefix(c) + R"({"index":0,"delta":{"content":)",
            R"(},"logprobs":null,"finish_reason":null}])" + usageNull(c)};
  }

  std::string frameDelta(const std::string& data) const override { return sse(data); }

  // The finish chunk, the usage chunk with `choices: []` when asked for, then [DONE].
  std::string streamEnd(const Completion& c) const override {
    std::string tail =
        sse(chunkPrefix(c) + R"({"index":0,"delta":{},"logprobs":null,"finish_reason":")" +
            c.finishReason + R"("}])" + usageNull(c));
    if (c.streamUsage)
      tail +=
          sse(R"({"id":")" + id(c) + R"(","object":"chat.completion.chunk","created":)" +
              std::to_string(c.created) + R"(,"model":)" + json(c.model).dump() +
              R"(,"system_fingerprint":"awc-sim","choices":[],"usage":)" + usage(c).dump() + "}");
    return tail + sse("[DONE]");
  }

private:
  static std::optional<ApiError> parseOptions(const json& body, ChatRequest& out) {
    std::string error;
    if (!optionalPositiveInt(body, "max_tokens", out.maxTokens, error) ||
        !optionalPositiveInt(body, "max_completion_tokens", out.maxTokens, error))
      return ApiError{400, error, "max_tokens"};
    if (auto t = body.find("temperature");
        t != body.end() && !t->is_null() &&
        (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 2))
      return ApiError{400, "Invalid 'temperature': expected a number between 0 and 2.",
                      "temperature"};
    out.stream = isTrue(body, "stream");
    if (auto so = body.find("stream_options"); so != body.end() && so->is_object())
      out.streamUsage = isTrue(*so, "include_usage");
    return std::nullopt;
  }

  // A response_format schema means constrained decoding, which has its own speed.
  static std::optional<ApiError> parseResponseFormat(const json& body, ChatRequest& out) {
    auto rf = body.find("response_format");
    if (rf == body.end() || !rf->is_object()) return std::nullopt;
    auto typeField = rf->find("type");
    if (typeField != rf->end() && !typeField->is_string())
      return ApiError{400, "Invalid 'response_format.type': expected a string.", "response_format"};
    std::string type = typeField == rf->end() ? "text" : typeField->get<std::string>();
    if (type == "json_schema") {
      auto js = rf->find("json_schema");
      if (js == rf->end() || !js->is_object() || !js->contains("schema") ||
          !(*js)["schema"].is_object())
        return ApiError{400,
                        "Invalid 'response_format.json_schema': a 'schema' object is required.",
                        "response_format"};
      out.schema = (*js)["schema"];
    } else if (type == "json_object") {
      out.schema = json{{"type", "object"},
                        {"properties", {{"answer", {{"type", "string"}}}}},
                        {"required", json::array({"answer"})}};
    } else if (type != "text") {
      return ApiError{400, "Invalid 'response_format.type': '" + type + "'.", "response_format"};
    }
    out.constrained = out.schema.has_value();
    return std::nullopt;
  }

  // As a chat template would lay it out: tools, then each message.
  static std::optional<ApiError> layOutPrompt(const json& body, const json& messages,
                                              ChatRequest& out) {
    std::string& prompt = out.prompt;
    if (auto tools = body.find("tools"); tools != body.end() && tools->is_array())
      prompt += "<|tools|>\n" + tools->dump() + "\n";
    for (const auto& m : messages) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string())
        return ApiError{400, "Each message needs a string 'role'.", "messages"};
      prompt += "<|" + m["role"].get<std::string>() + "|>\n";
      if (m.contains("content")) appendContent(prompt, m["content"]);
      if (m.contains("tool_calls")) prompt += m["tool_calls"].dump();
      prompt += "\n";
    }
    return std::nullopt;
  }

  static std::string id(const Completion& c) { return "chatcmpl-" + hex(c.requestHash); }

  static json usage(const Completion& c) {
    return json{{"prompt_tokens", c.promptTokens},
                {"completion_tokens", c.outputTokens},
                {"total_tokens", c.promptTokens + c.outputTokens},
                {"prompt_tokens_details", {{"cached_tokens", c.cachedTokens}, {"audio_tokens", 0}}},
                {"completion_tokens_details", {{"reasoning_tokens", 0}, {"audio_tokens", 0}}}};
  }

  static std::string chunkPrefix(const Completion& c) {
    return R"({"id":")" + id(c) + R"(","object":"chat.completion.chunk","created":)" +
           std::to_string(c.created) + R"(,"model":)" + json(c.model).dump() +
           R"(,"system_fingerprint":"awc-sim","choices":[)";
  }

  static std::string usageNull(const Completion& c) {
    return c.streamUsage ? R"(,"usage":null})" : "}";
  }
};

} // namespace

const Protocol& openaiProtocol() {
  static const OpenAi protocol;
  return protocol;
}

} // namespace awc::sim
