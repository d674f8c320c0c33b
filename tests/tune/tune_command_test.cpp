// `awc tune` end to end: the awc binary tunes a small flow (one typed step, one free-text step,
// one the recogniser can rewrite natively) over 10 samples against the simulator, and writes a
// profile that the profile contract parses. Until the simulator models quality, only different
// models answer alike when they share a wire name ("twin"): these tests rely on that alone.
#include "awc/profile/hash.h"
#include "awc/profile/profile.h"
#include "awc/sim/answers.h"
#include "awc/sim/server.h"
#include "awc_process.h"
#include "profile_file.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using nlohmann::json;

namespace {

const char* kFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [twin, mini] }
model twin = sim("big") { size: "large", price_in: 1.0, price_out: 4.0 }
model mini = sim("mini") { size: "small", price_in: 0.1, price_out: 0.2 }

type Mood = enum { happy, sad, neutral }

workflow triage(text: string, a: int, b: int) -> { mood: Mood, reply: string, sum: string } {
  mood = llm big -> Mood {
    user "Classify the mood of: {text}"
    temperature: 0
  }
  reply = llm big -> string {
    user "Write a short reply to: {text}"
    temperature: 0
  }
  sum = llm big -> string {
    user "What is {a} + {b}? Reply with the number only."
    temperature: 0
  }
  return { mood: mood, reply: reply, sum: sum }
}
)";

struct Fixture {
  awc::sim::Server server;
  awc::testing::TempDir dir{"awc-tune"};
  std::string flow, samples;
  /// `fixtures`: the simulator's fixed answers (awc sim --fixtures), as JSON text.
  explicit Fixture(const std::string& fixtures = "[]") {
    awc::sim::ServerConfig config;
    config.speed = 50;
    std::string error;
    auto parsed = awc::sim::parseFixtures(fixtures, error);
    INFO(error);
    REQUIRE(parsed);
    config.fixtures = *parsed;
    REQUIRE(server.start(config, error) != 0);
    flow = dir.write("t.flow", kFlow);
    std::string lines;
    for (int i = 1; i <= 10; ++i)
      lines += "{\"text\": \"message " + std::to_string(i) +
               " about the weather\", \"a\": " + std::to_string(i) +
               ", \"b\": " + std::to_string(2 * i) + "}\n";
    samples = dir.write("s.jsonl", lines);
  }
  awc::test::AwcRun tune(const std::string& extra) {
    return awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                        " --backend sim --endpoint " + server.baseUrl() +
                                        "/v1 -o " + dir.file("t.profile.json") + " " + extra,
                                    true);
  }
  awc::profile::Profile profile() { return awc::test::readProfileFile(dir.file("t.profile.json")); }
};

const awc::profile::StepProfile& step(const awc::profile::Profile& p, const std::string& id) {
  for (const auto& s : p.steps)
    if (s.id == id) return s;
  FAIL("no step " << id);
  throw;
}

const awc::profile::Candidate* candidate(const awc::profile::StepProfile& s,
                                         awc::profile::CandidateKind kind,
                                         const std::string& value = "") {
  for (const auto& c : s.candidates)
    if (c.kind == kind && (value.empty() || c.value == value)) return &c;
  return nullptr;
}

} // namespace

TEST_CASE("awc tune writes a profile of every model step", "[tune][cli]") {
  Fixture f;
  auto r = f.tune("");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  CHECK(p.workflow == "triage");
  CHECK(p.samples == 10);
  CHECK(p.sourceHash == awc::profile::flowHash(kFlow));
  REQUIRE(p.steps.size() == 3);
  const auto& mood = step(p, "mood");
  CHECK(mood.model == "big");
  CHECK(mood.reference.calls == 10);
  CHECK(mood.reference.costUsd > 0);
  CHECK(!mood.hash.empty());
  CHECK(mood.hash != step(p, "reply").hash);
  REQUIRE(p.models.count("big") == 1);
  CHECK(p.models["big"].calls == 30);
  // Typed answers compare exactly, free text by length and format.
  REQUIRE(candidate(mood, awc::profile::CandidateKind::Model, "mini"));
  CHECK(candidate(mood, awc::profile::CandidateKind::Model, "mini")->method ==
        awc::profile::AgreementMethod::Exact);
  CHECK(candidate(step(p, "reply"), awc::profile::CandidateKind::Model, "mini")->method ==
        awc::profile::AgreementMethod::LengthFormat);
  // The tuning-set front: -O2 as written agrees with itself on every sample.
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[0].label == "-O2");
  CHECK(p.front[0].agreement.samples == 10);
  CHECK(p.front[0].agreement.agreed == 10);
  CHECK(!p.front[0].heldOut);
  CHECK(p.front[1].label == "-O2 +profile");
  // Same input, same structure: a second run writes the same steps and candidates.
  auto again = f.tune("");
  REQUIRE(again.code == 0);
  auto q = f.profile();
  REQUIRE(q.steps.size() == p.steps.size());
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    CHECK(q.steps[i].id == p.steps[i].id);
    CHECK(q.steps[i].hash == p.steps[i].hash);
    CHECK(q.steps[i].candidates.size() == p.steps[i].candidates.size());
  }
  CHECK(q.sourceHash == p.sourceHash);
}

TEST_CASE("a max_tokens candidate comes from the observed answer lengths", "[tune][cli]") {
  Fixture f;
  REQUIRE(f.tune("").code == 0);
  auto p = f.profile();
  for (const char* id : {"mood", "reply"}) {
    const auto& s = step(p, id);
    INFO(id);
    REQUIRE(s.answerTokens.max > 0);
    CHECK(s.answerTokens.p50 <= s.answerTokens.p95);
    CHECK(s.answerTokens.p95 <= s.answerTokens.max);
    const auto* c = candidate(s, awc::profile::CandidateKind::MaxTokens);
    REQUIRE(c);
    CHECK(c->value == std::to_string(int64_t(std::ceil(double(s.answerTokens.max) * 1.2))));
    CHECK(c->agreement.samples == 10);
  }
}

TEST_CASE("the reference agrees with itself on every sample", "[tune][cli]") {
  // `twin` is the same simulated model at half the price: its answers are the reference's.
  Fixture f;
  REQUIRE(f.tune("").code == 0);
  auto p = f.profile();
  for (const char* id : {"mood", "reply", "sum"}) {
    INFO(id);
    const auto* twin = candidate(step(p, id), awc::profile::CandidateKind::Model, "twin");
    REQUIRE(twin);
    CHECK(twin->agreement.samples == 10);
    CHECK(twin->agreement.agreed == 10);
    CHECK(twin->stats.costUsd < step(p, id).reference.costUsd);
  }
}

TEST_CASE("a native rewrite the recogniser suggests is evaluated on the samples", "[tune][cli]") {
  Fixture f;
  REQUIRE(f.tune("").code == 0);
  auto p = f.profile();
  const auto* native = candidate(step(p, "sum"), awc::profile::CandidateKind::Native);
  REQUIRE(native);
  CHECK(native->value == "a + b");
  CHECK(native->agreement.samples == 10);
  CHECK(native->stats.costUsd == 0);
  CHECK(candidate(step(p, "mood"), awc::profile::CandidateKind::Native) == nullptr);
}

TEST_CASE("a native rewrite that agrees on every sample is accepted and applied", "[tune][cli]") {
  // "The difference" has no sign, so -O2 does not lower it; the simulator answers every such
  // question with 3, and every sample's a - b is 3.
  Fixture f(R"([{"regex": "difference between", "answer": {"value": 3}}])");
  f.flow = f.dir.write("d.flow",
                       R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0 }
workflow w(a: int, b: int) -> int {
  d = llm big -> int {
    user "What is the difference between {a} and {b}? Reply with the number only."
    temperature: 0
  }
  return d
}
)");
  // 40 samples: all agreeing, their lower bound at the default 90 % confidence is 96.1 %,
  // above the bar 95 % (32 is the fewest that clear it).
  std::string lines;
  for (int b = 0; b < 40; ++b)
    lines += "{\"a\": " + std::to_string(b + 3) + ", \"b\": " + std::to_string(b) + "}\n";
  f.samples = f.dir.write("s3.jsonl", lines);
  auto r = f.tune("");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  const auto* native = candidate(step(p, "d"), awc::profile::CandidateKind::Native);
  REQUIRE(native);
  CHECK(native->value == "a - b");
  CHECK(native->agreement.samples == 40);
  CHECK(native->agreement.agreed == 40);
  CHECK(native->accepted);
  // The flow built with the profile computes it natively: no model call, the same outputs.
  CHECK(r.out.find("warning: the flow did not build with the profile") == std::string::npos);
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].agreement.samples == 40);
  CHECK(p.front[1].agreement.agreed == 40);
  CHECK(p.front[1].costUsd == 0);
}

TEST_CASE("branch frequencies come from the reference runs", "[tune][cli]") {
  Fixture f;
  f.flow = f.dir.write("b.flow",
                       R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0 }
workflow w(text: string, a: int, b: int) -> string {
  r = if a > 3 {
    long = llm big -> string {
      user "Write a long reply to: {text}"
      temperature: 0
    }
    long
  } else {
    short = llm big -> string {
      user "Write a one-line reply to: {text}"
      temperature: 0
    }
    short
  }
  return r
}
)");
  auto r = f.tune("");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  REQUIRE(p.branches.size() == 1);
  CHECK(p.branches[0].id == "r/if");
  CHECK(p.branches[0].samples == 10);
  CHECK(p.branches[0].taken == 7); // a = 4..10
  // Each arm's step was measured on the samples that took it.
  CHECK(step(p, "r/then/long").reference.calls == 7);
  CHECK(step(p, "r/else/short").reference.calls == 3);
}

TEST_CASE("awc tune stops starting calls at --max-calls", "[tune][cli][budget]") {
  Fixture f;
  // 30 reference calls, 10 unchanged replays of `mood` (the latency baseline), 5 more.
  auto r = f.tune("--max-calls 45");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("stopped at the budget") != std::string::npos);
  CHECK(f.server.log().size() == 45);
  auto p = f.profile();
  CHECK(p.samples == 10); // the reference runs (30 calls) fit
  int64_t measured = 0, stopped = 0;
  for (const auto& s : p.steps)
    for (const auto& c : s.candidates) {
      if (c.kind == awc::profile::CandidateKind::Native) continue;
      measured += c.agreement.samples;
      if (c.agreement.samples < 10) {
        CHECK_FALSE(c.accepted);
        stopped += c.why.find("before the budget stopped tune") != std::string::npos;
      }
    }
  CHECK(measured == 5);
  CHECK(stopped > 0);
}

TEST_CASE("awc tune stops starting runs at --max-usd", "[tune][cli][budget]") {
  Fixture f;
  auto r = f.tune("--max-usd 0");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(f.server.log().empty());
  CHECK(f.profile().samples == 0);
}

TEST_CASE("awc tune --holdout adds the held-out front points", "[tune][cli][holdout]") {
  Fixture f;
  std::string held =
      f.dir.write("h.jsonl", "{\"text\": \"a held-back message\", \"a\": 3, \"b\": 4}\n"
                             "{\"text\": \"another one\", \"a\": 5, \"b\": 6}\n");
  auto r = f.tune("--holdout " + held);
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  CHECK(p.heldOutSamples == 2);
  REQUIRE(p.front.size() == 4);
  CHECK(p.front[2].heldOut);
  CHECK(p.front[2].label == "-O2");
  CHECK(p.front[2].agreement.agreed == 2);
  CHECK(p.front[3].heldOut);
  CHECK(p.front[3].label == "-O2 +profile");
  CHECK(p.front[3].agreement.samples == 2);
}

TEST_CASE("a bad samples file stops awc tune with a located error", "[tune][cli][samples]") {
  Fixture f;
  std::string bad =
      f.dir.write("bad.jsonl", "{\"text\": \"x\", \"a\": 1, \"b\": 2}\n{\"text\": hunter2}\n");
  auto r = awc::test::runAwcProcess("tune " + f.flow + " --samples " + bad +
                                        " --backend sim --endpoint " + f.server.baseUrl() +
                                        "/v1 -o " + f.dir.file("x.json"),
                                    true);
  CHECK(r.code == 1);
  CHECK(r.out.find(bad + ":2:10: error: not valid JSON") != std::string::npos);
  CHECK(r.out.find("hunter2") == std::string::npos);
  CHECK(f.server.log().empty());
  CHECK_FALSE(std::filesystem::exists(f.dir.file("x.json")));
}

TEST_CASE("an unwritable profile path stops awc tune before any call", "[tune][cli]") {
  Fixture f;
  auto r = awc::test::runAwcProcess("tune " + f.flow + " --samples " + f.samples +
                                        " --backend sim --endpoint " + f.server.baseUrl() +
                                        "/v1 -o " + f.dir.file("no/such/dir/t.profile.json"),
                                    true);
  CHECK(r.code == 2);
  CHECK(r.out.find("cannot write") != std::string::npos);
  CHECK(f.server.log().empty());
}

TEST_CASE("a flow that declares key_env is tuned on the simulator without the key", "[tune][cli]") {
  // The runtime sends no key to the simulator; tune's replays must follow the same rule, or
  // every candidate's call fails before it is sent.
  Fixture f;
  std::string text = kFlow;
  auto swap = [&](const std::string& from, const std::string& to) {
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
  };
  const std::string key = R"(key_env: "AWC_TUNE_TEST_UNSET_KEY", )";
  swap(R"(model big = sim("big") { )", R"(model big = openai("big") { )" + key);
  swap(R"(model twin = sim("big") { )", R"(model twin = openai("big") { )" + key);
  f.flow = f.dir.write("k.flow", text);
  auto r = f.tune("");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile(); // kept: the candidate points into it
  const auto* twin = candidate(step(p, "mood"), awc::profile::CandidateKind::Model, "twin");
  REQUIRE(twin);
  CHECK(twin->agreement.samples == 10);
  CHECK(twin->agreement.agreed == 10);
  CHECK(twin->why.find("failed") == std::string::npos);
}

TEST_CASE("a free-text step is not moved to another model on length and format alone",
          "[tune][cli]") {
  Fixture f;
  REQUIRE(f.tune("").code == 0);
  auto p = f.profile(); // kept: the candidate points into it
  const auto* twin = candidate(step(p, "reply"), awc::profile::CandidateKind::Model, "twin");
  REQUIRE(twin);
  CHECK(twin->method == awc::profile::AgreementMethod::LengthFormat);
  CHECK(twin->agreement.agreed == twin->agreement.samples); // the same answers, even
  CHECK_FALSE(twin->accepted);
  CHECK(twin->why.find("judge") != std::string::npos);
}

TEST_CASE("explain --profile prices every level on the measured server speeds", "[tune][cli]") {
  Fixture f; // the simulator at speed 50: measured latencies far below the default profiles'
  REQUIRE(f.tune("").code == 0);
  auto plain = awc::test::runAwcProcess("explain --json " + f.flow, false);
  auto with = awc::test::runAwcProcess(
      "explain --json " + f.flow + " --profile " + f.dir.file("t.profile.json"), false);
  REQUIRE(plain.code == 0);
  REQUIRE(with.code == 0);
  json a = json::parse(plain.out), b = json::parse(with.out);
  double o0 = a["levels"]["O0"]["latency_ms"], o0cal = b["levels"]["O0"]["latency_ms"];
  double o2cal = b["levels"]["O2"]["latency_ms"], tuned = b["levels"]["O2+profile"]["latency_ms"];
  // Calibrated like the +profile row, not left on the defaults (the measured calls are ~1/50 of
  // the default latencies; /2 leaves room for TSan's overhead on each measured call).
  CHECK(o0cal < o0 / 2);
  CHECK(tuned < o2cal * 2);
}
