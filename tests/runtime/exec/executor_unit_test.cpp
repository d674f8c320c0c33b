// Executor tests without a server: plan validation errors, input checks, repair of a malformed
// answer through FakeTransport, host tools (sync, async), skipped branches, limiter ordering.
#include "../../../runtime/executor_internal.h"
#include "exec_test_util.h"
#include "fake_loop.h"

#include <limits>
#include <thread>

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

std::string loadError(const json& doc) {
  std::string error;
  auto plan = loadPlan(doc, error);
  CHECK(plan == nullptr);
  return error;
}

} // namespace

TEST_CASE("malformed plans get one clear error, never a crash", "[exec][plan]") {
  CHECK(loadError(json::array()) == "plan: not a JSON object");
  CHECK(loadError(json::object()) == "plan: missing 'awc_plan' (is this an awc plan?)");
  json p = basePlan();
  p["awc_plan"] = 2;
  CHECK(loadError(p) == "plan: unsupported plan version 2 (this runtime reads version 1)");
  p = basePlan();
  p.erase("nodes");
  CHECK(loadError(p) == "plan: /nodes: missing (required)");
  p = twoIndependentLlmPlan();
  p["nodes"][1]["deps"] = {"nope"};
  CHECK(loadError(p) == "node 'a' (t.flow:2:1): /nodes/1/deps/0: depends on unknown node 'nope'");
  p = twoIndependentLlmPlan();
  p["nodes"][1]["deps"] = {"b"};
  p["nodes"][2]["deps"] = {"a"};
  CHECK(loadError(p).find("dependency cycle through node") != std::string::npos);
  p = twoIndependentLlmPlan();
  p["nodes"][1]["kind"] = "teleport";
  CHECK(loadError(p) == "node 'a' (t.flow:2:1): /nodes/1/kind: unknown kind \"teleport\" (known: "
                        "input, llm, tool, native, branch, map, output)");
  p = twoIndependentLlmPlan();
  p["nodes"][1]["model"] = "gpt-9";
  CHECK(loadError(p) == "node 'a' (t.flow:2:1): /nodes/1/model: unknown model 'gpt-9'");
  p = twoIndependentLlmPlan();
  p["nodes"][3]["expr"] = {{"op", "**"}, {"args", json::array()}};
  CHECK(loadError(p).rfind("node 'output': /nodes/3/expr: malformed expression: ", 0) == 0);
  p = twoIndependentLlmPlan();
  p["nodes"].erase(3);
  CHECK(loadError(p) == "plan: no output node");
  p = twoIndependentLlmPlan();
  p["nodes"][1]["messages"] = "hi";
  CHECK(loadError(p) == "node 'a' (t.flow:2:1): /nodes/1/messages: must be an array, got string");
  std::string error;
  CHECK(loadPlanText("{not json", error) == nullptr);
  CHECK(error == "plan: not valid JSON");
  CHECK(loadPlanFile("/nonexistent/plan.json", error) == nullptr);
  CHECK(error == "cannot open plan file '/nonexistent/plan.json'");
  // Random type confusion anywhere: an error naming the first bad field, not an exception
  // (tests/runtime/plan_loader_test.cpp has one case per field).
  p = twoIndependentLlmPlan();
  p["nodes"][1]["options"]["max_tokens"] = "many";
  p["models"][0]["limits"] = 5;
  p["nodes"][2]["deps"] = {1, 2};
  CHECK(loadError(p) == "model 'm': /models/0/limits: must be an object, got integer 5");
}

TEST_CASE("inputs: defaults applied, types checked, unknown names refused", "[exec][inputs]") {
  FakeLoop loop([](const HttpRequest&) { return completion("fine"); });
  Runtime rt(fakeOptions(loop.transport));
  json doc = twoIndependentLlmPlan();
  auto plan = mustLoad(doc);
  CHECK(rt.run(plan, json::object()).error == "missing input 'q'");
  CHECK(rt.run(plan, {{"q", 5}}).error == "input 'q': $: expected string");
  CHECK(rt.run(plan, {{"q", "x"}, {"z", 1}}).error == "unknown input 'z' (the workflow takes: q)");
  CHECK(rt.run(plan, json::array()).error == "inputs must be a JSON object");
  doc["nodes"][0]["default"] = "dflt";
  RunResult r = rt.run(mustLoad(doc), json::object());
  REQUIRE(r.ok);
  CHECK(r.values["input.q"] == "dflt");
  CHECK(r.output == json({{"a", "fine"}, {"b", "fine"}}));
}

TEST_CASE("a malformed answer is repaired once; the repair request carries the error",
          "[exec][repair]") {
  std::atomic<int> calls{0};
  FakeLoop loop([&](const HttpRequest&) {
    return completion(calls++ == 0 ? "{\"value\": \"ecstatic\"}" : "{\"value\": \"positive\"}");
  });
  Runtime rt(fakeOptions(loop.transport));
  RunResult r = rt.run(mustLoad(enumPlan()), {{"q", "great"}});
  REQUIRE(r.ok);
  CHECK(r.values["a"] == "positive");
  CHECK(calls == 2);
  auto requests = loop.transport.requests();
  REQUIRE(requests.size() == 2);
  CHECK(requests[1].body.find("ecstatic") != std::string::npos);
  // The non-object enum schema went out wrapped in {"value": ...} for strict structured output.
  json body = json::parse(requests[0].body);
  CHECK(body["response_format"]["json_schema"]["schema"]["required"] == json({"value"}));
}

TEST_CASE("a repaired node reports both exchanges; the second request carries the repair",
          "[exec][repair][record]") {
  std::atomic<int> calls{0};
  FakeLoop loop([&](const HttpRequest&) {
    return completion(calls++ == 0 ? "{\"value\": \"ecstatic\"}" : "{\"value\": \"positive\"}");
  });
  Runtime rt(fakeOptions(loop.transport));
  std::vector<ModelExchange> exchanges;
  RunOptions options;
  options.onModelExchange = [&](const ModelExchange& e) { exchanges.push_back(e); };
  RunResult r = rt.run(mustLoad(enumPlan()), {{"q", "great"}}, options);
  REQUIRE(r.ok);
  REQUIRE(exchanges.size() == 2);
  auto requests = loop.transport.requests();
  REQUIRE(requests.size() == 2);
  for (int k = 0; k < 2; ++k) {
    CHECK(exchanges[k].nodeId == "a");
    CHECK(exchanges[k].request == json::parse(requests[k].body));
    CHECK(exchanges[k].usage.promptTokens == 10);
    CHECK(exchanges[k].usage.outputTokens == 3);
    CHECK(exchanges[k].finishReason == "stop");
  }
  // The raw answer text, before unwrapping {"value": ...}.
  CHECK(exchanges[0].answer == "{\"value\": \"ecstatic\"}");
  CHECK(exchanges[1].answer == "{\"value\": \"positive\"}");
  CHECK(exchanges[1].request["messages"].size() == 3);
}

TEST_CASE("host tools: sync and async callbacks, missing ones named", "[exec][tools]") {
  FakeLoop loop([](const HttpRequest&) { return completion("ok"); });
  {
    Runtime rt(fakeOptions(loop.transport));
    rt.registerTool("lookup", [](const json& args) {
      return ToolResult::success("found " + args["q"].get<std::string>());
    });
    RunResult r = rt.run(mustLoad(hostToolPlan()), {{"q", "x"}});
    REQUIRE(r.ok);
    CHECK(r.values["look"] == "found x");
  }
  {
    Runtime rt(fakeOptions(loop.transport));
    rt.registerAsyncTool("lookup", [](const json&, std::function<void(ToolResult)> done) {
      std::thread([done] { done(ToolResult::success("later")); }).detach();
    });
    RunResult r = rt.run(mustLoad(hostToolPlan()), {{"q", "x"}});
    REQUIRE(r.ok);
    CHECK(r.values["look"] == "later");
  }
  {
    Runtime rt(fakeOptions(loop.transport));
    rt.registerTool("lookup", [](const json&) { return ToolResult::success(42); });
    RunResult r = rt.run(mustLoad(hostToolPlan()), {{"q", "x"}});
    CHECK(r.error == "node 'look' (t.flow:3:1): tool 'lookup' returned a value that does not "
                     "match its type: $: expected string");
  }
  {
    Runtime rt(fakeOptions(loop.transport));
    RunResult r = rt.run(mustLoad(hostToolPlan()), {{"q", "x"}});
    CHECK(r.error == "node 'look' (t.flow:3:1): tool 'lookup': no host callback is registered "
                     "for tool 'lookup' (Runtime::registerTool)");
  }
}

TEST_CASE("HTTP tools may only call the plan's hosts", "[exec][tools]") {
  FakeLoop loop([](const HttpRequest& req) {
    FakeReply reply;
    reply.response.status = 200;
    reply.response.body = json(req.url).dump();
    return reply;
  });
  json p = basePlan();
  p["hosts"] = {"api.example"};
  p["tools"].push_back({{"id", "get"},
                        {"impl", "http"},
                        {"method", "GET"},
                        {"url", "https://api.example/items/{id}"},
                        {"params", json::array({{{"name", "id"}}, {{"name", "lang"}}})},
                        {"result_schema", {{"type", "string"}}}});
  p["tools"].push_back({{"id", "evil"},
                        {"impl", "http"},
                        {"method", "GET"},
                        {"url", "https://evil.example/{id}"},
                        {"params", json::array({{{"name", "id"}}})}});
  p["nodes"].push_back({{"id", "t"},
                        {"kind", "tool"},
                        {"tool", "get"},
                        {"deps", {"input.q"}},
                        {"args", {{"id", {{"ref", "input.q"}}}, {"lang", {{"lit", "en"}}}}}});
  p["nodes"].push_back(outputNode({"t"}, 2));
  Runtime rt(fakeOptions(loop.transport));
  RunResult r = rt.run(mustLoad(p), {{"q", "a b/c"}});
  REQUIRE(r.ok);
  CHECK(r.values["t"] == "https://api.example/items/a%20b%2Fc?lang=en");
  p["nodes"][1]["tool"] = "evil";
  p["nodes"][1]["args"] = {{"id", {{"ref", "input.q"}}}};
  r = rt.run(mustLoad(p), {{"q", "x"}});
  CHECK(r.error == "node 't': tool 'evil': host 'evil.example' is not among the plan's hosts");
}

TEST_CASE("guarded nodes of the arm not taken are skipped, transitively", "[exec][branch]") {
  json p = basePlan();
  p["nodes"].push_back(
      {{"id", "c/if"},
       {"kind", "branch"},
       {"deps", {"input.q"}},
       {"expr", {{"op", "=="}, {"args", json::array({{{"ref", "input.q"}}, {{"lit", "yes"}}})}}}});
  p["nodes"].push_back({{"id", "c/then/x"},
                        {"kind", "native"},
                        {"deps", {"c/if"}},
                        {"guard", {{"branch", "c/if"}, {"arm", 0}}},
                        {"expr", {{"lit", "then"}}}});
  p["nodes"].push_back({{"id", "c/then/inner"},
                        {"kind", "branch"},
                        {"deps", {"c/if"}},
                        {"guard", {{"branch", "c/if"}, {"arm", 0}}},
                        {"expr", {{"lit", true}}}});
  p["nodes"].push_back({{"id", "c/then/deep"},
                        {"kind", "native"},
                        {"deps", {"c/then/inner"}},
                        {"guard", {{"branch", "c/then/inner"}, {"arm", 0}}},
                        {"expr", {{"lit", "deep"}}}});
  p["nodes"].push_back({{"id", "c/else/y"},
                        {"kind", "native"},
                        {"deps", {"c/if"}},
                        {"guard", {{"branch", "c/if"}, {"arm", 1}}},
                        {"expr", {{"lit", "else"}}}});
  p["nodes"].push_back({{"id", "c"},
                        {"kind", "native"},
                        {"deps", {"c/if", "c/then/x", "c/else/y"}},
                        {"expr",
                         {{"if", {{"ref", "c/if"}}},
                          {"then", {{"ref", "c/then/x"}}},
                          {"else", {{"ref", "c/else/y"}}}}}});
  p["nodes"].push_back(outputNode({"c"}, 9));
  FakeLoop loop([](const HttpRequest&) { return completion("unused"); });
  Runtime rt(fakeOptions(loop.transport));
  RunResult no = rt.run(mustLoad(p), {{"q", "no"}});
  REQUIRE(no.ok);
  CHECK(no.output == json({{"c", "else"}}));
  CHECK_FALSE(no.values.contains("c/then/x"));
  CHECK_FALSE(no.values.contains("c/then/deep")); // guarded by a skipped branch
  RunResult yes = rt.run(mustLoad(p), {{"q", "yes"}});
  REQUIRE(yes.ok);
  CHECK(yes.output == json({{"c", "then"}}));
  CHECK(yes.values["c/then/deep"] == "deep");
  CHECK_FALSE(yes.values.contains("c/else/y"));
}

TEST_CASE("wait_for_warm: a skipped leader releases its follower; bad hints are ignored",
          "[exec][branch]") {
  json p = warmFirstPlan(); // nodes: input.q, a, b, output
  REQUIRE(p["nodes"][1]["id"] == "a");
  REQUIRE(p["nodes"][2]["id"] == "b");
  p["nodes"][1]["guard"] = {{"branch", "if"}, {"arm", 0}};
  p["nodes"][1]["deps"].push_back("if");
  p["nodes"][3] = outputNode({"b"}, 3);
  p["nodes"].push_back(
      {{"id", "if"},
       {"kind", "branch"},
       {"deps", {"input.q"}},
       {"expr", {{"op", "=="}, {"args", json::array({{{"ref", "input.q"}}, {{"lit", "yes"}}})}}}});
  FakeLoop loop([](const HttpRequest&) { return completion("fine"); });
  Runtime rt(fakeOptions(loop.transport));
  RunResult skipped = rt.run(mustLoad(p), {{"q", "no"}});
  REQUIRE(skipped.ok); // the leader never ran, and the follower did not wait for it forever
  CHECK(skipped.output == json({{"b", "fine"}}));
  CHECK_FALSE(skipped.values.contains("a"));
  RunResult taken = rt.run(mustLoad(p), {{"q", "yes"}});
  REQUIRE(taken.ok);
  CHECK(taken.values["a"] == "fine");
  // A hint naming an unknown node or the node itself is ignored, not an error.
  p["nodes"][2]["hints"]["wait_for_warm"] = "nobody";
  CHECK(rt.run(mustLoad(p), {{"q", "no"}}).ok);
  p["nodes"][2]["hints"]["wait_for_warm"] = "b"; // itself
  CHECK(rt.run(mustLoad(p), {{"q", "no"}}).ok);
}

TEST_CASE("the limiter admits the highest priority first and purges a run's waiters",
          "[exec][limits]") {
  FakeTransport transport;
  auto limiter = std::make_shared<detail::ModelLimiter>(1, 0, 0, transport);
  std::vector<int> order;
  int owner = 0;
  limiter->acquire(&owner, 5, 0, [&](bool go) { order.push_back(go ? 5 : -5); });
  limiter->acquire(&owner, 1, 0, [&](bool go) { order.push_back(go ? 1 : -1); });
  limiter->acquire(&owner, 9, 0, [&](bool go) { order.push_back(go ? 9 : -9); });
  int other = 0;
  limiter->acquire(&other, 7, 0, [&](bool go) { order.push_back(go ? 7 : -7); });
  CHECK(order == std::vector<int>{5});
  limiter->release();
  CHECK(order == std::vector<int>{5, 9});
  limiter->purge(&other);
  CHECK(order == std::vector<int>{5, 9, -7});
  limiter->release();
  CHECK(order == std::vector<int>{5, 9, -7, 1});
  CHECK(limiter->inFlight() == 1);

  // rpm: the second request waits for the window (a timer on the transport).
  auto rpm = std::make_shared<detail::ModelLimiter>(0, 1, 0, transport);
  int admitted = 0;
  rpm->acquire(&owner, 1, 0, [&](bool) { admitted++; });
  rpm->acquire(&owner, 1, 0, [&](bool) { admitted++; });
  CHECK(admitted == 1);
}

namespace {

// c classifies; `if` takes arm 0 when c == "a": x (hinted, free) or else y (hinted, $0.5).
json speculationPlan() {
  json p = basePlan();
  json c = llmNode("c", {"input.q"}, userMsg({staticSeg("Classify: "), refSeg("input.q")}), 3, 1);
  c["schema"] = {{"type", "string"}, {"enum", {"a", "b"}}};
  p["nodes"].push_back(c);
  p["nodes"].push_back(
      {{"id", "if"},
       {"kind", "branch"},
       {"deps", {"c"}},
       {"order", 2},
       {"expr", {{"op", "=="}, {"args", json::array({{{"ref", "c"}}, {{"lit", "a"}}})}}}});
  json x = llmNode("x", {"input.q", "if"}, userMsg({staticSeg("X: "), refSeg("input.q")}), 2, 3);
  x["guard"] = {{"branch", "if"}, {"arm", 0}};
  x["hints"] = {{"speculate", {{"gain_ms", 100}, {"extra_cost_usd", 0.0}, {"condition", "c"}}}};
  json y = llmNode("y", {"input.q", "if"}, userMsg({staticSeg("Y: "), refSeg("input.q")}), 2, 4);
  y["guard"] = {{"branch", "if"}, {"arm", 1}};
  y["hints"] = {{"speculate", {{"gain_ms", 100}, {"extra_cost_usd", 0.5}, {"condition", "c"}}}};
  p["nodes"].push_back(x);
  p["nodes"].push_back(y);
  p["nodes"].push_back(
      {{"id", "r"},
       {"kind", "native"},
       {"deps", {"if", "x", "y"}},
       {"order", 5},
       {"expr", {{"if", {{"ref", "if"}}}, {"then", {{"ref", "x"}}}, {"else", {{"ref", "y"}}}}}});
  p["nodes"].push_back(outputNode({"r"}, 6));
  return p;
}

// Pending requests by prompt tag, once every tag of `wanted` is pending (or after 2 s).
std::map<std::string, RequestId> awaitPending(FakeTransport& t, std::vector<std::string> wanted) {
  std::map<std::string, RequestId> byPrompt;
  for (int k = 0; k < 2000; ++k) {
    byPrompt.clear();
    auto requests = t.requests();
    for (RequestId id : t.pending()) {
      const std::string& body = requests[id - 1].body; // ids count from 1 in submit order
      for (const char* tag : {"Classify", "X: ", "Y: "})
        if (body.find(tag) != std::string::npos) byPrompt[tag] = id;
    }
    if (std::all_of(wanted.begin(), wanted.end(), [&](auto& w) { return byPrompt.count(w); }))
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return byPrompt;
}

// speculationPlan() started, x's early call and the classification in flight; the
// classification is answered with `label` — after x answered when `earlyFirst`, else while x
// is still in flight.
struct EarlyRun {
  FakeTransport transport;
  Runtime rt{fakeOptions(transport)};
  std::shared_ptr<RunHandle> run;
  std::map<std::string, RequestId> ids;
  EarlyRun(const std::string& label, bool earlyFirst) {
    run = rt.start(mustLoad(speculationPlan()), {{"q", "hello"}});
    ids = awaitPending(transport, {"Classify", "X: "});
    REQUIRE(ids.count("Classify"));
    REQUIRE(ids.count("X: ")); // started early
    if (earlyFirst) transport.complete(ids["X: "], completion("from x"));
    transport.complete(ids["Classify"], completion(R"({"value":")" + label + "\"}"));
  }
};

const NodeMetrics& nodeOf(const RunResult& r, const std::string& id) {
  for (const auto& n : r.metrics.nodes)
    if (n.id == id) return n;
  FAIL("no node " << id);
  return r.metrics.nodes.front();
}

} // namespace

TEST_CASE("a hinted step starts before its branch is decided and is adopted when taken",
          "[exec][speculate]") {
  // Both orders: the early answer arrives after the classification, or before it.
  for (bool earlyFirst : {false, true}) {
    EarlyRun e("a", earlyFirst);
    CHECK_FALSE(e.ids.count("Y: ")); // y's $0.5 is above the default limit of $0
    if (!earlyFirst) e.transport.complete(e.ids["X: "], completion("from x"));
    const RunResult& r = e.run->wait();
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.output == json({{"r", "from x"}}));
    CHECK(e.transport.requests().size() == 2);
    const NodeMetrics& x = nodeOf(r, "x");
    CHECK(x.speculation == "used");
    CHECK(x.speculatedBranch == "if");
    CHECK(x.startMs < nodeOf(r, "c").endMs);
    CHECK(r.metrics.speculated == 1);
    CHECK(r.metrics.speculationWasted == 0);
    CHECK(metricsToJson(r.metrics)["nodes"][3]["node.speculation"] == "used");
  }
}

TEST_CASE("a dropped speculation is cancelled or discarded, and its cost still counts",
          "[exec][speculate]") {
  for (bool earlyFirst : {false, true}) {
    EarlyRun e("b", earlyFirst);
    // Not taken: x is cancelled if still in flight, and y starts the usual way.
    auto after = awaitPending(e.transport, {"Y: "});
    REQUIRE(after.count("Y: "));
    CHECK_FALSE(after.count("X: "));
    e.transport.complete(after["Y: "], completion("from y"));
    const RunResult& r = e.run->wait();
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.output == json({{"r", "from y"}}));
    CHECK_FALSE(r.values.contains("x"));
    const NodeMetrics& x = nodeOf(r, "x");
    CHECK(x.speculation == "wasted");
    CHECK(x.error.empty());
    CHECK(r.metrics.speculationWasted == 1);
    if (earlyFirst) { // it answered before it was dropped: paid for, and counted
      CHECK(x.costUsd > 0);
      CHECK(r.metrics.speculationWastedUsd == Approx(x.costUsd));
      CHECK(r.metrics.costUsd ==
            Approx(x.costUsd + nodeOf(r, "c").costUsd + nodeOf(r, "y").costUsd));
    } else { // cancelled before any answer: no tokens came back
      CHECK(x.costUsd == 0);
    }
  }
}

TEST_CASE("the speculation limit and switch decide which hinted steps start early",
          "[exec][speculate]") {
  auto pendingAtStart = [](RunOptions options, std::vector<std::string> expected) {
    FakeTransport t;
    Runtime rt(fakeOptions(t));
    auto run = rt.start(mustLoad(speculationPlan()), {{"q", "hello"}}, options);
    awaitPending(t, expected);
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // and nothing else starts
    std::size_t n = t.pending().size();
    run->cancel();
    run->wait();
    return n;
  };
  RunOptions all;
  all.speculation.automatic = false; // the fixed per-step limits, not the plan's budget
  all.speculation.maxExtraCostUsd = std::numeric_limits<double>::infinity();
  CHECK(pendingAtStart(all, {"Classify", "X: ", "Y: "}) == 3);
  RunOptions half;
  half.speculation.automatic = false;
  half.speculation.maxExtraCostUsd = 0.49;
  CHECK(pendingAtStart(half, {"Classify", "X: "}) == 2);
  RunOptions off;
  off.speculation.enabled = false;
  CHECK(pendingAtStart(off, {"Classify"}) == 1);
}

TEST_CASE("a hinted step whose branch is already decided never starts early", "[exec][speculate]") {
  // x also reads u, an unguarded step that answers after the branch went the other way: x must
  // be skipped, not started and cancelled.
  json p = speculationPlan();
  p["nodes"].push_back(
      llmNode("u", {"input.q"}, userMsg({staticSeg("U: "), refSeg("input.q")}), 1, 7));
  for (auto& n : p["nodes"])
    if (n["id"] == "x") {
      n["deps"].push_back("u");
      n["messages"] = userMsg({staticSeg("X: "), refSeg("u")});
    }
  FakeTransport t;
  Runtime rt(fakeOptions(t));
  auto run = rt.start(mustLoad(p), {{"q", "hello"}});
  auto ids = awaitPending(t, {"Classify"});
  REQUIRE(ids.count("Classify"));
  t.complete(ids["Classify"], completion(R"({"value":"b"})"));
  ids = awaitPending(t, {"Y: "}); // the branch is decided
  REQUIRE(ids.count("Y: "));
  RequestId u = 0;
  auto requests = t.requests();
  for (RequestId id : t.pending())
    if (requests[id - 1].body.find("U: ") != std::string::npos) u = id;
  REQUIRE(u != 0);
  t.complete(u, completion("from u"));
  t.complete(ids["Y: "], completion("from y"));
  const RunResult& r = run->wait();
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.output == json({{"r", "from y"}}));
  for (const HttpRequest& req : t.requests())
    CHECK(req.body.find("X: ") == std::string::npos);
  CHECK(nodeOf(r, "x").speculation.empty());
  CHECK(r.metrics.speculated == 0);
}
