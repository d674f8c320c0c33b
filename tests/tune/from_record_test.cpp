// `awc tune --from-record`: runs recorded with `awc run --record` against the simulator are the
// reference, so tune calls the simulator only for the candidate replays and the front runs
// (counted in the simulator's own request log); the profile's samples and step figures are the
// recording's; another flow's recording, a line that does not parse, and steps fused in the
// recording are refused or skipped as docs/tune.md says.
#include "awc/profile/profile.h"
#include "awc/sim/server.h"
#include "awc_process.h"
#include "profile_file.h"
#include "temp_dir.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

using nlohmann::json;

namespace {

const char* kRecordFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [mini] }
model mini = sim("mini") { size: "small", price_in: 0.1, price_out: 0.2 }

type Mood = enum { happy, sad, neutral }

workflow triage(text: string) -> { mood: Mood, reply: string } {
  mood = llm big -> Mood {
    user "Classify the mood of: {text}"
    temperature: 0
  }
  reply = llm big -> string {
    user "Write a short reply to: {text}"
    temperature: 0
  }
  return { mood: mood, reply: reply }
}
)";

const std::string kExamples = AWC_SOURCE_DIR "/examples";

struct RecordFixture {
  awc::sim::Server server;
  awc::testing::TempDir dir{"awc-tune-record"};
  std::string flow = dir.write("t.flow", kRecordFlow);
  std::string profilePath = dir.file("t.profile.json");

  RecordFixture() {
    awc::sim::ServerConfig config;
    config.speed = 50;
    std::string error;
    REQUIRE(server.start(config, error) != 0);
  }
  std::string endpoint() const { return " --backend sim --endpoint " + server.baseUrl() + "/v1"; }
  /// `awc run --record` of one sample into recs/NAME.jsonl (runs of `file`, default the flow).
  std::string record(const std::string& name, const std::string& text, std::string file = "") {
    std::filesystem::create_directories(dir.file("recs"));
    std::string path = dir.file("recs/" + name + ".jsonl");
    auto r =
        awc::test::runAwcProcess("run " + (file.empty() ? flow : file) + endpoint() +
                                     " --no-cache -q --input 'text=" + text + "' --record " + path,
                                 true);
    INFO(r.out);
    REQUIRE(r.code == 0);
    return path;
  }
  awc::test::AwcRun tune(const std::string& args) {
    return awc::test::runAwcProcess("tune " + flow + endpoint() + " -o " + profilePath + " " + args,
                                    true);
  }
};

std::vector<json> recordLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> out;
  for (std::string line; std::getline(in, line);)
    out.push_back(json::parse(line));
  return out;
}

const awc::profile::StepProfile& recordedStep(const awc::profile::Profile& p,
                                              const std::string& id) {
  for (const auto& s : p.steps)
    if (s.id == id) return s;
  FAIL("no step " << id);
  throw;
}

// The calls tune reports in its summary line ("· 24 calls ·").
int64_t reportedCalls(const std::string& out) {
  auto end = out.find(" calls · $");
  REQUIRE(end != std::string::npos);
  auto start = out.rfind("· ", end);
  return std::stoll(out.substr(start + 3, end - start - 3));
}

// What tune must have called with no reference runs: each step's unchanged baseline replays and
// its candidates' replays, and the tuned plan's runs (2 calls each) when anything was accepted.
int64_t callsWithoutReference(const awc::profile::Profile& p, int64_t samples) {
  int64_t calls = 0;
  bool accepted = false;
  for (const auto& s : p.steps) {
    calls += s.reference.calls; // the baseline: each recorded request once more
    for (const auto& c : s.candidates) {
      if (c.kind != awc::profile::CandidateKind::Native) calls += c.agreement.samples;
      accepted = accepted || c.accepted;
    }
  }
  return calls + (accepted ? 2 * samples : 0);
}

} // namespace

TEST_CASE("awc tune --from-record uses recorded runs as the reference, with no call for them",
          "[tune][record]") {
  RecordFixture f;
  const int n = 4;
  std::map<std::string, std::vector<double>> cost; // per step, from the record's run lines
  std::map<std::string, int64_t> longest;          // completion tokens, from its exchange lines
  std::vector<double> wall;
  for (int i = 1; i <= n; ++i)
    for (const json& line : recordLines(f.record(
             "r" + std::to_string(i), "note " + std::to_string(i) + ": the parcel is late"))) {
      if (line.contains("run")) {
        wall.push_back(line["run"]["wall_ms"].get<double>());
        for (const auto& [id, t] : line["run"]["nodes"].items())
          cost[id].push_back(t["cost_usd"].get<double>());
        continue;
      }
      int64_t& m = longest[line["node"].get<std::string>()];
      m = std::max(m, line["usage"]["completion_tokens"].get<int64_t>());
    }
  REQUIRE(wall.size() == n);
  std::size_t before = f.server.log().size();
  // A directory stands for its files; --samples is not needed.
  auto r = f.tune("--from-record " + f.dir.file("recs"));
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("4 of 4 samples ran (4 recorded, no call)") != std::string::npos);
  auto p = awc::test::readProfileFile(f.profilePath);
  CHECK(p.samples == n);
  for (const char* id : {"mood", "reply"}) {
    const auto& s = recordedStep(p, id);
    CHECK(s.reference.calls == n);
    CHECK(s.answerTokens.max == longest[id]);
    double mean = 0;
    for (double c : cost[id])
      mean += c / n;
    CHECK(s.reference.costUsd == Approx(mean));
  }
  std::sort(wall.begin(), wall.end());
  REQUIRE(!p.front.empty());
  CHECK(p.front[0].label == "-O2");
  CHECK(p.front[0].latencyMs == Approx((wall[1] + wall[2]) / 2)); // the recorded runs' median
  // The simulator got exactly the replays and the front runs: no reference call.
  int64_t made = int64_t(f.server.log().size() - before);
  CHECK(made == reportedCalls(r.out));
  CHECK(made == callsWithoutReference(p, n));
}

TEST_CASE("awc tune combines --samples and --from-record", "[tune][record]") {
  RecordFixture f;
  f.record("r1", "note 1: the parcel is late");
  f.record("r2", "note 2: the parcel came early");
  std::string samples = f.dir.write("s.jsonl", "{\"text\": \"note 3: where is it\"}\n"
                                               "{\"text\": \"note 4: thanks\"}\n");
  std::size_t before = f.server.log().size();
  auto r = f.tune("--samples " + samples + " --from-record " + f.dir.file("recs/r1.jsonl") +
                  " --from-record " + f.dir.file("recs/r2.jsonl"));
  INFO(r.out);
  REQUIRE(r.code == 0);
  auto p = awc::test::readProfileFile(f.profilePath);
  CHECK(p.samples == 4);
  CHECK(recordedStep(p, "mood").reference.calls == 4);
  // Only the two live samples' reference runs (2 calls each) come on top of the replays.
  CHECK(int64_t(f.server.log().size() - before) == callsWithoutReference(p, 4) + 2 * 2);
}

TEST_CASE("awc tune refuses a recording of another flow before any call", "[tune][record]") {
  RecordFixture f;
  std::string other =
      f.dir.write("other.flow", std::string(kRecordFlow)
                                    .replace(std::string(kRecordFlow).find("Classify the mood"), 17,
                                             "Classify the feeling"));
  std::string rec = f.record("other", "note 1: the parcel is late", other);
  std::size_t before = f.server.log().size();
  auto r = f.tune("--from-record " + rec);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find(rec + ":3:1: error: a recording of another flow") != std::string::npos);
  CHECK(f.server.log().size() == before);
  CHECK_FALSE(std::filesystem::exists(f.profilePath));
  // Neither samples nor recordings: a usage error.
  auto none = f.tune("");
  CHECK(none.code == 2);
  CHECK(none.out.find("--samples FILE or --from-record FILE is required") != std::string::npos);
  // Without --endpoint each model's own is used; sim models have none.
  auto noEndpoint = awc::test::runAwcProcess(
      "tune " + f.flow + " --backend sim --from-record " + rec + " -o " + f.profilePath, true);
  CHECK(noEndpoint.code == 2);
  CHECK(noEndpoint.out.find("--backend sim needs --endpoint URL") != std::string::npos);
}

TEST_CASE("a record line that does not parse is located, never quoted", "[tune][record]") {
  RecordFixture f;
  std::string rec = f.record("r1", "note 1: the parcel is late");
  std::string bad =
      f.dir.write("bad.jsonl", "\n{\"node\": \"mood\", \"answer\": \"sk-private-77\"\n");
  std::string shape =
      f.dir.write("shape.jsonl", "{\"node\": \"mood\", \"answer\": \"sk-private-78\"}\n");
  std::size_t before = f.server.log().size();
  auto r = f.tune("--from-record " + rec + " --from-record " + bad + " --from-record " + shape);
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK(r.out.find(bad + ":2:43: error: not valid JSON") != std::string::npos);
  CHECK(r.out.find(shape + ":1:1: error: an exchange line needs") != std::string::npos);
  CHECK(r.out.find("sk-private") == std::string::npos);
  CHECK(f.server.log().size() == before);
}

TEST_CASE("steps fused in the recording are skipped with a warning", "[tune][record]") {
  RecordFixture f;
  // ticket_triage at -O2 fuses facts, summary and category into one call; priority stays alone.
  std::string args = " --inputs " + kExamples + "/fixtures/ticket_triage.inputs.json";
  std::string stubs = " --tool-stubs " + kExamples + "/fixtures/ticket_triage.stubs.json";
  std::string rec = f.dir.file("tt.jsonl");
  auto run = awc::test::runAwcProcess("run " + kExamples + "/ticket_triage.flow" + f.endpoint() +
                                          args + stubs + " --no-cache -q --record " + rec,
                                      true);
  INFO(run.out);
  REQUIRE(run.code == 0);
  auto r = awc::test::runAwcProcess("tune " + kExamples + "/ticket_triage.flow" + f.endpoint() +
                                        stubs + " --from-record " + rec + " -o " + f.profilePath,
                                    true);
  INFO(r.out);
  REQUIRE(r.code == 0);
  CHECK(r.out.find("warning: " + rec +
                   ": 1 recorded calls of nodes the plan tune measures "
                   "does not have (steps fused") != std::string::npos);
  CHECK(r.out.find("steps with no recorded call: category, facts, summary") != std::string::npos);
  auto p = awc::test::readProfileFile(f.profilePath);
  CHECK(p.samples == 1);
  CHECK(recordedStep(p, "facts").reference.calls == 0);
  CHECK(recordedStep(p, "priority").reference.calls == 1);
}
