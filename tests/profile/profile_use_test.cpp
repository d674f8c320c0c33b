// `--profile` through the real driver and the built `awc`: a profile matched by hash (whole,
// partial, none), what rightsize, bound, lower and speculate apply from it and what they
// refuse, located errors for bad files, and explain's front and per-step report.
#include "../cli/awc_process.h"
#include "awc/compiler/driver.h"
#include "awc/profile/hash.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <sstream>

using namespace awc;
using awc::testing::TempDir;

namespace {

const std::string kData = AWC_SOURCE_DIR "/tests/profile/data/";

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The profile template with the flow's real hashes filled in (@SOURCE@, @HASH:step@): the
// hashes come from the same functions `awc tune` calls.
std::string filled(const std::string& profileName, const std::string& flowPath) {
  Compilation c = compileFile(flowPath);
  REQUIRE(c.ok());
  std::string text = readText(kData + profileName);
  text = std::regex_replace(text, std::regex("@SOURCE@"), c.profileHashes.source);
  for (const auto& [id, hash] : c.profileHashes.steps)
    text = std::regex_replace(text, std::regex("@HASH:" + id + "@"), hash);
  return text;
}

const ir::Node* node(const Compilation& c, const std::string& id) {
  const ir::Node* found = nullptr;
  ir::forEachGraph(c.module->graph, [&](ir::Graph& g) {
    if (const ir::Node* n = g.find(id); n && !n->removed) found = n;
  });
  return found;
}

bool hasCode(const Compilation& c, DiagCode code) {
  for (const Diagnostic& d : c.diags->diagnostics())
    if (d.code == code) return true;
  return false;
}

const Diagnostic* diag(const Compilation& c, DiagCode code) {
  for (const Diagnostic& d : c.diags->diagnostics())
    if (d.code == code) return &d;
  return nullptr;
}

struct Fixture {
  TempDir dir{"awc-profile"};
  std::string flow = kData + "support_reply.flow";
  std::string profile = dir.write("p.json", filled("support_reply.profile.json", flow));
  CompileOptions withProfile() const {
    CompileOptions o;
    o.profilePath = profile;
    return o;
  }
};

} // namespace

TEST_CASE("hashes are deterministic and see a changed step", "[profile]") {
  std::string flow = kData + "support_reply.flow";
  Compilation a = compileFile(flow);
  Compilation b = compileFile(flow);
  REQUIRE(a.ok());
  CHECK(a.profileHashes.source == profile::flowHash(readText(flow)));
  CHECK(a.profileHashes.steps == b.profileHashes.steps);
  CHECK(a.profileHashes.steps.size() == 9);
  std::string text = readText(flow);
  text.replace(text.find("Draft the reply"), 15, "Write the reply");
  Compilation changed = compileSource(flow, text);
  REQUIRE(changed.ok());
  CHECK(changed.profileHashes.source != a.profileHashes.source);
  CHECK(changed.profileHashes.steps.at("reply") != a.profileHashes.steps.at("reply"));
  CHECK(changed.profileHashes.steps.at("intent") == a.profileHashes.steps.at("intent"));
  // A comment above moves every step down a line: no step hash changes (they hold no places).
  Compilation moved = compileSource(flow, "// a new first line\n" + readText(flow));
  REQUIRE(moved.ok());
  CHECK(moved.profileHashes.source != a.profileHashes.source);
  CHECK(moved.profileHashes.steps == a.profileHashes.steps);
  // The level does not change them: they are of the flow as written.
  CompileOptions o0;
  o0.optLevel = 0;
  CHECK(compileFile(flow, o0).profileHashes.steps == a.profileHashes.steps);
}

TEST_CASE("a whole-flow match applies the accepted candidates that meet the bar", "[profile]") {
  Fixture f;
  Compilation c = compileFile(f.flow, f.withProfile());
  REQUIRE(c.ok());
  REQUIRE(c.profile);
  CHECK(c.profile->wholeMatch);
  // rightsize: intent moved to the allowed cheaper model, with the evidence.
  const ir::Node* intent = node(c, "intent");
  REQUIRE(intent);
  CHECK(intent->llm().model == "mini");
  CHECK(intent->llm().rightsizedFrom == "gpt");
  // language: accepted but 92 % is below the bar; sentiment: 'giant' is not allowed.
  CHECK(node(c, "language")->llm().model == "gpt");
  CHECK(node(c, "sentiment")->llm().model == "gpt");
  const Diagnostic* notApplied = diag(c, DiagCode::ProfileNotApplied);
  REQUIRE(notApplied);
  CHECK(notApplied->message.find("'giant'") != std::string::npos);
  CHECK(notApplied->range.valid());
  // bound: the free-text reply gets the measured bound, and no AWC6004 for it.
  CHECK(node(c, "reply")->llm().options.maxTokens == 264);
  for (const Diagnostic& d : c.diags->diagnostics())
    CHECK_FALSE(
        (d.code == DiagCode::UnboundedOutput && d.message.find("'reply'") != std::string::npos));
  // lower: the date task the recogniser could not prove is lowered.
  const ir::Node* days = node(c, "days_since");
  REQUIRE(days);
  CHECK(days->kind() == ir::NodeKind::Native);
  // the models' latency is calibrated from the measured figures.
  CHECK(c.profile->calibrated == std::vector<std::string>{"gpt", "mini"});
  REQUIRE(c.module->model("gpt"));
  CHECK(c.module->model("gpt")->latency.ttftBaseMs == 300);
  CHECK(c.module->model("gpt")->latency.decodeTokensPerSec == 90);
  CHECK(c.module->model("gpt")->latency.prefillMsPerToken == 0);
  // The plan records the move and the pass report the agreement.
  std::string plan = c.plan.dump();
  CHECK(plan.find("\"rightsized_from\":\"gpt\"") != std::string::npos);
  CHECK(plan.find("profile: 98 % agreement on 50 samples") != std::string::npos);
  // Without the profile none of it happens.
  Compilation plain = compileFile(f.flow);
  CHECK(node(plain, "intent")->llm().model == "gpt");
  CHECK(node(plain, "days_since")->kind() == ir::NodeKind::Llm);
  CHECK(c.estimate.costUsd < plain.estimate.costUsd);
}

TEST_CASE("a profile of another version of the flow applies only unchanged steps", "[profile]") {
  Fixture f;
  std::string text = readText(f.flow);
  text.replace(text.find("Draft the reply"), 15, "Write the reply");
  Compilation c = compileSource(f.flow, text, f.withProfile());
  REQUIRE(c.ok());
  const Diagnostic* partial = diag(c, DiagCode::ProfilePartial);
  REQUIRE(partial);
  CHECK(partial->message == "profile from another version of the flow: 4 of 5 steps applied");
  CHECK(node(c, "intent")->llm().model == "mini");
  CHECK(node(c, "reply")->llm().options.maxTokens != 264); // the changed step keeps its own
}

TEST_CASE("a profile that matches nothing, or another workflow, is an error", "[profile]") {
  Fixture f;
  std::string text = readText(f.profile);
  TempDir dir("awc-profile");
  std::string stale =
      dir.write("stale.json", std::regex_replace(text, std::regex("fnv1a64:[0-9a-f]{16}"),
                                                 "fnv1a64:0000000000000000"));
  CompileOptions o;
  o.profilePath = stale;
  Compilation c = compileFile(f.flow, o);
  CHECK_FALSE(c.ok());
  CHECK(hasCode(c, DiagCode::ProfileMismatch));
  std::string other =
      dir.write("other.json", std::regex_replace(text, std::regex("draft_reply"), "another_flow"));
  o.profilePath = other;
  Compilation d = compileFile(f.flow, o);
  CHECK_FALSE(d.ok());
  REQUIRE(diag(d, DiagCode::ProfileMismatch));
  CHECK(diag(d, DiagCode::ProfileMismatch)->message.find("'another_flow'") != std::string::npos);
}

TEST_CASE("a bad profile is a located error; a file that is no profile is never quoted",
          "[profile]") {
  CompileOptions o;
  o.profilePath = kData + "bad_kind.profile.json";
  Compilation c = compileFile(kData + "support_reply.flow", o);
  CHECK_FALSE(c.ok());
  const Diagnostic* bad = diag(c, DiagCode::BadProfile);
  REQUIRE(bad);
  CHECK(bad->message.find("/steps/0/candidates/0/kind: unknown value \"bigger\"") !=
        std::string::npos);
  REQUIRE(bad->range.valid());
  LineCol at = c.sources->lineCol(bad->range);
  CHECK(at.line == 7);
  CHECK(c.sources->lineText(bad->range.file, at.line).substr(at.col - 1, 8) == "\"bigger\"");

  o.profilePath = kData + "not_a_profile.txt";
  Compilation secret = compileFile(kData + "support_reply.flow", o);
  REQUIRE(diag(secret, DiagCode::BadProfile));
  awc::test::AwcRun run = awc::test::runAwcProcess(
      "build '" + kData + "support_reply.flow' --profile '" + kData + "not_a_profile.txt'", true);
  CHECK(run.code != 0);
  CHECK(run.out.find("error[AWC2018]") != std::string::npos);
  CHECK(run.out.find("sk-not-a-profile-secret") == std::string::npos);

  o.profilePath = kData + "missing.json";
  CHECK(diag(compileFile(kData + "support_reply.flow", o), DiagCode::BadProfile));
}

TEST_CASE("speculate uses the measured branch frequency", "[profile]") {
  TempDir dir("awc-profile");
  std::string flow = kData + "speculate_likely.flow";
  CompileOptions o;
  o.profilePath = dir.write("p.json", filled("speculate_likely.profile.json", flow));
  Compilation c = compileFile(flow, o);
  REQUIRE(c.ok());
  // Declared 0.9 for the then arm; measured 1 in 10: now the else arm is the likely one.
  CHECK_FALSE(node(c, "r/then/x")->hints.speculate);
  REQUIRE(node(c, "r/else/y")->hints.speculate);
  CHECK(node(c, "r/else/y")->hints.speculate->probability == Approx(0.9));
  Compilation plain = compileFile(flow);
  CHECK(node(plain, "r/then/x")->hints.speculate);
}

TEST_CASE("explain --profile shows the front and each candidate's fate", "[profile]") {
  Fixture f;
  nlohmann::json e = explainJson(f.flow, f.withProfile());
  REQUIRE(e.is_object());
  CHECK(e["levels"].contains("O2+profile"));
  CHECK(e["levels"]["O2+profile"]["cost_usd"].get<double>() <
        e["levels"]["O2"]["cost_usd"].get<double>());
  const nlohmann::json& p = e["profile"];
  CHECK(p["match"] == "whole");
  CHECK(p["front"].size() == 3);
  CHECK(p["steps"][0]["candidates"][0]["taken"] == true);
  CHECK(p["steps"][2]["candidates"][0]["taken"] == false);
  CHECK(p["steps"][2]["candidates"][0]["why"] == "92 % agreement is below the bar of 95 %");
  CHECK(explainJson(f.flow, f.withProfile()) == e); // deterministic

  awc::test::AwcRun run =
      awc::test::runAwcProcess("explain '" + f.flow + "' --profile '" + f.profile + "'", false);
  CHECK(run.code == 0);
  CHECK(run.out.find("-O2: 4.1 s, $0.021000, 100 % on 50 samples") != std::string::npos);
  CHECK(run.out.find("-O2 +profile: 1.2 s, $0.006000, 98 % on 50 samples (held-out: 96 % on 25 "
                     "samples)") != std::string::npos);
  CHECK(run.out.find("intent: model mini taken (98 % on 50 samples)") != std::string::npos);
  CHECK(run.out.find("sentiment: model mini not taken (80 % on 50 samples): not accepted: 80 % "
                     "agreement, below the bar") != std::string::npos);
  CHECK(run.out.find("sentiment: model giant not taken (100 % on 50 samples): its declaration "
                     "does not allow it") != std::string::npos);
  CHECK(run.out.find("estimated speed-up -O2+profile vs -O0") != std::string::npos);
  awc::test::AwcRun json = awc::test::runAwcProcess(
      "explain --json '" + f.flow + "' --profile '" + f.profile + "'", false);
  CHECK(nlohmann::json::parse(json.out)["profile"] == p);

  awc::test::AwcRun check =
      awc::test::runAwcProcess("check '" + f.flow + "' --profile '" + f.profile + "'", true);
  CHECK(check.code == 0);
  CHECK(check.out.find("warning[AWC6011]") != std::string::npos);
  // --no-opt-warnings stops before the IR: the file itself is still checked.
  awc::test::AwcRun frontEnd = awc::test::runAwcProcess(
      "check --no-opt-warnings '" + f.flow + "' --profile '" + kData + "bad_kind.profile.json'",
      true);
  CHECK(frontEnd.code != 0);
  CHECK(frontEnd.out.find("bad_kind.profile.json:7:33: error[AWC2018]") != std::string::npos);
}

TEST_CASE("a native rewrite of another type than the step's is not applied", "[profile]") {
  TempDir dir("awc-profile");
  std::string flow = kData + "native_type.flow";
  CompileOptions o;
  o.profilePath = dir.write("p.json", filled("native_type.profile.json", flow));
  Compilation c = compileFile(flow, o);
  REQUIRE(c.ok());
  // `sum: string` keeps its model call: `a + b` is an int, whatever the samples said.
  REQUIRE(node(c, "sum"));
  CHECK(node(c, "sum")->kind() == ir::NodeKind::Llm);
  const Diagnostic* refused = diag(c, DiagCode::ProfileNotApplied);
  REQUIRE(refused);
  CHECK(refused->message == "profile's native rewrite for step 'sum' is not of the step's type "
                            "string");
  CHECK(refused->range.valid());
  REQUIRE(refused->notes.size() == 1);
  CHECK(refused->notes[0].message.find("but the step returns string") != std::string::npos);
  // The int step's rewrite is the one suggested and of its type: lowered on the profile's word.
  REQUIRE(node(c, "diff"));
  CHECK(node(c, "diff")->kind() == ir::NodeKind::Native);
  std::string plan = c.plan.dump();
  CHECK(plan.find("the rewrite's type is not the step's") != std::string::npos);
}
