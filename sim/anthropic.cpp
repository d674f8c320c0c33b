// Anthropic Messages on the wire: request validation and prompt layout in its cache order with
// cache_control breakpoints, `message` bodies, the event stream and the API's error shape.
#include "http.h"
#include "protocol.h"

namespace awc::sim {
namespace {

using nlohmann::json;

std::string event(const char* name, const std::string& data) {
  return http::chunk(std::string("event: ") + name + "\ndata: " + data + "\n\n");
}

class Anthropic final : public Protocol {
public:
  const char* name() const override { return "anthropic"; }

  std::string errorBody(int status, const std::string& message,
                        const std::string& /*param*/) const override {
    const char* type = status == 400                    ? "invalid_request_error"
                       : status == 404                  ? "not_found_error"
                       : status == 413                  ? "request_too_large"
                       : status == 429                  ? "rate_limit_error"
                       : status == 503 || status == 529 ? "overloaded_error"
                                                        : "api_error";
    return toJsonText(json{{"type", "error"}, {"error", {{"type", type}, {"message", message}}}});
  }

  std::optional<ApiError> parse(const std::string& text, ChatRequest& out) const override {
    out.body = json::parse(text, nullptr, false);
    const json& body = out.body;
    if (body.is_discarded() || !body.is_object())
      return ApiError{400, "The request body is not valid JSON.", ""};
    auto model = body.find("model");
    if (model == body.end() || !model->is_string() || model->get_ref<const std::string&>().empty())
      return ApiError{400, "model: Field required", ""};
    out.model = model->get<std::string>();
    auto mt = body.find("max_tokens");
    if (mt == body.end() || !mt->is_number_integer() || mt->get<long long>() < 1)
      return ApiError{400, "max_tokens: Field required (an integer >= 1)", ""};
    out.maxTokens = mt->get<size_t>();
    auto messages = body.find("messages");
    if (messages == body.end() || !messages->is_array() || messages->empty())
      return ApiError{400, "messages: at least one message is required", ""};
    if (auto t = body.find("temperature");
        t != body.end() && !t->is_null() &&
        (!t->is_number() || t->get<double>() < 0 || t->get<double>() > 1))
      return ApiError{400, "temperature: must be between 0 and 1", ""};
    out.stream = isTrue(body, "stream");
    // Messages ask for JSON in the prompt; nothing constrains the decoding.
    if (auto of = body.find("output_format"); of != body.end() && of->is_object() &&
                                              of->contains("schema") && (*of)["schema"].is_object())
      out.schema = (*of)["schema"];
    if (auto error = layOutPrompt(body, *messages, out)) return error;
    out.lastUser = lastUserText(*messages);
    if (auto sys = body.find("system"); sys != body.end()) appendContent(out.system, *sys);
    out.explicitCache = true;
    return std::nullopt;
  }

  const char* faultMessage(int status) const override {
    return status == 429   ? "Number of request tokens has exceeded your rate limit (simulated)."
           : status == 500 ? "Internal server error (simulated)."
                           : "Overloaded (simulated).";
  }

  const char* finishReason(bool truncated) const override {
    return truncated ? "max_tokens" : "end_turn";
  }

  std::string body(const Completion& c) const override {
    json resp{{"id", id(c)},
              {"type", "message"},
              {"role", "assistant"},
              {"model", c.model},
              {"content", json::array({{{"type", "text"}, {"text", c.text}}})},
              {"stop_reason", c.finishReason},
              {"stop_sequence", nullptr},
              {"usage", usage(c)}};
    return toJsonText(resp);
  }

  std::string streamStart(const Completion& c) const override {
    json startUsage = usage(c);
    startUsage["output_tokens"] = 1;
    json start{{"type", "message_start"},
               {"message",
                {{"id", id(c)},
                 {"type", "message"},
                 {"role", "assistant"},
                 {"model", c.model},
                 {"content", json::array()},
                 {"stop_reason", nullptr},
                 {"stop_sequence", nullptr},
                 {"usage", startUsage}}}};
    return event("message_start", start.dump()) +
           event(
               "content_block_start",
               R"({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}})") +
           event("ping", R"({"type":"ping"})");
  }

  DeltaTemplate deltaTemplate(const Completion&) const override {
    return {R"({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":)",
            "}}"};
  }

  std::string frameDelta(const std::string& data) const override {
    return event("content_block_delta", data);
  }

  std::string streamEnd(const Completion& c) const override {
    json delta{{"type", "message_delta"},
               {"delta", {{"stop_reason", c.finishReason}, {"stop_sequence", nullptr}}},
               {"usage", {{"output_tokens", c.outputTokens}}}};
    return event("content_block_stop", R"({"type":"content_block_stop","index":0})") +
           event("message_delta", delta.dump()) +
           event("message_stop", R"({"type":"message_stop"})");
  }

private:
  // Anthropic's cache order (tools, system, messages); a breakpoint is the prompt up to the end
  // of a block that carries cache_control.
  static std::optional<ApiError> layOutPrompt(const json& body, const json& messages,
                                              ChatRequest& out) {
    std::string& prompt = out.prompt;
    if (auto tools = body.find("tools"); tools != body.end() && tools->is_array()) {
      prompt += "<|tools|>\n";
      for (const auto& tool : *tools) {
        prompt += tool.dump();
        if (tool.is_object() && tool.contains("cache_control"))
          out.breakpointBytes.push_back(prompt.size());
      }
      prompt += "\n";
    }
    if (auto sys = body.find("system"); sys != body.end()) {
      prompt += "<|system|>\n";
      if (!addContent(*sys, out))
        return ApiError{400, "system: must be a string or a list of text blocks", ""};
      prompt += "\n";
    }
    for (const auto& m : messages) {
      if (!m.is_object() || !m.contains("role") || !m["role"].is_string() || !m.contains("content"))
        return ApiError{400, "messages: each message needs a 'role' and 'content'", ""};
      const std::string& role = m["role"].get_ref<const std::string&>();
      if (role != "user" && role != "assistant")
        return ApiError{400, "messages: role must be 'user' or 'assistant'", ""};
      prompt += "<|" + role + "|>\n";
      if (!addContent(m["content"], out))
        return ApiError{400, "messages: content must be a string or a list of blocks", ""};
      prompt += "\n";
    }
    if (out.breakpointBytes.size() > 4)
      return ApiError{400,
                      "A maximum of 4 blocks with cache_control may be provided. Found " +
                          std::to_string(out.breakpointBytes.size()) + ".",
                      ""};
    return std::nullopt;
  }

  // A string or a list of blocks; false for anything else.
  static bool addContent(const json& content, ChatRequest& out) {
    if (content.is_string()) {
      out.prompt += content.get_ref<const std::string&>();
      return true;
    }
    if (!content.is_array()) return false;
    for (const auto& block : content)
      addBlock(block, out);
    return true;
  }

  static void addBlock(const json& block, ChatRequest& out) {
    if (block.is_string()) {
      out.prompt += block.get_ref<const std::string&>();
      return;
    }
    if (!block.is_object()) return;
    if (block.contains("text") && block["text"].is_string())
      out.prompt += block["text"].get_ref<const std::string&>();
    else
      out.prompt += block.dump();
    if (block.contains("cache_control") && block["cache_control"].is_object())
      out.breakpointBytes.push_back(out.prompt.size());
  }

  static std::string id(const Completion& c) { return "msg_" + hex(c.requestHash); }

  static json usage(const Completion& c) {
    return json{{"input_tokens", c.promptTokens - c.cachedTokens - c.cacheWriteTokens},
                {"output_tokens", c.outputTokens},
                {"cache_creation_input_tokens", c.cacheWriteTokens},
                {"cache_read_input_tokens", c.cachedTokens}};
  }
};

} // namespace

const Protocol& anthropicProtocol() {
  static const Anthropic protocol;
  return protocol;
}

} // namespace awc::sim
