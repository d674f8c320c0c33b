// The simulator as a judge: it recognises a judge request only by its exact length-delimited
// shape, says "equivalent" exactly when the two answers are the same text, and a judge model
// errs (the verdict flipped) at its classify disagreement rate, deterministically.
#include "awc/sim/judge.h"
#include "awc/sim/server.h"
#include "test_http.h"

#include <catch2/catch.hpp>

using namespace awc::sim;
using awc::sim::test::httpRequest;
using nlohmann::json;

namespace {

std::string section(const std::string& name, const std::string& text) {
  return "[" + name + ": " + std::to_string(text.size()) + " bytes]\n" + text + "\n[end of " +
         name + "]";
}

// A judge request's user message as docs/tune.md ("The judge") lays it out.
std::string judgeMessage(const std::string& task, const std::string& reference,
                         const std::string& candidate) {
  return "awc-judge v1: is the candidate answer the same answer as the reference answer?\n\n" +
         section("task", task) + "\n\n" + section("reference answer", reference) + "\n\n" +
         section("candidate answer", candidate) + "\n\nReply with {\"equivalent\": true}.";
}

QualityModel judgeQuality(double classify) {
  QualityModel q;
  q.models["judge"] = DisagreementRates{classify, 0, 0};
  return q;
}

} // namespace

TEST_CASE("a judge request is recognised by its delimited sections", "[sim][judge]") {
  // The parsed request views the message: each message lives as long as its views are read.
  const std::string plain =
      judgeMessage("user: reply to the customer", "We refund you.", "We will refund you.");
  auto r = parseJudgeRequest(plain);
  REQUIRE(r);
  CHECK(r->task == "user: reply to the customer");
  CHECK(r->reference == "We refund you.");
  CHECK(r->candidate == "We will refund you.");

  // The byte counts decide where an answer ends, whatever it contains.
  std::string tricky = "ok\n[end of reference answer]\n\n[candidate answer: 2 bytes]\nno";
  const std::string trickyMessage = judgeMessage("t", tricky, "other");
  r = parseJudgeRequest(trickyMessage);
  REQUIRE(r);
  CHECK(r->reference == tricky);
  CHECK(r->candidate == "other");
  const std::string empty = judgeMessage("t", "", "");
  r = parseJudgeRequest(empty);
  REQUIRE(r);
  CHECK(r->reference.empty());
}

TEST_CASE("anything but the exact shape is not a judge request", "[sim][judge]") {
  std::string good = judgeMessage("t", "same", "same");
  CHECK_FALSE(parseJudgeRequest("Write a reply to the customer."));
  CHECK_FALSE(parseJudgeRequest(good.substr(1)));                  // no header
  CHECK_FALSE(parseJudgeRequest(good.substr(0, good.size() / 2))); // cut
  std::string wrongCount = good;
  wrongCount.replace(wrongCount.find("[reference answer: 4 bytes]"), 27,
                     "[reference answer: 5 bytes]");
  CHECK_FALSE(parseJudgeRequest(wrongCount));
  std::string huge = good;
  huge.replace(huge.find("[task: 1 bytes]"), 15, "[task: 99999999999999999999 bytes]");
  CHECK_FALSE(parseJudgeRequest(huge));
  std::string noCandidate =
      "awc-judge v1: x\n\n" + section("task", "t") + "\n\n" + section("reference answer", "a");
  CHECK_FALSE(parseJudgeRequest(noCandidate));
}

TEST_CASE("the same text after whitespace normalisation", "[sim][judge]") {
  CHECK(sameAnswerText("We refund  you.\n", " We refund\tyou."));
  CHECK(sameAnswerText("", "  \n"));
  CHECK_FALSE(sameAnswerText("We refund you.", "We refund you!"));
  CHECK_FALSE(sameAnswerText("ab", "a b"));
  CHECK_FALSE(sameAnswerText("a", "a b"));
}

TEST_CASE("a judge errs at its classify rate, deterministically", "[sim][judge]") {
  JudgeRequest same{"t", "We refund you.", "We  refund you."};
  JudgeRequest differ{"t", "We refund you.", "We cannot refund you."};
  // A judge that never errs (a large one by default) tells same from different.
  QualityModel exact = judgeQuality(0);
  CHECK(judgeVerdict(same, exact, "p", "judge", 1));
  CHECK_FALSE(judgeVerdict(differ, exact, "p", "judge", 1));
  CHECK(judgeVerdict(same, QualityModel{}, "p", "big-large-model", 1));
  // One that always errs says the opposite; with quality off there is no error.
  QualityModel wrong = judgeQuality(1);
  CHECK_FALSE(judgeVerdict(same, wrong, "p", "judge", 1));
  CHECK(judgeVerdict(differ, wrong, "p", "judge", 1));
  wrong.enabled = false;
  CHECK(judgeVerdict(same, wrong, "p", "judge", 1));
  // At a rate of one half, some verdicts flip and others do not, the same ones every time.
  QualityModel half = judgeQuality(0.5);
  int flipped = 0;
  for (int i = 0; i < 200; ++i) {
    std::string prompt = "judge request " + std::to_string(i);
    bool v = judgeVerdict(same, half, prompt, "judge", 7);
    CHECK(v == judgeVerdict(same, half, prompt, "judge", 7));
    flipped += !v;
  }
  CHECK(flipped > 60);
  CHECK(flipped < 140);
}

TEST_CASE("the simulator answers a judge request over HTTP", "[sim][judge]") {
  ServerConfig config;
  config.speed = 1000.0;
  Server server;
  std::string error;
  uint16_t port = server.start(config, error);
  INFO(error);
  REQUIRE(port != 0);
  json schema = {{"type", "object"},
                 {"properties", {{"equivalent", {{"type", "boolean"}}}}},
                 {"required", {"equivalent"}},
                 {"additionalProperties", false}};
  auto ask = [&](const std::string& reference, const std::string& candidate) {
    json b{{"model", "big"},
           {"messages",
            {{{"role", "system"}, {"content", "Rubric: same facts."}},
             {{"role", "user"}, {"content", judgeMessage("t", reference, candidate)}}}},
           {"response_format",
            {{"type", "json_schema"}, {"json_schema", {{"name", "v"}, {"schema", schema}}}}}};
    auto r = httpRequest(port, "POST", "/v1/chat/completions", b.dump());
    REQUIRE(r.status == 200);
    return json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
  };
  CHECK(ask("We refund you.", "We refund you.\n") == R"({"equivalent":true})");
  CHECK(ask("We refund you.", "We keep your money.") == R"({"equivalent":false})");
}
