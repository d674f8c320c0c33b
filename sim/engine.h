// The simulator's API semantics without sockets: turns one HTTP request into a timed
// response plan (internal to awc_sim; the event loop in server.cpp plays it out).
#pragma once

#include "awc/sim/prefix_cache.h"
#include "awc/sim/server.h"
#include "http.h"

#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

namespace awc::sim {

/// Bytes to send `atMs` after arrival (already divided by the speed factor).
struct Piece {
  double atMs = 0;
  std::string bytes;
  bool firstToken = false;
};

struct ResponsePlan {
  std::vector<Piece> pieces;
  bool closeAfter = false; ///< close the connection after the last piece (drop fault)
  bool hang = false;       ///< send nothing; hold the connection for hangMs
  double hangMs = 0;
  bool inFlight = false; ///< counted in its engine's in-flight requests until finished
  std::string engine;    ///< the engine serving the request's model (ModelProfile::engineName)
  LogEntry entry;        ///< everything but the times
};

class Engine {
public:
  explicit Engine(const ServerConfig& config);
  ResponsePlan handle(const http::Request& request, bool keepAlive);
  /// The request of `plan` has finished (or its client left): it no longer slows others.
  void finished(const ResponsePlan& plan);
  /// An error response for a request the HTTP layer could not parse.
  ResponsePlan protocolError(int status, const std::string& message);

private:
  /// When a request's tokens are due, already divided by the speed factor.
  struct Timing {
    double ttftMs;
    double perTokenMs;
    double lastTokenMs(size_t tokens) const {
      return ttftMs + (tokens > 1 ? static_cast<double>(tokens - 1) * perTokenMs : 0);
    }
  };
  /// Counts the request of `plan` (its model already tagged) in its engine's in-flight requests,
  /// records that on the plan for finished(), and times it under the model's profile.
  Timing admit(ResponsePlan& plan, size_t promptTokens, size_t cachedTokens, bool structured);

  ResponsePlan openai(const http::Request& request, bool keepAlive);
  ResponsePlan anthropic(const http::Request& request, bool keepAlive);
  ResponsePlan models(bool keepAlive);
  const ModelProfile& profileFor(const std::string& model);
  double clockMs() const; ///< since the engine started: the prefix cache's clock

  const ServerConfig& config_;
  PrefixCache cache_;
  std::unordered_map<std::string, ModelProfile> profiles_;
  std::unordered_map<std::string, size_t> inFlight_; ///< per engine
  std::unordered_map<uint64_t, uint64_t> attempts_;
  uint64_t nextId_ = 1;
  std::chrono::steady_clock::time_point started_;
};

} // namespace awc::sim
