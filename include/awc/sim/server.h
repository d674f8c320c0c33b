// The model-server simulator: an OpenAI- and Anthropic-compatible HTTP server on
// loopback with a latency model, a prefix cache, deterministic answers, fault injection
// and a request log. One epoll event loop on its own thread (docs/simulator.md says why).
#pragma once

#include "awc/sim/answers.h"
#include "awc/sim/faults.h"
#include "awc/sim/quality.h"
#include "awc/sim/replay.h"
#include "awc/support/latency_model.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awc::sim {

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 0;                  ///< 0 = pick a free port
  std::vector<ModelProfile> profiles; ///< exact model names; others use profileForModelName
  double speed = 1.0;                 ///< every simulated delay is divided by this
  std::vector<Fixture> fixtures;
  ReplayBook replay; ///< recorded answers, served before fixtures (chat completions only)
  FaultSpec faults;
  /// Which models answer unlike the reference how often (sim/quality.h); `enabled = false`
  /// gives every model its own answers.
  QualityModel quality;
  uint64_t seed = 0;
  std::string logPath;                   ///< JSON-lines request log ("" = none)
  size_t cacheTokens = 1u << 20;         ///< prefix cache capacity in tokens (0 = no cache)
  size_t cacheBlockTokens = 16;          ///< vLLM's default block size
  size_t anthropicMinCacheTokens = 1024; ///< shorter breakpoint prefixes are not cached
  size_t maxBodyBytes = 8u << 20;
  size_t maxConnections = 16384;
  size_t keepLogEntries = 100000; ///< how many entries log() keeps in memory
};

/// One finished (or failed, or hung) request. Times are ms since the server started.
struct LogEntry {
  uint64_t id = 0;
  std::string api; ///< "openai" or "anthropic"
  std::string model;
  bool stream = false;
  int status = 200;
  size_t promptTokens = 0;
  size_t cachedTokens = 0;        ///< read from the prefix cache
  size_t cacheCreationTokens = 0; ///< Anthropic: written at breakpoints
  size_t outputTokens = 0;
  size_t inFlight = 0; ///< requests on this model when this one arrived, itself included
  double arrivalMs = 0;
  std::optional<double> firstTokenMs;
  std::optional<double> finishMs;
  std::string fault; ///< faultName(), "" if none
  std::string finishReason;
  nlohmann::json toJson() const;
};

struct ServerStats {
  uint64_t requests = 0;
  size_t openStreams = 0;
  size_t maxOpenStreams = 0;
  size_t openConnections = 0;
  size_t maxOpenConnections = 0;
};

class Server {
public:
  Server();
  ~Server(); ///< stops the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds, starts the event loop thread and returns the bound port; on failure returns
  /// 0 and sets `error`.
  uint16_t start(const ServerConfig& config, std::string& error);
  /// Stops the loop, closes every connection and flushes the log. Idempotent.
  void stop();

  uint16_t port() const;
  /// "http://127.0.0.1:PORT"
  std::string baseUrl() const;
  /// A copy of the most recent log entries (at most config.keepLogEntries).
  std::vector<LogEntry> log() const;
  ServerStats stats() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace awc::sim
