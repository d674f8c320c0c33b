// `awc sim`: run the OpenAI/Anthropic-compatible simulator on loopback until SIGINT or
// SIGTERM. The first stdout line is "listening on http://HOST:PORT" for scripts to read.
#include "awc/sim/server.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <pthread.h>

namespace awc::cli {
namespace {

struct SimOptions {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string profiles;
  double speed = 1.0;
  std::string fixtures;
  std::string replay;
  std::string faults;
  uint64_t seed = 0;
  std::string log;
  size_t cacheTokens = 1u << 20;
  std::string quality = "on";
};

int runSim(const SimOptions& o) {
  sim::ServerConfig config;
  config.host = o.host;
  config.port = static_cast<uint16_t>(o.port);
  config.speed = o.speed;
  config.seed = o.seed;
  config.logPath = o.log;
  config.cacheTokens = o.cacheTokens;
  std::string error;
  if (!o.profiles.empty()) {
    auto p = loadProfileFile(o.profiles, error);
    if (!p) {
      std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
      return kExitInputErrors;
    }
    config.profiles = std::move(*p);
    auto q = sim::loadQualityProfiles(o.profiles, error);
    if (!q) {
      std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
      return kExitInputErrors;
    }
    config.quality = std::move(*q);
  }
  config.quality.enabled = o.quality == "on";
  if (!o.fixtures.empty()) {
    auto f = sim::loadFixtures(o.fixtures, error);
    if (!f) {
      std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
      return kExitInputErrors;
    }
    config.fixtures = std::move(*f);
  }
  if (!o.replay.empty()) {
    auto book = sim::ReplayBook::load(o.replay, error);
    if (!book) {
      std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
      return kExitInputErrors;
    }
    config.replay = std::move(*book);
  }
  if (!o.faults.empty()) {
    auto f = sim::parseFaultSpec(o.faults, error);
    if (!f) {
      std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
      return kExitUsage;
    }
    config.faults = *f;
  }
  // Block the stop signals before the server thread starts so only sigwait sees them.
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stopSignals, nullptr);
  sim::Server server;
  uint16_t port = server.start(config, error);
  if (port == 0) {
    std::fprintf(stderr, "awc sim: error: %s\n", error.c_str());
    return kExitInputErrors;
  }
  std::printf("listening on %s\n", server.baseUrl().c_str());
  std::fflush(stdout);
  int sig = 0;
  sigwait(&stopSignals, &sig);
  server.stop();
  auto s = server.stats();
  std::fprintf(stderr, "awc sim: stopped after %llu requests (max %zu open streams)\n",
               static_cast<unsigned long long>(s.requests), s.maxOpenStreams);
  return kExitOk;
}

} // namespace

void addSimCommand(CLI::App& app, CommandResult& result) {
  auto opts = std::make_shared<SimOptions>();
  CLI::App* cmd =
      app.add_subcommand("sim", "Run the OpenAI/Anthropic-compatible model simulator on loopback");
  cmd->add_option("--host", opts->host, "IPv4 address to bind")->capture_default_str();
  cmd->add_option("--port", opts->port, "TCP port (0 picks a free one)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--profiles", opts->profiles, "JSON model profile file ({\"models\": [...]})")
      ->check(CLI::ExistingFile);
  cmd->add_option("--speed", opts->speed, "Divide every simulated delay by N")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--fixtures", opts->fixtures,
                  "JSON fixtures file: [{\"match\"|\"regex\", \"answer\"}]")
      ->check(CLI::ExistingFile);
  cmd->add_option("--replay", opts->replay,
                  "Answer chat completions recorded by `awc run --record FILE` with the "
                  "recorded text and token counts (others are generated)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--faults", opts->faults,
                  "Fault spec, e.g. "
                  "429=0.1,500=0.05,drop=0.02,hang=0.01,malformed=0.01,schema=0.05,retry_after=1");
  cmd->add_option("--seed", opts->seed, "Seed for fault draws")->capture_default_str();
  cmd->add_option("--log", opts->log, "Write a JSON-lines request log to FILE");
  cmd->add_option("--cache-tokens", opts->cacheTokens,
                  "Prefix cache capacity in tokens (0 disables)")
      ->capture_default_str();
  cmd->add_option("--quality", opts->quality,
                  "on: models give the reference answer unless drawn to disagree (rates by size "
                  "and task class, or the profile file's); off: every model its own answers")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  cmd->callback([opts, &result] { result.exitCode = runSim(*opts); });
}

} // namespace awc::cli
