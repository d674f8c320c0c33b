// FakeTransport driven by a thread of its own (as a real I/O thread would drive it), a
// streamed-answer builder and a one-step enum plan, for executor tests without a server.
#pragma once

#include "exec_test_util.h"

#include <atomic>
#include <thread>

namespace awc::test {

using namespace awc::runtime;

// A streamed Chat Completions answer (the runtime streams, for TTFT).
inline FakeReply completion(const std::string& content) {
  FakeReply reply;
  reply.response.status = 200;
  json delta = {{"choices", json::array({{{"index", 0}, {"delta", {{"content", content}}}}})}};
  json last = {
      {"choices",
       json::array({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}})}};
  json usage = {{"choices", json::array()},
                {"usage", {{"prompt_tokens", 10}, {"completion_tokens", 3}}}};
  reply.chunks = {"data: " + delta.dump() + "\n\n", "data: " + last.dump() + "\n\n",
                  "data: " + usage.dump() + "\n\ndata: [DONE]\n\n"};
  return reply;
}

// Runs FakeTransport's handler on a thread of its own, as a real I/O thread would.
struct FakeLoop {
  FakeTransport transport;
  std::atomic<bool> stop{false};
  std::thread thread;
  explicit FakeLoop(FakeTransport::Handler handler) {
    transport.setHandler(std::move(handler));
    thread = std::thread([this] {
      while (!stop) {
        if (transport.drain() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
        transport.advance(std::chrono::milliseconds(1));
      }
    });
  }
  ~FakeLoop() {
    stop = true;
    thread.join();
  }
};

inline RuntimeOptions fakeOptions(Transport& t) {
  RuntimeOptions o;
  o.transport = &t;
  o.backend = Provider::Sim;
  o.endpoint = "http://fake/v1";
  o.retry.baseDelay = std::chrono::milliseconds(1);
  return o;
}

inline json enumPlan() {
  json p = basePlan();
  json a = llmNode("a", {"input.q"}, userMsg({staticSeg("Mood of: "), refSeg("input.q")}), 1, 1);
  a["schema"] = {{"type", "string"}, {"enum", {"positive", "neutral", "negative"}}};
  p["nodes"].push_back(a);
  p["nodes"].push_back(outputNode({"a"}, 2));
  return p;
}

} // namespace awc::test
