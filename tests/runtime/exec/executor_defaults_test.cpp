// The runtime does what docs/language.md says by default: a step makes 1 + `retries` attempts
// (default retries: 2), each attempt has a timeout (default 60 s) that fires, a repair prompt
// sends back only the start of a huge bad answer, and a broken stream is reported as what it
// was, not as an HTTP status the server never sent.
#include "exec_test_util.h"
#include "fake_loop.h"

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

/// One llm step `a` (string result) with `options` merged into its options.
json oneStepPlan(const json& options = json::object()) {
  json p = basePlan();
  json a = llmNode("a", {"input.q"}, userMsg({staticSeg("Q: "), refSeg("input.q")}), 1, 1);
  a["options"].update(options);
  p["nodes"].push_back(a);
  p["nodes"].push_back(outputNode({"a"}, 2));
  return p;
}

/// The simulator's options, with the runtime's default retry limits (fast delays only).
RuntimeOptions defaultRetries(SimFixture& sim) {
  RuntimeOptions o = sim.runtimeOptions();
  o.retry = RetryConfig{};
  o.retry.baseDelay = std::chrono::milliseconds(1);
  o.retry.maxDelay = std::chrono::milliseconds(2);
  return o;
}

awc::sim::FaultSpec faults(const std::string& spec) {
  std::string error;
  auto parsed = awc::sim::parseFaultSpec(spec, error);
  INFO(error);
  REQUIRE(parsed);
  return *parsed;
}

} // namespace

TEST_CASE("a step without retries makes 3 attempts, as docs/language.md's retries: 2 says",
          "[exec][defaults]") {
  CHECK(RetryConfig{}.maxAttempts == 3);
  for (auto [options, attempts] : std::vector<std::pair<json, std::size_t>>{
           {json::object(), 3}, {{{"retries", 0}}, 1}, {{{"retries", 4}}, 5}}) {
    INFO(options.dump());
    SimFixture sim("", faults("500=1"));
    Runtime rt(defaultRetries(sim));
    RunResult r = rt.run(mustLoad(oneStepPlan(options)), {{"q", "x"}});
    CHECK_FALSE(r.ok);
    CHECK(sim.server.log().size() == attempts);
    CHECK(r.metrics.nodes[1].modelCalls == int(attempts));
    CHECK(r.error.find("HTTP 500") != std::string::npos);
  }
}

TEST_CASE("an attempt that stalls past its timeout fails with a timeout", "[exec][defaults]") {
  SimFixture sim("", faults("hang=1,hang_ms=3000"));
  Runtime rt(defaultRetries(sim));
  RunResult r = rt.run(mustLoad(oneStepPlan({{"timeout_ms", 200}, {"retries", 1}})), {{"q", "x"}});
  REQUIRE_FALSE(r.ok);
  INFO(r.error);
  CHECK(r.error.find("timeout") != std::string::npos);
  CHECK(sim.server.log().size() == 2); // a timeout is retried like any transport error
}

TEST_CASE("a step without a timeout gets 60 s per attempt", "[exec][defaults]") {
  std::vector<std::chrono::milliseconds> timeouts;
  std::mutex mutex;
  FakeLoop loop([&](const HttpRequest& req) {
    std::lock_guard lock(mutex);
    timeouts.push_back(req.totalTimeout);
    return completion("ok");
  });
  Runtime rt(fakeOptions(loop.transport));
  REQUIRE(rt.run(mustLoad(oneStepPlan()), {{"q", "x"}}).ok);
  REQUIRE(rt.run(mustLoad(oneStepPlan({{"timeout_ms", 1500}})), {{"q", "x"}}).ok);
  std::lock_guard lock(mutex);
  REQUIRE(timeouts.size() == 2);
  CHECK(timeouts[0] == std::chrono::milliseconds(60'000));
  CHECK(timeouts[1] == std::chrono::milliseconds(1'500));
}

TEST_CASE("a repair request sends back only the first KBs of a huge bad answer", "[exec][repair]") {
  const std::string huge(8 * 1024 * 1024, 'x'); // 8 MB: not JSON at all
  std::atomic<int> calls{0};
  FakeLoop loop([&](const HttpRequest&) {
    return completion(calls++ == 0 ? huge : "{\"value\": \"positive\"}");
  });
  Runtime rt(fakeOptions(loop.transport));
  RunResult r = rt.run(mustLoad(enumPlan()), {{"q", "great"}});
  INFO(r.error);
  REQUIRE(r.ok);
  auto requests = loop.transport.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].body.size() < requests[0].body.size() + kRepairAnswerLimit + 1024);
  CHECK(requests[1].body.find(std::string(kRepairAnswerLimit, 'x')) != std::string::npos);
  CHECK(requests[1].body.find(std::string(kRepairAnswerLimit + 1, 'x')) == std::string::npos);
  CHECK(requests[1].body.find("truncated: " + std::to_string(huge.size() - kRepairAnswerLimit) +
                              " more bytes") != std::string::npos);
}

TEST_CASE("truncateForRepair keeps short answers and never splits a UTF-8 character",
          "[exec][repair]") {
  CHECK(truncateForRepair("short", 10) == "short");
  std::string cut = truncateForRepair("ab\xC3\xA9"
                                      "cd",
                                      3); // "abé" is 4 bytes
  CHECK(cut.rfind("ab\n", 0) == 0);
  CHECK(cut.find("4 more bytes") != std::string::npos); // "\xC3\xA9cd"
}

TEST_CASE("a 200 whose stream breaks is reported as a broken stream, not an HTTP status",
          "[exec][errors]") {
  SimFixture sim("", faults("drop=1"));
  Runtime rt(defaultRetries(sim));
  RunResult r = rt.run(mustLoad(oneStepPlan({{"retries", 1}})), {{"q", "x"}});
  REQUIRE_FALSE(r.ok);
  INFO(r.error);
  CHECK(r.error.find("stream ended early after ") != std::string::npos);
  CHECK(r.error.find(" bytes (HTTP 200)") != std::string::npos);
  CHECK(r.error.find("the broken stream after 2 attempt(s), no retries left") != std::string::npos);
  CHECK(r.error.find("503") == std::string::npos);
  CHECK(sim.server.log().size() == 2);
}
