// Helpers for the executor tests: an in-process simulator, hand-written plans, and plans
// compiled from examples/ with their fixture inputs and tool stubs.
#pragma once

#include "awc/compiler/driver.h"
#include "awc/runtime/runtime.h"
#include "awc/sim/server.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <unistd.h>

namespace awc::test {

using nlohmann::json;

inline std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::string fixturesFile() {
  return std::string(AWC_SOURCE_DIR) + "/examples/fixtures/sim_fixtures.json";
}

inline json inputsFor(const std::string& example) {
  return json::parse(
      readText(std::string(AWC_SOURCE_DIR) + "/examples/fixtures/" + example + ".inputs.json"));
}

inline std::map<std::string, json> stubsFor(const std::string& example) {
  json stubs = json::parse(
      readText(std::string(AWC_SOURCE_DIR) + "/examples/fixtures/" + example + ".stubs.json"));
  std::map<std::string, json> out;
  for (auto& [k, v] : stubs.items())
    out[k] = v;
  return out;
}

/// The simulator on loopback, fast (speed 50) so every test takes well under a second.
struct SimFixture {
  sim::Server server;
  explicit SimFixture(const std::string& fixtures = "", sim::FaultSpec faults = {},
                      double speed = 50) {
    sim::ServerConfig config;
    config.speed = speed;
    config.faults = faults;
    config.seed = 7;
    std::string error;
    if (!fixtures.empty()) {
      auto f = sim::loadFixtures(fixtures, error);
      REQUIRE(f);
      config.fixtures = *f;
    }
    REQUIRE(server.start(config, error) != 0);
  }
  runtime::RuntimeOptions runtimeOptions(std::map<std::string, json> stubs = {}) {
    runtime::RuntimeOptions o;
    o.backend = runtime::Provider::Sim;
    o.endpoint = server.baseUrl() + "/v1";
    o.retry.baseDelay = std::chrono::milliseconds(1);
    o.retry.maxDelay = std::chrono::milliseconds(5);
    o.retry.maxAttempts = 8;
    o.toolStubs = std::move(stubs);
    return o;
  }
};

inline std::shared_ptr<const runtime::Plan> mustLoad(const json& doc) {
  std::string error;
  auto plan = runtime::loadPlan(doc, error);
  INFO(error);
  REQUIRE(plan);
  return plan;
}

inline std::shared_ptr<const runtime::Plan> compileExample(const std::string& name, int opt) {
  CompileOptions options;
  options.optLevel = opt;
  Compilation c = compileFile(std::string(AWC_SOURCE_DIR) + "/examples/" + name + ".flow", options);
  REQUIRE(c.ok());
  return mustLoad(c.plan);
}

inline json basePlan() {
  return {{"awc_plan", 1},
          {"workflow", "t"},
          {"mode", "parallel"},
          {"inputs", json::array({{{"name", "q"}, {"schema", {{"type", "string"}}}}})},
          {"models", json::array({{{"id", "m"},
                                   {"provider", "openai"},
                                   {"name", "llama-3.1-8b"},
                                   {"price_in", 0.05},
                                   {"price_out", 0.08},
                                   {"limits", {{"max_concurrency", 0}, {"rpm", 0}, {"tpm", 0}}}}})},
          {"tools", json::array()},
          {"hosts", json::array()},
          {"nodes", json::array({{{"id", "input.q"},
                                  {"kind", "input"},
                                  {"name", "q"},
                                  {"deps", json::array()},
                                  {"order", 0}}})}};
}

inline json staticSeg(const std::string& text, bool breakpoint = false) {
  json s = {{"static", true}, {"text", text}};
  if (breakpoint) s["cache_breakpoint"] = true;
  return s;
}

inline json refSeg(const std::string& ref) {
  return {{"static", false}, {"expr", {{"text", json::array({{{"ref", ref}}})}}}};
}

inline json llmNode(const std::string& id, json deps, json messages, double priority, int order) {
  return {{"id", id},
          {"kind", "llm"},
          {"model", "m"},
          {"deps", deps},
          {"messages", messages},
          {"options", {{"max_tokens", 16}}},
          {"order", order},
          {"priority_ms", priority},
          {"schema", {{"type", "string"}}},
          {"loc", "t.flow:" + std::to_string(order + 1) + ":1"}};
}

inline json outputNode(json deps, int order) {
  json record = json::object();
  for (const auto& d : deps)
    record[d.get<std::string>()] = {{"ref", d}};
  return {{"id", "output"},
          {"kind", "output"},
          {"deps", deps},
          {"order", order},
          {"expr", {{"record", record}}}};
}

inline json userMsg(json segments) {
  return json::array({{{"role", "user"}, {"segments", segments}}});
}

inline json twoIndependentLlmPlan() {
  json p = basePlan();
  p["nodes"].push_back(llmNode(
      "a", {"input.q"}, userMsg({staticSeg("First question: "), refSeg("input.q")}), 100, 1));
  p["nodes"].push_back(llmNode(
      "b", {"input.q"}, userMsg({staticSeg("Second question: "), refSeg("input.q")}), 100, 2));
  p["nodes"].push_back(outputNode({"a", "b"}, 3));
  return p;
}

inline json threeIndependentLlmPlan() {
  json p = basePlan();
  p["nodes"].push_back(
      llmNode("a", {"input.q"}, userMsg({staticSeg("A: "), refSeg("input.q")}), 200, 1));
  p["nodes"].push_back(
      llmNode("b", {"input.q"}, userMsg({staticSeg("B: "), refSeg("input.q")}), 100, 2));
  p["nodes"].push_back(
      llmNode("c", {"input.q"}, userMsg({staticSeg("C: "), refSeg("input.q")}), 300, 3));
  p["nodes"].push_back(outputNode({"a", "b", "c"}, 4));
  return p;
}

inline std::string longPolicy() {
  std::string text;
  for (int i = 0; i < 60; ++i)
    text += "Rule " + std::to_string(i) + ": answer politely, precisely and briefly.\n";
  return text;
}

inline json sharedPrefixChainPlan() {
  json p = basePlan();
  json system = {{"role", "system"}, {"segments", json::array({staticSeg(longPolicy(), true)})}};
  p["nodes"].push_back(llmNode(
      "a", {"input.q"},
      json::array(
          {system, {{"role", "user"}, {"segments", {staticSeg("Q: "), refSeg("input.q")}}}}),
      200, 1));
  p["nodes"].push_back(llmNode(
      "b", {"a"},
      json::array(
          {system, {{"role", "user"}, {"segments", {staticSeg("Improve: "), refSeg("a")}}}}),
      100, 2));
  p["nodes"].push_back(outputNode({"b"}, 3));
  return p;
}

/// Two independent steps sharing a long system prefix; b waits for a's first token.
inline json warmFirstPlan() {
  json p = basePlan();
  json system = {{"role", "system"}, {"segments", json::array({staticSeg(longPolicy(), true)})}};
  p["nodes"].push_back(llmNode(
      "a", {"input.q"},
      json::array(
          {system, {{"role", "user"}, {"segments", {staticSeg("Q: "), refSeg("input.q")}}}}),
      200, 1));
  json b = llmNode(
      "b", {"input.q"},
      json::array(
          {system, {{"role", "user"}, {"segments", {staticSeg("Also: "), refSeg("input.q")}}}}),
      100, 2);
  b["hints"] = {{"wait_for_warm", "a"}};
  p["nodes"].push_back(b);
  p["nodes"].push_back(outputNode({"a", "b"}, 3));
  return p;
}

inline json cacheablePlan() {
  json p = basePlan();
  json a = llmNode("a", {"input.q"}, userMsg({staticSeg("Answer: "), refSeg("input.q")}), 200, 1);
  a["cache"] = {{"enabled", true}, {"key", "k-a"}, {"ttl_ms", 0}};
  json b = llmNode("b", {"a"}, userMsg({staticSeg("Summarise: "), refSeg("a")}), 100, 2);
  b["cache"] = {{"enabled", true}, {"key", "k-b"}, {"ttl_ms", 0}};
  p["nodes"].push_back(a);
  p["nodes"].push_back(b);
  p["nodes"].push_back(outputNode({"b"}, 3));
  return p;
}

inline json hostToolPlan() {
  json p = basePlan();
  p["tools"].push_back(
      {{"id", "lookup"},
       {"impl", "host"},
       {"params", json::array({{{"name", "q"}, {"schema", {{"type", "string"}}}}})},
       {"result_schema", {{"type", "string"}}},
       {"effect", "pure"},
       {"cache_ttl_ms", -1},
       {"timeout_ms", 0},
       {"retries", 0}});
  p["nodes"].push_back(
      llmNode("a", {"input.q"}, userMsg({staticSeg("Q: "), refSeg("input.q")}), 100, 1));
  p["nodes"].push_back({{"id", "look"},
                        {"kind", "tool"},
                        {"tool", "lookup"},
                        {"deps", {"input.q"}},
                        {"args", {{"q", {{"ref", "input.q"}}}}},
                        {"order", 2},
                        {"loc", "t.flow:3:1"}});
  p["nodes"].push_back(outputNode({"a", "look"}, 3));
  return p;
}

} // namespace awc::test
