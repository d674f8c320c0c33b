// 1,000 concurrent runs of customer_support (-O2) on one Runtime against an `awc sim` process
// (a separate process, so this process's CPU time is the runtime's alone): throughput, CPU time
// per model call (target <= 50 µs) and memory per in-flight run. The plan's provider limits
// (rpm 300/600) are lifted: they would measure the provider, not the runtime; the simulator's
// concurrency slowdown is off for the same reason.
// Then the floor under it: the same number of streamed calls, all at once, with the same
// prompt and answer sizes, their answers' bytes counted and dropped — once through awc's own
// HTTP transport (CurlTransport: libcurl's socket interface on one epoll thread) and once
// through plain libcurl (curl_multi_perform + curl_multi_poll). That is the CPU any client
// spends on HTTP, SSE over TCP and the kernel before it reads a token; the runtime's own
// share per call is what it spends above awc's transport.
//   runtime_concurrency [runs=1000] [speed=1]
#include "awc/compiler/driver.h"
#include "awc/runtime/http_client.h"
#include "awc/runtime/runtime.h"

#include <atomic>
#include <csignal>
#include <cstdio>
#include <curl/curl.h>
#include <fstream>
#include <latch>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace awc::runtime;
using nlohmann::json;

namespace {
// This process's CPU time in user space and in the kernel (its sockets: on loopback the
// kernel also runs the receiving side of everything this process sends).
struct Cpu {
  double user = 0, kernel = 0;
  double total() const { return user + kernel; }
};
Cpu cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return {u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6,
          u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6};
}
/// CPU spent since `before`.
Cpu cpuSince(const Cpu& before) {
  Cpu now = cpuSeconds();
  return {now.user - before.user, now.kernel - before.kernel};
}
double rssMb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * double(sysconf(_SC_PAGESIZE)) / (1 << 20);
}
/// One call's shape, taken from a node of the runtime's metrics.
struct CallShape {
  std::string model;
  std::int64_t promptTokens = 0;
  std::int64_t outputTokens = 0;
};

size_t countBytes(char*, size_t size, size_t n, void* total) {
  *static_cast<std::size_t*>(total) += size * n;
  return size * n;
}

/// Request bodies of the calls' sizes.
std::vector<std::string> requestBodies(const std::vector<CallShape>& calls) {
  std::vector<std::string> bodies;
  for (const CallShape& c : calls) {
    // About four bytes a token, as the simulator's tokenizer counts English.
    std::string text;
    while (static_cast<std::int64_t>(text.size()) < c.promptTokens * 4)
      text += "the customer asks about the order status ";
    bodies.push_back(json{{"model", c.model},
                          {"messages", {{{"role", "user"}, {"content", text}}}},
                          {"max_tokens", c.outputTokens},
                          {"stream", true},
                          {"stream_options", {{"include_usage", true}}}}
                         .dump());
  }
  return bodies;
}

struct FloorResult {
  Cpu cpu;
  std::size_t bytes = 0;
};

/// Sends every body at once through awc's transport and waits for all of them.
FloorResult transportCalls(const std::string& endpoint, const std::vector<std::string>& bodies) {
  std::atomic<std::size_t> received{0};
  std::latch done(static_cast<std::ptrdiff_t>(bodies.size()));
  Cpu before = cpuSeconds();
  {
    CurlTransport transport;
    for (const std::string& body : bodies) {
      HttpRequest req;
      req.url = endpoint + "/chat/completions";
      req.headers = {{"Content-Type", "application/json"}, {"Accept", "text/event-stream"}};
      req.body = body;
      req.onBodyChunk = [&](std::string_view chunk) { received += chunk.size(); };
      transport.submit(std::move(req), [&](HttpResponse) { done.count_down(); });
    }
    done.wait();
  }
  return {cpuSince(before), received};
}

/// Sends every body at once through one plain curl multi handle and waits for all of them.
FloorResult plainCurlCalls(const std::string& endpoint, const std::vector<std::string>& bodies) {
  std::string url = endpoint + "/chat/completions";
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  std::size_t received = 0;
  Cpu before = cpuSeconds();
  CURLM* multi = curl_multi_init();
  std::vector<CURL*> easies;
  for (const std::string& body : bodies) {
    CURL* e = curl_easy_init();
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, countBytes);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &received);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_multi_add_handle(multi, e);
    easies.push_back(e);
  }
  int running = 1;
  while (running) {
    curl_multi_perform(multi, &running);
    if (running) curl_multi_poll(multi, nullptr, 0, 1000, nullptr);
  }
  for (CURL* e : easies) {
    curl_multi_remove_handle(multi, e);
    curl_easy_cleanup(e);
  }
  curl_multi_cleanup(multi);
  Cpu cpu = cpuSince(before);
  curl_slist_free_all(headers);
  return {cpu, received};
}

void printFloor(const char* what, const FloorResult& r, std::size_t calls, double runtimePerCall) {
  double us = 1e6 / double(std::max<std::size_t>(calls, 1));
  std::printf("  %s: CPU %.1f us per call (%.1f user + %.1f kernel), %.0f answer bytes per call; "
              "the runtime spends %.1f us per call more\n",
              what, r.cpu.total() * us, r.cpu.user * us, r.cpu.kernel * us,
              double(r.bytes) / double(std::max<std::size_t>(calls, 1)),
              runtimePerCall - r.cpu.total() * us);
}

json readJson(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return json::parse(s.str(), nullptr, false);
}
} // namespace

int main(int argc, char** argv) {
  int runs = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::string speed = argc > 2 ? argv[2] : "1";
  const std::string src = AWC_SOURCE_DIR;
  std::string profiles = "/tmp/awc_bench_profiles_" + std::to_string(getpid()) + ".json";
  std::ofstream(profiles) << R"({"models": [
    {"name": "llama-3.1-8b", "class": "small", "concurrency_slowdown": 0},
    {"name": "llama-3.1-70b", "class": "medium", "concurrency_slowdown": 0}]})";
  std::string out = "/tmp/awc_bench_sim_" + std::to_string(getpid()) + ".out";
  pid_t sim = fork();
  if (sim == 0) {
    freopen(out.c_str(), "w", stdout);
    execl(AWC_BINARY, AWC_BINARY, "sim", "--port", "0", "--speed", speed.c_str(), "--profiles",
          profiles.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string endpoint;
  for (int i = 0; i < 200 && endpoint.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
    std::ifstream in(out);
    std::string word, url;
    if (in >> word >> word >> url) endpoint = url + "/v1";
  }
  if (endpoint.empty()) {
    std::fprintf(stderr, "awc sim did not start\n");
    kill(sim, SIGTERM);
    return 1;
  }

  awc::CompileOptions co;
  awc::Compilation c = awc::compileFile(src + "/examples/customer_support.flow", co);
  json doc = c.plan;
  for (auto& m : doc["models"])
    m["limits"] = {{"max_concurrency", 0}, {"rpm", 0}, {"tpm", 0}};
  std::string error;
  auto plan = loadPlan(doc, error);
  json inputs = readJson(src + "/examples/fixtures/customer_support.inputs.json");
  json stubs = readJson(src + "/examples/fixtures/customer_support.stubs.json");
  RuntimeOptions options;
  options.backend = Provider::Sim;
  options.endpoint = endpoint;
  for (auto& [k, v] : stubs.items())
    options.toolStubs[k] = v;
  int code = 0;
  {
    Runtime rt(options);
    double rss0 = rssMb();
    Cpu cpu0 = cpuSeconds();
    auto t0 = Clock::now();
    std::vector<std::shared_ptr<RunHandle>> handles;
    for (int i = 0; i < runs; ++i) {
      json in = inputs;
      in["query"] = inputs["query"].get<std::string>() + " (#" + std::to_string(i) + ")";
      handles.push_back(rt.start(plan, in));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100)); // all in flight
    double rssPeak = rssMb();
    std::int64_t calls = 0;
    int ok = 0;
    std::vector<CallShape> shapes;
    for (auto& h : handles) {
      const RunResult& r = h->wait();
      ok += r.ok;
      calls += r.metrics.modelCalls;
      for (const NodeMetrics& n : r.metrics.nodes)
        if (n.kind == "llm" && n.modelCalls > 0)
          shapes.push_back({n.model, n.promptTokens, n.outputTokens});
      if (!r.ok && ok == 0) std::fprintf(stderr, "run failed: %s\n", r.error.c_str());
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    Cpu cpu = cpuSince(cpu0);
    double us = 1e6 / double(std::max<std::int64_t>(calls, 1));
    double perCall = cpu.total() * us;
    std::printf("%d runs (%d ok) in %.2f s: %.0f runs/s, %lld model calls, CPU %.3f s = %.1f us "
                "per model call (%.1f user + %.1f kernel) %s, memory %.1f KiB per in-flight run\n",
                runs, ok, secs, runs / secs, static_cast<long long>(calls), cpu.total(), perCall,
                cpu.user * us, cpu.kernel * us,
                perCall <= 50 ? "(target <= 50 us: met)" : "(target <= 50 us: MISSED)",
                (rssPeak - rss0) * 1024 / runs);
    code = ok == runs ? 0 : 1;

    std::vector<std::string> bodies = requestBodies(shapes);
    std::printf("the floor: %zu streamed calls of the same sizes, all at once\n", bodies.size());
    printFloor("awc's HTTP transport alone", transportCalls(endpoint, bodies), bodies.size(),
               perCall);
    printFloor("plain libcurl multi_perform/poll", plainCurlCalls(endpoint, bodies), bodies.size(),
               perCall);
  }
  kill(sim, SIGTERM);
  waitpid(sim, nullptr, 0);
  std::remove(profiles.c_str());
  std::remove(out.c_str());
  return code;
}
