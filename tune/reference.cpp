// Running a plan over samples with bounded concurrency under the budget, recording every model
// exchange per node instance with its timings: the reference runs, and the front's plan runs.
#include "awc/runtime/observer.h"
#include "tune_reference.h"

#include <condition_variable>
#include <mutex>

namespace awc::tune::detail {

using nlohmann::json;

std::string stepOf(const std::string& instanceId) {
  std::string out;
  int depth = 0;
  for (char c : instanceId) {
    if (c == '[') ++depth;
    if (depth == 0) out += c;
    if (c == ']' && depth > 0) --depth;
  }
  return out;
}

namespace {

// Joins a finished run's exchanges with its node metrics (timings, cost).
void attachTimings(SampleRun& s) {
  for (const auto& n : s.result.metrics.nodes) {
    auto it = s.exchanges.find(n.id);
    if (it == s.exchanges.end()) continue;
    Exchange& e = it->second;
    e.latencyMs = n.durationMs();
    e.ttftMs = n.firstTokenMs >= 0 ? n.firstTokenMs - n.startMs : e.latencyMs;
    e.tokensPerS = n.tokensPerSecond();
    e.costUsd = n.costUsd;
  }
}

// Keeps the value of every map body node instance of one run ("scored/r[2]"); the run's
// result has the top-level values only.
class InstanceValues final : public runtime::RunObserver {
public:
  explicit InstanceValues(json& out) : out_(out) {}
  unsigned events() const override { return runtime::kNodeResultEvents; }
  void onNodeResult(const runtime::NodeResultEvent& e) override {
    if (e.node.id.find('[') == std::string_view::npos || !e.value) return;
    std::lock_guard lock(mutex_); // instances of one run finish on several threads
    out_[std::string(e.node.id)] = *e.value;
  }

private:
  json& out_;
  std::mutex mutex_;
};

// Records when each model call of a run is in flight (Budget::busy): from its node's start, or
// its admission past the model's limits, to the call's end; a repaired node's second call from
// the first one's end. Tool calls are not counted.
class CallTimes : public runtime::RunObserver {
public:
  explicit CallTimes(BusyClock& clock) : clock_(clock) {}
  unsigned events() const override {
    return runtime::kNodeLifecycleEvents | runtime::kModelCallEvents;
  }
  void onNodeStarted(const runtime::NodeTimeEvent& e) override {
    if (e.node.kind == "llm") mark(e.node.seq);
  }
  void onNodeAdmitted(const runtime::NodeTimeEvent& e) override { mark(e.node.seq); }
  void onModelCall(const runtime::ModelCallEvent& e) override {
    auto now = BusyClock::Clock::now();
    std::lock_guard lock(mutex_);
    auto it = started_.find(e.node.seq);
    if (it == started_.end()) return;
    clock_.add(it->second, now);
    it->second = now;
  }

private:
  void mark(std::size_t seq) {
    std::lock_guard lock(mutex_);
    started_[seq] = BusyClock::Clock::now();
  }
  BusyClock& clock_;
  std::mutex mutex_;
  std::map<std::size_t, BusyClock::Clock::time_point> started_;
};

} // namespace

std::vector<SampleRun> runSamples(runtime::Runtime& rt, std::shared_ptr<const runtime::Plan> plan,
                                  const std::vector<json>& samples, const RunEstimate& first,
                                  int concurrency, Budget& budget,
                                  const std::function<void(int64_t)>& tick) {
  std::vector<SampleRun> runs(samples.size());
  std::mutex mutex;
  std::condition_variable cv;
  int inFlight = 0;
  int64_t finished = 0, doneCalls = 0;
  double doneUsd = 0;
  auto waitBelow = [&](int below) {
    std::unique_lock lock(mutex);
    while (inFlight >= below) {
      int64_t seen = finished;
      cv.wait(lock, [&] { return finished != seen; });
      int64_t n = finished;
      lock.unlock();
      if (tick) tick(n);
      lock.lock();
    }
  };
  for (std::size_t i = 0; i < samples.size(); ++i) {
    waitBelow(concurrency);
    RunEstimate est = first;
    {
      std::lock_guard lock(mutex);
      if (finished > 0)
        est = {doneCalls / finished + (doneCalls % finished ? 1 : 0), doneUsd / double(finished)};
    }
    if (!budget.reserve(est.calls, est.usd)) break;
    SampleRun* s = &runs[i];
    s->started = true;
    runtime::RunOptions options;
    options.useCache = false;
    options.speculation.enabled = false; // every measured call belongs to a taken arm
    options.observers.push_back(std::make_shared<CallTimes>(budget.busy()));
    options.onModelExchange = [s](const runtime::ModelExchange& e) {
      Exchange& x = s->exchanges[e.nodeId]; // a repaired node keeps its last exchange
      x.request = e.request;
      x.answer = e.answer;
      x.finishReason = e.finishReason;
      x.usage = e.usage;
    };
    options.observers.push_back(std::make_shared<InstanceValues>(s->instanceValues));
    {
      std::lock_guard lock(mutex);
      ++inFlight;
    }
    rt.start(plan, samples[i], std::move(options), [&, s, est](const runtime::RunResult& r) {
      budget.settle(est.calls, est.usd, r.metrics.modelCalls, r.metrics.costUsd);
      std::lock_guard lock(mutex);
      s->result = r;
      --inFlight;
      ++finished;
      doneCalls += r.metrics.modelCalls;
      doneUsd += r.metrics.costUsd;
      cv.notify_all();
    });
  }
  waitBelow(1);
  for (SampleRun& s : runs)
    if (s.started) attachTimings(s);
  return runs;
}

} // namespace awc::tune::detail
