// Fused vs separate in `awc tune` and `awc build --profile`, against the simulator in process:
// two short typed questions on one one-slot model, which -O2 fuses. Tune runs the fused plan
// over the samples and writes a `fused` candidate on the first question with agreement counted
// per sample (both members must agree); `awc build --profile` keeps the questions in separate
// calls when that candidate was not accepted, and fused when it was, and explain says why.
#include "awc/profile/profile.h"
#include "awc/sim/quality.h"
#include "awc/sim/server.h"
#include "awc_process.h"
#include "profile_file.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <fstream>

using nlohmann::json;

namespace {

// `small` disagrees with the reference on 30 % of classify requests; `big` never does.
const char* kFusedQuality = R"({"models": [
  {"name": "big", "class": "large"},
  {"name": "small", "class": "small", "disagreement": {"classify": 0.3, "extract": 0.3}}
]})";

// Two questions over one long policy; with one slot their separate calls would queue, so the
// fuse pass puts them in one call (tests/passes/fuse_test.cpp has the gate's reasons).
std::string fusedFlow(const std::string& model) {
  std::string policy;
  for (int i = 0; i < 60; ++i)
    policy += fmt::format("Rule {}: a refund above the limit of region {} needs a second "
                          "approver. ",
                          i, i % 7);
  return fmt::format(
      "model {0} = sim(\"{0}\") {{ size: \"large\", price_in: 2.0, price_out: 8.0, "
      "max_concurrency: 1 }}\ntype Risk = enum {{ low, medium, high }}\nconst POLICY = \"{1}\"\n"
      "workflow claims(doc: string) -> string {{\n"
      "  risk = llm {0} -> Risk {{ system POLICY user \"How risky is this claim?\\n{{doc}}\" }}\n"
      "  fraud = llm {0} -> bool {{ system POLICY user \"Is this claim fraud?\\n{{doc}}\" }}\n"
      "  return \"{{risk}} {{fraud}}\"\n}}\n",
      model, policy);
}

struct FusedTuneFixture {
  awc::sim::Server server;
  awc::testing::TempDir dir{"awc-tune-fused"};
  std::string flow, samples, profilePath;
  explicit FusedTuneFixture(const std::string& model) {
    awc::sim::ServerConfig config;
    config.speed = 50;
    std::string error;
    auto quality = awc::sim::parseQualityProfiles(kFusedQuality, error);
    INFO(error);
    REQUIRE(quality);
    config.quality = *quality;
    REQUIRE(server.start(config, error) != 0);
    flow = dir.write("c.flow", fusedFlow(model));
    std::string lines;
    for (int i = 1; i <= 20; ++i)
      lines +=
          fmt::format("{{\"doc\": \"claim {}: a broken phone, bought {} days ago\"}}\n", i, 3 * i);
    samples = dir.write("s.jsonl", lines);
    profilePath = dir.file("c.profile.json");
  }
  awc::test::AwcRun tune() {
    return awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                        " --backend sim --endpoint " + server.baseUrl() +
                                        "/v1 -o " + profilePath,
                                    true);
  }
  // The plan `awc build -O2 --profile FILE` writes: the steps each model call answers.
  std::vector<std::vector<std::string>> builtCalls(const std::string& profile) {
    std::string plan = dir.file("plan.json");
    auto r =
        awc::test::runAwcProcess("build " + flow + " --profile " + profile + " -o " + plan, true);
    INFO(r.out);
    REQUIRE(r.code == 0);
    std::ifstream in(plan);
    json j = json::parse(in);
    std::vector<std::vector<std::string>> calls;
    for (const json& n : j["nodes"]) {
      if (n.value("kind", "") != "llm") continue;
      std::vector<std::string> steps;
      for (const json& part : n.value("fused", json::array()))
        steps.push_back(part.value("name", ""));
      if (steps.empty()) steps.push_back(n.value("id", ""));
      calls.push_back(steps);
    }
    return calls;
  }
};

const awc::profile::Candidate* fusedCandidate(const awc::profile::Profile& p,
                                              const std::string& step) {
  for (const auto& s : p.steps)
    if (s.id == step)
      for (const auto& c : s.candidates)
        if (c.kind == awc::profile::CandidateKind::Fused) return &c;
  return nullptr;
}

} // namespace

TEST_CASE("tune measures the fused call against the separate calls", "[tune][cli][fused]") {
  FusedTuneFixture f("big");
  auto r = f.tune();
  INFO(r.out);
  REQUIRE(r.code == 0);
  awc::profile::Profile p = awc::test::readProfileFile(f.profilePath);
  REQUIRE(p.samples == 20);
  const awc::profile::Candidate* c = fusedCandidate(p, "risk");
  REQUIRE(c);
  CHECK_FALSE(fusedCandidate(p, "fraud")); // one candidate per group, on its first step
  CHECK(c->value == "risk,fraud");
  CHECK(c->method == awc::profile::AgreementMethod::Exact);
  CHECK(c->agreement.samples == 20);
  CHECK(c->stats.calls == 20); // one fused call per sample
  INFO(c->why);
  // The reference model answers each question of a fused prompt as it answers it alone
  // (docs/simulator.md, Fused answers): every sample agrees.
  CHECK(c->agreement.agreed == 20);
  CHECK(c->why.find("fused answers agreed on 20 of 20 samples") != std::string::npos);

  // Whatever tune decided, awc build --profile follows it.
  auto calls = f.builtCalls(f.profilePath);
  CHECK(calls.size() == (c->accepted ? 1u : 2u));
}

TEST_CASE("a refused fused candidate keeps the steps apart, an accepted one keeps them fused",
          "[tune][cli][fused]") {
  FusedTuneFixture f("big");
  REQUIRE(f.tune().code == 0);
  awc::profile::Profile p = awc::test::readProfileFile(f.profilePath);
  auto set = [&](int64_t agreed, bool accepted) {
    for (auto& s : p.steps)
      for (auto& c : s.candidates)
        if (c.kind == awc::profile::CandidateKind::Fused) {
          c.agreement.agreed = agreed;
          c.accepted = accepted;
          c.why = accepted ? "fused answers agreed" : "fused answers agreed on 12 of 20 samples";
        }
    return f.dir.write("edited.profile.json", awc::profile::serialize(p));
  };
  std::string refused = set(12, false);
  auto calls = f.builtCalls(refused);
  CHECK(calls == std::vector<std::vector<std::string>>{{"risk"}, {"fraud"}});
  auto explain = awc::test::runAwcProcess("explain " + f.flow + " --profile " + refused, false);
  INFO(explain.out);
  CHECK(explain.out.find("kept separate: risk, fraud (profile: fused answers agreed on 12 of 20 "
                         "samples, below the bar 95 %)") != std::string::npos);
  CHECK(explain.out.find("risk: fused risk,fraud not taken (60 % on 20 samples)") !=
        std::string::npos);

  std::string accepted = set(20, true);
  CHECK(f.builtCalls(accepted) == std::vector<std::vector<std::string>>{{"risk", "fraud"}});
  auto explained = awc::test::runAwcProcess("explain " + f.flow + " --profile " + accepted, false);
  INFO(explained.out);
  CHECK(explained.out.find("risk: fused risk,fraud taken (100 % on 20 samples)") !=
        std::string::npos);
}

TEST_CASE("a model that often disagrees answers a fused call unlike its separate calls",
          "[tune][cli][fused]") {
  // `small` disagrees with the reference on 30 % of its answers, drawn per question: alone and
  // inside the fused call the draws are independent (another prompt), so the fused answers
  // differ from the separate ones on some samples and the candidate is refused.
  FusedTuneFixture f("small");
  auto r = f.tune();
  INFO(r.out);
  REQUIRE(r.code == 0);
  awc::profile::Profile p = awc::test::readProfileFile(f.profilePath);
  const awc::profile::Candidate* c = fusedCandidate(p, "risk");
  REQUIRE(c);
  INFO(c->why);
  CHECK(c->agreement.samples == 20);
  // About (0.7² + the wrong answers that happen to match)² of the samples: 6 of 20 here (each
  // draw is a hash of the fixed prompt, so the count is fixed).
  CHECK(c->agreement.agreed == 6);
  CHECK_FALSE(c->accepted);
  CHECK(f.builtCalls(f.profilePath).size() == 2);
}
