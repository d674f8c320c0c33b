// Executor overhead per node: a generated 10,000-node plan (layers of native nodes with a model
// node in every tenth slot) run against an instant in-process backend, so the whole wall time is
// the runtime's own coordination. Target: <= 5 µs per node.
//   runtime_overhead [nodes=10000] [width=100] [repeats=5]
#include "awc/runtime/runtime.h"

#include <condition_variable>
#include <cstdio>
#include <deque>
#include <mutex>
#include <thread>

using namespace awc::runtime;
using nlohmann::json;

namespace {

// Answers every request at once, on its own I/O thread, with a short streamed completion.
class InstantTransport final : public Transport {
public:
  InstantTransport() : thread_([this] { loop(); }) {}
  ~InstantTransport() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  RequestId submit(HttpRequest request, HttpCallback callback) override {
    std::lock_guard lock(mutex_);
    queue_.push_back({std::move(request), std::move(callback), {}, {}});
    cv_.notify_one();
    return ++ids_;
  }
  void cancel(RequestId) override {}
  void runAfter(std::chrono::milliseconds, std::function<void()> fn) override {
    std::lock_guard lock(mutex_);
    queue_.push_back({{}, {}, std::move(fn), true});
    cv_.notify_one();
  }

private:
  struct Item {
    HttpRequest request;
    HttpCallback callback;
    std::function<void()> timer;
    bool isTimer = false;
  };
  void loop() {
    static const std::string sse =
        "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"ok\"}}]}\n\n"
        "data: {\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":1}}\n\n"
        "data: [DONE]\n\n";
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
      if (queue_.empty()) return;
      Item item = std::move(queue_.front());
      queue_.pop_front();
      lock.unlock();
      if (item.isTimer) {
        item.timer();
      } else {
        HttpResponse response;
        response.status = 200;
        response.startTime = response.firstByteTime = response.endTime = Clock::now();
        if (item.request.onBodyChunk)
          item.request.onBodyChunk(sse);
        else
          response.body = sse;
        item.callback(std::move(response));
      }
      lock.lock();
    }
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Item> queue_;
  RequestId ids_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

json makePlan(int nodes, int width) {
  json plan = {{"awc_plan", 1},
               {"workflow", "overhead"},
               {"mode", "parallel"},
               {"inputs", json::array({{{"name", "x"}, {"schema", {{"type", "integer"}}}}})},
               {"models", json::array({{{"id", "m"}, {"provider", "sim"}, {"name", "instant"}}})},
               {"nodes", json::array()}};
  json& list = plan["nodes"];
  list.push_back({{"id", "input.x"}, {"kind", "input"}, {"name", "x"}, {"deps", json::array()}});
  int made = 0;
  std::vector<std::string> prev = {"input.x"}, cur;
  while (made < nodes - 2) {
    cur.clear();
    for (int k = 0; k < width && made < nodes - 2; ++k, ++made) {
      std::string id = "n" + std::to_string(made);
      const std::string& dep = prev[k % prev.size()];
      if (made % 10 == 9) {
        list.push_back(
            {{"id", id},
             {"kind", "llm"},
             {"model", "m"},
             {"deps", {dep}},
             {"schema", {{"type", "string"}}},
             {"messages",
              json::array({{{"role", "user"},
                            {"segments",
                             json::array({{{"static", true}, {"text", "hi "}},
                                          {{"static", false}, {"expr", {{"ref", dep}}}}})}}})}});
      } else {
        json text = {{"text", json::array({json{{"ref", dep}}, json{{"lit", "."}}})}};
        json expr = {{"call", "len"}, {"args", json::array({text})}};
        list.push_back({{"id", id}, {"kind", "native"}, {"deps", {dep}}, {"expr", expr}});
      }
      cur.push_back(id);
    }
    prev = cur;
  }
  list.push_back(
      {{"id", "output"}, {"kind", "output"}, {"deps", {prev[0]}}, {"expr", {{"ref", prev[0]}}}});
  return plan;
}

} // namespace

int main(int argc, char** argv) {
  int nodes = argc > 1 ? std::atoi(argv[1]) : 10000;
  int width = argc > 2 ? std::atoi(argv[2]) : 100;
  int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  std::string error;
  auto plan = loadPlan(makePlan(nodes, width), error);
  if (!plan) {
    std::fprintf(stderr, "plan: %s\n", error.c_str());
    return 1;
  }
  InstantTransport transport;
  for (int workers : {1, 2}) {
    RuntimeOptions options;
    options.transport = &transport;
    options.workerThreads = workers;
    Runtime rt(options);
    double best = 1e18;
    std::int64_t calls = 0;
    for (int r = 0; r < repeats; ++r) {
      auto start = Clock::now();
      RunResult result = rt.run(plan, {{"x", 1}});
      double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
      if (!result.ok) {
        std::fprintf(stderr, "run failed: %s\n", result.error.c_str());
        return 1;
      }
      calls = result.metrics.modelCalls;
      best = std::min(best, us);
    }
    std::printf("nodes %d (width %d, %lld model calls), %d worker(s): best wall %.1f ms, "
                "%.2f us/node %s\n",
                nodes, width, static_cast<long long>(calls), workers, best / 1000, best / nodes,
                best / nodes <= 5.0 ? "(target <= 5 us: met)" : "(target <= 5 us: MISSED)");
  }
  return 0;
}
