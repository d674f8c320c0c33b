// End-to-end tests of the executor: plans (hand-written and compiled from examples/) run
// against the in-process simulator over real HTTP; assertions read the simulator's request log.
#include "awc/runtime/trace.h"
#include "exec_test_util.h"

#include <atomic>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <thread>

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

bool overlaps(const awc::sim::LogEntry& a, const awc::sim::LogEntry& b) {
  return a.arrivalMs < b.finishMs.value_or(1e18) && b.arrivalMs < a.finishMs.value_or(1e18);
}

/// The order in which a run's ready and finished events arrive ("ready b", "finished a").
class EventOrder : public RunObserver {
public:
  void onNodeReady(const NodeTimeEvent& e) override { add("ready ", e.node.id); }
  void onNodeFinished(const NodeFinishedEvent& e) override { add("finished ", e.node.id); }
  /// Position of `what` in the order; the end when it never came.
  std::size_t index(const std::string& what) {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::size_t(std::find(seen_.begin(), seen_.end(), what) - seen_.begin());
  }

private:
  void add(const char* event, std::string_view id) {
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.push_back(event + std::string(id));
  }
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

} // namespace

TEST_CASE("independent steps run at once: their request intervals intersect", "[exec][e2e]") {
  SimFixture sim;
  auto plan = mustLoad(twoIndependentLlmPlan());
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(plan, {{"q", "hello"}});
  REQUIRE(r.ok);
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  CHECK(overlaps(log[0], log[1]));
  CHECK(r.metrics.peakParallelism >= 2);
}

TEST_CASE("a sequential (-O0) plan runs one model call at a time", "[exec][e2e]") {
  SimFixture sim;
  json doc = twoIndependentLlmPlan();
  doc["mode"] = "sequential";
  auto plan = mustLoad(doc);
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(plan, {{"q", "hello"}});
  REQUIRE(r.ok);
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  CHECK_FALSE(overlaps(log[0], log[1]));
}

TEST_CASE("customer_support runs at -O0 and -O2 with the same answer", "[exec][e2e]") {
  SimFixture sim(fixturesFile());
  Runtime rt(sim.runtimeOptions(stubsFor("customer_support")));
  RunResult r0 = rt.run(compileExample("customer_support", 0), inputsFor("customer_support"));
  RunResult r2 = rt.run(compileExample("customer_support", 2), inputsFor("customer_support"));
  REQUIRE(r0.ok);
  REQUIRE(r2.ok);
  CHECK(r0.output == r2.output);
  CHECK(r2.output.get<std::string>().find("Ava, ACME Home Goods") != std::string::npos);
  CHECK(r2.values["total"] == json(75.75));
  CHECK(r2.metrics.modelCalls == 2);
  CHECK(sim.server.log().size() == 4);
}

TEST_CASE("a fused step is one request whose answer is split into the original steps",
          "[exec][e2e]") {
  SimFixture sim;
  // The golden case whose chain the fusion gate takes (ticket_triage's it declines).
  awc::CompileOptions options;
  options.optLevel = 2;
  awc::Compilation c =
      compileFile(std::string(AWC_SOURCE_DIR) + "/tests/golden/cases/fuse_vertical.flow", options);
  REQUIRE(c.ok());
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(mustLoad(c.plan), {{"q", "my parcel is late again"}});
  REQUIRE(r.ok);
  CHECK(r.values.contains("m"));
  CHECK(r.values.contains("r"));
  // One request for the fused node and one per remaining model step.
  CHECK(std::int64_t(sim.server.log().size()) == r.metrics.modelCalls);
  int fusedNodes = 0;
  for (const auto& n : r.metrics.nodes)
    if (n.id.find('+') != std::string::npos) {
      ++fusedNodes;
      CHECK(n.modelCalls == 1);
    }
  CHECK(fusedNodes == 1);
}

TEST_CASE("a shared static prefix is sent byte-identical: the later request hits the prefix cache",
          "[exec][e2e]") {
  SimFixture sim;
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(mustLoad(sharedPrefixChainPlan()), {{"q", "hello"}});
  REQUIRE(r.ok);
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].cachedTokens == 0);
  CHECK(log[1].cachedTokens >= 256); // the whole shared system prefix, in 16-token blocks
  auto second = std::find_if(r.metrics.nodes.begin(), r.metrics.nodes.end(),
                             [](const NodeMetrics& n) { return n.id == "b"; });
  REQUIRE(second != r.metrics.nodes.end());
  CHECK(second->cachedTokens == std::int64_t(log[1].cachedTokens));
}

TEST_CASE("wait_for_warm: a follower starts at its leader's first token and reads the prefix "
          "from the cache",
          "[exec][e2e]") {
  SimFixture sim(/*fixtures=*/"", {}, /*speed=*/5);
  Runtime rt(sim.runtimeOptions());
  auto order = std::make_shared<EventOrder>();
  RunOptions options;
  options.observers = {order};
  RunResult r = rt.run(mustLoad(warmFirstPlan()), {{"q", "hello"}}, options);
  REQUIRE(r.ok);
  auto log = sim.server.log();
  REQUIRE(log.size() == 2);
  const auto& leader = log[0].cachedTokens == 0 ? log[0] : log[1];
  const auto& follower = log[0].cachedTokens == 0 ? log[1] : log[0];
  REQUIRE(leader.firstTokenMs);
  // Causal, not timed: the simulator sent a's first token before b's request could exist.
  CHECK(follower.arrivalMs >= *leader.firstTokenMs);
  // Not held until the end: a's first token makes b ready inside the token's callback, which
  // the runtime handles before a's stream can end, so b's ready precedes a's finish. (Whether
  // b's *request* reaches the server before a's answer ends is a race on a loaded machine.)
  CHECK(order->index("ready b") < order->index("finished a"));
  CHECK(follower.cachedTokens >= 256); // it read the prefix that a's prefill had cached
  // Without the hint both start at once and both pay for the prefix.
  SimFixture cold(/*fixtures=*/"", {}, /*speed=*/5);
  Runtime rt2(cold.runtimeOptions());
  json doc = warmFirstPlan();
  doc["nodes"][2].erase("hints"); // b
  REQUIRE(rt2.run(mustLoad(doc), {{"q", "hello"}}).ok);
  auto coldLog = cold.server.log();
  REQUIRE(coldLog.size() == 2);
  INFO(coldLog[0].toJson().dump() << "\n" << coldLog[1].toJson().dump());
  CHECK(coldLog[0].cachedTokens + coldLog[1].cachedTokens == 0);
}

TEST_CASE("a warm rerun sends no request; an edited step re-runs only itself and dependants",
          "[exec][e2e]") {
  SimFixture sim;
  std::string error;
  ResultCacheOptions cacheOptions;
  cacheOptions.sqlitePath =
      std::string(AWC_BINARY_DIR) + "/tests/exec_cache_" + std::to_string(::getpid()) + ".sqlite";
  std::remove(cacheOptions.sqlitePath.c_str());
  auto cache = std::shared_ptr<ResultCache>(ResultCache::open(cacheOptions, error));
  REQUIRE(cache);
  RuntimeOptions options = sim.runtimeOptions();
  options.cache = cache;
  Runtime rt(options);
  json doc = cacheablePlan();
  RunResult cold = rt.run(mustLoad(doc), {{"q", "hello"}});
  REQUIRE(cold.ok);
  CHECK(sim.server.log().size() == 2);
  RunResult warm = rt.run(mustLoad(doc), {{"q", "hello"}});
  REQUIRE(warm.ok);
  CHECK(sim.server.log().size() == 2); // nothing sent
  CHECK(warm.metrics.cacheHits == 2);
  CHECK(warm.metrics.modelCalls == 0);
  CHECK(warm.output == cold.output);

  // Edit b's prompt: a is still served from the cache, b runs again.
  doc["nodes"][2]["messages"][0]["segments"][0]["text"] = "Summarise differently: ";
  RunResult edited = rt.run(mustLoad(doc), {{"q", "hello"}});
  REQUIRE(edited.ok);
  CHECK(sim.server.log().size() == 3);
  CHECK(edited.metrics.cacheHits == 1);
  std::remove(cacheOptions.sqlitePath.c_str());
}

TEST_CASE("injected 429s, 500s and dropped streams are retried and the run succeeds",
          "[exec][e2e]") {
  std::string error;
  auto faults = awc::sim::parseFaultSpec("429=0.3,500=0.2,drop=0.2,retry_after=0", error);
  REQUIRE(faults);
  SimFixture sim("", *faults);
  RuntimeOptions options = sim.runtimeOptions(stubsFor("doc_review"));
  Runtime rt(options);
  RunResult r = rt.run(compileExample("doc_review", 2), inputsFor("doc_review"));
  INFO(r.error);
  REQUIRE(r.ok);
  CHECK(r.metrics.retries > 0);
  std::set<std::string> seen;
  for (const auto& e : sim.server.log())
    if (!e.fault.empty()) seen.insert(e.fault);
  CHECK(seen.size() >= 2);
}

TEST_CASE("answers that never match the schema fail the node clearly after one repair",
          "[exec][e2e]") {
  std::string error;
  auto faults = awc::sim::parseFaultSpec("schema=1", error);
  REQUIRE(faults);
  SimFixture sim("", *faults);
  Runtime rt(sim.runtimeOptions(stubsFor("customer_support")));
  RunResult r = rt.run(compileExample("customer_support", 2), inputsFor("customer_support"));
  REQUIRE_FALSE(r.ok);
  CHECK(r.errorNode == "mood");
  CHECK(r.error.rfind("node 'mood' (", 0) == 0);
  CHECK(r.error.find("customer_support.flow:") != std::string::npos);
  CHECK(r.error.find("does not match the schema") != std::string::npos);
  CHECK(r.error.find("after one repair attempt") != std::string::npos);
  // The tool finished before the failure: its value and metrics are kept.
  CHECK(r.values.contains("order"));
  CHECK(sim.server.log().size() == 2); // the call and its one repair
}

TEST_CASE("a throwing host tool fails its node by name; finished results are kept", "[exec][e2e]") {
  SimFixture sim;
  Runtime rt(sim.runtimeOptions());
  rt.registerTool("lookup", [](const json&) -> ToolResult {
    std::this_thread::sleep_for(std::chrono::milliseconds(50)); // let the model call finish
    throw std::runtime_error("database unreachable");
  });
  RunResult r = rt.run(mustLoad(hostToolPlan()), {{"q", "hello"}});
  REQUIRE_FALSE(r.ok);
  CHECK(r.errorNode == "look");
  CHECK(r.error == "node 'look' (t.flow:3:1): tool 'lookup': the host tool threw: database "
                   "unreachable");
  CHECK(r.values.contains("a"));
  bool keptMetrics = false;
  for (const auto& n : r.metrics.nodes)
    if (n.id == "a") keptMetrics = n.endMs >= 0 && n.error.empty() && n.outputTokens > 0;
  CHECK(keptMetrics);
  CHECK(r.metrics.error == r.error);
}

TEST_CASE("cancelling a run stops its in-flight model calls", "[exec][e2e]") {
  SimFixture sim("", {}, 0.01); // every answer would take tens of seconds
  Runtime rt(sim.runtimeOptions());
  auto handle = rt.start(mustLoad(twoIndependentLlmPlan()), {{"q", "hello"}});
  for (int i = 0; i < 1000 && sim.server.stats().openStreams < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  REQUIRE(sim.server.stats().openStreams == 2);
  handle->cancel();
  REQUIRE(handle->waitFor(std::chrono::seconds(10)));
  const RunResult& r = handle->wait();
  CHECK(r.cancelled);
  CHECK_FALSE(r.ok);
  // The simulator sees both clients leave.
  bool closed = false;
  for (int i = 0; i < 2500 && !closed; ++i) {
    int n = 0;
    for (const auto& e : sim.server.log())
      n += e.finishReason == "client_closed";
    closed = n == 2;
    if (!closed) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  INFO("open streams " << sim.server.stats().openStreams << ", open connections "
                       << sim.server.stats().openConnections << ", log "
                       << sim.server.log().size());
  CHECK(closed);
}

TEST_CASE("API keys never appear in results, errors, metrics or traces", "[exec][e2e]") {
  const std::string secret = "sk-test-SECRET-0123456789";
  std::string error;
  auto faults = awc::sim::parseFaultSpec("500=1", error);
  REQUIRE(faults);
  SimFixture sim("", *faults);
  RuntimeOptions options = sim.runtimeOptions();
  options.backend = Provider::OpenAI; // sends the key (the simulator ignores it)
  options.env = [secret](const std::string& name) -> std::optional<std::string> {
    if (name == "TEST_KEY") return secret;
    return std::nullopt;
  };
  Runtime rt(options);
  json doc = twoIndependentLlmPlan();
  doc["models"][0]["key_env"] = "TEST_KEY";
  RunResult r = rt.run(mustLoad(doc), {{"q", "hello " + secret}});
  REQUIRE_FALSE(r.ok);
  CHECK(r.error.find("HTTP 500") != std::string::npos);
  // The input itself carries the secret text on purpose: nothing but inputs may echo it.
  CHECK(r.error.find(secret) == std::string::npos);
  CHECK(metricsToJson(r.metrics).dump().find(secret) == std::string::npos);
  CHECK(chromeTrace({r.metrics}).dump().find(secret) == std::string::npos);

  // A missing key is a clear error naming the variable, not the value.
  options.env = [](const std::string&) { return std::nullopt; };
  Runtime noKey(options);
  RunResult missing = noKey.run(mustLoad(doc), {{"q", "hello"}});
  REQUIRE_FALSE(missing.ok);
  CHECK(missing.error.find("TEST_KEY") != std::string::npos);
}

TEST_CASE("branches run only the taken arm; the rest is skipped", "[exec][e2e]") {
  SimFixture sim;
  auto plan = compileExample("intent_router", 2);
  Runtime rt(sim.runtimeOptions(stubsFor("intent_router")));
  RunResult r = rt.run(plan, inputsFor("intent_router"));
  INFO(r.error);
  REQUIRE(r.ok);
  REQUIRE(r.values.contains("intent"));
  int arms = 0;
  for (const char* reply : {"reply/then/billing_reply", "reply/else/then/tech_reply",
                            "reply/else/else/then/sales_reply"})
    arms += r.values.contains(reply);
  CHECK(arms <= 1);
  for (const auto& n : r.metrics.nodes)
    if (n.id.rfind("reply/", 0) == 0 && n.kind == "llm" && n.startMs >= 0)
      CHECK(r.values.contains(n.id));
}

TEST_CASE("map fans out in parallel; reduce folds", "[exec][e2e]") {
  SimFixture sim;
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(compileExample("doc_review", 2), inputsFor("doc_review"));
  INFO(r.error);
  REQUIRE(r.ok);
  REQUIRE(r.values["scored"].is_array());
  CHECK(r.values["scored"].size() == 4);
  CHECK(r.values["lines"].size() == 4);
  CHECK(r.values["high_risk"].is_number_integer());
  auto log = sim.server.log();
  REQUIRE(log.size() == 5); // one review per document, one summary
  int overlapping = 0;
  for (std::size_t i = 1; i < 4; ++i)
    overlapping += overlaps(log[0], log[i]);
  CHECK(overlapping >= 1);
  // Instances are in the metrics by element.
  int instances = 0;
  for (const auto& n : r.metrics.nodes)
    instances += n.id.rfind("scored/r[", 0) == 0;
  CHECK(instances == 4);
}

TEST_CASE("max_concurrency binds: one call at a time, highest priority first", "[exec][e2e]") {
  SimFixture sim;
  json doc = threeIndependentLlmPlan();
  doc["models"][0]["limits"]["max_concurrency"] = 1;
  Runtime rt(sim.runtimeOptions());
  RunResult r = rt.run(mustLoad(doc), {{"q", "hello"}});
  REQUIRE(r.ok);
  auto log = sim.server.log();
  REQUIRE(log.size() == 3);
  for (const auto& e : log)
    CHECK(e.inFlight == 1);
  // Priorities: c (300) > a (200) > b (100). The first call is admitted as soon as it reaches
  // the limiter (whichever that is); the two that queued behind it leave in priority order.
  // A node's start is its admission (docs/metrics.md), so starts are ordered like the calls.
  std::map<std::string, int> priority = {{"a", 200}, {"b", 100}, {"c", 300}};
  std::vector<const NodeMetrics*> calls;
  for (const auto& n : r.metrics.nodes)
    if (n.kind == "llm") calls.push_back(&n);
  REQUIRE(calls.size() == 3);
  std::sort(calls.begin(), calls.end(),
            [](const NodeMetrics* x, const NodeMetrics* y) { return x->startMs < y->startMs; });
  CHECK(priority[calls[1]->id] > priority[calls[2]->id]);
}

TEST_CASE("many concurrent runs share one Runtime", "[exec][e2e]") {
  SimFixture sim(fixturesFile());
  Runtime rt(sim.runtimeOptions(stubsFor("customer_support")));
  auto plan = compileExample("customer_support", 2);
  std::vector<std::shared_ptr<RunHandle>> handles;
  std::atomic<int> callbacks{0};
  for (int i = 0; i < 40; ++i) {
    json inputs = inputsFor("customer_support");
    inputs["order_id"] = "A-" + std::to_string(i);
    handles.push_back(rt.start(plan, inputs, {}, [&](const RunResult&) { callbacks++; }));
  }
  handles[7]->cancel();
  int ok = 0, cancelled = 0;
  for (auto& h : handles) {
    const RunResult& r = h->wait();
    ok += r.ok;
    cancelled += r.cancelled;
  }
  CHECK(ok + cancelled == 40);
  CHECK(ok >= 39);
  CHECK(callbacks == 40);
}

TEST_CASE("onModelExchange reports each model call: node, request as sent, answer, usage",
          "[exec][e2e][record]") {
  SimFixture sim;
  Runtime rt(sim.runtimeOptions());
  std::vector<ModelExchange> exchanges; // the runtime serializes one run's calls
  RunOptions options;
  options.onModelExchange = [&](const ModelExchange& e) { exchanges.push_back(e); };
  RunResult r = rt.run(mustLoad(twoIndependentLlmPlan()), {{"q", "hello"}}, options);
  REQUIRE(r.ok);
  REQUIRE(exchanges.size() == 2);
  REQUIRE(sim.server.log().size() == 2);
  std::map<std::string, const ModelExchange*> byNode;
  for (const auto& e : exchanges)
    byNode[e.nodeId] = &e;
  REQUIRE(byNode.size() == 2);
  for (const auto& [id, prompt] : std::map<std::string, std::string>{
           {"a", "First question: hello"}, {"b", "Second question: hello"}}) {
    INFO(id);
    REQUIRE(byNode.count(id));
    const ModelExchange& e = *byNode[id];
    CHECK(e.request["model"] == "llama-3.1-8b");
    REQUIRE(e.request["messages"].size() == 1);
    CHECK(e.request["messages"][0] == json({{"role", "user"}, {"content", prompt}}));
    CHECK(e.request["max_completion_tokens"] == 16);
    CHECK(e.answer == r.values[id].get<std::string>());
    CHECK(e.usage.outputTokens > 0);
    CHECK(e.usage.promptTokens > 0);
    CHECK(!e.finishReason.empty());
  }
  // Without the hook nothing is reported, and the run is the same.
  exchanges.clear();
  REQUIRE(rt.run(mustLoad(twoIndependentLlmPlan()), {{"q", "hello"}}).ok);
  CHECK(exchanges.empty());
}

TEST_CASE("onModelExchange names map instances and skips failed attempts", "[exec][e2e][record]") {
  std::string error;
  auto faults = awc::sim::parseFaultSpec("429=0.2,500=0.2,drop=0.2,retry_after=0", error);
  REQUIRE(faults);
  SimFixture sim("", *faults);
  Runtime rt(sim.runtimeOptions(stubsFor("doc_review")));
  std::vector<ModelExchange> exchanges;
  RunOptions options;
  options.onModelExchange = [&](const ModelExchange& e) { exchanges.push_back(e); };
  RunResult r = rt.run(compileExample("doc_review", 2), inputsFor("doc_review"), options);
  INFO(r.error);
  REQUIRE(r.ok);
  // One exchange per answered request: failed attempts (faults) are not reported.
  std::int64_t answered = 0, outputTokens = 0;
  for (const auto& e : sim.server.log())
    if (e.fault.empty()) {
      ++answered;
      outputTokens += std::int64_t(e.outputTokens);
    }
  CHECK(std::int64_t(exchanges.size()) == answered);
  std::int64_t reportedTokens = 0;
  std::set<std::string> nodes;
  for (const auto& e : exchanges) {
    reportedTokens += e.usage.outputTokens;
    nodes.insert(e.nodeId);
  }
  CHECK(reportedTokens == outputTokens);
  std::set<std::string> llmNodes;
  for (const auto& n : r.metrics.nodes)
    if (n.kind == "llm" && n.modelCalls > 0) llmNodes.insert(n.id);
  CHECK(nodes == llmNodes);
  CHECK(nodes.count("scored/r[0]") == 1);
  CHECK(nodes.count("scored/r[3]") == 1);
}

TEST_CASE("speculation changes when arm steps start, never what the run computes",
          "[exec][e2e][speculate]") {
  // A second valued at $1 (-fspeculate-value=1): the exchange rule marks every arm step.
  awc::CompileOptions compile;
  compile.speculateUsdPerS = 1;
  awc::Compilation c =
      awc::compileFile(std::string(AWC_SOURCE_DIR) + "/examples/intent_router.flow", compile);
  REQUIRE(c.ok());
  auto plan = mustLoad(c.plan);
  auto runWith = [&](double maxExtraUsd, bool enabled) {
    SimFixture sim; // a fresh simulator each time: same answers, same prefix-cache state
    Runtime rt(sim.runtimeOptions(stubsFor("intent_router")));
    RunOptions options;
    options.speculation.enabled = enabled;
    options.speculation.automatic = false;
    options.speculation.maxExtraCostUsd = maxExtraUsd;
    return rt.run(plan, inputsFor("intent_router"), options);
  };
  RunResult off = runWith(0, false);
  RunResult all = runWith(std::numeric_limits<double>::infinity(), true);
  RunResult free = runWith(0, true);
  for (const RunResult* r : {&off, &all, &free}) {
    INFO(r->error);
    REQUIRE(r->ok);
    CHECK(r->output == off.output);
    CHECK(r->metrics.criticalPathMs <= r->metrics.wallMs + 1e-6);
  }
  CHECK(off.metrics.speculated == 0);
  // Five hinted steps (two tools, three model calls) and the map the technical reply reads.
  CHECK(all.metrics.speculated == 6);
  CHECK(free.metrics.speculated == 2); // the two tools without side effects
  for (const auto& n : all.metrics.nodes) {
    if (n.speculation.empty()) continue;
    // Used exactly when the arm was taken, which is when the value survived.
    CHECK((n.speculation == "used") == all.values.contains(n.id));
    CHECK(n.error.empty());
  }
  CHECK(all.metrics.speculationWasted >= 3); // at most one arm of four is taken
  CHECK(all.metrics.costUsd >= off.metrics.costUsd - 1e-12);
}

TEST_CASE("speculate auto: arm model steps start early within the plan's budget, not beyond",
          "[exec][e2e][speculate]") {
  // A first version with a forgotten step: dce removes `notes`, and what -O0 would have paid
  // for it is the budget `auto` may spend on starting both arms before `urgent` is known.
  const char* flow = R"F(
model big = openai("gpt-4o") { price_in: 2.5, price_out: 10.0, size: "large" }
model small = openai("llama-3.1-8b") { price_in: 0.05, price_out: 0.08, size: "small" }
workflow main(q: string) -> string {
  notes = llm big -> string { user "Notes on {q}" max_tokens: 300 }
  urgent = llm small -> bool { user "Is this urgent? {q}" }
  r = if urgent {
    x = llm big -> string { user "Escalate: {q}" max_tokens: 20 }
    x
  } else {
    y = llm big -> string { user "Reassure: {q}" max_tokens: 20 }
    y
  }
  return r
}
)F";
  awc::CompileOptions options;
  awc::Compilation c = awc::compileSource("auto.flow", flow, options);
  REQUIRE(c.ok());
  json doc = c.plan;
  double budget = doc["estimate"].value("speculation_budget_usd", 0.0);
  std::vector<double> extras;
  for (const auto& n : doc["nodes"])
    if (n.contains("hints") && n["hints"].contains("speculate"))
      extras.push_back(n["hints"]["speculate"]["extra_cost_usd"].get<double>());
  REQUIRE(extras.size() == 2);
  REQUIRE(extras[0] > 0);
  REQUIRE(extras[1] > 0);
  REQUIRE(budget >= extras[0] + extras[1]); // both fit the compiled budget
  auto runWith = [&](std::optional<double> budgetUsd, bool automatic) {
    json d = doc;
    if (budgetUsd) d["estimate"]["speculation_budget_usd"] = *budgetUsd;
    SimFixture sim; // fresh: same answers, same prefix-cache state
    Runtime rt(sim.runtimeOptions());
    RunOptions ro; // `auto` is the default
    if (!automatic) ro.speculation.enabled = false;
    RunResult r = rt.run(mustLoad(d), {{"q", "The site is down for every customer"}}, ro);
    INFO(r.error);
    REQUIRE(r.ok);
    return r;
  };
  RunResult off = runWith(std::nullopt, false);
  RunResult spent = runWith(std::nullopt, true);
  RunResult none = runWith(0.0, true);
  RunResult one = runWith(std::min(extras[0], extras[1]) * 1.5, true);
  for (const RunResult* r : {&spent, &none, &one})
    CHECK(r->output == off.output); // speculation never changes what the run computes
  CHECK(off.metrics.speculated == 0);
  // Within the budget both arms start early; exactly one is taken, the other is wasted and
  // counted (what it cost depends on how far it got before it was cancelled).
  CHECK(spent.metrics.speculated == 2);
  CHECK(spent.metrics.speculationWasted == 1);
  for (const auto& n : spent.metrics.nodes)
    if (n.id == "r/then/x" || n.id == "r/else/y")
      CHECK((n.speculation == "used") == spent.values.contains(n.id));
  // No budget: nothing that costs money starts early. A budget for one: only one does.
  CHECK(none.metrics.speculated == 0);
  CHECK(none.metrics.costUsd == Approx(off.metrics.costUsd));
  CHECK(one.metrics.speculated == 1);
}
