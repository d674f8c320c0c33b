// Shared by tune's files: the spending budget, call routing and prices, and the concurrent
// replay of recorded requests (replay.cpp).
#pragma once

#include "awc/runtime/runtime.h"
#include "busy_clock.h"

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awc::tune::detail {

/// `--max-usd` / `--max-calls`, shared by the reference runs and the replays. A call (or run)
/// is started only when what it is expected to cost still fits.
class Budget {
public:
  Budget(std::optional<double> maxUsd, std::optional<int64_t> maxCalls)
      : maxUsd_(maxUsd), maxCalls_(maxCalls) {}
  /// Reserves `calls` calls expected to cost `estUsd`; false (and stopped()) when over.
  bool reserve(int64_t calls, double estUsd);
  /// Replaces a reservation by what was really spent.
  void settle(int64_t reservedCalls, double estUsd, int64_t calls, double usd);
  bool stopped() const;
  int64_t calls() const;
  double spentUsd() const;
  /// When the calls the budget admitted were in flight (replay.cpp, reference.cpp record them).
  BusyClock& busy() { return busy_; }

private:
  mutable std::mutex mutex_;
  std::optional<double> maxUsd_;
  std::optional<int64_t> maxCalls_;
  int64_t calls_ = 0;
  double spent_ = 0;
  bool stopped_ = false;
  BusyClock busy_;
};

/// Where a model's requests go and what its tokens cost (USD per million).
struct Route {
  runtime::Provider provider = runtime::Provider::OpenAI;
  std::string endpoint, name, keyEnv;
  double priceIn = 0, priceOut = 0, cachedPriceIn = 0;
};

double callCost(const Route& route, const runtime::Usage& usage);
/// The cost at list prices, every prompt token uncached: what acceptance compares, so a replay
/// that found the reference's prefix in the server's cache does not look cheaper for it.
double listCost(const Route& route, const runtime::Usage& usage);

/// One measured call.
struct CallResult {
  bool done = false; ///< the call was made (false: the budget stopped it first)
  bool ok = false;
  std::string error; ///< why a call that was made failed (never the request or the answer)
  std::string answer, finishReason;
  runtime::Usage usage;
  double ttftMs = 0, latencyMs = 0, tokensPerS = 0, costUsd = 0;
};

/// A recorded request body to send again, with the change already made.
struct ReplayJob {
  nlohmann::json body;
  const Route* route = nullptr;
  double estUsd = 0;
  CallResult* out = nullptr;
};

/// Sends the jobs with at most `concurrency` in flight, in order, until all are done or the
/// budget refuses one (then no later one starts). `tick` runs on the calling thread after
/// each completion.
void replayAll(runtime::Transport& transport, std::vector<ReplayJob>& jobs, int concurrency,
               Budget& budget, const std::function<void()>& tick);

} // namespace awc::tune::detail
