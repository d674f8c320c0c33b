// Native candidates for steps inside a map body: against a real `awc sim` whose fixtures answer
// each line's question, tune evaluates the recogniser's unproven rewrite on every element's
// bindings, counts agreement per element, and `awc build --profile` lowers the body step.
#include "awc/compiler/driver.h"
#include "awc/profile/profile.h"
#include "awc_process.h"
#include "profile_file.h"
#include "sim_process.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

namespace {

// "difference" has no sign, so the recogniser suggests `item.list_price - item.sale_price`
// without lowering it (AWC6005): only the samples can say it is what the model answers.
const char* kLinesFlow = R"(model big = sim("big") { size: "large", price_in: 2.0, price_out: 8.0 }

type Line = { sku: string, list_price: float, sale_price: float }

workflow savings(lines: list<Line>) -> list<float> {
  saved = map item in lines {
    s = llm big -> float {
      user "What is the difference between {item.list_price} and {item.sale_price}?"
      temperature: 0
    }
    s
  }
  return saved
}
)";

const double kPairs[4][2] = {{10.0, 7.5}, {20.0, 15.0}, {8.0, 8.0}, {12.5, 10.0}};

// The model's answer to each line's question; `signFlip`: it answers the (20, 15) line as -5.
std::string lineFixtures(bool signFlip) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& pair : kPairs) {
    double answer = pair[0] - pair[1];
    if (signFlip && pair[0] == 20.0) answer = -answer;
    out.push_back({{"match", "difference between " + nlohmann::json(pair[0]).dump() + " and " +
                                 nlohmann::json(pair[1]).dump()},
                   {"answer", {{"value", answer}}}});
  }
  return out.dump();
}

// 12 orders of 1 to 3 lines: 24 lines, 6 of each pair.
std::string lineSamples() {
  std::string lines;
  for (int i = 0; i < 12; ++i) {
    nlohmann::json items = nlohmann::json::array();
    for (int k = 0; k <= i % 3; ++k) {
      const auto& pair = kPairs[(i + k) % 4];
      items.push_back({{"sku", "A" + std::to_string(i) + "-" + std::to_string(k)},
                       {"list_price", pair[0]},
                       {"sale_price", pair[1]}});
    }
    lines += nlohmann::json{{"lines", items}}.dump() + "\n";
  }
  return lines;
}

struct LinesFixture {
  explicit LinesFixture(bool signFlip)
      : sim({"--fixtures", dir.write("fixtures.json", lineFixtures(signFlip))}) {}
  awc::testing::TempDir dir{"awc-tune-native-map"};
  awc::test::SimProcess sim;
  std::string flow = dir.write("o.flow", kLinesFlow);
  std::string samples = dir.write("s.jsonl", lineSamples());
  std::string profilePath = dir.file("o.profile.json");

  awc::profile::Profile tune() {
    // --confidence 0.5: these tests are about measuring a rewrite per element, and 24 elements
    // all agreeing bound at 93.6 % at the default 90 % confidence, below the bar 95 %.
    auto r = awc::test::runAwcProcess("tune " + flow + " --samples " + samples +
                                          " --confidence 0.5 --backend sim --endpoint " +
                                          sim.url() + "/v1 -o " + profilePath,
                                      true);
    INFO(r.out);
    REQUIRE(r.code == 0);
    return awc::test::readProfileFile(profilePath);
  }
  const awc::ir::Node* bodyStep(awc::Compilation& c) {
    const awc::ir::Node* map = c.module->graph.find("saved");
    REQUIRE(map);
    REQUIRE(map->map().body);
    return map->map().body->find("saved/s");
  }
};

const awc::profile::Candidate& nativeOf(const awc::profile::Profile& p) {
  REQUIRE(p.steps.size() == 1);
  CHECK(p.steps[0].id == "saved/s");
  for (const auto& c : p.steps[0].candidates)
    if (c.kind == awc::profile::CandidateKind::Native) return c;
  FAIL("no native candidate");
  throw;
}

} // namespace

TEST_CASE("tune measures a map body step's native rewrite per element", "[tune][cli][native]") {
  LinesFixture f(false);
  auto p = f.tune();
  CHECK(p.samples == 12);
  const auto& native = nativeOf(p);
  CHECK(native.value == "item.list_price - item.sale_price");
  CHECK(native.method == awc::profile::AgreementMethod::Exact);
  CHECK(native.agreement.samples == 24); // elements (calls), not samples
  CHECK(native.agreement.agreed == 24);
  CHECK(native.accepted);
  REQUIRE(p.front.size() == 2);
  CHECK(p.front[1].agreement.agreed == 12);
  CHECK(p.front[1].costUsd == 0); // the only model step became native code

  // Without the profile the step stays a model call; with it, the body step is lowered.
  awc::Compilation plain = awc::compileFile(f.flow, awc::CompileOptions{});
  REQUIRE(plain.ok());
  const awc::ir::Node* before = f.bodyStep(plain);
  REQUIRE(before);
  CHECK(before->kind() == awc::ir::NodeKind::Llm);
  awc::CompileOptions o;
  o.profilePath = f.profilePath;
  awc::Compilation tuned = awc::compileFile(f.flow, o);
  REQUIRE(tuned.ok());
  const awc::ir::Node* after = f.bodyStep(tuned);
  REQUIRE(after);
  CHECK(after->kind() == awc::ir::NodeKind::Native);
}

TEST_CASE("a map body step's rewrite the elements contradict is refused", "[tune][cli][native]") {
  LinesFixture f(true); // the model answers the (20, 15) lines as -5: 6 of 24 elements
  auto p = f.tune();
  const auto& native = nativeOf(p);
  CHECK(native.agreement.samples == 24);
  CHECK(native.agreement.agreed == 18);
  CHECK_FALSE(native.accepted);
  CHECK(native.why == "agreement 75.0 % on 24 calls, below the bar 95.0 %");
  awc::CompileOptions o;
  o.profilePath = f.profilePath;
  awc::Compilation tuned = awc::compileFile(f.flow, o);
  REQUIRE(tuned.ok());
  const awc::ir::Node* step = f.bodyStep(tuned);
  REQUIRE(step);
  CHECK(step->kind() == awc::ir::NodeKind::Llm);
}
