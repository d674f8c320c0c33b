// `awc tune` against a real `awc sim` process with the quality model: a cheaper model that
// rarely disagrees with the large one is accepted, one that often does is refused, and
// `awc build --profile` moves the step to the accepted model only. Everything is deterministic:
// fixed samples, and the simulator's disagreement is a hash of the prompt and the model.
#include "awc/compiler/driver.h"
#include "awc/profile/profile.h"
#include "awc_process.h"
#include "profile_file.h"
#include "sim_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

namespace {

// `good` disagrees with `big` on no classify request, `bad` on half of them (the enum answer
// arrives wrapped as {"value": ...}; the simulator classes it by that field: classify).
const char* kQualityProfiles = R"({"models": [
  {"name": "big", "class": "large"},
  {"name": "good", "class": "small", "disagreement": {"classify": 0.0}},
  {"name": "bad", "class": "small", "disagreement": {"classify": 0.5}}
]})";

const char* kQualityFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [good, bad] }
model good = sim("good") { size: "small", price_in: 0.1, price_out: 0.2 }
model bad = sim("bad") { size: "small", price_in: 0.1, price_out: 0.2 }

type Mood = enum { happy, sad, neutral, angry }

workflow triage(text: string) -> Mood {
  mood = llm big -> Mood {
    user "Classify the mood of: {text}"
    temperature: 0
  }
  return mood
}
)";

using awc::test::SimProcess;

std::string qualitySamples(int from, int count) {
  std::string lines;
  for (int i = from; i < from + count; ++i)
    lines += "{\"text\": \"note " + std::to_string(i) + ": the parcel came late and " +
             (i % 2 ? "I am cross" : "that is fine") + "\"}\n";
  return lines;
}

struct QualityFixture {
  awc::testing::TempDir dir{"awc-tune-quality"};
  awc::test::SimProcess sim{{"--profiles", dir.write("profiles.json", kQualityProfiles)}};
  std::string flow = dir.write("t.flow", kQualityFlow);
  std::string samples = dir.write("s.jsonl", qualitySamples(1, 30));
  std::string heldOut = dir.write("h.jsonl", qualitySamples(101, 10));
  std::string profilePath = dir.file("t.profile.json");

  awc::test::AwcRun tune(const std::string& extra) {
    return awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                        " --backend sim --endpoint " + sim.url() + "/v1 -o " +
                                        profilePath + " " + extra,
                                    true);
  }
  awc::profile::Profile profile() { return awc::test::readProfileFile(profilePath); }
};

const awc::profile::Candidate& qualityCandidate(const awc::profile::StepProfile& s,
                                                awc::profile::CandidateKind kind,
                                                const std::string& value = "") {
  for (const auto& c : s.candidates)
    if (c.kind == kind && (value.empty() || c.value == value)) return c;
  FAIL("no candidate " << value);
  throw;
}

} // namespace

TEST_CASE("tune accepts a model above the agreement bar and refuses one below it",
          "[tune][cli][quality]") {
  QualityFixture f;
  auto r = f.tune("--min-agreement 0.9 --holdout " + f.heldOut);
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  CHECK(p.samples == 30);
  REQUIRE(p.steps.size() == 1);
  const auto& mood = p.steps[0];
  CHECK(mood.model == "big");
  CHECK(mood.task == "classify");

  const auto& good = qualityCandidate(mood, awc::profile::CandidateKind::Model, "good");
  CHECK(good.method == awc::profile::AgreementMethod::Exact);
  CHECK(good.agreement.samples == 30);
  CHECK(good.agreement.agreed == 30);
  CHECK(good.accepted);
  CHECK(good.why.find("agreement 100.0 % on 30 calls") == 0);

  // About half the draws disagree (12 of 30 here: the hash of each fixed prompt decides).
  const auto& bad = qualityCandidate(mood, awc::profile::CandidateKind::Model, "bad");
  CHECK(bad.agreement.samples == 30);
  CHECK(bad.agreement.agreed == 18);
  CHECK_FALSE(bad.accepted);
  CHECK(bad.why == "agreement 60.0 % on 30 calls, lower bound 48.3 % at 90 % confidence, below "
                   "the bar 90.0 %");

  // max_tokens only cuts; the bound is above every observed typed answer, so nothing changes.
  const auto& bound = qualityCandidate(mood, awc::profile::CandidateKind::MaxTokens);
  CHECK(bound.agreement.samples == 30);
  CHECK(bound.agreement.agreed == 30);

  // Held-out agreement of the tuned plan: mood on `good`, which agrees everywhere.
  REQUIRE(p.heldOutSamples == 10);
  REQUIRE(p.front.size() == 4);
  CHECK(p.front[3].heldOut);
  CHECK(p.front[3].label == "-O2 +profile");
  CHECK(p.front[3].agreement.samples == 10);
  CHECK(p.front[3].agreement.agreed == 10);
  CHECK(p.front[3].costUsd < p.front[2].costUsd);

  // awc build --profile moves the step to the accepted model, never to the refused one.
  awc::CompileOptions o;
  o.profilePath = f.profilePath;
  awc::Compilation c = awc::compileFile(f.flow, o);
  REQUIRE(c.ok());
  const awc::ir::Node* n = c.module->graph.find("mood");
  REQUIRE(n);
  CHECK(n->llm().model == "good");
  CHECK(n->llm().rightsizedFrom == "big");
  awc::test::AwcRun explain =
      awc::test::runAwcProcess("explain " + f.flow + " --profile " + f.profilePath, false);
  INFO(explain.out);
  CHECK(explain.out.find("mood: model good taken (100 % on 30 samples)") != std::string::npos);
  CHECK(explain.out.find("mood: model bad not taken (60 % on 30 samples)") != std::string::npos);
}
