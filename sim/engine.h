// The simulator's API semantics without sockets: turns one HTTP request into a timed
// response plan (internal to awc_sim; the event loop in server.cpp plays it out).
#pragma once

#include "awc/sim/prefix_cache.h"
#include "awc/sim/server.h"
#include "awc/sim/slot_cache.h"
#include "http.h"

#include <chrono>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace awc::sim {

/// Bytes to send `atMs` after arrival (already divided by the speed factor) were the request
/// alone on its engine; the event loop stretches the part after ResponsePlan::stretchFromMs by
/// the engine's load as it changes (docs/simulator.md, "Concurrency").
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
  /// Pieces up to this offset are on a fixed clock (the profile's ttft_base_ms: network and
  /// scheduling); the server's work after it slows down while other requests share the engine.
  double stretchFromMs = 0;
  double concurrencySlowdown = 0; ///< the model profile's slowdown per extra request in flight
  std::optional<size_t> slot;     ///< the llama-server slot holding its prompt, if any
  LogEntry entry;                 ///< everything but the times
};

class Engine {
public:
  explicit Engine(const ServerConfig& config);
  ResponsePlan handle(const http::Request& request, bool keepAlive);
  /// The request of `plan` has finished (or its client left): it no longer slows others.
  void finished(const ResponsePlan& plan);
  /// Requests in flight on `engine` now.
  size_t inFlight(const std::string& engine) const;
  /// An error response for a request the HTTP layer could not parse.
  ResponsePlan protocolError(int status, const std::string& message);

private:
  /// When a request's tokens are due were it alone on its engine, already divided by the speed
  /// factor; readyMs is when its prefill ends under the load it arrived into.
  struct Timing {
    double ttftMs;
    double perTokenMs;
    double readyMs;
    double lastTokenMs(size_t tokens) const {
      return ttftMs + (tokens > 1 ? static_cast<double>(tokens - 1) * perTokenMs : 0);
    }
  };
  /// Counts the request of `plan` (its model already tagged) in its engine's in-flight requests,
  /// records that on the plan for finished() and the event loop, and times it under the model's
  /// profile.
  Timing admit(ResponsePlan& plan, size_t promptTokens, size_t cachedTokens, bool structured);

  ResponsePlan openai(const http::Request& request, bool keepAlive);
  ResponsePlan anthropic(const http::Request& request, bool keepAlive);
  ResponsePlan models(bool keepAlive);
  const ModelProfile& profileFor(const std::string& model);
  /// The recorded answer due for this chat-completions request, if the replay book has one.
  const RecordedAnswer* nextRecorded(const nlohmann::json& body);
  double clockMs() const; ///< since the engine started: the prefix cache's clock

  const ServerConfig& config_;
  PrefixCache cache_;
  std::unordered_map<std::string, SlotCache> slotCaches_; ///< engines with cache_slots, by name
  std::unordered_map<std::string, ModelProfile> profiles_;
  std::unordered_map<std::string, size_t> inFlight_; ///< per engine
  std::unordered_map<uint64_t, uint64_t> attempts_;
  std::unordered_map<const void*, size_t> replayed_; ///< answers served per recorded request
  uint64_t nextId_ = 1;
  std::chrono::steady_clock::time_point started_;
};

} // namespace awc::sim
