// Retry decisions for model and HTTP-tool calls: classification, backoff with jitter,
// Retry-After, and a per-run retry budget.
#pragma once

#include "awc/runtime/http_client.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awc::runtime {

/// Backoff and retry limits.
struct RetryConfig {
  /// Total attempts including the first; 1 disables retries. The default, 3, is a step's
  /// documented `retries: 2` (docs/language.md).
  int maxAttempts = 3;
  std::chrono::milliseconds baseDelay{500};
  std::chrono::milliseconds maxDelay{30'000};
  double multiplier = 2.0;
  /// Fraction of each delay that is randomised: delay * (1 - jitter * u), u uniform in [0,1).
  double jitter = 0.5;
  /// A Retry-After longer than this is not waited for: the call fails instead.
  std::chrono::milliseconds maxRetryAfter{60'000};
};

/// Retries shared by all calls of one run; thread-safe. A negative limit means unlimited.
class RetryBudget {
public:
  explicit RetryBudget(int limit = 100) : remaining_(limit), unlimited_(limit < 0) {}
  /// Takes one retry from the budget; false when it is spent.
  bool tryConsume();
  int remaining() const { return remaining_.load(std::memory_order_relaxed); }
  int used() const { return used_.load(std::memory_order_relaxed); }

private:
  std::atomic<int> remaining_;
  std::atomic<int> used_{0};
  bool unlimited_;
};

/// True for statuses worth retrying: 408, 409, 425, 429 and every 5xx.
bool isRetryableStatus(int status);
/// True for responses worth retrying: retryable statuses, connection errors and timeouts
/// (not TLS failures, cancellation or shutdown).
bool isRetryable(const HttpResponse& response);

/// Parses a Retry-After value: delta-seconds ("120", fractions accepted) or an HTTP date
/// ("Wed, 21 Oct 2015 07:28:00 GMT"), relative to `now`. Past dates give 0.
std::optional<std::chrono::milliseconds>
parseRetryAfter(std::string_view value,
                std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// The server's requested wait: `retry-after-ms` (OpenAI) or `retry-after`, if present.
std::optional<std::chrono::milliseconds>
retryAfterFromHeaders(const HttpResponse& response,
                      std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// What to do after a failed attempt.
struct RetryDecision {
  bool retry = false;
  std::chrono::milliseconds delay{0};
  /// Why (for node errors and logs), e.g. "HTTP 429, retry 2 of 3 in 1200 ms".
  std::string reason;
};

/// Stateless apart from its jitter sequence, which is a pure function of (seed, draw count),
/// so tests are deterministic under a seed. Thread-safe.
class RetryPolicy {
public:
  explicit RetryPolicy(RetryConfig config = {}, std::uint64_t seed = 0x5eed);

  /// Delay before retry number `retry` (1-based), before Retry-After is considered.
  std::chrono::milliseconds backoff(int retry);
  /// Decides after attempt number `attempt` (1-based) produced `response`.
  /// Consumes one retry from `budget` (if given) when it decides to retry.
  RetryDecision
  decide(int attempt, const HttpResponse& response, RetryBudget* budget,
         std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  /// Same, with `what` naming the failure in the reason instead of the response's status
  /// (for a failure the status does not describe, such as a 200 whose stream broke).
  RetryDecision
  decide(int attempt, const HttpResponse& response, RetryBudget* budget, std::string_view what,
         std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  const RetryConfig& config() const { return config_; }

private:
  double nextUniform();

  RetryConfig config_;
  std::uint64_t seed_;
  std::atomic<std::uint64_t> draws_{0};
};

} // namespace awc::runtime
