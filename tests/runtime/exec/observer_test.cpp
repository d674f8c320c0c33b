// A host's RunObserver (include/awc/runtime/observer.h) against the simulator: it hears every
// node of a run exactly once, in an order the interface promises, and agrees with the metrics.
#include "exec_test_util.h"

#include <map>
#include <mutex>

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

enum Ev {
  RunStart,
  Declared,
  Ready,
  Started,
  Admitted,
  FirstToken,
  Call,
  Exchange,
  Result,
  Finished,
  RunEnd
};

/// Records every event with a global sequence number (the lock orders them).
class Recorder : public RunObserver {
public:
  struct Entry {
    Ev ev;
    std::size_t seq;
  };
  std::mutex mutex;
  std::vector<Entry> log;
  std::map<std::size_t, std::string> ids;
  std::map<std::size_t, std::vector<std::string>> deps;
  std::map<std::size_t, NodeStatus> status;
  std::map<std::size_t, std::string> speculation;
  std::map<std::size_t, bool> started;
  std::string runId;
  bool finishedOk = false;

  void add(Ev ev, std::size_t seq = 0) {
    std::lock_guard lock(mutex);
    log.push_back({ev, seq});
  }
  void onRunStarted(const RunStarted& e) override {
    runId = e.runId;
    add(RunStart);
  }
  void onNodeDeclared(const NodeDeclared& e) override {
    {
      std::lock_guard lock(mutex);
      ids[e.node.seq] = e.node.id;
      deps[e.node.seq] = *e.deps;
    }
    add(Declared, e.node.seq);
  }
  void onNodeReady(const NodeTimeEvent& e) override { add(Ready, e.node.seq); }
  void onNodeStarted(const NodeTimeEvent& e) override { add(Started, e.node.seq); }
  void onNodeAdmitted(const NodeTimeEvent& e) override { add(Admitted, e.node.seq); }
  void onFirstToken(const NodeTimeEvent& e) override { add(FirstToken, e.node.seq); }
  void onModelCall(const ModelCallEvent& e) override { add(Call, e.node.seq); }
  void onModelExchange(const NodeRef& n, const ModelExchange&) override { add(Exchange, n.seq); }
  void onNodeResult(const NodeResultEvent& e) override { add(Result, e.node.seq); }
  void onNodeFinished(const NodeFinishedEvent& e) override {
    {
      std::lock_guard lock(mutex);
      status[e.node.seq] = e.status;
      speculation[e.node.seq] = e.speculation;
      started[e.node.seq] = e.started;
    }
    add(Finished, e.node.seq);
  }
  void onRunFinished(const RunResult& r) override {
    finishedOk = r.ok;
    add(RunEnd);
  }
};

/// Checks the order the interface promises and returns the number of nodes heard.
std::size_t checkOrder(const Recorder& rec, const RunResult& r) {
  REQUIRE(rec.log.size() >= 2);
  CHECK(rec.log.front().ev == RunStart);
  CHECK(rec.log.back().ev == RunEnd);
  CHECK(rec.runId == r.metrics.runId);
  CHECK(rec.finishedOk == r.ok);
  // Per node: positions of each event kind in the global log.
  std::map<std::size_t, std::map<Ev, std::vector<std::size_t>>> at;
  for (std::size_t k = 1; k + 1 < rec.log.size(); ++k) {
    CHECK(rec.log[k].ev != RunStart);
    CHECK(rec.log[k].ev != RunEnd);
    at[rec.log[k].seq][rec.log[k].ev].push_back(k);
  }
  REQUIRE(at.size() == r.metrics.nodes.size());
  std::map<std::string, std::size_t> seqOf;
  for (const auto& [seq, byEv] : at) {
    INFO("node " << rec.ids.at(seq));
    CHECK(r.metrics.nodes[seq].id == rec.ids.at(seq));
    seqOf[rec.ids.at(seq)] = seq;
    for (Ev once : {Declared, Ready, Finished})
      CHECK(byEv.count(once) == 1);
    for (Ev atMostOnce : {Started, Admitted, Result})
      CHECK(byEv.count(atMostOnce) <= 1);
    std::size_t declared = byEv.at(Declared)[0], ready = byEv.at(Ready)[0],
                finished = byEv.at(Finished)[0];
    CHECK(declared < ready);
    CHECK(ready < finished);
    CHECK(byEv.count(Started) == std::size_t(rec.started.at(seq)));
    for (const auto& [ev, positions] : byEv)
      for (std::size_t p : positions) {
        if (ev == Declared || ev == Ready || ev == Finished) continue;
        CHECK(p > ready);
        CHECK(p < finished);
        if (ev != Started) CHECK(p > byEv.at(Started)[0]);
      }
  }
  // A dependency finishes before its dependant is ready (speculation excepted).
  for (const auto& [seq, byEv] : at)
    for (const std::string& dep : rec.deps.at(seq)) {
      auto d = seqOf.find(dep);
      if (d == seqOf.end() || !rec.speculation.at(seq).empty() ||
          rec.speculation.at(d->second) == "wasted")
        continue;
      INFO(dep << " -> " << rec.ids.at(seq));
      CHECK(at[d->second][Finished][0] < byEv.at(Ready)[0]);
    }
  return at.size();
}

} // namespace

TEST_CASE("a host observer hears every node of a run once, in a valid order", "[exec][observer]") {
  for (const char* example : {"doc_review", "intent_router", "customer_support"}) {
    INFO(example);
    SimFixture sim;
    Runtime rt(sim.runtimeOptions(stubsFor(example)));
    auto rec = std::make_shared<Recorder>();
    RunOptions options;
    options.observers.push_back(rec);
    // `free`, not the default `auto`: a model step started early and then cancelled sends a
    // request that is never answered, which the call/exchange count below does not allow.
    options.speculation.automatic = false;
    RunResult r = rt.run(compileExample(example, 2), inputsFor(example), options);
    INFO(r.error);
    REQUIRE(r.ok);
    std::lock_guard lock(rec->mutex);
    CHECK(checkOrder(*rec, r) == r.metrics.nodes.size());
    int calls = 0, exchanges = 0;
    for (const auto& e : rec->log) {
      calls += e.ev == Call;
      exchanges += e.ev == Exchange;
    }
    // No faults: every request is answered, each call reports once and is one exchange.
    CHECK(exchanges == int(sim.server.log().size()));
    CHECK(calls == exchanges);
  }
}

TEST_CASE("an observer that asks for nothing hears nothing; a failed run still ends",
          "[exec][observer]") {
  struct Quiet : RunObserver {
    std::atomic<int> heard{0};
    unsigned events() const override { return 0; }
    void onRunStarted(const RunStarted&) override { heard++; }
    void onNodeReady(const NodeTimeEvent&) override { heard++; }
    void onRunFinished(const RunResult&) override { heard++; }
  };
  SimFixture sim;
  Runtime rt(sim.runtimeOptions());
  auto quiet = std::make_shared<Quiet>();
  auto rec = std::make_shared<Recorder>();
  RunOptions options;
  options.observers = {quiet, rec};
  RunResult r = rt.run(mustLoad(twoIndependentLlmPlan()), {{"nope", 1}}, options);
  CHECK_FALSE(r.ok);
  CHECK(quiet->heard == 0);
  std::lock_guard lock(rec->mutex);
  REQUIRE(rec->log.size() == 2); // bad inputs: the run starts and ends, no node runs
  CHECK(rec->log[0].ev == RunStart);
  CHECK(rec->log[1].ev == RunEnd);
}
