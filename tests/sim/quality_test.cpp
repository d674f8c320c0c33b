// The quality model: task classes, answers that disagree, the disagreement draw, profile
// overrides, and over loopback HTTP that models agree with the reference at their rates.
#include "awc/sim/quality.h"
#include "awc/sim/server.h"
#include "test_http.h"

#include <catch2/catch.hpp>

using namespace awc;
using namespace awc::sim;
using awc::sim::test::httpRequest;
using nlohmann::json;

namespace {

const json kEnum = {{"type", "string"}, {"enum", {"billing", "bug", "feature", "other"}}};

struct QualitySim {
  Server server;
  uint16_t port = 0;
  explicit QualitySim(ServerConfig config = {}) {
    config.speed = 1000.0;
    config.cacheTokens = 0;
    std::string error;
    port = server.start(config, error);
    INFO(error);
    REQUIRE(port != 0);
  }

  // The answer text of one chat completion.
  std::string ask(const std::string& model, const std::string& user, const json* schema = nullptr,
                  int maxTokens = 0) {
    json b{{"model", model}, {"messages", {{{"role", "user"}, {"content", user}}}}};
    if (schema)
      b["response_format"] = {{"type", "json_schema"},
                              {"json_schema", {{"name", "answer"}, {"schema", *schema}}}};
    if (maxTokens) b["max_tokens"] = maxTokens;
    auto r = httpRequest(port, "POST", "/v1/chat/completions", b.dump());
    REQUIRE(r.status == 200);
    return json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>();
  }
};

std::string ticket(int i) {
  return "Classify this ticket: customer " + std::to_string(i) + " reports a problem.";
}

// How many of `n` tickets `model` answers unlike the large model.
int disagreements(QualitySim& sim, const std::string& model, int n) {
  int differ = 0;
  for (int i = 0; i < n; ++i)
    if (sim.ask(model, ticket(i), &kEnum) != sim.ask("large", ticket(i), &kEnum)) ++differ;
  return differ;
}

// The rendered prompt of a one-user-message request (docs/simulator.md, Tokens): what the
// disagreement draw hashes.
std::string renderedPrompt(const std::string& user) {
  return "<|user|>\n" + user + "\n";
}

} // namespace

TEST_CASE("task classes follow the answer schema as the compiler's rightsize pass names them") {
  CHECK(taskClassOf(nullptr) == TaskClass::Generate);
  CHECK(taskClassOf(&kEnum) == TaskClass::Classify);
  json b = {{"type", "boolean"}}, n = {{"type", "number"}}, s = {{"type", "string"}};
  CHECK(taskClassOf(&b) == TaskClass::Classify);
  CHECK(taskClassOf(&n) == TaskClass::Extract);
  CHECK(taskClassOf(&s) == TaskClass::Generate);
  json record = {{"type", "object"},
                 {"properties",
                  {{"total", {{"type", "number"}}},
                   {"due", {{"type", "string"}, {"format", "date"}}},
                   {"kind", kEnum},
                   {"lines", {{"type", "array"}, {"items", {{"type", "integer"}}}}}}}};
  CHECK(taskClassOf(&record) == TaskClass::Extract);
  record["properties"]["note"] = {{"type", "string"}};
  CHECK(taskClassOf(&record) == TaskClass::Generate);
  // The runtime wraps an enum, bool or number answer as {"value": ...}: the field decides.
  json wrapped = {{"type", "object"}, {"properties", {{"value", kEnum}}}, {"required", {"value"}}};
  CHECK(taskClassOf(&wrapped) == TaskClass::Classify);
  wrapped["properties"]["value"] = n;
  CHECK(taskClassOf(&wrapped) == TaskClass::Extract);
  CHECK(std::string(taskClassName(TaskClass::Extract)) == "extract");
}

TEST_CASE("a disagreeing answer differs from the reference and stays valid") {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    json ref = generateFromSchema(kEnum, seed);
    json other = disagreeWith(ref, kEnum, seed * 7919);
    CHECK(other != ref);
    CHECK(std::find(kEnum["enum"].begin(), kEnum["enum"].end(), other) != kEnum["enum"].end());
  }
  CHECK(disagreeWith(true, {{"type", "boolean"}}, 3) == false);
  json bounded = {{"type", "integer"}, {"minimum", 1}, {"maximum", 5}};
  for (int v = 1; v <= 5; ++v) {
    json other = disagreeWith(v, bounded, static_cast<uint64_t>(v));
    CHECK(other != v);
    CHECK((other >= 1 && other <= 5));
  }
  CHECK(disagreeWith("x", {{"const", "x"}}, 1) == "x"); // nothing else is valid
  json record = {{"type", "object"},
                 {"properties", {{"kind", kEnum}, {"urgent", {{"type", "boolean"}}}}}};
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    json ref = generateFromSchema(record, seed);
    json other = disagreeWith(ref, record, seed + 1000);
    int changed = (other["kind"] != ref["kind"]) + (other["urgent"] != ref["urgent"]);
    CHECK(changed == 1); // one field wrong, as field-wise agreement counts it
  }
}

TEST_CASE("the disagreement draw is deterministic and follows the class rates") {
  QualityModel q;
  CHECK(q.ratesFor("large").classify == 0);
  CHECK(q.ratesFor("gpt-4o").generate == 0);
  CHECK(q.ratesFor("gpt-4o-mini").classify == Approx(0.03));
  CHECK(q.ratesFor("llama-70b").extract == Approx(0.03));
  int small = 0, medium = 0, large = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string p = renderedPrompt(ticket(i));
    small += drawsDisagreement(q, p, "small", TaskClass::Generate, 0);
    medium += drawsDisagreement(q, p, "medium", TaskClass::Generate, 0);
    large += drawsDisagreement(q, p, "large", TaskClass::Generate, 0);
    CHECK(drawsDisagreement(q, p, "small", TaskClass::Generate, 0) ==
          drawsDisagreement(q, p, "small", TaskClass::Generate, 0));
  }
  // 20,000 fixed prompts: 0.15 ± 4 standard deviations (0.0025), 0.075 ± 0.0019.
  CHECK(small / 20000.0 == Approx(0.15).margin(0.01));
  CHECK(medium / 20000.0 == Approx(0.075).margin(0.0075));
  CHECK(large == 0);
}

TEST_CASE("a profile file sets rates per model and per class") {
  std::string error;
  auto q = parseQualityProfiles(R"({"disagreement": {"medium": {"extract": 0.1}},
    "models": [{"name": "tiny", "class": "small", "disagreement": {"classify": 0.25}},
               {"name": "mid", "class": "medium"}, {"name": "gpt-4o-mini"}]})",
                                error);
  INFO(error);
  REQUIRE(q);
  CHECK(q->ratesFor("tiny").classify == Approx(0.25));
  CHECK(q->ratesFor("tiny").extract == Approx(0.06)); // the rest from its class
  CHECK(q->ratesFor("mid").extract == Approx(0.1));
  CHECK(q->ratesFor("mid").classify == Approx(0.015));
  CHECK(q->ratesFor("other-70b").extract == Approx(0.1)); // the class table, by name
  CHECK(q->ratesFor("gpt-4o-mini").generate == Approx(0.15));
  CHECK_FALSE(parseQualityProfiles(
      R"({"models": [{"name": "a", "disagreement": {"classify": 1.5}}]})", error));
  CHECK(error.find("from 0 to 1") != std::string::npos);
  CHECK_FALSE(parseQualityProfiles(
      R"({"models": [{"name": "a", "disagreement": {"summarise": 0.1}}]})", error));
  CHECK(error.find("unknown task class 'summarise'") != std::string::npos);
  CHECK_FALSE(parseQualityProfiles(R"({"disagreement": {"huge": {}}, "models": []})", error));
}

TEST_CASE("over HTTP a small model disagrees on enum questions at its configured rate") {
  QualitySim sim;
  // 2,000 fixed prompts, so the count is the same on every run: 3 % ± 4 standard deviations.
  int differ = disagreements(sim, "small", 2000);
  CHECK(differ >= 29);
  CHECK(differ <= 91);
  CHECK(disagreements(sim, "gpt-4o", 300) == 0); // the largest class agrees with itself
}

TEST_CASE("a profile's override changes the measured rate") {
  ServerConfig config;
  std::string error;
  auto q = parseQualityProfiles(
      R"({"models": [{"name": "tiny", "class": "small", "disagreement": {"classify": 0.2}}]})",
      error);
  REQUIRE(q);
  config.quality = *q;
  QualitySim sim(config);
  int differ = disagreements(sim, "tiny", 2000);
  CHECK(differ >= 400 - 72); // 20 % ± 4 standard deviations
  CHECK(differ <= 400 + 72);
}

TEST_CASE("two models of one class agree unless drawn to disagree") {
  QualitySim sim;
  QualityModel q;
  int both = 0;
  for (int i = 0; i < 300; ++i) {
    std::string p = renderedPrompt(ticket(i));
    bool a = drawsDisagreement(q, p, "a-mini", TaskClass::Classify, 0);
    bool b = drawsDisagreement(q, p, "b-mini", TaskClass::Classify, 0);
    std::string ra = sim.ask("a-mini", ticket(i), &kEnum),
                rb = sim.ask("b-mini", ticket(i), &kEnum);
    std::string ref = sim.ask("large", ticket(i), &kEnum);
    INFO(i);
    CHECK((ra != ref) == a);
    CHECK((rb != ref) == b);
    if (!a && !b) CHECK(ra == rb);
    both += a && b;
  }
  CHECK(both <= 3);
  // Free text: the same reference for every model that agrees, at any max_tokens (it only cuts).
  std::string longer = sim.ask("large", "Write a short note about caching.");
  std::string cut = sim.ask("gpt-4o", "Write a short note about caching.", nullptr, 8);
  CHECK(longer.rfind(cut, 0) == 0);
  CHECK(cut.size() < longer.size());
}

TEST_CASE("a model drawn to disagree words free text differently and fixtures still win") {
  ServerConfig config;
  std::string error;
  config.quality = *parseQualityProfiles(
      R"({"models": [{"name": "wrong", "class": "small",
           "disagreement": {"classify": 1, "extract": 1, "generate": 1}}]})",
      error);
  auto fixtures = parseFixtures(R"([{"match": "FIXED", "answer": {"kind": "bug"}}])", error);
  REQUIRE(fixtures);
  config.fixtures = *fixtures;
  QualitySim sim(config);
  std::string prompt = "Write a short note about caching.";
  CHECK(sim.ask("wrong", prompt) != sim.ask("large", prompt));
  CHECK(sim.ask("wrong", ticket(1), &kEnum) != sim.ask("large", ticket(1), &kEnum));
  // A fixture without "model" answers the same for all models, generated fields included.
  json record = {{"type", "object"},
                 {"properties", {{"kind", kEnum}, {"count", {{"type", "integer"}}}}},
                 {"required", {"kind", "count"}}};
  std::string fixed = sim.ask("wrong", "FIXED: count the bugs", &record);
  CHECK(fixed == sim.ask("large", "FIXED: count the bugs", &record));
  CHECK(json::parse(fixed)["kind"] == "bug");
}

TEST_CASE("same request gives same bytes and quality off gives every model its own answers") {
  QualitySim on;
  std::string prompt = "Write a short note about caching.";
  CHECK(on.ask("small", prompt) == on.ask("small", prompt));
  CHECK(on.ask("large", prompt) == on.ask("gpt-4o", prompt));
  ServerConfig config;
  config.quality.enabled = false;
  QualitySim off(config);
  CHECK(off.ask("large", prompt) != off.ask("gpt-4o", prompt));
  CHECK(off.ask("large", prompt) == off.ask("large", prompt));
}

namespace {

// One chat completion with a system message, answered as JSON.
json askJson(QualitySim& sim, const std::string& model, const std::string& system,
             const std::string& user, const json& schema) {
  json b{{"model", model},
         {"messages",
          {{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", user}}}},
         {"response_format",
          {{"type", "json_schema"}, {"json_schema", {{"name", "result"}, {"schema", schema}}}}}};
  auto r = httpRequest(sim.port, "POST", "/v1/chat/completions", b.dump());
  REQUIRE(r.status == 200);
  return json::parse(json::parse(r.body)["choices"][0]["message"]["content"].get<std::string>());
}

json wrapped(const json& s) {
  return {{"type", "object"},
          {"properties", {{"value", s}}},
          {"required", {"value"}},
          {"additionalProperties", false}};
}

} // namespace

TEST_CASE("a fused call's typed parts are the answers to each question asked alone") {
  // The layout compiler/passes/fuse_prompt.cpp writes: the tasks, then the input they share;
  // the second task refers to the first one's answer (`({risk})` in the flow), as a vertical
  // fusion writes it.
  QualitySim sim;
  const std::string system = "You triage support tickets.  ";
  const json risk = {{"type", "string"}, {"enum", {"low", "medium", "high"}}};
  const json urgent = {{"type", "boolean"}};
  const json fused = {{"type", "object"},
                      {"properties", {{"s01_risk", risk}, {"s02_urgent", urgent}}},
                      {"required", {"s01_risk", "s02_urgent"}},
                      {"additionalProperties", false}};
  int same = 0;
  for (int i = 0; i < 20; ++i) {
    std::string doc = "ticket " + std::to_string(i) + ": the invoice total is wrong";
    std::string user = "Complete the 2 tasks below, in order. Reply with one JSON object with "
                       "the keys \"s01_risk\", \"s02_urgent\": each key holds the answer to its "
                       "task, in the format that task asks for.\n\nTask 1 (key \"s01_risk\"):\n"
                       "How risky is this?\n(input \"doc\" below)\n\nTask 2 (key "
                       "\"s02_urgent\"):\nGiven the risk ((your answer to task 1)), is it urgent?"
                       "\n\nInput \"doc\":\n" +
                       doc;
    json both = askJson(sim, "large", system, user, fused);
    json alone = askJson(sim, "large", system, "How risky is this?\n" + doc, wrapped(risk));
    json second =
        askJson(sim, "large", system,
                "Given the risk (" + alone["value"].get<std::string>() + "), is it urgent?",
                wrapped(urgent));
    INFO(both.dump() << alone.dump() << second.dump());
    same += both["s01_risk"] == alone["value"] && both["s02_urgent"] == second["value"];
  }
  CHECK(same == 20);
}
