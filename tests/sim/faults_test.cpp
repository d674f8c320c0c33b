// Fault spec parsing and the deterministic draw.
#include "awc/sim/faults.h"

#include <catch2/catch.hpp>

using namespace awc::sim;

TEST_CASE("fault specs parse and reject nonsense", "[faults]") {
  std::string error;
  auto s = parseFaultSpec("429=0.1, 500=0.05,drop=0.2,retry_after=3,hang_ms=250", error);
  REQUIRE(s);
  CHECK(s->rates[static_cast<int>(FaultKind::RateLimit)] == Approx(0.1));
  CHECK(s->rates[static_cast<int>(FaultKind::Drop)] == Approx(0.2));
  auto bare = parseFaultSpec("hang", error);
  REQUIRE(bare);
  CHECK(bare->rates[static_cast<int>(FaultKind::Hang)] == 1.0); // a bare kind means always
  CHECK(s->retryAfterSec == 3);
  CHECK(s->hangMs == 250);
  CHECK_FALSE(parseFaultSpec("429=0.1,drop", error)); // adds up to more than 1
  CHECK_FALSE(parseFaultSpec("teapot=0.1", error));
  CHECK(error.find("teapot") != std::string::npos);
  CHECK_FALSE(parseFaultSpec("500=abc", error));
  CHECK_FALSE(parseFaultSpec("500=1.5", error));
  CHECK(parseFaultSpec("", error));
}

TEST_CASE("fault draws are deterministic and follow the rates", "[faults]") {
  std::string error;
  auto s = parseFaultSpec("429=0.2,503=0.1", error);
  REQUIRE(s);
  int rateLimited = 0, unavailable = 0, none = 0;
  for (uint64_t h = 0; h < 10000; ++h) {
    FaultKind k = chooseFault(*s, 7, h, 0);
    CHECK(k == chooseFault(*s, 7, h, 0));
    if (k == FaultKind::RateLimit)
      ++rateLimited;
    else if (k == FaultKind::Unavailable)
      ++unavailable;
    else if (k == FaultKind::None)
      ++none;
  }
  CHECK(rateLimited > 1700);
  CHECK(rateLimited < 2300);
  CHECK(unavailable > 800);
  CHECK(unavailable < 1200);
  CHECK(none + rateLimited + unavailable == 10000);
  // A retry (next attempt) is a fresh draw: some requests that failed now succeed.
  int recovered = 0;
  for (uint64_t h = 0; h < 1000; ++h)
    if (chooseFault(*s, 7, h, 0) != FaultKind::None && chooseFault(*s, 7, h, 1) == FaultKind::None)
      ++recovered;
  CHECK(recovered > 100);
  CHECK(chooseFault(FaultSpec{}, 7, 1, 0) == FaultKind::None);
}
