// Tests for the OpenAI and Anthropic backends over FakeTransport: bodies, parsing, streaming,
// retries, cancellation and key secrecy.
#include "awc/runtime/model_backend.h"

#include <catch2/catch.hpp>
#include <map>

using namespace awc::runtime;
using nlohmann::json;

namespace {

const std::string kKey = "sk-test-SECRET-0123456789";

EnvLookup fakeEnv(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

ModelCall openaiCall() {
  ModelCall call;
  call.provider = Provider::OpenAI;
  call.endpoint = "http://127.0.0.1:9/v1/";
  call.model = "llama-3.1-8b";
  call.apiKeyEnv = "TEST_KEY";
  call.system = {{"You are terse. ", false}, {"Policy text.", true}};
  call.messages = {{Role::User, {{"Sentiment of: hi", false}}}};
  call.schema = json{{"type", "object"},
                     {"properties", {{"mood", {{"type", "string"}}}}},
                     {"required", {"mood"}},
                     {"additionalProperties", false}};
  call.schemaName = "mood";
  call.maxTokens = 16;
  call.temperature = 0.0;
  call.promptCacheKey = "support-v1";
  return call;
}

ModelCall anthropicCall() {
  ModelCall call = openaiCall();
  call.provider = Provider::Anthropic;
  call.endpoint = "https://api.anthropic.com";
  call.model = "claude-test";
  return call;
}

std::string sse(const std::vector<std::string>& datas) {
  std::string out;
  for (const auto& d : datas)
    out += "data: " + d + "\n\n";
  return out;
}

// Splits a body into small chunks, as a network would.
std::vector<std::string> chunked(const std::string& body, std::size_t size = 7) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < body.size(); i += size)
    out.push_back(body.substr(i, size));
  return out;
}

FakeReply reply(int status, std::string body,
                std::vector<std::pair<std::string, std::string>> headers = {}) {
  FakeReply r;
  r.response.status = status;
  r.response.headers = std::move(headers);
  r.response.body = std::move(body);
  return r;
}

FakeReply streamReply(const std::string& body) {
  FakeReply r;
  r.response.status = 200;
  r.chunks = chunked(body);
  return r;
}

const std::string kOpenAIStream = sse(
    {R"({"id":"c1","model":"llama-3.1-8b","choices":[{"index":0,"delta":{"role":"assistant"}}]})",
     R"({"id":"c1","choices":[{"index":0,"delta":{"content":"{\"mood\":"}}]})",
     R"({"id":"c1","choices":[{"index":0,"delta":{"content":"\"positive\"}"},"finish_reason":"stop"}]})",
     R"({"id":"c1","choices":[],"usage":{"prompt_tokens":1200,"completion_tokens":5,"prompt_tokens_details":{"cached_tokens":1024}}})",
     "[DONE]"});

} // namespace

TEST_CASE("OpenAI request body and headers", "[backend]") {
  HttpRequest request;
  REQUIRE_FALSE(buildModelRequest(openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), request));
  CHECK(request.url == "http://127.0.0.1:9/v1/chat/completions");
  CHECK(request.method == "POST");
  json body = json::parse(request.body);
  CHECK(body == json::parse(R"({
    "model": "llama-3.1-8b",
    "messages": [{"role": "system", "content": "You are terse. Policy text."},
                 {"role": "user", "content": "Sentiment of: hi"}],
    "max_completion_tokens": 16,
    "temperature": 0.0,
    "response_format": {"type": "json_schema", "json_schema": {"name": "mood", "strict": true,
      "schema": {"type": "object", "properties": {"mood": {"type": "string"}},
                 "required": ["mood"], "additionalProperties": false}}},
    "prompt_cache_key": "support-v1",
    "stream": true,
    "stream_options": {"include_usage": true}
  })"));
  CHECK(request.body.find(kKey) == std::string::npos);
  bool auth = false;
  for (const auto& [name, value] : request.headers)
    auth = auth || (name == "Authorization" && value == "Bearer " + kKey);
  CHECK(auth);

  ModelCall both = openaiCall();
  both.maxTokensField = MaxTokensField::Both;
  both.stream = false;
  json b = buildRequestBody(both);
  CHECK(b["max_tokens"] == 16);
  CHECK(b["max_completion_tokens"] == 16);
  CHECK_FALSE(b.contains("stream"));
  both.maxTokensField = MaxTokensField::MaxTokens;
  CHECK_FALSE(buildRequestBody(both).contains("max_completion_tokens"));
}

TEST_CASE("Anthropic request body puts cache_control on at most 4 breakpoints", "[backend]") {
  ModelCall call = anthropicCall();
  call.system = {{"a", true}, {"b", true}, {"c", true}, {"d", true}, {"e", true}};
  call.schema.reset();
  call.stream = false;
  HttpRequest request;
  REQUIRE_FALSE(buildModelRequest(call, fakeEnv({{"TEST_KEY", kKey}}), request));
  CHECK(request.url == "https://api.anthropic.com/v1/messages");
  json body = json::parse(request.body);
  REQUIRE(body["system"].size() == 5);
  CHECK_FALSE(body["system"][0].contains("cache_control"));
  for (int i = 1; i < 5; ++i)
    CHECK(body["system"][i]["cache_control"] == json{{"type", "ephemeral"}});
  CHECK(body["max_tokens"] == 16);
  CHECK(body["messages"] ==
        json::parse(R"([{"role":"user","content":[{"type":"text","text":"Sentiment of: hi"}]}])"));
  std::map<std::string, std::string> headers(request.headers.begin(), request.headers.end());
  CHECK(headers["x-api-key"] == kKey);
  CHECK(headers["anthropic-version"] == "2023-06-01");
  CHECK(headers.count("Authorization") == 0);

  ModelCall typed = anthropicCall();
  typed.maxTokens.reset();
  json withSchema = buildRequestBody(typed);
  CHECK(withSchema["max_tokens"] == 4096);
  CHECK(withSchema["system"].back()["text"].get<std::string>().find("\"mood\"") !=
        std::string::npos);
  CHECK(withSchema["stream"] == true);
}

TEST_CASE("a missing key names the variable, not a value", "[backend]") {
  HttpRequest request;
  auto error = buildModelRequest(openaiCall(), fakeEnv({}), request);
  REQUIRE(error);
  CHECK(error->kind == ModelErrorKind::MissingApiKey);
  CHECK(error->message ==
        "environment variable TEST_KEY (the API key for model 'llama-3.1-8b') is not set");
  ModelCall local = openaiCall();
  local.apiKeyEnv.clear();
  REQUIRE_FALSE(buildModelRequest(local, fakeEnv({}), request));
  for (const auto& header : request.headers)
    CHECK(header.first != "Authorization");
}

TEST_CASE("OpenAI non-streamed answers and errors parse", "[backend]") {
  HttpResponse http;
  http.status = 200;
  http.body = R"({"id":"x","model":"m","choices":[{"message":{"role":"assistant","content":"hello"},
      "finish_reason":"length"}],"usage":{"prompt_tokens":10,"completion_tokens":3,
      "prompt_tokens_details":{"cached_tokens":4}}})";
  ModelResponse r = parseModelResponse(Provider::OpenAI, http);
  REQUIRE(r.ok());
  CHECK(r.text == "hello");
  CHECK(r.finishReason == "length");
  CHECK(r.usage.promptTokens == 10);
  CHECK(r.usage.cachedTokens == 4);
  CHECK(r.usage.outputTokens == 3);

  http.status = 429;
  http.headers = {{"retry-after", "3"}};
  http.body = R"({"error":{"message":"Rate limit reached","type":"requests"}})";
  r = parseModelResponse(Provider::OpenAI, http);
  REQUIRE(r.error);
  CHECK(r.error->kind == ModelErrorKind::Http);
  CHECK(r.error->message == "HTTP 429: requests: Rate limit reached");
  CHECK(r.error->retryable);
  CHECK(r.error->retryAfter == std::chrono::milliseconds(3000));

  http.status = 400;
  http.headers.clear();
  http.body = "<html>bad</html>";
  r = parseModelResponse(Provider::OpenAI, http);
  CHECK(r.error->message == "HTTP 400: <html>bad</html>");
  CHECK_FALSE(r.error->retryable);

  http.status = 200;
  http.body = "not json";
  CHECK(parseModelResponse(Provider::OpenAI, http).error->message ==
        "response body is not a JSON object");
}

TEST_CASE("Anthropic non-streamed answers fold cache tokens into the prompt", "[backend]") {
  HttpResponse http;
  http.status = 200;
  http.body =
      R"({"id":"msg_1","type":"message","model":"claude-test","content":[{"type":"text","text":"Hi"},
      {"type":"text","text":" there"}],"stop_reason":"end_turn","usage":{"input_tokens":20,
      "cache_read_input_tokens":1000,"cache_creation_input_tokens":30,"output_tokens":2}})";
  ModelResponse r = parseModelResponse(Provider::Anthropic, http);
  REQUIRE(r.ok());
  CHECK(r.text == "Hi there");
  CHECK(r.finishReason == "end_turn");
  CHECK(r.usage.promptTokens == 1050);
  CHECK(r.usage.cachedTokens == 1000);
  CHECK(r.usage.cacheCreationTokens == 30);
  CHECK(r.usage.outputTokens == 2);
  http.status = 529;
  http.body = R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";
  r = parseModelResponse(Provider::Anthropic, http);
  CHECK(r.error->message == "HTTP 529: overloaded_error: Overloaded");
  CHECK(r.error->retryable);
}

TEST_CASE("streams parse for both protocols with any chunking", "[backend]") {
  for (std::size_t size : {1u, 3u, 64u}) {
    ModelStreamParser parser(Provider::OpenAI);
    for (const auto& chunk : chunked(kOpenAIStream, size))
      parser.feed(chunk);
    HttpResponse http;
    http.status = 200;
    ModelResponse r = parser.finish(http);
    REQUIRE(r.ok());
    CHECK(r.text == R"({"mood":"positive"})");
    CHECK(r.finishReason == "stop");
    CHECK(r.usage.promptTokens == 1200);
    CHECK(r.usage.cachedTokens == 1024);
    CHECK(r.usage.outputTokens == 5);
    CHECK(r.model == "llama-3.1-8b");
  }
  std::string anthropic =
      "event: message_start\ndata: "
      "{\"type\":\"message_start\",\"message\":{\"id\":\"m1\",\"model\":\"claude-test\","
      "\"usage\":{\"input_tokens\":5,\"cache_read_input_tokens\":2048,\"cache_creation_input_"
      "tokens\":0,"
      "\"output_tokens\":1}}}\n\n"
      "event: ping\ndata: {\"type\":\"ping\"}\n\n"
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"Hel\"}}\n\n"
      "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
      "\"delta\":{\"type\":\"text_delta\",\"text\":\"lo\"}}\n\n"
      "event: message_delta\ndata: "
      "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
      "\"usage\":{\"output_tokens\":7}}\n\n"
      "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
  ModelStreamParser parser(Provider::Anthropic);
  auto t0 = Clock::now();
  for (const auto& chunk : chunked(anthropic, 5))
    parser.feed(chunk, t0);
  HttpResponse http;
  http.status = 200;
  http.startTime = t0 - std::chrono::milliseconds(40);
  ModelResponse r = parser.finish(http);
  REQUIRE(r.ok());
  CHECK(r.text == "Hello");
  CHECK(r.finishReason == "end_turn");
  CHECK(r.usage.promptTokens == 2053);
  CHECK(r.usage.cachedTokens == 2048);
  CHECK(r.usage.outputTokens == 7);
  CHECK(r.ttftMs() == Approx(40.0));
}

TEST_CASE("OpenAI stream events of every shape read the same fields", "[backend]") {
  // Token deltas take a reader that builds no document; usage, errors and odd shapes take the
  // whole parse. Both must agree on what a stream says.
  ModelStreamParser parser(Provider::OpenAI);
  parser.feed(sse({
      R"({"id":"c1","model":"m-1","choices":[{"index":0,"delta":{"role":"assistant"}}]})",
      R"({"id":"c1","model":"other","choices":[{"delta":{"content":"a\"b"},"finish_reason":null}],"usage":null})",
      R"({"choices":[{"delta":{"content":null}},{"delta":{"content":"c"}}]})",
      R"({"choices":[{"delta":{"content":42,"extra":{"content":"no"}}}],"x":{"content":"no"}})",
      R"({"choices":{"delta":{"content":"no"}}})",
      R"({"content":"no","delta":{"content":"no"}})",
      R"([1,2])",
      R"({"choices":[{"delta":{"content":"d"}}]} trailing)",
      R"({"choices":[{"delta":{"content":"\u00e9"},"finish_reason":"length"}]})",
      R"({"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":3,)"
      R"("prompt_tokens_details":{"cached_tokens":4}}})",
      "[DONE]",
  }));
  HttpResponse http;
  http.status = 200;
  ModelResponse r = parser.finish(http);
  REQUIRE(r.ok());
  CHECK(r.text == "a\"bc\u00e9");
  CHECK(r.id == "c1");
  CHECK(r.model == "m-1");
  CHECK(r.finishReason == "length");
  CHECK(r.usage.promptTokens == 9);
  CHECK(r.usage.cachedTokens == 4);
  CHECK(r.usage.outputTokens == 3);

  ModelStreamParser failing(Provider::OpenAI);
  failing.feed(sse({R"({"choices":[{"delta":{"content":"x"}}]})",
                    R"({"error":{"type":"server_error","message":"boom"}})"}));
  r = failing.finish(http);
  REQUIRE(r.error);
  CHECK(r.error->retryable);
  CHECK(r.error->message.find("boom") != std::string::npos);
}

TEST_CASE("a stream cut short or carrying an error is a retryable failure", "[backend]") {
  ModelStreamParser cut(Provider::OpenAI);
  cut.feed(sse({R"({"choices":[{"delta":{"content":"par"}}]})"}));
  HttpResponse http;
  http.status = 200;
  ModelResponse r = cut.finish(http);
  REQUIRE(r.error);
  // What the server did: answered 200, then stopped sending (never "HTTP 503").
  CHECK(r.error->message ==
        "stream ended early after " +
            std::to_string(sse({R"({"choices":[{"delta":{"content":"par"}}]})"}).size()) +
            " bytes (HTTP 200)");
  CHECK(r.error->retryable);

  ModelStreamParser failed(Provider::Anthropic);
  failed.feed("event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
              "\"message\":\"Overloaded\"}}\n\n");
  r = failed.finish(http);
  REQUIRE(r.error);
  CHECK(r.error->kind == ModelErrorKind::Provider);
  CHECK(r.error->message == "stream error: overloaded_error: Overloaded");
  CHECK(r.error->retryable);
}

TEST_CASE("startModelCall streams through the fake transport", "[backend]") {
  FakeTransport transport;
  transport.setHandler([](const HttpRequest&) { return streamReply(kOpenAIStream); });
  std::optional<ModelResponse> result;
  startModelCall(transport, openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), nullptr, nullptr,
                 [&](ModelResponse r) { result = std::move(r); });
  CHECK_FALSE(result);
  CHECK(transport.drain() == 1);
  REQUIRE(result);
  REQUIRE(result->ok());
  CHECK(result->text == R"({"mood":"positive"})");
  CHECK(result->attempts == 1);
  CHECK(result->usage.cachedTokens == 1024);
}

TEST_CASE("startModelCall retries 429 with Retry-After, then succeeds", "[backend]") {
  FakeTransport transport;
  int calls = 0;
  transport.setHandler([&](const HttpRequest&) {
    ++calls;
    if (calls == 1)
      return reply(429, R"({"error":{"message":"slow down"}})", {{"retry-after", "2"}});
    if (calls == 2) return reply(503, "upstream");
    return streamReply(kOpenAIStream);
  });
  RetryConfig config;
  config.baseDelay = std::chrono::milliseconds(100);
  config.jitter = 0;
  RetryPolicy policy(config);
  RetryBudget budget(10);
  std::optional<ModelResponse> result;
  startModelCall(transport, openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), &policy, &budget,
                 [&](ModelResponse r) { result = std::move(r); });
  transport.drain();
  CHECK(calls == 1);
  transport.advance(std::chrono::milliseconds(1999));
  CHECK(calls == 1); // Retry-After (2 s) beats the 100 ms backoff
  transport.advance(std::chrono::milliseconds(1));
  CHECK(calls == 2);
  CHECK_FALSE(result);
  transport.advance(std::chrono::milliseconds(200)); // second backoff: 200 ms
  REQUIRE(result);
  CHECK(result->ok());
  CHECK(result->attempts == 3);
  CHECK(budget.used() == 2);
}

TEST_CASE("onExchange sees the final attempt's body and response once, before done", "[backend]") {
  FakeTransport transport;
  int calls = 0;
  transport.setHandler([&](const HttpRequest&) {
    return ++calls == 1 ? reply(503, "busy") : streamReply(kOpenAIStream);
  });
  RetryConfig config;
  config.baseDelay = std::chrono::milliseconds(10);
  config.jitter = 0;
  RetryPolicy policy(config);
  ModelCall call = openaiCall();
  std::vector<std::pair<std::string, ModelResponse>> exchanges;
  call.onExchange = [&](const std::string& body, const ModelResponse& response) {
    exchanges.emplace_back(body, response);
  };
  bool doneSawExchange = false;
  startModelCall(transport, call, fakeEnv({{"TEST_KEY", kKey}}), &policy, nullptr,
                 [&](ModelResponse) { doneSawExchange = exchanges.size() == 1; });
  transport.drain();
  transport.advance(std::chrono::milliseconds(10));
  CHECK(calls == 2);
  REQUIRE(exchanges.size() == 1);
  CHECK(doneSawExchange);
  const auto& [body, response] = exchanges[0];
  CHECK(body == transport.requests()[1].body);
  CHECK(body == transport.requests()[0].body);
  CHECK(json::parse(body) == buildRequestBody(openaiCall()));
  CHECK(body.find(kKey) == std::string::npos);
  CHECK(response.text == R"({"mood":"positive"})");
  CHECK(response.usage.outputTokens == 5);
  CHECK(response.finishReason == "stop");
  CHECK(response.attempts == 2);
}

TEST_CASE("onExchange is not called for failed or cancelled calls", "[backend]") {
  FakeTransport transport;
  transport.setHandler([](const HttpRequest&) { return reply(400, "bad request"); });
  int exchanges = 0, completions = 0;
  ModelCall call = openaiCall();
  call.onExchange = [&](const std::string&, const ModelResponse&) { ++exchanges; };
  auto count = [&](ModelResponse) { ++completions; };
  startModelCall(transport, call, fakeEnv({{"TEST_KEY", kKey}}), nullptr, nullptr, count);
  transport.drain();
  startModelCall(transport, call, fakeEnv({}), nullptr, nullptr, count); // missing key
  auto handle =
      startModelCall(transport, call, fakeEnv({{"TEST_KEY", kKey}}), nullptr, nullptr, count);
  handle->cancel();
  CHECK(completions == 3);
  CHECK(exchanges == 0);
}

TEST_CASE("startModelCall gives up on non-retryable errors and redacts the key", "[backend]") {
  FakeTransport transport;
  transport.setHandler([](const HttpRequest&) {
    return reply(401, R"({"error":{"message":"Incorrect API key provided: )" + kKey + R"("}})");
  });
  RetryPolicy policy;
  std::optional<ModelResponse> result;
  startModelCall(transport, openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), &policy, nullptr,
                 [&](ModelResponse r) { result = std::move(r); });
  transport.drain();
  REQUIRE(result);
  REQUIRE(result->error);
  CHECK(result->attempts == 1);
  CHECK(result->error->message == "HTTP 401: Incorrect API key provided: [REDACTED]");
  CHECK(result->error->message.find(kKey) == std::string::npos);
  CHECK(result->error->message.find("SECRET") == std::string::npos);
}

TEST_CASE("a missing key completes the call at once without a request", "[backend]") {
  FakeTransport transport;
  std::optional<ModelResponse> result;
  startModelCall(transport, openaiCall(), fakeEnv({}), nullptr, nullptr,
                 [&](ModelResponse r) { result = std::move(r); });
  REQUIRE(result);
  CHECK(result->error->kind == ModelErrorKind::MissingApiKey);
  CHECK(transport.requests().empty());
}

TEST_CASE("cancelling a model call completes it once, during a request or a backoff", "[backend]") {
  FakeTransport transport;
  int completions = 0;
  std::optional<ModelResponse> result;
  auto handle = startModelCall(transport, openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), nullptr,
                               nullptr, [&](ModelResponse r) {
                                 ++completions;
                                 result = std::move(r);
                               });
  REQUIRE(transport.pending().size() == 1);
  handle->cancel();
  handle->cancel();
  CHECK(completions == 1);
  REQUIRE(result->error);
  CHECK(result->error->kind == ModelErrorKind::Transport);
  CHECK_FALSE(result->error->retryable);

  transport.setHandler([](const HttpRequest&) { return reply(503, "busy"); });
  RetryPolicy policy;
  completions = 0;
  handle = startModelCall(transport, openaiCall(), fakeEnv({{"TEST_KEY", kKey}}), &policy, nullptr,
                          [&](ModelResponse r) {
                            ++completions;
                            result = std::move(r);
                          });
  transport.drain(); // first attempt fails, a retry is scheduled
  CHECK(completions == 0);
  handle->cancel();
  transport.advance(std::chrono::minutes(1));
  CHECK(completions == 1);
  CHECK(transport.requests().size() == 2); // the cancelled retry never went out
}

TEST_CASE("repair calls feed the error back", "[backend]") {
  ModelCall repair = makeRepairCall(openaiCall(), "{\"mood\":3}", "$.mood: expected string");
  json body = buildRequestBody(repair);
  REQUIRE(body["messages"].size() == 4);
  CHECK(body["messages"][2] == json{{"role", "assistant"}, {"content", "{\"mood\":3}"}});
  CHECK(body["messages"][3]["content"] == "Your answer was invalid: $.mood: expected string. Reply "
                                          "again with only the corrected JSON value.");
}
