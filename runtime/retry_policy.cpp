// Retry classification, exponential backoff with deterministic jitter, Retry-After parsing.
#include "awc/runtime/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <ctime>
#include <fmt/format.h>

namespace awc::runtime {

bool RetryBudget::tryConsume() {
  if (!unlimited_) {
    int current = remaining_.load(std::memory_order_relaxed);
    do {
      if (current <= 0) return false;
    } while (!remaining_.compare_exchange_weak(current, current - 1, std::memory_order_relaxed));
  }
  used_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool isRetryableStatus(int status) {
  return status == 408 || status == 409 || status == 425 || status == 429 ||
         (status >= 500 && status <= 599);
}

bool isRetryable(const HttpResponse& response) {
  switch (response.error) {
  case TransportError::None:
    return isRetryableStatus(response.status);
  case TransportError::Connect:
  case TransportError::Timeout:
    return true;
  default:
    return false;
  }
}

static std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
    s.remove_suffix(1);
  return s;
}

std::optional<std::chrono::milliseconds>
parseRetryAfter(std::string_view value, std::chrono::system_clock::time_point now) {
  value = trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    std::string text(value);
    char* end = nullptr;
    double seconds = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size() || !std::isfinite(seconds) || seconds < 0)
      return std::nullopt;
    seconds = std::min(seconds, 1e9);
    return std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
  }
  // IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm tm{};
  std::string text(value);
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (!end || *end != '\0') return std::nullopt;
  std::time_t when = timegm(&tm);
  if (when == static_cast<std::time_t>(-1)) return std::nullopt;
  auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(target - now);
}

std::optional<std::chrono::milliseconds>
retryAfterFromHeaders(const HttpResponse& response, std::chrono::system_clock::time_point now) {
  if (auto ms = response.header("retry-after-ms")) {
    if (auto parsed = parseRetryAfter(*ms, now))
      return std::chrono::milliseconds(parsed->count() / 1000);
  }
  if (auto value = response.header("retry-after")) return parseRetryAfter(*value, now);
  return std::nullopt;
}

RetryPolicy::RetryPolicy(RetryConfig config, std::uint64_t seed) : config_(config), seed_(seed) {}

double RetryPolicy::nextUniform() {
  // splitmix64 over (seed, draw index): lock-free and reproducible.
  std::uint64_t z =
      seed_ + 0x9e3779b97f4a7c15ULL * (draws_.fetch_add(1, std::memory_order_relaxed) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

std::chrono::milliseconds RetryPolicy::backoff(int retry) {
  double delay = static_cast<double>(config_.baseDelay.count()) *
                 std::pow(config_.multiplier, std::max(0, retry - 1));
  delay = std::min(delay, static_cast<double>(config_.maxDelay.count()));
  double jitter = std::clamp(config_.jitter, 0.0, 1.0);
  delay *= 1.0 - jitter * nextUniform();
  return std::chrono::milliseconds(static_cast<long long>(delay));
}

static std::string describe(const HttpResponse& response) {
  if (response.error != TransportError::None)
    return fmt::format("{} error", transportErrorName(response.error));
  return fmt::format("HTTP {}", response.status);
}

RetryDecision RetryPolicy::decide(int attempt, const HttpResponse& response, RetryBudget* budget,
                                  std::chrono::system_clock::time_point now) {
  return decide(attempt, response, budget, describe(response), now);
}

RetryDecision RetryPolicy::decide(int attempt, const HttpResponse& response, RetryBudget* budget,
                                  std::string_view what,
                                  std::chrono::system_clock::time_point now) {
  RetryDecision decision;
  if (!isRetryable(response)) {
    decision.reason = fmt::format("{} is not retryable", what);
    return decision;
  }
  if (attempt >= config_.maxAttempts) {
    decision.reason = fmt::format("{} after {} attempt(s), no retries left", what, attempt);
    return decision;
  }
  std::chrono::milliseconds delay = backoff(attempt);
  if (auto requested = retryAfterFromHeaders(response, now)) {
    if (*requested > config_.maxRetryAfter) {
      decision.reason = fmt::format("{} with Retry-After {} ms, above the {} ms limit", what,
                                    requested->count(), config_.maxRetryAfter.count());
      return decision;
    }
    delay = std::max(delay, *requested);
  }
  if (budget && !budget->tryConsume()) {
    decision.reason = fmt::format("{}, run retry budget spent", what);
    return decision;
  }
  decision.retry = true;
  decision.delay = delay;
  decision.reason = fmt::format("{}, retry {} of {} in {} ms", what, attempt,
                                config_.maxAttempts - 1, delay.count());
  return decision;
}

} // namespace awc::runtime
