// tune's statistical bar: the normal quantile and the Wilson lower bound against known values,
// then `awc tune` against a real `awc sim`: 29 of 30 agreeing meets a 95 % bar only as the
// observed rate (--confidence 0.5), and 40 of 40 meets it at the default 90 % confidence.
#include "awc/profile/profile.h"
#include "awc_process.h"
#include "confidence.h"
#include "profile_file.h"
#include "sim_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>

namespace confidence_test { // named: the tests are built as one unity source

using awc::tune::agreementLowerBound;
using awc::tune::normalQuantile;

TEST_CASE("the normal quantile matches known values", "[tune][confidence]") {
  CHECK(normalQuantile(0.5) == 0);
  CHECK(normalQuantile(0.9) == Approx(1.2815515655).epsilon(1e-9));
  CHECK(normalQuantile(0.95) == Approx(1.6448536270).epsilon(1e-9));
  CHECK(normalQuantile(0.975) == Approx(1.9599639845).epsilon(1e-9));
  CHECK(normalQuantile(0.999) == Approx(3.0902323062).epsilon(1e-9));
  CHECK(normalQuantile(0.01) == Approx(-2.3263478740).epsilon(1e-9)); // the lower tail
}

TEST_CASE("the Wilson lower bound", "[tune][confidence]") {
  // 29 of 30 at 90 %: (p + z²/2n − z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n), by hand 0.89491.
  CHECK(agreementLowerBound(29, 30, 0.9) == Approx(0.89491).epsilon(1e-4));
  // All agreeing: n / (n + z²).
  double z = normalQuantile(0.9);
  CHECK(agreementLowerBound(40, 40, 0.9) == Approx(40 / (40 + z * z)));
  CHECK(agreementLowerBound(0, 0, 0.9) == 0);
  CHECK(agreementLowerBound(0, 10, 0.9) == 0);
  // Confidence 0.5 is the observed rate: the old rule.
  CHECK(agreementLowerBound(29, 30, 0.5) == Approx(29.0 / 30));
  CHECK(agreementLowerBound(7, 7, 0.5) == 1);
  // More samples at the same rate, or more confidence, move the bound as they should.
  double last = 0;
  for (int n = 1; n <= 200; ++n) {
    double b = agreementLowerBound(n, n, 0.9);
    CHECK(b > last);
    CHECK(b < 1);
    last = b;
  }
  CHECK(agreementLowerBound(90, 100, 0.95) < agreementLowerBound(90, 100, 0.9));
  CHECK(agreementLowerBound(900, 1000, 0.9) > agreementLowerBound(90, 100, 0.9));
  // The fewest all-agreeing samples that meet a 95 % bar at 90 % confidence (docs/tune.md).
  CHECK(agreementLowerBound(31, 31, 0.9) < 0.95);
  CHECK(agreementLowerBound(32, 32, 0.9) >= 0.95);
}

// `rare` disagrees with `big` on a few classify requests (at 6 %, on 1 of these 30: the
// simulator's draw is a hash of each fixed prompt), `good` on none.
const char* kProfiles = R"({"models": [
  {"name": "big", "class": "large"},
  {"name": "good", "class": "small", "disagreement": {"classify": 0.0}},
  {"name": "rare", "class": "small", "disagreement": {"classify": RATE}}
]})";

const char* kFlow =
    R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0, cheaper: [good, rare] }
model good = sim("good") { size: "small", price_in: 0.1, price_out: 0.2 }
model rare = sim("rare") { size: "small", price_in: 0.1, price_out: 0.2 }

type Mood = enum { happy, sad, neutral, angry }

workflow triage(text: string) -> Mood {
  mood = llm big -> Mood {
    user "Classify the mood of: {text}"
    temperature: 0
  }
  return mood
}
)";

std::string samples(int count) {
  std::string lines;
  for (int i = 1; i <= count; ++i)
    lines += "{\"text\": \"note " + std::to_string(i) + ": the parcel came late and " +
             (i % 2 ? "I am cross" : "that is fine") + "\"}\n";
  return lines;
}

struct Fixture {
  explicit Fixture(int count)
      : sim({"--profiles", dir.write("profiles.json", profiles())}),
        samplesPath(dir.write("s.jsonl", samples(count))) {}
  static std::string profiles() {
    std::string p = kProfiles;
    return p.replace(p.find("RATE"), 4, "0.06");
  }
  awc::testing::TempDir dir{"awc-tune-confidence"};
  awc::test::SimProcess sim;
  std::string samplesPath;
  std::string flow = dir.write("t.flow", kFlow);
  std::string profilePath = dir.file("t.profile.json");

  awc::profile::Candidate tune(const std::string& extra, const std::string& model) {
    auto r = awc::test::runAwcProcess("tune " + flow + " --samples " + samplesPath +
                                          " --min-agreement 0.95 --backend sim --endpoint " +
                                          sim.url() + "/v1 -o " + profilePath + " " + extra,
                                      true);
    INFO(r.out);
    REQUIRE(r.code == 0);
    auto p = awc::test::readProfileFile(profilePath);
    REQUIRE(p.steps.size() == 1);
    for (const auto& c : p.steps[0].candidates)
      if (c.kind == awc::profile::CandidateKind::Model && c.value == model) return c;
    FAIL("no candidate " << model);
    throw;
  }
};

TEST_CASE("29 of 30 meets a 95 % bar as the observed rate, not by the lower bound",
          "[tune][cli][confidence]") {
  Fixture f(30);
  auto observed = f.tune("--confidence 0.5", "rare");
  INFO(observed.why);
  REQUIRE(observed.agreement.samples == 30);
  REQUIRE(observed.agreement.agreed == 29);
  CHECK(observed.accepted);
  auto p = awc::test::readProfileFile(f.profilePath);
  CHECK(p.confidence == 0.5);

  auto bounded = f.tune("", "rare"); // the default: 90 %
  CHECK_FALSE(bounded.accepted);
  CHECK(bounded.why == "agreement 96.7 % on 30 calls, lower bound 89.5 % at 90 % confidence, "
                       "below the bar 95.0 %");
  CHECK(awc::test::readProfileFile(f.profilePath).confidence == 0.9);
}

TEST_CASE("40 of 40 meets a 95 % bar at the default confidence", "[tune][cli][confidence]") {
  Fixture f(40);
  auto c = f.tune("", "good");
  INFO(c.why);
  CHECK(c.agreement.samples == 40);
  CHECK(c.agreement.agreed == 40);
  CHECK(c.accepted);
  CHECK(c.why.rfind("agreement 100.0 % on 40 calls, lower bound 96.1 % at 90 % confidence", 0) ==
        0);
}

TEST_CASE("a confidence outside [0.5, 0.999] is a usage error", "[tune][cli][confidence]") {
  awc::testing::TempDir dir{"awc-tune-confidence-usage"};
  std::string flow = dir.write("t.flow", kFlow);
  std::string samplesPath = dir.write("s.jsonl", samples(2));
  for (const char* bad : {"0.4", "1", "high"}) {
    INFO(bad);
    auto r =
        awc::test::runAwcProcess("tune " + flow + " --samples " + samplesPath + " --confidence " +
                                     bad + " -o " + dir.file("t.profile.json"),
                                 true);
    CHECK(r.code == 2);
    CHECK(r.out.find("--confidence") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir.file("t.profile.json")));
  }
}

} // namespace confidence_test
