// The tune tests' `awc sim` child process: started on a free port with a profile file (and any
// further options), its URL read from its first line, stopped with SIGTERM.
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

/// `awc sim --port 0 --speed 50 --profiles FILE [extra...]`, stopped at the end.
class SimProcess {
public:
  explicit SimProcess(const std::string& profiles, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"awc",     "sim", "--port",     "0",
                                     "--speed", "50",  "--profiles", profiles};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execv(kAwc.c_str(), argv.data());
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
