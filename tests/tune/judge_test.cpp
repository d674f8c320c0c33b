// `awc tune --judge` against a real `awc sim` process: a free-text step's cheaper model that
// writes the large model's answers is accepted on the judge's verdicts, one that often writes
// something else is refused; without a judge neither moves (length and format say nothing of
// meaning); an undeclared judge is refused before any call; the judge's calls are budgeted.
#include "awc/profile/profile.h"
#include "awc_process.h"
#include "profile_file.h"
#include "sim_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

// `good` writes the same free text as `big` on every request, `bad` other text on half of
// them; `big` judges, and as a large model it never errs.
const char* kJudgeProfiles = R"({"models": [
  {"name": "big", "class": "large"},
  {"name": "good", "class": "small", "disagreement": {"generate": 0.0}},
  {"name": "bad", "class": "small", "disagreement": {"generate": 0.5}}
]})";

const char* kJudgeFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [good, bad] }
model good = sim("good") { size: "small", price_in: 0.1, price_out: 0.2 }
model bad = sim("bad") { size: "small", price_in: 0.1, price_out: 0.2 }

workflow reply(text: string) -> string {
  answer = llm big -> string {
    user "Write a short reply to this customer: {text}"
    temperature: 0
  }
  return answer
}
)";

std::string judgeSamples(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i)
    lines += "{\"text\": \"order " + std::to_string(i) + " arrived " +
             (i % 2 ? "broken, I want a refund" : "late but fine") + "\"}\n";
  return lines;
}

// `bad` says something else on about one request in seven (a rate of 0.15), and is the only
// cheaper model; the workflow returns the reply inside a record.
const char* kFrontProfiles = R"({"models": [
  {"name": "big", "class": "large"},
  {"name": "bad", "class": "small", "disagreement": {"generate": 0.15}}
]})";

const char* kFrontFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [bad] }
model bad = sim("bad") { size: "small", price_in: 0.1, price_out: 0.2 }

type Reply = { text: string, urgent: bool }

workflow reply(text: string) -> Reply {
  answer = llm big -> string {
    user "Write a short reply to this customer: {text}"
    temperature: 0
  }
  return { text: answer, urgent: false }
}
)";

struct JudgeFixture {
  explicit JudgeFixture(const char* profiles = kJudgeProfiles, const char* flowText = kJudgeFlow)
      : sim({"--profiles", dir.write("profiles.json", profiles), "--log", log}),
        flow(dir.write("r.flow", flowText)) {}
  awc::testing::TempDir dir{"awc-tune-judge"};
  std::string log = dir.file("sim.log");
  awc::test::SimProcess sim;
  std::string flow;
  std::string samples = dir.write("s.jsonl", judgeSamples(30));
  std::string profilePath = dir.file("r.profile.json");

  awc::test::AwcRun tune(const std::string& extra) {
    return awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                        " --backend sim --endpoint " + sim.url() + "/v1 -o " +
                                        profilePath + " " + extra,
                                    true);
  }
  awc::profile::Profile profile() { return awc::test::readProfileFile(profilePath); }
  // The simulator's request log, complete once it has stopped: one line per request.
  std::vector<std::string> requests() {
    sim.stop();
    std::ifstream in(log);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }
};

const awc::profile::Candidate& judgedCandidate(const awc::profile::Profile& p,
                                               awc::profile::CandidateKind kind,
                                               const std::string& value = "") {
  REQUIRE(p.steps.size() == 1);
  for (const auto& c : p.steps[0].candidates)
    if (c.kind == kind && (value.empty() || c.value == value)) return c;
  FAIL("no candidate " << value);
  throw;
}

} // namespace

TEST_CASE("tune --judge accepts a free-text model that says the same, refuses one that does not",
          "[tune][cli][judge]") {
  JudgeFixture f;
  auto r = f.tune("--min-agreement 0.9 --judge big");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  CHECK(p.samples == 30);
  using awc::profile::AgreementMethod;
  using awc::profile::CandidateKind;
  const auto& good = judgedCandidate(p, CandidateKind::Model, "good");
  CHECK(good.method == AgreementMethod::Judge);
  CHECK(good.agreement.samples == 30);
  CHECK(good.agreement.agreed == 30);
  CHECK(good.accepted);
  CHECK(good.why.find("agreement 100.0 % on 30 calls") == 0);
  // Its answers are the reference's text: no judge call was needed for them.
  CHECK(good.why.find("(judge: 0 calls, $0.000000)") != std::string::npos);

  const auto& bad = judgedCandidate(p, CandidateKind::Model, "bad");
  CHECK(bad.method == AgreementMethod::Judge);
  CHECK(bad.agreement.samples == 30);
  CHECK(bad.agreement.agreed > 0);
  CHECK(bad.agreement.agreed < 27);
  CHECK_FALSE(bad.accepted);
  CHECK(bad.why.find("below the bar 90.0 %") != std::string::npos);
  // Every answer of `bad` that is other text went to the judge, who said so.
  int64_t differing = 30 - bad.agreement.agreed;
  CHECK(bad.why.find("(judge: " + std::to_string(differing) + " calls") != std::string::npos);

  // The judge's calls are the only non-streamed requests tune sends, so the simulator's log
  // counts them; the summary reports them as tuning's cost.
  int64_t judged = 0;
  for (const std::string& line : f.requests())
    judged += line.find("\"stream\":false") != std::string::npos;
  CHECK(judged == differing);
  CHECK(r.out.find("(judge big: " + std::to_string(judged) + " calls, $") != std::string::npos);
}

TEST_CASE("without --judge a free-text step keeps its model", "[tune][cli][judge]") {
  JudgeFixture f;
  auto r = f.tune("--min-agreement 0.9");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  for (const char* model : {"good", "bad"}) {
    const auto& c = judgedCandidate(p, awc::profile::CandidateKind::Model, model);
    CHECK(c.method == awc::profile::AgreementMethod::LengthFormat);
    CHECK_FALSE(c.accepted);
    CHECK(c.why.find("another model needs a judge") != std::string::npos);
  }
  CHECK(r.out.find("(judge") == std::string::npos);
}

TEST_CASE("an undeclared judge is refused before any call", "[tune][cli][judge]") {
  JudgeFixture f;
  auto r = f.tune("--judge gpt-4o");
  INFO(r.out);
  CHECK(r.code != 0);
  CHECK(r.out.find("--judge 'gpt-4o' is not a model the flow declares (declared: bad, big, "
                   "good)") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(f.profilePath));
  CHECK(f.requests().empty());

  auto missing = f.tune("--judge big --rubric-file " + f.dir.file("no-such-rubric.txt"));
  CHECK(missing.code != 0);
  CHECK(missing.out.find("cannot read the rubric file '" + f.dir.file("no-such-rubric.txt") +
                         "'") != std::string::npos);
}

TEST_CASE("the judge's calls count against --max-calls", "[tune][cli][judge]") {
  JudgeFixture f;
  // 30 reference calls, then 4 × 30 replays (the baseline, good, bad, a max_tokens): the judge
  // finds the budget spent.
  auto r = f.tune("--min-agreement 0.9 --judge big --max-calls 150");
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("· 150 calls ·") != std::string::npos);
  CHECK(r.out.find("stopped at the budget") != std::string::npos);
  CHECK(r.out.find("(judge big: 0 calls") != std::string::npos);
  auto p = f.profile();
  const auto& bad = judgedCandidate(p, awc::profile::CandidateKind::Model, "bad");
  CHECK_FALSE(bad.accepted);
  CHECK(bad.agreement.samples < 30);
  CHECK(bad.why.find("before the budget stopped tune") != std::string::npos);
  for (const std::string& line : f.requests())
    CHECK(line.find("\"stream\":false") == std::string::npos);
}

TEST_CASE("the front compares free-text outputs with the judge", "[tune][cli][judge]") {
  JudgeFixture f(kFrontProfiles, kFrontFlow);
  auto r = f.tune("--min-agreement 0.8 --judge big");
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = f.profile();
  const auto& bad = judgedCandidate(p, awc::profile::CandidateKind::Model, "bad");
  REQUIRE(bad.accepted);
  REQUIRE(bad.agreement.agreed < 30);
  // The tuned plan runs the step on `bad`, which writes what its replays wrote: the judge
  // says the outputs whose reply differs are not the same (the record's other field is equal).
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].label == "-O2 +profile");
  CHECK(p.front[1].agreement.samples == 30);
  CHECK(p.front[1].agreement.agreed == bad.agreement.agreed);
  int64_t judged = 0;
  for (const std::string& line : f.requests())
    judged += line.find("\"stream\":false") != std::string::npos;
  CHECK(judged == 2 * (30 - bad.agreement.agreed)); // the replays' and the front's
}
