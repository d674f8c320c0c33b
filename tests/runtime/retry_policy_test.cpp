// Tests for retry classification, backoff with jitter, Retry-After and the retry budget.
#include "awc/runtime/retry_policy.h"

#include <catch2/catch.hpp>

using namespace awc::runtime;
using std::chrono::milliseconds;

TEST_CASE("retryable statuses and transport errors", "[retry]") {
  for (int status : {408, 429, 500, 502, 503, 504, 529})
    CHECK(isRetryableStatus(status));
  for (int status : {200, 400, 401, 403, 404, 422})
    CHECK_FALSE(isRetryableStatus(status));
  HttpResponse r;
  r.error = TransportError::Connect;
  CHECK(isRetryable(r));
  r.error = TransportError::Timeout;
  CHECK(isRetryable(r));
  for (auto e : {TransportError::Tls, TransportError::Cancelled, TransportError::Shutdown}) {
    r.error = e;
    CHECK_FALSE(isRetryable(r));
  }
}

TEST_CASE("Retry-After parses seconds and HTTP dates", "[retry]") {
  auto now = std::chrono::system_clock::from_time_t(1445412480); // Wed, 21 Oct 2015 07:28:00 GMT
  CHECK(parseRetryAfter("120", now) == milliseconds(120'000));
  CHECK(parseRetryAfter(" 1.5 ", now) == milliseconds(1'500));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", now) == milliseconds(30'000));
  CHECK(parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now) == milliseconds(0));
  CHECK_FALSE(parseRetryAfter("soon", now));
  CHECK_FALSE(parseRetryAfter("-3", now));
  CHECK_FALSE(parseRetryAfter("12abc", now));
  HttpResponse r;
  r.status = 429;
  r.headers = {{"retry-after-ms", "250"}, {"retry-after", "9"}};
  CHECK(retryAfterFromHeaders(r, now) == milliseconds(250));
  r.headers = {{"retry-after", "9"}};
  CHECK(retryAfterFromHeaders(r, now) == milliseconds(9'000));
}

TEST_CASE("backoff grows exponentially, is capped, and is jittered deterministically", "[retry]") {
  RetryConfig config;
  config.baseDelay = milliseconds(100);
  config.maxDelay = milliseconds(1000);
  config.jitter = 0;
  RetryPolicy exact(config);
  CHECK(exact.backoff(1) == milliseconds(100));
  CHECK(exact.backoff(2) == milliseconds(200));
  CHECK(exact.backoff(3) == milliseconds(400));
  CHECK(exact.backoff(6) == milliseconds(1000));

  config.jitter = 0.5;
  RetryPolicy a(config, 42), b(config, 42), c(config, 43);
  std::vector<long> seqA, seqB, seqC;
  for (int i = 1; i <= 8; ++i) {
    seqA.push_back(a.backoff(3).count());
    seqB.push_back(b.backoff(3).count());
    seqC.push_back(c.backoff(3).count());
  }
  CHECK(seqA == seqB);
  CHECK(seqA != seqC);
  for (long d : seqA) {
    CHECK(d > 200);
    CHECK(d <= 400);
  }
}

TEST_CASE("decide honours attempts, Retry-After, its cap and the budget", "[retry]") {
  RetryConfig config;
  config.maxAttempts = 3;
  config.baseDelay = milliseconds(100);
  config.jitter = 0;
  config.maxRetryAfter = milliseconds(5'000);
  RetryPolicy policy(config);
  RetryBudget budget(2);
  HttpResponse r;
  r.status = 503;
  auto d1 = policy.decide(1, r, &budget);
  CHECK(d1.retry);
  CHECK(d1.delay == milliseconds(100));
  CHECK(d1.reason == "HTTP 503, retry 1 of 2 in 100 ms");
  r.headers = {{"retry-after", "2"}};
  auto d2 = policy.decide(2, r, &budget);
  CHECK(d2.retry);
  CHECK(d2.delay == milliseconds(2'000));
  auto d3 = policy.decide(3, r, &budget);
  CHECK_FALSE(d3.retry);
  CHECK(d3.reason == "HTTP 503 after 3 attempt(s), no retries left");
  CHECK(budget.remaining() == 0);
  CHECK(budget.used() == 2);
  auto spent = policy.decide(1, r, &budget);
  CHECK_FALSE(spent.retry);
  CHECK(spent.reason == "HTTP 503, run retry budget spent");

  r.headers = {{"retry-after", "60"}};
  auto tooLong = policy.decide(1, r, nullptr);
  CHECK_FALSE(tooLong.retry);
  CHECK(tooLong.reason == "HTTP 503 with Retry-After 60000 ms, above the 5000 ms limit");

  r.status = 400;
  r.headers.clear();
  CHECK(policy.decide(1, r, nullptr).reason == "HTTP 400 is not retryable");
  RetryBudget unlimited(-1);
  for (int i = 0; i < 1000; ++i)
    REQUIRE(unlimited.tryConsume());
}
