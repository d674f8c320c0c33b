// The plan loader on hostile plans: every mistyped field, out-of-range number, unknown kind,
// dangling reference, duplicate id, cycle and absurd nesting gets one error naming the field's
// JSON pointer — never a crash, a throw or a stack overflow.
#include "awc/runtime/runtime.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

using namespace awc::runtime;
using nlohmann::json;

namespace {

// input q → llm a (model m) → output; every optional field set, so each can be broken.
json validPlan() {
  json llm = {
      {"id", "a"},
      {"kind", "llm"},
      {"model", "m"},
      {"deps", {"input.q"}},
      {"order", 1},
      {"loc", "t.flow:2:1"},
      {"priority_ms", 100},
      {"est_ms", 100},
      {"schema", {{"type", "string"}}},
      {"cache", {{"enabled", true}, {"key", "k"}, {"ttl_ms", 0}, {"reason", "r"}}},
      {"hints", {{"prefix_group", "pg"}, {"warm_first", true}}},
      {"task", "generate"},
      {"messages",
       {{{"role", "user"},
         {"segments",
          {{{"static", true}, {"text", "Q: "}, {"origin", "literal"}},
           {{"static", false}, {"expr", {{"ref", "input.q"}}}}}}}}},
      {"options", {{"max_tokens", 16}, {"retries", 1}, {"timeout_ms", 1000}, {"temperature", 0}}},
      {"est_prompt_tokens", 10},
      {"est_output_tokens", 16}};
  return {{"awc_plan", 1},
          {"workflow", "t"},
          {"mode", "parallel"},
          {"opt_level", 1},
          {"inputs", {{{"name", "q"}, {"schema", {{"type", "string"}}}}}},
          {"models",
           {{{"id", "m"},
             {"provider", "openai"},
             {"name", "llama"},
             {"price_in", 0.05},
             {"price_out", 0.08},
             {"size", "small"},
             {"limits", {{"max_concurrency", 0}, {"rpm", 0}, {"tpm", 0}}}}}},
          {"tools",
           {{{"id", "look"},
             {"impl", "http"},
             {"method", "GET"},
             {"url", "https://x.example/{q}"},
             {"params", {{{"name", "q"}, {"schema", {{"type", "string"}}}}}},
             {"result_schema", {{"type", "string"}}},
             {"effect", "pure"},
             {"cache_ttl_ms", -1},
             {"timeout_ms", 0},
             {"retries", 0}}}},
          {"hosts", {"x.example"}},
          {"nodes",
           {{{"id", "input.q"}, {"kind", "input"}, {"name", "q"}, {"deps", json::array()}},
            llm,
            {{"id", "output"},
             {"kind", "output"},
             {"deps", {"a"}},
             {"order", 2},
             {"expr", {{"ref", "a"}}}}}}};
}

std::string loadError(const json& doc) {
  std::string error;
  auto plan = loadPlan(doc, error);
  CHECK(plan == nullptr);
  // The text entry point must agree with the JSON one.
  std::string textError;
  CHECK(loadPlanText(doc.dump(), textError) == nullptr);
  CHECK(textError == error);
  return error;
}

std::string errorWith(const std::string& pointer, const json& value) {
  json doc = validPlan();
  doc[json::json_pointer(pointer)] = value;
  return loadError(doc);
}

} // namespace

TEST_CASE("plan loader: the valid plan loads") {
  std::string error;
  auto plan = loadPlan(validPlan(), error);
  INFO(error);
  REQUIRE(plan);
  CHECK(planInfo(*plan).nodeCount == 3);
}

TEST_CASE("plan loader: documented types and ranges are enforced, naming the field") {
  const std::string a = "node 'a' (t.flow:2:1): /nodes/1";
  CHECK(errorWith("/nodes/1/options/max_tokens", "many") ==
        a + "/options/max_tokens: must be an integer, got string");
  CHECK(errorWith("/nodes/1/options/max_tokens", 0) ==
        a + "/options/max_tokens: must be an integer from 1 to 2147483647, got integer 0");
  CHECK(errorWith("/nodes/1/options/retries", -1) ==
        a + "/options/retries: must be an integer from 0 to 2147483647, got integer -1");
  CHECK(errorWith("/nodes/1/options/temperature", 9) ==
        a + "/options/temperature: must be a number from 0 to 2, got integer 9");
  CHECK(errorWith("/nodes/1/options/timeout_ms", 1.5) ==
        a + "/options/timeout_ms: must be an integer, got number 1.5");
  CHECK(errorWith("/nodes/1/schema", {{"type", "quantum"}}) ==
        a + "/schema: not a valid JSON Schema: /type: unknown type \"quantum\"");
  CHECK(errorWith("/nodes/1/schema", "string") == a + "/schema: must be a schema, got string");
  CHECK(errorWith("/nodes/1/order", -1) ==
        a + "/order: must be an integer from 0 to 2147483647, got integer -1");
  CHECK(errorWith("/nodes/1/deps/0", 7) == a + "/deps/0: must be a string, got integer 7");
  CHECK(errorWith("/nodes/1/cache/enabled", "yes") ==
        a + "/cache/enabled: must be a boolean, got string");
  CHECK(errorWith("/nodes/1/hints/wait_for_warm", 3) ==
        a + "/hints/wait_for_warm: must be a string, got integer 3");
  CHECK(errorWith("/nodes/1/hints/speculate", {{"extra_cost_usd", "lots"}}) ==
        a + "/hints/speculate/extra_cost_usd: must be a number, got string");
  CHECK(errorWith("/nodes/1/messages/0/role", "bot") ==
        a + "/messages/0/role: unknown role \"bot\" (known: system, user)");
  CHECK(errorWith("/nodes/1/messages/0/segments/0/text", 3) ==
        a + "/messages/0/segments/0/text: must be a string, got integer 3");
  CHECK(errorWith("/nodes/1/messages", json::array()) ==
        a + "/messages: must be a non-empty array");
  CHECK(errorWith("/nodes/1/task", "dream") ==
        a + "/task: unknown task \"dream\" (known: classify, extract, generate, reason)");
  CHECK(errorWith("/nodes/1/guard", {{"branch", "x"}, {"arm", 2}}) ==
        a + "/guard/arm: must be an integer from 0 to 1, got integer 2");
  CHECK(errorWith("/nodes/1/fused", 3) == a + "/fused: must be an array, got integer 3");
  CHECK(errorWith("/models/0/price_in", -1) ==
        "model 'm': /models/0/price_in: must be a number of at least 0, got integer -1");
  CHECK(errorWith("/models/0/limits/rpm", "x") ==
        "model 'm': /models/0/limits/rpm: must be an integer, got string");
  CHECK(errorWith("/models/0/provider", "bard") ==
        "model 'm': /models/0/provider: unknown provider \"bard\" (known: openai, anthropic, sim)");
  CHECK(errorWith("/tools/0/retries", -2) ==
        "tool 'look': /tools/0/retries: must be an integer from 0 to 2147483647, got integer -2");
  CHECK(errorWith("/tools/0/method", "DELETE") ==
        "tool 'look': /tools/0/method: unsupported method 'DELETE' (GET or POST)");
  CHECK(errorWith("/tools/0/result_schema", {{"type", "quantum"}}) ==
        "tool 'look': /tools/0/result_schema: not a valid JSON Schema: /type: unknown type "
        "\"quantum\"");
  CHECK(errorWith("/mode", "fast") ==
        "plan: /mode: unknown mode \"fast\" (known: sequential, parallel)");
  CHECK(errorWith("/opt_level", 7) == "plan: /opt_level: must be an integer from 0 to 2, got "
                                      "integer 7");
  CHECK(errorWith("/hosts", "x.example") == "plan: /hosts: must be an array, got string");
  CHECK(errorWith("/inputs/0/schema", {{"properties", 1}}) ==
        "plan: /inputs/0/schema: not a valid JSON Schema: /properties must be an object");
  CHECK(errorWith("/workflow", json()) == "plan: /workflow: must be a string, got null");
}

TEST_CASE("plan loader: references between nodes are checked") {
  const std::string a = "node 'a' (t.flow:2:1): /nodes/1";
  CHECK(errorWith("/nodes/1/kind", "teleport") ==
        a + "/kind: unknown kind \"teleport\" (known: input, llm, tool, native, branch, map, "
            "output)");
  CHECK(errorWith("/nodes/1/deps/0", "nobody") == a + "/deps/0: depends on unknown node 'nobody'");
  CHECK(errorWith("/nodes/1/deps/0", "a") == a + "/deps/0: depends on itself");
  CHECK(errorWith("/nodes/1/model", "gpt-9") == a + "/model: unknown model 'gpt-9'");
  CHECK(errorWith("/nodes/1/id", "input.q") ==
        "node 'input.q' (t.flow:2:1): /nodes/1/id: node id 'input.q' appears twice");
  CHECK(errorWith("/nodes/1/guard", {{"branch", "input.q"}, {"arm", 0}}) ==
        a + "/guard/branch: guard names 'input.q', which is not a branch node here");
  CHECK(errorWith("/models/1", validPlan()["models"][0]) ==
        "model 'm': /models/1/id: declared twice");
  json cycle = validPlan();
  cycle["nodes"][1]["deps"].push_back("output");
  CHECK(loadError(cycle) == "plan: /nodes: dependency cycle through node 'a'");
  CHECK(errorWith("/nodes/2/expr", {{"op", "**"}, {"args", json::array()}})
            .rfind("node 'output': /nodes/2/expr: malformed expression: ", 0) == 0);
}

TEST_CASE("plan loader: absurd nesting gets an error, not a stack overflow") {
  // 50,000 nested negations as text: refused while parsing, nothing deep is built.
  std::string deep;
  for (int i = 0; i < 50000; ++i)
    deep += R"({"op":"neg","args":[)";
  deep += R"({"lit":1})";
  for (int i = 0; i < 50000; ++i)
    deep += "]}";
  std::string text = validPlan().dump();
  std::string marker = R"({"ref":"a"})";
  text.replace(text.find(marker), marker.size(), deep);
  std::string error;
  CHECK(loadPlanText(text, error) == nullptr);
  CHECK(error == "plan: JSON nested deeper than 1200 levels");
  // The same tree already parsed (nlohmann parses and destroys without recursion): refused
  // before the loader copies it.
  json parsed = json::parse(text);
  CHECK(loadPlan(parsed, error) == nullptr);
  CHECK(error == "plan: JSON nested deeper than 1200 levels");
  // Deep but within the JSON limit: the evaluator's own limit names the node.
  json plan = validPlan();
  json e = {{"lit", 1}};
  for (int i = 0; i < 550; ++i)
    e = json{{"op", "neg"}, {"args", json::array({std::move(e)})}};
  plan["nodes"][2]["expr"] = std::move(e);
  CHECK(loadError(plan).rfind("node 'output': /nodes/2/expr: ", 0) == 0);
  // Map bodies nested 100 deep.
  json map = {
      {"id", "output"}, {"kind", "output"}, {"deps", json::array()}, {"expr", {{"lit", 1}}}};
  for (int i = 0; i < 100; ++i)
    map = {{"id", "output"},
           {"kind", "map"},
           {"var", "x"},
           {"over", {{"list", json::array()}}},
           {"body", {{"nodes", json::array({map})}, {"result", {{"lit", 1}}}}}};
  plan = validPlan();
  plan["nodes"][2] = map;
  CHECK(loadError(plan).find("map bodies nested deeper than 64") != std::string::npos);
}

TEST_CASE("plan loader: any bytes give a plan or an error, never a throw") {
  std::string text = validPlan().dump();
  std::string error;
  // Every prefix of a valid plan, and the plan with each byte replaced by a troublemaker.
  for (std::size_t n = 0; n < text.size(); ++n) {
    CHECK_NOTHROW(loadPlanText(text.substr(0, n), error));
    for (char c : {'"', '1', '{', ']', '\0', '\xff'}) {
      std::string mutated = text;
      mutated[n] = c;
      CHECK_NOTHROW(loadPlanText(mutated, error));
    }
  }
  for (const char* bytes : {"", "null", "[]", "1e999999", "\"awc\"", "{\"awc_plan\":1}",
                            "{\"awc_plan\":1.0,\"nodes\":[]}", "{\"awc_plan\":1,\"nodes\":{}}"}) {
    INFO(bytes);
    CHECK(loadPlanText(bytes, error) == nullptr);
    CHECK_FALSE(error.empty());
  }
}

TEST_CASE("plan loader: values quoted in errors are clipped") {
  std::string huge(100000, 'x');
  std::string error = errorWith("/nodes/1/model", huge);
  CHECK(error.size() < 300);
  CHECK(error.find("unknown model 'xxxx") != std::string::npos);
  CHECK(errorWith("/mode", huge).size() < 300);
  json bad = validPlan();
  bad["nodes"][1]["task"] = "\xff\xfe"; // not UTF-8: replaced, never thrown on
  std::string message;
  CHECK(loadPlan(bad, message) == nullptr);
  CHECK(message.rfind("node 'a' (t.flow:2:1): /nodes/1/task: unknown task ", 0) == 0);
}
