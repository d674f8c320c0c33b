// `awc sim --port 0 --speed 10 …` as a child process for the tune tests: one definition, so the
// test files can also be compiled as one unit. Speed 10, not faster: tests that expect a cheaper
// model to be accepted need it to be measurably no slower, and under TSan's slowdown a 7 ms vs
// 28 ms call (speed 50) drowned in the instrumented process's own overhead.
#pragma once

#include "awc_process.h"

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace awc::test {

/// `awc sim --port 0 --speed 10 ARGS…` (e.g. `--profiles FILE`), stopped with SIGTERM at the end.
class SimProcess {
public:
  explicit SimProcess(std::vector<std::string> args) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    std::vector<std::string> argv{"awc", "sim", "--port", "0", "--speed", "10"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (std::string& a : argv)
      cargs.push_back(a.data());
    cargs.push_back(nullptr);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execv(kAwc.c_str(), cargs.data());
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[256] = {};
    // The first stdout line is "listening on http://HOST:PORT" (docs/simulator.md).
    std::string text = std::fgets(line, sizeof line, out_) ? line : "";
    const std::string prefix = "listening on ";
    if (text.rfind(prefix, 0) != 0) stop(); // a failed REQUIRE skips the destructor
    REQUIRE(text.rfind(prefix, 0) == 0);
    url_ = text.substr(prefix.size(), text.find_last_not_of("\r\n") + 1 - prefix.size());
  }
  /// Stops the simulator (its request log is complete afterwards).
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
  }
  ~SimProcess() {
    stop();
    if (out_) std::fclose(out_);
  }
  SimProcess(const SimProcess&) = delete;
  SimProcess& operator=(const SimProcess&) = delete;
  const std::string& url() const { return url_; }

private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string url_;
};

} // namespace awc::test
