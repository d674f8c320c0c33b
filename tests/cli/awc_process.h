// Runs the built `awc` binary as a user would, through the shell, and captures what it prints.
// Shared by the CLI tests (one definition, so the test files can also be compiled as one unit).
#pragma once

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <sys/wait.h>

namespace awc::test {

/// The binary under test.
inline const std::string kAwc = AWC_BINARY_DIR "/awc";

/// What one run printed and how it exited.
struct AwcRun {
  int code = -1;
  std::string out; ///< stdout, then stderr when asked for
};

/// Runs `awc ARGS` (ARGS is shell text); stderr is captured after stdout when `withStderr`,
/// else dropped.
inline AwcRun runAwcProcess(const std::string& args, bool withStderr) {
  std::string cmd = "'" + kAwc + "' " + args + (withStderr ? " 2>&1" : " 2>/dev/null");
  AwcRun r;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
    r.out.append(buf, n);
  int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

} // namespace awc::test
