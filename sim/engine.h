// The simulator's protocol-neutral core without sockets: routes one HTTP request, and for a chat
// request (parsed by its Protocol) draws faults, looks up the prompt cache, picks the answer,
// times it under the engine's load and lays out the timed response plan (internal to awc_sim;
// the event loop in server.cpp plays it out).
#pragma once

#include "awc/sim/answers.h"
#include "awc/sim/faults.h"
#include "awc/sim/prefix_cache.h"
#include "awc/sim/server.h"
#include "awc/sim/slot_cache.h"
#include "awc/support/tokenizer.h"
#include "http.h"
#include "protocol.h"

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
  /// What a request reads from and leaves in the prompt cache.
  struct CacheUse {
    size_t read = 0;                 ///< cached prompt tokens
    size_t write = 0;                ///< tokens written at breakpoints (explicit caching)
    std::vector<uint64_t> blocks;    ///< the prompt's block hashes (block caching)
    SlotCache* slots = nullptr;      ///< the engine's slots, if it has them
    std::optional<size_t> slot;      ///< the slot the request took
    std::vector<size_t> breakpoints; ///< breakpoints as token counts, ascending
    uint64_t seed = 0;               ///< seeds the breakpoint prefix hashes
  };
  /// Counts the request of `plan` (its model already tagged) in its engine's in-flight requests,
  /// records that on the plan for finished() and the event loop, and times it under the model's
  /// profile.
  Timing admit(ResponsePlan& plan, size_t promptTokens, size_t cachedTokens, bool structured);

  /// A chat request in `protocol`, from parsing to the timed response.
  ResponsePlan serve(const Protocol& protocol, const http::Request& request, bool keepAlive);
  FaultKind drawFault(uint64_t requestHash);
  /// vLLM's automatic block cache, or llama-server's slots when the engine has them.
  CacheUse lookupBlocks(const ChatRequest& chat, const std::vector<TokenSpan>& tokens,
                        double nowMs);
  /// Anthropic's explicit cache_control breakpoints.
  CacheUse lookupBreakpoints(const ChatRequest& chat, const std::vector<TokenSpan>& tokens,
                             double nowMs);
  /// Makes the prompt's cache entries readable from `readyMs` on (block and breakpoint caching;
  /// a slot's prompt becomes reusable in finished()).
  void storePrompt(const ChatRequest& chat, const std::vector<TokenSpan>& tokens,
                   const CacheUse& use, double readyMs);
  /// Replay first (when the protocol allows it), then fixtures and generated answers.
  Answer chooseAnswer(const ChatRequest& chat, uint64_t requestHash, bool violateSchema,
                      bool& recorded);
  /// A whole answer at its last token's time (cut short by the drop fault).
  static void renderWhole(ResponsePlan& plan, const Protocol& protocol, const Completion& c,
                          FaultKind fault, double lastAt, bool keepAlive);
  /// Headers at once, one event per token piece, then the end.
  static void renderStream(ResponsePlan& plan, const Protocol& protocol, const Completion& c,
                           FaultKind fault, const Timing& t, size_t pieces, bool keepAlive);
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
  std::chrono::steady_clock::time_point started_;
};

} // namespace awc::sim
