// The simulator over real loopback HTTP: both APIs, streaming, usage, prefix caching,
// latency floor, every fault kind, protocol errors and the request log.
#include "awc/sim/server.h"
#include "test_http.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

using namespace awc;
using namespace awc::sim;
using awc::sim::test::httpRequest;
using nlohmann::json;

namespace {

enum class Clocking { Fast, AsConfigured };

struct Sim {
  Server server;
  uint16_t port = 0;
  // Tests run the latency model 1000x faster unless they keep the configured speed: a test
  // whose claim depends on requests overlapping a prefill or a decode needs those to last.
  explicit Sim(ServerConfig config = {}, Clocking clocking = Clocking::Fast) {
    if (clocking == Clocking::Fast) config.speed = 1000.0;
    std::string error;
    port = server.start(config, error);
    INFO(error);
    REQUIRE(port != 0);
  }
};

json chatBody(const std::string& user, bool stream = false, int maxTokens = 0) {
  json b{{"model", "test-mini"},
         {"messages",
          {{{"role", "system"}, {"content", "Be brief."}}, {{"role", "user"}, {"content", user}}}}};
  if (stream) {
    b["stream"] = true;
    b["stream_options"] = {{"include_usage", true}};
  }
  if (maxTokens) b["max_completion_tokens"] = maxTokens;
  return b;
}

// Data payloads of an SSE body.
std::vector<std::string> sseData(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    size_t end = body.find("\n\n", pos);
    out.push_back(body.substr(pos + 6, end - pos - 6));
    pos = end;
  }
  return out;
}

std::string longText(int words, const char* tag) {
  std::string s;
  for (int i = 0; i < words; ++i)
    s += std::string(tag) + " paragraph sentence number " + std::to_string(i) + ". ";
  return s;
}

} // namespace

TEST_CASE("health and models", "[server]") {
  Sim sim;
  auto h = httpRequest(sim.port, "GET", "/health");
  CHECK(h.status == 200);
  CHECK(json::parse(h.body)["status"] == "ok");
  auto m = httpRequest(sim.port, "GET", "/v1/models");
  CHECK(m.status == 200);
  CHECK(json::parse(m.body)["data"].size() == 3);
}

TEST_CASE("chat completions: deterministic answers with usage", "[server]") {
  Sim sim;
  auto r1 = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("Hello there").dump());
  auto r2 = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("Hello there").dump());
  REQUIRE(r1.status == 200);
  json a = json::parse(r1.body), b = json::parse(r2.body);
  CHECK(a["object"] == "chat.completion");
  CHECK(a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]);
  CHECK(a["usage"]["prompt_tokens"].get<int>() > 0);
  CHECK(a["usage"]["completion_tokens"].get<int>() > 0);
  CHECK(a["usage"]["total_tokens"] ==
        a["usage"]["prompt_tokens"].get<int>() + a["usage"]["completion_tokens"].get<int>());
  CHECK(a["usage"]["prompt_tokens_details"].contains("cached_tokens"));
  auto r3 = httpRequest(sim.port, "POST", "/v1/chat/completions",
                        chatBody("Hello there", false, 3).dump());
  json c = json::parse(r3.body);
  CHECK(c["usage"]["completion_tokens"] == 3);
  CHECK(c["choices"][0]["finish_reason"] == "length");
}

TEST_CASE("chat completions: SSE streaming matches the non-streamed answer", "[server]") {
  Sim sim;
  auto plain = json::parse(
      httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("Stream me").dump()).body);
  auto s =
      httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("Stream me", true).dump());
  REQUIRE(s.status == 200);
  CHECK(s.complete);
  CHECK(s.headers["content-type"] == "text/event-stream");
  auto events = sseData(s.body);
  REQUIRE(events.size() >= 4);
  CHECK(events.back() == "[DONE]");
  std::string text;
  json usage;
  std::string finish;
  for (size_t i = 0; i + 1 < events.size(); ++i) {
    json e = json::parse(events[i]);
    CHECK(e["object"] == "chat.completion.chunk");
    if (!e["usage"].is_null()) usage = e["usage"];
    if (e["choices"].empty()) continue;
    const json& d = e["choices"][0]["delta"];
    if (d.contains("content")) text += d["content"].get<std::string>();
    if (!e["choices"][0]["finish_reason"].is_null()) finish = e["choices"][0]["finish_reason"];
  }
  CHECK(text == plain["choices"][0]["message"]["content"]);
  CHECK(finish == "stop");
  CHECK(usage["completion_tokens"] == plain["usage"]["completion_tokens"]);
  CHECK(usage["prompt_tokens"] == plain["usage"]["prompt_tokens"]);
}

TEST_CASE("json_schema response_format gives schema-shaped answers", "[server]") {
  Sim sim;
  json body = chatBody("classify");
  body["response_format"] = {{"type", "json_schema"},
                             {"json_schema",
                              {{"name", "c"},
                               {"schema",
                                {{"type", "object"},
                                 {"properties",
                                  {{"label", {{"enum", {"spam", "ham"}}}},
                                   {"p", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}},
                                 {"required", {"label", "p"}}}}}}};
  auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", body.dump());
  REQUIRE(r.status == 200);
  json answer =
      json::parse(json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>());
  CHECK((answer["label"] == "spam" || answer["label"] == "ham"));
  CHECK(answer["p"].get<double>() >= 0);
  CHECK(answer["p"].get<double>() <= 1);
}

TEST_CASE("the prefix cache reports cached tokens for a shared prefix", "[server]") {
  Sim sim;
  std::string shared = longText(80, "shared");
  auto first = json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions",
                                       chatBody(shared + "question one").dump())
                               .body);
  CHECK(first["usage"]["prompt_tokens_details"]["cached_tokens"] == 0);
  auto second = json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions",
                                        chatBody(shared + "question two").dump())
                                .body);
  int cached = second["usage"]["prompt_tokens_details"]["cached_tokens"];
  CHECK(cached > 400);
  CHECK(cached % 16 == 0);
  CHECK(cached < second["usage"]["prompt_tokens"].get<int>());
  std::string changed = shared;
  changed[10] = '#';
  auto third = json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions",
                                       chatBody(changed + "question two").dump())
                               .body);
  CHECK(third["usage"]["prompt_tokens_details"]["cached_tokens"].get<int>() < 32);
}

TEST_CASE("requests that start together both compute a shared prefix", "[server]") {
  ServerConfig config;
  config.speed = 1.0;
  config.profiles.push_back(ModelProfile{"prefill", 200.0, 0.5, 1000.0, 0.0});
  Sim sim(config, Clocking::AsConfigured);
  std::string shared = longText(80, "shared");
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      json b = chatBody(shared + "question " + std::to_string(i));
      b["model"] = "prefill";
      httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump());
    });
  for (auto& t : threads)
    t.join();
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  // The second arrived within the first's 200 ms prefill: nothing was reusable yet.
  REQUIRE(std::abs(log[0].arrivalMs - log[1].arrivalMs) < 100);
  CHECK(log[0].cachedTokens == 0);
  CHECK(log[1].cachedTokens == 0);
  // Once a prefill is done, the prefix is there.
  json later = chatBody(shared + "question 2");
  later["model"] = "prefill";
  auto third =
      json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions", later.dump()).body);
  CHECK(third["usage"]["prompt_tokens_details"]["cached_tokens"].get<int>() > 400);
}

TEST_CASE("responses are never earlier than the latency model says", "[server]") {
  ServerConfig config;
  config.speed = 10.0;
  config.profiles.push_back(ModelProfile{"timed", 500.0, 1.0, 100.0, 0.0});
  std::string logPath = std::string(AWC_BINARY_DIR) + "/sim_latency_log.jsonl";
  config.logPath = logPath;
  Sim sim(config, Clocking::AsConfigured);
  json body{{"model", "timed"},
            {"messages", {{{"role", "user"}, {"content", "hi"}}}},
            {"max_tokens", 11}};
  auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", body.dump());
  REQUIRE(r.status == 200);
  auto log = sim.server.log();
  REQUIRE(log.size() == 1);
  const LogEntry& e = log[0];
  double expected =
      estimateLatencyMs(config.profiles[0], e.promptTokens - e.cachedTokens, e.outputTokens) / 10.0;
  REQUIRE(e.finishMs);
  CHECK(*e.finishMs - e.arrivalMs >= expected * 0.999);
  CHECK(e.outputTokens == 11);
  // The file carries the same entry.
  std::ifstream in(logPath);
  std::string line;
  REQUIRE(std::getline(in, line));
  json j = json::parse(line);
  CHECK(j["model"] == "timed");
  CHECK(j["output_tokens"] == 11);
  CHECK(j["prompt_tokens"] == e.promptTokens);
  CHECK(j["fault"].is_null());
  CHECK(j["first_token_ms"].get<double>() >= j["arrival_ms"].get<double>());
  CHECK(j["finish_ms"].get<double>() >= j["first_token_ms"].get<double>());
}

TEST_CASE("concurrent requests on one model see each other in flight", "[server]") {
  ServerConfig config;
  config.speed = 1.0;
  config.profiles.push_back(ModelProfile{"slow", 300.0, 0.0, 1000.0, 0.5});
  Sim sim(config, Clocking::AsConfigured);
  json body{
      {"model", "slow"}, {"messages", {{{"role", "user"}, {"content", "x"}}}}, {"max_tokens", 2}};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] {
      json b = body;
      b["messages"][0]["content"] = "request " + std::to_string(i);
      httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump());
    });
  for (auto& t : threads)
    t.join();
  size_t maxInFlight = 0;
  for (const auto& e : sim.server.log())
    maxInFlight = std::max(maxInFlight, e.inFlight);
  CHECK(maxInFlight >= 2);
}

TEST_CASE("a request slows down only while others share its engine", "[server]") {
  // Processor sharing: with slowdown 1, two requests in flight each decode at half speed, and
  // the survivor speeds up again when the other leaves. Counting the load once at arrival
  // would keep the long request at half speed to its end (2a instead of a + b).
  std::string error;
  ServerConfig config;
  config.speed = 1.0;
  config.profiles.push_back(ModelProfile{"shared", 0.0, 0.0, 50.0, 1.0}); // 20 ms per token
  config.fixtures = *parseFixtures(R"([{"match": "long", "answer": ")" + longText(6, "w") +
                                       R"("}, {"match": "short", "answer": "a b c d"}])",
                                   error);
  Sim sim(config, Clocking::AsConfigured);
  auto ask = [&](const char* user) {
    json b{{"model", "shared"}, {"messages", {{{"role", "user"}, {"content", user}}}}};
    httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump());
  };
  std::thread longOne([&] { ask("long"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::thread shortOne([&] { ask("short"); });
  longOne.join();
  shortOne.join();
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  const LogEntry& a = log[0].outputTokens > log[1].outputTokens ? log[0] : log[1];
  const LogEntry& b = &a == &log[0] ? log[1] : log[0];
  REQUIRE(a.finishMs);
  REQUIRE(b.finishMs);
  double aWork = 20.0 * static_cast<double>(a.outputTokens - 1);
  double bWork = 20.0 * static_cast<double>(b.outputTokens - 1);
  REQUIRE(aWork > 4 * bWork);
  // The work the short one did while the long one was in flight (all of it, unless it arrived
  // first and ran alone for a while) costs each of them that much again.
  double shared = std::max(0.0, bWork - std::max(0.0, a.arrivalMs - b.arrivalMs));
  double bWall = *b.finishMs - b.arrivalMs;
  CHECK(bWall >= (bWork + shared) * 0.99);
  // The long one lost exactly the work it shared, never its own again (2a).
  double aWall = *a.finishMs - a.arrivalMs;
  CHECK(aWall >= (aWork + shared) * 0.99);
  CHECK(aWall < aWork + shared + (aWork - bWork) / 2);
}

TEST_CASE("models served by one engine share its prefix cache and its load", "[server]") {
  ServerConfig config;
  config.speed = 1.0;
  for (const char* name : {"alias-a", "alias-b", "elsewhere"}) {
    ModelProfile p{name, 300.0, 0.0, 1000.0, 0.5};
    if (std::string(name) != "elsewhere") p.engine = "one-server";
    config.profiles.push_back(p);
  }
  Sim sim(config, Clocking::AsConfigured);
  std::string shared = longText(80, "shared");
  auto ask = [&](const char* model, const std::string& user) {
    json b = chatBody(user, false, 2);
    b["model"] = model;
    return json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump()).body);
  };
  ask("alias-a", shared + "question one");
  // Another name on the same engine reuses the prefix; a model on its own engine does not.
  CHECK(ask("alias-b", shared + "question two")["usage"]["prompt_tokens_details"]["cached_tokens"]
            .get<int>() > 400);
  CHECK(ask("elsewhere",
            shared + "question three")["usage"]["prompt_tokens_details"]["cached_tokens"] == 0);
  // Requests under both names count toward one engine's load.
  std::vector<std::thread> threads;
  for (const char* model : {"alias-a", "alias-b"})
    threads.emplace_back([&, model] { ask(model, std::string("load ") + model); });
  for (auto& t : threads)
    t.join();
  auto log = sim.server.log();
  REQUIRE(log.size() == 5);
  CHECK(std::max(log[3].inFlight, log[4].inFlight) == 2);
}

TEST_CASE("an engine with llama-server slots reuses a prompt from one slot at a time", "[server]") {
  // After one request over a document, two more over it that start together: a shared block
  // cache (vLLM) serves the document to both; llama-server's slots serve it only to the one
  // that lands on the slot holding it.
  auto cachedPerRequest = [](size_t slots) {
    ServerConfig config;
    config.speed = 1.0;
    ModelProfile p{"cpu", 0.0, 0.0, 100.0, 0.0};
    p.cacheSlots = slots;
    config.profiles.push_back(p);
    Sim sim(config, Clocking::AsConfigured);
    std::string doc = longText(80, "doc");
    auto ask = [&](const std::string& question) {
      json b = chatBody(doc + question, false, 20);
      b["model"] = "cpu";
      httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump());
    };
    ask("first question");
    std::thread second([&] { ask("second question"); });
    std::thread third([&] { ask("third question"); });
    second.join();
    third.join();
    std::vector<size_t> cached;
    for (const auto& e : sim.server.log())
      cached.push_back(e.cachedTokens);
    return cached;
  };
  auto shared = cachedPerRequest(0);
  REQUIRE(shared.size() == 3);
  CHECK(shared[0] == 0);
  CHECK(shared[1] > 400);
  CHECK(shared[2] > 400);
  auto slotted = cachedPerRequest(4);
  REQUIRE(slotted.size() == 3);
  CHECK(slotted[0] == 0);
  CHECK(std::max(slotted[1], slotted[2]) > 400);
  CHECK(std::min(slotted[1], slotted[2]) == 0);
}

TEST_CASE("anthropic messages: usage and cache_control breakpoints", "[server]") {
  Sim sim;
  std::string system = longText(150, "policy"); // well over 1024 tokens
  json body{{"model", "claude-haiku"},
            {"max_tokens", 20},
            {"system",
             {{{"type", "text"}, {"text", system}, {"cache_control", {{"type", "ephemeral"}}}}}},
            {"messages", {{{"role", "user"}, {"content", "first question"}}}}};
  auto r1 = httpRequest(sim.port, "POST", "/v1/messages", body.dump());
  REQUIRE(r1.status == 200);
  json a = json::parse(r1.body);
  CHECK(a["type"] == "message");
  CHECK(a["content"][0]["type"] == "text");
  int created = a["usage"]["cache_creation_input_tokens"];
  CHECK(created > 1024);
  CHECK(a["usage"]["cache_read_input_tokens"] == 0);
  body["messages"][0]["content"] = "second question";
  json b = json::parse(httpRequest(sim.port, "POST", "/v1/messages", body.dump()).body);
  CHECK(b["usage"]["cache_read_input_tokens"] == created);
  CHECK(b["usage"]["cache_creation_input_tokens"] == 0);
  CHECK(b["usage"]["input_tokens"].get<int>() < 20);

  body["stream"] = true;
  auto s = httpRequest(sim.port, "POST", "/v1/messages", body.dump());
  REQUIRE(s.status == 200);
  CHECK(s.complete);
  CHECK(s.body.find("event: message_start") != std::string::npos);
  CHECK(s.body.find("event: message_stop") != std::string::npos);
  std::string text;
  for (const auto& d : sseData(s.body)) {
    json e = json::parse(d);
    if (e["type"] == "content_block_delta") text += e["delta"]["text"].get<std::string>();
  }
  body.erase("stream");
  CHECK(text ==
        json::parse(
            httpRequest(sim.port, "POST", "/v1/messages", body.dump()).body)["content"][0]["text"]);
}

TEST_CASE("errors come in each API's own shape", "[server]") {
  Sim sim;
  auto o = httpRequest(sim.port, "POST", "/v1/chat/completions", R"({"messages":[]})");
  CHECK(o.status == 400);
  CHECK(json::parse(o.body)["error"]["type"] == "invalid_request_error");
  auto a = httpRequest(sim.port, "POST", "/v1/messages",
                       R"({"model":"m","messages":[{"role":"user","content":"x"}]})");
  CHECK(a.status == 400);
  json aj = json::parse(a.body);
  CHECK(aj["type"] == "error");
  CHECK(aj["error"]["type"] == "invalid_request_error");
  CHECK(httpRequest(sim.port, "GET", "/v1/chat/completions").status == 405);
  CHECK(httpRequest(sim.port, "GET", "/nowhere").status == 404);
  CHECK(httpRequest(sim.port, "POST", "/v1/chat/completions", "{not json").status == 400);
}

// Found by fuzzing: json::value on a non-boolean flag threw in the event loop and ended the
// process.
TEST_CASE("flags of the wrong type neither stream nor bring the server down", "[server]") {
  Sim sim;
  json body = chatBody("hi");
  body["stream"] = "yes";
  body["stream_options"] = {{"include_usage", 1}};
  auto o = httpRequest(sim.port, "POST", "/v1/chat/completions", body.dump());
  CHECK(o.status == 200);
  CHECK(json::parse(o.body)["object"] == "chat.completion");
  json a{{"model", "m"}, {"max_tokens", 5}, {"stream", 1}, {"messages", body["messages"][1]}};
  a["messages"] = json::array({body["messages"][1]});
  auto r = httpRequest(sim.port, "POST", "/v1/messages", a.dump());
  CHECK(r.status == 200);
  CHECK(json::parse(r.body)["type"] == "message");
  body.erase("stream");
  body["response_format"] = {{"type", 5}};
  auto bad = httpRequest(sim.port, "POST", "/v1/chat/completions", body.dump());
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["param"] == "response_format");
  CHECK(httpRequest(sim.port, "GET", "/health").status == 200);
}

// Found by fuzzing: an error echoing a path that is not UTF-8, and a streamed or truncated
// answer cut inside a multi-byte character, made json::dump throw and ended the process.
TEST_CASE("answers and errors stay valid UTF-8", "[server]") {
  std::string error;
  ServerConfig config;
  const std::string accented =
      "h\xc3\xa9llo w\xc3\xb6rld \xf0\x9f\x98\x80 \xc3\xbc\xc3\xbc\xc3\xbc";
  config.fixtures =
      *parseFixtures(json::array({{{"match", "accents"}, {"answer", accented}}}).dump(), error);
  Sim sim(config);
  auto streamed = httpRequest(sim.port, "POST", "/v1/chat/completions",
                              chatBody("accents please", true).dump());
  REQUIRE(streamed.status == 200);
  std::string text;
  for (const std::string& data : sseData(streamed.body)) {
    if (data == "[DONE]") continue;
    json chunk = json::parse(data); // throws on invalid UTF-8 inside
    if (!chunk["choices"].empty() && chunk["choices"][0]["delta"].contains("content"))
      text += chunk["choices"][0]["delta"]["content"].get<std::string>();
  }
  CHECK(text == accented);
  for (int maxTokens = 1; maxTokens < 16; ++maxTokens) { // every cut, some inside a character
    auto cut = httpRequest(sim.port, "POST", "/v1/chat/completions",
                           chatBody("accents please", false, maxTokens).dump());
    REQUIRE(cut.status == 200);
    std::string content = json::parse(cut.body)["choices"][0]["message"]["content"];
    CHECK(accented.rfind(content, 0) == 0);
  }
  auto notFound = httpRequest(sim.port, "GET", "/v1/\xff\xfe");
  CHECK(notFound.status == 404);
  CHECK(json::parse(notFound.body)["error"]["message"].get<std::string>().find("/v1/") !=
        std::string::npos);
  CHECK(httpRequest(sim.port, "GET", "/health").status == 200);
}

TEST_CASE("malformed HTTP and oversized bodies are refused without harm", "[server]") {
  ServerConfig config;
  config.maxBodyBytes = 1000;
  Sim sim(config);
  auto big = httpRequest(sim.port, "POST", "/v1/chat/completions", std::string(5000, 'x'));
  CHECK(big.status == 413);
  auto garbage = httpRequest(sim.port, "GARBAGE", "", "", 2000, "no-colon-header\r\n");
  CHECK(garbage.status == 400);
  CHECK(httpRequest(sim.port, "GET", "/health").status == 200);
}

TEST_CASE("faults: 429 with Retry-After, 500, 503", "[server][faults]") {
  std::string error;
  for (auto [spec, status] : {std::pair{"429", 429}, {"500", 500}, {"503", 503}}) {
    ServerConfig config;
    config.faults = *parseFaultSpec(std::string(spec) + ",retry_after=2", error);
    Sim sim(config);
    auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("x").dump());
    CHECK(r.status == status);
    CHECK(json::parse(r.body)["error"].contains("message"));
    if (status == 429) CHECK(r.headers["retry-after"] == "2");
    auto a =
        httpRequest(sim.port, "POST", "/v1/messages",
                    R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}]})");
    CHECK(a.status == status);
    CHECK(json::parse(a.body)["type"] == "error");
    auto log = sim.server.log();
    REQUIRE(log.size() == 2);
    CHECK(log[0].fault == spec);
    CHECK(log[0].status == status);
  }
}

TEST_CASE("faults: a dropped connection mid-stream and mid-body", "[server][faults]") {
  std::string error;
  ServerConfig config;
  config.faults = *parseFaultSpec("drop", error);
  Sim sim(config);
  auto s = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("x", true).dump());
  CHECK(s.status == 200);
  CHECK_FALSE(s.complete);
  CHECK(s.body.find("[DONE]") == std::string::npos);
  CHECK(!sseData(s.body).empty()); // some chunks did arrive first
  auto n = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("y").dump());
  CHECK(n.status == 200);
  CHECK_FALSE(n.complete);
  CHECK(sim.server.log()[0].fault == "drop");
}

TEST_CASE("faults: a hang outlives the client's timeout", "[server][faults]") {
  std::string error;
  ServerConfig config;
  config.faults = *parseFaultSpec("hang,hang_ms=60000", error);
  Sim sim(config);
  auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("x").dump(), 300);
  CHECK(r.timedOut);
  CHECK(r.status == 0);
  auto log = sim.server.log();
  REQUIRE(log.size() == 1);
  CHECK(log[0].fault == "hang");
  CHECK_FALSE(log[0].finishMs);
  CHECK(httpRequest(sim.port, "GET", "/health").status == 200); // the loop is not blocked
}

TEST_CASE("faults: malformed JSON and schema-violating answers", "[server][faults]") {
  std::string error;
  {
    ServerConfig config;
    config.faults = *parseFaultSpec("malformed", error);
    Sim sim(config);
    auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("x").dump());
    CHECK(r.status == 200);
    CHECK(json::parse(r.body, nullptr, false).is_discarded());
    auto s = httpRequest(sim.port, "POST", "/v1/chat/completions", chatBody("x", true).dump());
    bool sawBroken = false;
    for (const auto& d : sseData(s.body))
      if (d != "[DONE]" && json::parse(d, nullptr, false).is_discarded()) sawBroken = true;
    CHECK(sawBroken);
  }
  {
    ServerConfig config;
    config.faults = *parseFaultSpec("schema", error);
    Sim sim(config);
    json body = chatBody("x");
    body["response_format"] = {{"type", "json_schema"},
                               {"json_schema",
                                {{"name", "n"},
                                 {"schema",
                                  {{"type", "object"},
                                   {"properties", {{"n", {{"type", "integer"}}}}},
                                   {"required", {"n"}}}}}}};
    auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", body.dump());
    REQUIRE(r.status == 200);
    json answer =
        json::parse(json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>());
    CHECK_FALSE(answer.contains("n")); // the required field is missing
    CHECK(sim.server.log()[0].fault == "schema");
  }
}

TEST_CASE("fixtures script answers over HTTP", "[server]") {
  std::string error;
  ServerConfig config;
  config.fixtures =
      *parseFixtures(R"([{"match": "capital of France", "answer": "Paris."}])", error);
  Sim sim(config);
  auto r = json::parse(httpRequest(sim.port, "POST", "/v1/chat/completions",
                                   chatBody("What is the capital of France?").dump())
                           .body);
  CHECK(r["choices"][0]["message"]["content"] == "Paris.");
}
