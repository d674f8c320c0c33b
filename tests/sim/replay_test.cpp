// Replaying recorded answers: the record format, request identity, recorded order, and the
// answers and timing a replayed request gets over HTTP.
#include "awc/sim/replay.h"
#include "awc/sim/server.h"
#include "test_http.h"

#include <catch2/catch.hpp>

using namespace awc;
using namespace awc::sim;
using awc::sim::test::httpRequest;
using nlohmann::json;

namespace {

json request(const std::string& user) {
  return json{{"model", "recorded"},
              {"messages", {{{"role", "user"}, {"content", user}}}},
              {"max_completion_tokens", 200}};
}

std::string record(const json& req, const std::string& answer, size_t tokens,
                   const char* finish = "stop") {
  return json{{"node", "step"},
              {"request", req},
              {"answer", answer},
              {"usage", {{"prompt_tokens", 9}, {"completion_tokens", tokens}}},
              {"finish_reason", finish}}
             .dump() +
         "\n";
}

} // namespace

TEST_CASE("a request is known by what changes its answer, not by how it is sent", "[replay]") {
  json a = request("hello");
  json b = a;
  b["temperature"] = 0.7;
  b["stream"] = true;
  b["stream_options"] = {{"include_usage", true}};
  CHECK(replayKey(a) == replayKey(b));
  json c = a;
  c["messages"][0]["content"] = "hello!";
  CHECK(replayKey(a) != replayKey(c));
  json d = a;
  d["response_format"] = {{"type", "json_object"}};
  CHECK(replayKey(a) != replayKey(d));
  json e = a;
  e["max_completion_tokens"] = 20;
  CHECK(replayKey(a) != replayKey(e));
}

TEST_CASE("recorded answers come back in recorded order, the last one repeating", "[replay]") {
  std::string error;
  auto book = ReplayBook::parse(record(request("q"), "first", 3) + "\n" +
                                    record(request("q"), "second", 4, "length") +
                                    record(request("other"), "third", 5),
                                error);
  REQUIRE(book);
  CHECK(book->size() == 3);
  const auto* answers = book->find(request("q"));
  REQUIRE(answers);
  REQUIRE(answers->size() == 2);
  CHECK((*answers)[0].text == "first");
  CHECK((*answers)[0].completionTokens == 3);
  CHECK_FALSE((*answers)[0].truncated);
  CHECK((*answers)[1].truncated);
  CHECK(book->find(request("unknown")) == nullptr);
}

TEST_CASE("a run's last line, for awc tune, is not an exchange", "[replay]") {
  std::string error;
  auto book = ReplayBook::parse(record(request("q"), "first", 3) +
                                    R"({"run": {"workflow": "w", "inputs": {}, "ok": true}})" +
                                    "\n" + record(request("q"), "second", 4),
                                error);
  INFO(error);
  REQUIRE(book);
  CHECK(book->size() == 2);
}

TEST_CASE("a malformed replay line is refused with its line number", "[replay]") {
  std::string error;
  CHECK_FALSE(ReplayBook::parse(record(request("q"), "ok", 2) + "{not json\n", error));
  CHECK(error.find("line 2") != std::string::npos);
  CHECK_FALSE(ReplayBook::parse(R"({"request": {"model": "m"}, "answer": 7})", error));
  CHECK(error.find("answer") != std::string::npos);
  CHECK_FALSE(ReplayBook::parse(R"({"request": {"model": "m"}, "answer": "a"})", error));
  CHECK(error.find("completion_tokens") != std::string::npos);
  CHECK_FALSE(ReplayBook::load("/nonexistent/replay.jsonl", error));
}

TEST_CASE("the simulator serves recorded answers with their token counts", "[replay][server]") {
  std::string error;
  ServerConfig config;
  config.speed = 1.0;
  // 100 ms per output token: the recorded count, not the text's length here, sets the time.
  config.profiles.push_back(ModelProfile{"recorded", 0.0, 0.0, 10.0, 0.0});
  auto book = ReplayBook::parse(
      record(request("q"), "short text", 4) + record(request("q"), "again", 2, "length"), error);
  REQUIRE(book);
  config.replay = std::move(*book);
  Server server;
  uint16_t port = server.start(config, error);
  REQUIRE(port != 0);

  json streamed = request("q");
  streamed["stream"] = true;
  streamed["stream_options"] = {{"include_usage", true}};
  auto first = httpRequest(port, "POST", "/v1/chat/completions", streamed.dump());
  REQUIRE(first.status == 200);
  CHECK(first.body.find(R"("completion_tokens":4)") != std::string::npos);
  auto second =
      json::parse(httpRequest(port, "POST", "/v1/chat/completions", request("q").dump()).body);
  CHECK(second["choices"][0]["message"]["content"] == "again");
  CHECK(second["choices"][0]["finish_reason"] == "length");
  CHECK(second["usage"]["completion_tokens"] == 2);
  auto third =
      json::parse(httpRequest(port, "POST", "/v1/chat/completions", request("q").dump()).body);
  CHECK(third["choices"][0]["message"]["content"] == "again");
  // A request nobody recorded gets a generated answer (asked short: 100 ms a token here).
  auto generated = json::parse(
      httpRequest(port, "POST", "/v1/chat/completions", request("new, in one word").dump()).body);
  CHECK(generated["choices"][0]["message"]["content"] != "again");

  auto log = server.log();
  REQUIRE(log.size() == 4);
  CHECK(log[0].outputTokens == 4);
  REQUIRE(log[0].finishMs);
  REQUIRE(log[0].firstTokenMs);
  // Three more tokens after the first at 100 ms each, spread over the text's two pieces.
  CHECK(*log[0].finishMs - *log[0].firstTokenMs >= 300 * 0.99);
}
