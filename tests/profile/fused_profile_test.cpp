// `--profile` and the fuse pass: a group `awc tune` measured in one fused call and refused
// stays in separate calls (no two of its members share a call), with the reason in the fuse
// pass's record and in explain; an accepted group, a group measured on no sample and a group
// whose steps changed since tune leave the decision to the cost gate.
#include "../cli/awc_process.h"
#include "awc/compiler/driver.h"
#include "awc/profile/profile.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace awc;

namespace {

// Three short typed questions over one long policy on a one-slot model: -O2 fuses them into
// one call (the separate calls would queue; see tests/passes/fuse_test.cpp).
std::string threeQuestionsFlow() {
  std::string policy;
  for (int i = 0; i < 120; ++i)
    policy += fmt::format("Rule {}: a refund above the limit of region {} needs a second "
                          "approver. ",
                          i, i % 7);
  return "model srv = openai(\"qwen-7b\") { size: \"medium\", price_in: 0.5, price_out: 1.5, "
         "max_concurrency: 1 }\ntype Risk = enum { low, medium, high }\nconst POLICY = \"" +
         policy +
         "\"\nworkflow main(doc: string) -> string {\n"
         "  risk = llm srv -> Risk { system POLICY user \"How risky is this claim?\\n{doc}\" }\n"
         "  fraud = llm srv -> bool { system POLICY user \"Is this claim fraud?\\n{doc}\" }\n"
         "  items = llm srv -> int { system POLICY user \"How many items are claimed?\\n{doc}\" "
         "}\n  return \"{risk} {fraud} {items}\"\n}\n";
}

// The steps each live model call answers ("risk" alone, or "risk,fraud" for a fused call).
std::vector<std::vector<std::string>> callSteps(const Compilation& c) {
  std::vector<std::vector<std::string>> out;
  for (const auto& n : c.module->graph.nodes) {
    if (n->removed || n->kind() != ir::NodeKind::Llm) continue;
    std::vector<std::string> steps;
    for (const auto& p : n->llm().fused)
      steps.push_back(p.name);
    if (steps.empty()) steps.push_back(n->id);
    out.push_back(steps);
  }
  return out;
}

bool sameCall(const Compilation& c, const std::string& a, const std::string& b) {
  for (const auto& steps : callSteps(c))
    if (std::count(steps.begin(), steps.end(), a) && std::count(steps.begin(), steps.end(), b))
      return true;
  return false;
}

const passes::Change* keptSeparateChange(const Compilation& c) {
  for (const auto& r : c.reports)
    if (r.pass == "fuse")
      for (const auto& ch : r.changes)
        if (ch.detail.value("kind", "") == "kept_separate" && ch.detail.contains("profile"))
          return &ch;
  return nullptr;
}

struct FusedFixture {
  testing::TempDir dir{"awc-fused-profile"};
  std::string flow = dir.write("q.flow", threeQuestionsFlow());
  Compilation plain = compileFile(flow);

  // A profile of this flow whose step `on` carries one fused candidate.
  profile::Profile profileWith(const std::string& on, const std::string& members, int64_t agreed,
                               int64_t samples, bool accepted) {
    profile::Profile p;
    p.flow = "q.flow";
    p.workflow = "main";
    p.sourceHash = plain.profileHashes.source;
    p.samples = samples;
    for (const auto& [id, hash] : plain.profileHashes.steps) {
      profile::StepProfile s;
      s.id = id;
      s.hash = hash;
      s.model = "srv";
      s.task = "classify";
      if (id == on) {
        profile::Candidate c;
        c.kind = profile::CandidateKind::Fused;
        c.value = members;
        c.agreement = {samples, agreed};
        c.accepted = accepted;
        c.why = accepted ? "fused answers agreed" : "slower: measured";
        s.candidates.push_back(c);
      }
      p.steps.push_back(s);
    }
    return p;
  }
  Compilation build(const profile::Profile& p) {
    CompileOptions o;
    o.profilePath = dir.write("q.profile.json", profile::serialize(p));
    return compileFile(flow, o);
  }
};

} // namespace

TEST_CASE("without a profile the three questions share one call", "[profile][fuse]") {
  FusedFixture f;
  REQUIRE(f.plain.ok());
  REQUIRE(callSteps(f.plain).size() == 1);
  CHECK(callSteps(f.plain)[0].size() == 3);
}

TEST_CASE("a fused candidate below the bar keeps its steps in separate calls", "[profile][fuse]") {
  FusedFixture f;
  Compilation c = f.build(f.profileWith("risk", "risk,fraud,items", 41, 50, false));
  REQUIRE(c.ok());
  CHECK(callSteps(c).size() == 3);
  const passes::Change* kept = keptSeparateChange(c);
  REQUIRE(kept);
  CHECK(kept->node == "risk");
  CHECK(kept->message == "kept separate: risk, fraud, items (profile: fused answers agreed on 41 "
                         "of 50 samples, below the bar 95 %)");
  CHECK(kept->detail["profile"]["applied"] == false);
  CHECK(kept->detail["profile"]["kind"] == "fused");

  // explain says why, in the pass report and in the profile's per-step lines.
  auto explain = test::runAwcProcess(
      "explain " + f.flow + " --profile " + f.dir.file("q.profile.json"), false);
  INFO(explain.out);
  CHECK(explain.out.find("kept separate: risk, fraud, items (profile: fused answers agreed on 41 "
                         "of 50 samples, below the bar 95 %)") != std::string::npos);
  CHECK(explain.out.find("risk: fused risk,fraud,items not taken (82 % on 50 samples)") !=
        std::string::npos);
}

TEST_CASE("a refused pair never shares a call, and the other step still fuses", "[profile][fuse]") {
  FusedFixture f;
  // Accepted by the bar's count but refused by tune (slower): refused all the same.
  Compilation c = f.build(f.profileWith("risk", "risk,fraud", 50, 50, false));
  REQUIRE(c.ok());
  CHECK_FALSE(sameCall(c, "risk", "fraud"));
  CHECK(callSteps(c).size() == 2); // items joins one of them: the gate decides that as before
  const passes::Change* kept = keptSeparateChange(c);
  REQUIRE(kept);
  CHECK(kept->message == "kept separate: risk, fraud (profile: not accepted by tune: slower: "
                         "measured)");
}

TEST_CASE("an accepted, an unmeasured or a stale fused candidate leaves fusion to the gate",
          "[profile][fuse]") {
  FusedFixture f;
  SECTION("accepted: fused as without a profile, with the evidence") {
    Compilation c = f.build(f.profileWith("risk", "risk,fraud,items", 50, 50, true));
    REQUIRE(c.ok());
    REQUIRE(callSteps(c).size() == 1);
    CHECK_FALSE(keptSeparateChange(c));
    bool evidence = false;
    for (const auto& r : c.reports)
      for (const auto& ch : r.changes)
        evidence = evidence ||
                   (ch.detail.contains("profile") &&
                    ch.message.find("profile: 100 % agreement on 50 samples") != std::string::npos);
    CHECK(evidence);
    auto explain = test::runAwcProcess(
        "explain --json " + f.flow + " --profile " + f.dir.file("q.profile.json"), false);
    auto j = nlohmann::json::parse(explain.out, nullptr, false);
    REQUIRE_FALSE(j.is_discarded());
    bool taken = false;
    for (const auto& s : j["profile"]["steps"])
      for (const auto& cand : s["candidates"])
        taken = taken || (cand["kind"] == "fused" && cand["taken"] == true);
    CHECK(taken);
  }
  SECTION("measured on no sample: no evidence either way") {
    Compilation c = f.build(f.profileWith("risk", "risk,fraud,items", 0, 0, false));
    REQUIRE(c.ok());
    CHECK(callSteps(c).size() == 1);
  }
  SECTION("a member changed since tune: the measurement is not of this step") {
    profile::Profile p = f.profileWith("risk", "risk,fraud,items", 10, 50, false);
    p.sourceHash = "another";
    for (auto& s : p.steps)
      if (s.id == "items") s.hash = "changed";
    Compilation c = f.build(p);
    REQUIRE(c.ok());
    CHECK(callSteps(c).size() == 1);
  }
}
