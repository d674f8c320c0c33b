// The workflow-level bar (tune/backoff.cpp): against a real `awc sim` with the quality model,
// steps whose cheaper model passes the per-step bar give a flow that does not, and
// tune withdraws candidates until the flow does; `awc build --profile` keeps the withdrawn
// steps as written. Also which candidate the evidence picks, on hand-made runs.
#include "awc/compiler/driver.h"
#include "awc/profile/profile.h"
#include "awc_process.h"
#include "profile_file.h"
#include "sim_process.h"
#include "temp_dir.h"
#include "tune_backoff.h"

#include <algorithm>
#include <catch2/catch.hpp>

namespace {

using nlohmann::json;

// Every prompt holds the sample's text, so each draw is the sample's own; urgency and team
// read the earlier steps' answers (a chain), mood and topic do not (parallel).
const char* kChainFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [mini] }
model mini = sim("mini") { size: "small", price_in: 0.1, price_out: 0.2 }

type Mood = enum { happy, sad, neutral, angry }
type Topic = enum { billing, delivery, product, other }
type Urgency = enum { low, medium, high }
type Team = enum { finance, logistics, support, escalations }
type Verdict = { mood: Mood, topic: Topic, urgency: Urgency, team: Team }

workflow triage(text: string) -> Verdict {
  mood = llm big -> Mood { user "Classify the mood of: {text}"  temperature: 0 }
  topic = llm big -> Topic { user "Classify the topic of: {text}"  temperature: 0 }
  urgency = llm big -> Urgency { user "How urgent is this {topic} message? {text}"  temperature: 0 }
  team = llm big -> Team {
    user "Which team takes a {mood} message about {topic}, urgency {urgency}? {text}"
    temperature: 0
  }
  return { mood: mood, topic: topic, urgency: urgency, team: team }
}
)";

std::string chainProfiles(double rate) {
  return R"({"models": [{"name": "big", "class": "large"},
  {"name": "mini", "class": "small", "disagreement": {"classify": )" +
         std::to_string(rate) + "}}]}";
}

std::string chainSamples() {
  std::string lines;
  for (int i = 1; i <= 40; ++i)
    lines += "{\"text\": \"note " + std::to_string(i) + ": the parcel came late and " +
             (i % 2 ? "I am cross" : "that is fine") + "\"}\n";
  return lines;
}

struct ChainFixture {
  explicit ChainFixture(double rate)
      : sim({"--profiles", dir.write("profiles.json", chainProfiles(rate))}) {}
  awc::testing::TempDir dir{"awc-tune-backoff"};
  awc::test::SimProcess sim;
  std::string flow = dir.write("t.flow", kChainFlow);
  std::string samples = dir.write("s.jsonl", chainSamples());
  std::string profilePath = dir.file("t.profile.json");

  // --confidence 0.5 (the observed rate): these tests are about which candidates the back-off
  // withdraws, so they need steps that pass the per-step bar on 40 samples with one or two
  // disagreements; at the default confidence none would (97.5 % on 40 bounds at 92 %).
  awc::profile::Profile tune(const std::string& extra = "") {
    auto r = awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                          " --min-agreement 0.95 --confidence 0.5 --backend sim "
                                          "--endpoint " +
                                          sim.url() + "/v1 -o " + profilePath + " " + extra,
                                      true);
    INFO(r.out);
    REQUIRE(r.code == 0);
    return awc::test::readProfileFile(profilePath);
  }
  // The model each step runs on when built with the profile (fusion off, as tune measured it:
  // mood and topic would otherwise share one call).
  std::map<std::string, std::string> builtModels() {
    awc::CompileOptions o;
    o.profilePath = profilePath;
    o.disabledPasses = {"fuse"};
    awc::Compilation c = awc::compileFile(flow, o);
    REQUIRE(c.ok());
    std::map<std::string, std::string> out;
    for (const char* id : {"mood", "topic", "urgency", "team"}) {
      const awc::ir::Node* n = c.module->graph.find(id);
      REQUIRE(n);
      out[id] = n->llm().model;
    }
    return out;
  }
};

const awc::profile::Candidate& modelCandidate(const awc::profile::Profile& p,
                                              const std::string& step) {
  for (const auto& s : p.steps)
    if (s.id == step)
      for (const auto& c : s.candidates)
        if (c.kind == awc::profile::CandidateKind::Model) return c;
  FAIL("no model candidate for " << step);
  throw;
}

bool withdrawn(const awc::profile::Candidate& c) {
  return c.why.rfind("withdrawn: ", 0) == 0;
}

} // namespace

TEST_CASE("tune withdraws candidates until the flow meets the bar", "[tune][cli][backoff]") {
  // 8 % each: on these samples (the simulator's draws are a hash of each prompt) some steps'
  // cheaper model passes the per-step bar (at most 2 of 40 differ) and some does not, and the
  // passing ones together change the final output on more than 2 samples. Which steps pass
  // depends on the draws; the test needs two that do.
  ChainFixture f(0.08);
  auto p = f.tune();
  REQUIRE(p.samples == 40);
  int withdrawnCount = 0, passed = 0;
  for (const char* step : {"mood", "topic", "urgency", "team"}) {
    const auto& c = modelCandidate(p, step);
    INFO(step << ": " << c.why);
    CHECK(c.agreement.samples == 40);
    if (c.agreement.rate() < 0.95) { // refused on its own step: never accepted, never withdrawn
      CHECK_FALSE(c.accepted);
      CHECK_FALSE(withdrawn(c));
      continue;
    }
    ++passed;
    if (withdrawn(c)) {
      ++withdrawnCount;
      CHECK_FALSE(c.accepted);
      CHECK(c.why.find("the flow's outputs agreed on ") != std::string::npos);
      CHECK(c.why.find(" of 40 samples with it (bar 95 %)") != std::string::npos);
    } else {
      CHECK(c.accepted);
    }
  }
  REQUIRE(passed >= 2);
  CHECK(withdrawnCount >= 1);
  CHECK(withdrawnCount < passed);
  // The final plan meets the bar on the tuning samples.
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].label == "-O2 +profile");
  CHECK(p.front[1].agreement.samples == 40);
  CHECK(p.front[1].agreement.rate() >= 0.95);
  CHECK(p.front[1].costUsd < p.front[0].costUsd);
  // awc build --profile moves only the steps whose candidate stayed accepted.
  auto models = f.builtModels();
  for (const char* step : {"mood", "topic", "urgency", "team"}) {
    INFO(step);
    CHECK(models[step] == (modelCandidate(p, step).accepted ? "mini" : "big"));
  }
}

TEST_CASE("tune withdraws nothing when the flow meets the bar", "[tune][cli][backoff]") {
  ChainFixture f(0.0);
  auto p = f.tune();
  // (A max_tokens candidate may be refused as slower on a loaded machine: not checked here.)
  for (const auto& s : p.steps)
    for (const auto& c : s.candidates) {
      INFO(s.id << ": " << c.why);
      CHECK_FALSE(withdrawn(c));
    }
  for (const char* step : {"mood", "topic", "urgency", "team"})
    CHECK(modelCandidate(p, step).accepted);
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].agreement.agreed == 40);
  CHECK(p.front[1].agreement.samples == 40);
  for (const auto& [step, model] : f.builtModels())
    CHECK(model == "mini");
}

TEST_CASE("tune withdraws what the budget kept it from checking on the flow",
          "[tune][cli][backoff]") {
  ChainFixture f(0.0);
  // 160 reference calls and 480 replays fit; the tuned flow's run over the samples does not.
  auto p = f.tune("--max-calls 700");
  for (const auto& s : p.steps)
    for (const auto& c : s.candidates)
      CHECK_FALSE(c.accepted);
  for (const char* step : {"mood", "topic", "urgency", "team"}) {
    const auto& c = modelCandidate(p, step);
    INFO(step << ": " << c.why);
    CHECK(c.agreement.rate() == 1.0);
    CHECK(c.why.rfind("withdrawn: the budget stopped tune before the flow was measured with "
                      "it (",
                      0) == 0);
  }
  // What build --profile applies is nothing: the +profile point is the flow as written.
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].costUsd == p.front[0].costUsd);
  for (const auto& [step, model] : f.builtModels())
    CHECK(model == "big");
}

namespace {

// a -> b (a chain), c alone; m/x in a map body.
const json kPlanNodes = json::parse(R"([
  {"id": "input.t", "kind": "input", "deps": []},
  {"id": "a", "kind": "llm", "deps": ["input.t"]},
  {"id": "b", "kind": "llm", "deps": ["a"]},
  {"id": "c", "kind": "llm", "deps": ["input.t"]},
  {"id": "m", "kind": "map", "deps": ["input.t"], "body": {"nodes": [
    {"id": "m/x", "kind": "llm", "deps": []}]}},
  {"id": "output", "kind": "output", "deps": ["b", "c", "m"]}
])");

awc::profile::Profile accepting(std::vector<std::pair<std::string, int64_t>> stepsAgreed) {
  awc::profile::Profile p;
  p.minAgreement = 0.95;
  for (auto& [id, agreed] : stepsAgreed) {
    awc::profile::StepProfile s;
    s.id = id;
    awc::profile::Candidate c;
    c.kind = awc::profile::CandidateKind::Model;
    c.value = "mini";
    c.agreement = {100, agreed};
    c.accepted = true;
    s.candidates.push_back(c);
    p.steps.push_back(s);
  }
  return p;
}

awc::tune::detail::SampleRun sampleRun(json values, json instances = json::object()) {
  awc::tune::detail::SampleRun r;
  r.started = true;
  r.result.ok = true;
  r.result.values = std::move(values);
  r.instanceValues = std::move(instances);
  return r;
}

} // namespace

TEST_CASE("the back-off withdraws the candidate the disagreeing samples implicate first",
          "[tune][backoff]") {
  using awc::tune::detail::chooseWithdrawal;
  using awc::tune::detail::SampleRun;
  const json same = {{"a", 1}, {"b", 1}, {"c", 1}};
  std::vector<SampleRun> ref(4, sampleRun(same, {{"m/x[0]", 1}}));
  auto p = accepting({{"a", 99}, {"b", 97}, {"c", 96}, {"m/x", 98}});

  SECTION("a step downstream of another differing one is not blamed") {
    // a's change reaches b in samples 0 and 1: a is blamed twice, b once (sample 3), c once.
    std::vector<SampleRun> tuned{
        sampleRun({{"a", 2}, {"b", 2}, {"c", 1}}), sampleRun({{"a", 2}, {"b", 2}, {"c", 1}}),
        sampleRun({{"a", 1}, {"b", 1}, {"c", 2}}), sampleRun({{"a", 1}, {"b", 2}, {"c", 1}})};
    for (SampleRun& r : tuned)
      r.instanceValues = {{"m/x[0]", 1}};
    auto pick = chooseWithdrawal(p, kPlanNodes, ref, tuned, {true, true, true, true});
    REQUIRE(pick);
    CHECK(p.steps[pick->step].id == "a");
    // Only disagreeing samples count: with samples 0 and 1 agreeing, b and c tie at one each
    // and the lower per-step agreement (c: 96 %) decides.
    pick = chooseWithdrawal(p, kPlanNodes, ref, tuned, {false, false, true, true});
    REQUIRE(pick);
    CHECK(p.steps[pick->step].id == "c");
  }
  SECTION("a map body step is blamed by its elements' values") {
    std::vector<SampleRun> tuned(4, sampleRun(same, {{"m/x[0]", 1}}));
    tuned[1].instanceValues["m/x[0]"] = 5;
    tuned[2].instanceValues["m/x[0]"] = 5;
    tuned[3].result.values["c"] = 5;
    auto pick = chooseWithdrawal(p, kPlanNodes, ref, tuned, {false, true, true, true});
    REQUIRE(pick);
    CHECK(p.steps[pick->step].id == "m/x");
  }
  SECTION("without evidence, the lowest agreement; nothing accepted, nothing") {
    std::vector<SampleRun> tuned(4, sampleRun(same, {{"m/x[0]", 1}}));
    auto pick = chooseWithdrawal(p, kPlanNodes, ref, tuned, {true, false, false, false});
    REQUIRE(pick);
    CHECK(p.steps[pick->step].id == "c");
    for (auto& s : p.steps)
      s.candidates[0].accepted = false;
    CHECK_FALSE(chooseWithdrawal(p, kPlanNodes, ref, tuned, {true, false, false, false}));
  }
}

TEST_CASE("the back-off stops after its rounds and withdraws what is left", "[tune][backoff]") {
  using namespace awc::tune::detail;
  awc::testing::TempDir dir{"awc-tune-backoff-rounds"};
  awc::Compilation c = awc::compileFile(dir.write("t.flow", kChainFlow), awc::CompileOptions{});
  REQUIRE(c.ok());
  std::string error;
  auto plan = awc::runtime::loadPlan(c.plan, error);
  REQUIRE(plan);
  // Six accepted candidates; the flow disagrees on half the samples whatever is withdrawn.
  auto p = accepting({{"s1", 96}, {"s2", 99}, {"s3", 95}, {"s4", 98}, {"s5", 97}, {"s6", 100}});
  std::vector<SampleRun> ref(10, sampleRun({{"a", 1}}));
  BackoffHooks hooks;
  std::vector<std::string> withdrawnOrder;
  hooks.build = [&]() -> std::shared_ptr<const awc::runtime::Plan> {
    for (const auto& s : p.steps)
      if (s.candidates[0].accepted) return plan;
    return nullptr;
  };
  hooks.run = [&](std::shared_ptr<const awc::runtime::Plan>) {
    for (const auto& s : p.steps)
      if (!s.candidates[0].accepted &&
          std::find(withdrawnOrder.begin(), withdrawnOrder.end(), s.id) == withdrawnOrder.end())
        withdrawnOrder.push_back(s.id);
    return ref;
  };
  hooks.point = [](const std::vector<SampleRun>&) {
    awc::profile::FrontPoint fp;
    fp.agreement = {10, 5};
    return fp;
  };
  hooks.agrees = [](const SampleRun&, const SampleRun&) { return false; };
  BackoffResult r = backOff(p, kPlanNodes, ref, hooks);
  CHECK(r.rounds == kMaxBackoffRounds + 1);
  CHECK(r.withdrawn == 6);
  CHECK_FALSE(r.plan);
  CHECK_FALSE(r.point);
  // No step's value differed: the lowest agreement goes first, one per round.
  CHECK(withdrawnOrder == std::vector<std::string>{"s3", "s1", "s5", "s4"});
  for (const auto& s : p.steps) {
    INFO(s.id);
    CHECK_FALSE(s.candidates[0].accepted);
    std::string why =
        "withdrawn: the flow's outputs agreed on 50 % of 10 samples with it (bar 95 %)";
    if (s.id == "s2" || s.id == "s6")
      why += "; back-off stopped after " + std::to_string(kMaxBackoffRounds) + " rounds";
    CHECK(s.candidates[0].why == why);
  }
}

TEST_CASE("the back-off holds the flow to the lower bound, not the observed rate",
          "[tune][backoff][confidence]") {
  using namespace awc::tune::detail;
  awc::testing::TempDir dir{"awc-tune-backoff-bound"};
  awc::Compilation c = awc::compileFile(dir.write("t.flow", kChainFlow), awc::CompileOptions{});
  REQUIRE(c.ok());
  std::string error;
  auto plan = awc::runtime::loadPlan(c.plan, error);
  REQUIRE(plan);
  for (int64_t samples : {30, 40}) {
    INFO(samples);
    auto p = accepting({{"s1", 100}});
    p.confidence = 0.9;
    std::vector<SampleRun> ref(std::size_t(samples), sampleRun({{"a", 1}}));
    BackoffHooks hooks;
    hooks.build = [&]() -> std::shared_ptr<const awc::runtime::Plan> {
      return p.steps[0].candidates[0].accepted ? plan : nullptr;
    };
    hooks.run = [&](std::shared_ptr<const awc::runtime::Plan>) { return ref; };
    hooks.point = [&](const std::vector<SampleRun>&) {
      awc::profile::FrontPoint fp;
      fp.agreement = {samples, samples}; // every sample agrees
      return fp;
    };
    hooks.agrees = [](const SampleRun&, const SampleRun&) { return true; };
    BackoffResult r = backOff(p, kPlanNodes, ref, hooks);
    if (samples == 30) { // 30 of 30 bounds at 94.8 % at 90 % confidence: below 95 %
      CHECK(r.withdrawn == 1);
      CHECK_FALSE(p.steps[0].candidates[0].accepted);
      CHECK(p.steps[0].candidates[0].why ==
            "withdrawn: the flow's outputs agreed on 100 % of 30 samples with it, lower bound "
            "94.8 % at 90 % confidence (bar 95 %)");
    } else { // 40 of 40: 96.1 %
      CHECK(r.withdrawn == 0);
      CHECK(p.steps[0].candidates[0].accepted);
      CHECK(r.point);
    }
  }
}
