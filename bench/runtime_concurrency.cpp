// 1,000 concurrent runs of customer_support (-O2) on one Runtime against an `awc sim` process
// (a separate process, so this process's CPU time is the runtime's alone): throughput, CPU time
// per model call (target <= 50 µs) and memory per in-flight run. The plan's provider limits
// (rpm 300/600) are lifted: they would measure the provider, not the runtime; the simulator's
// concurrency slowdown is off for the same reason.
//   runtime_concurrency [runs=1000] [speed=1]
#include "awc/compiler/driver.h"
#include "awc/runtime/runtime.h"

#include <csignal>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace awc::runtime;
using nlohmann::json;

namespace {
double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec +
         u.ru_stime.tv_usec / 1e6;
}
double rssMb() {
  std::ifstream in("/proc/self/statm");
  long pages = 0, rss = 0;
  in >> pages >> rss;
  return rss * double(sysconf(_SC_PAGESIZE)) / (1 << 20);
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
    double cpu0 = cpuSeconds();
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
    for (auto& h : handles) {
      const RunResult& r = h->wait();
      ok += r.ok;
      calls += r.metrics.modelCalls;
      if (!r.ok && ok == 0) std::fprintf(stderr, "run failed: %s\n", r.error.c_str());
    }
    double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    double cpu = cpuSeconds() - cpu0;
    double perCall = cpu / double(std::max<std::int64_t>(calls, 1)) * 1e6;
    std::printf("%d runs (%d ok) in %.2f s: %.0f runs/s, %lld model calls, CPU %.3f s = %.1f us "
                "per model call %s, memory %.1f KiB per in-flight run\n",
                runs, ok, secs, runs / secs, static_cast<long long>(calls), cpu, perCall,
                perCall <= 50 ? "(target <= 50 us: met)" : "(target <= 50 us: MISSED)",
                (rssPeak - rss0) * 1024 / runs);
    code = ok == runs ? 0 : 1;
  }
  kill(sim, SIGTERM);
  waitpid(sim, nullptr, 0);
  std::remove(profiles.c_str());
  std::remove(out.c_str());
  return code;
}
