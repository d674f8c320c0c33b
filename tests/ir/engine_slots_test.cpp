// EngineSlots: the cost model's engine timeline answers as the step-by-step definition does.
#include "awc/ir/engine_slots.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <vector>

using awc::ir::EngineSlots;

namespace {

// Places `calls` calls as the estimate does: each admitted from a ready time in any order,
// comparing admit with admitSlow before every placement. Durations are sums of a few fixed
// fractions, so finishes that are equal on paper often differ in the last bits.
void checkRandomTimeline(uint32_t seed, int calls, int64_t slots) {
  std::mt19937 rng(seed);
  const double pieces[] = {0.1, 0.2, 0.3, 12.5, 256.317, 100.0 / 3};
  EngineSlots engine;
  std::vector<double> finishes{0};
  for (int i = 0; i < calls; ++i) {
    double ready = rng() % 3 == 0 ? finishes[rng() % finishes.size()] : (rng() % 4000) / 7.0;
    double duration = 0;
    for (int k = 1 + static_cast<int>(rng() % 3); k > 0; --k)
      duration += pieces[rng() % 6];
    double slow = engine.admitSlow(ready, slots);
    double fast = engine.admit(ready, slots);
    INFO("seed " << seed << " call " << i << " ready " << ready);
    REQUIRE(fast == slow);
    if (slots > 0) REQUIRE(engine.inFlight(fast) < static_cast<size_t>(slots));
    engine.place(fast, fast + duration);
    finishes.push_back(fast + duration);
  }
}

} // namespace

TEST_CASE("engine slots: admit matches the step-by-step definition", "[ir][cost]") {
  for (uint32_t seed = 1; seed <= 40; ++seed)
    checkRandomTimeline(seed, 300, 1 + seed % 5);
}

TEST_CASE("engine slots: unlimited slots admit at once", "[ir][cost]") {
  EngineSlots engine;
  engine.place(0, 100);
  engine.place(0, 100);
  CHECK(engine.admit(5, 0) == 5);
  CHECK(engine.inFlight(5) == 2);
}

TEST_CASE("engine slots: a full engine admits at the first finish that frees a slot",
          "[ir][cost]") {
  EngineSlots engine;
  engine.place(0, 100);
  engine.place(10, 50);
  engine.place(60, 120); // starts after the second call finished
  CHECK(engine.inFlight(0) == 1);
  CHECK(engine.inFlight(50) == 1); // a call finishing at t is no longer in flight at t
  CHECK(engine.inFlight(70) == 2);
  CHECK(engine.admit(20, 2) == 50);
  CHECK(engine.admit(70, 2) == 100);
  CHECK(engine.admit(70, 1) == 120);
  CHECK(engine.admit(130, 1) == 130);
}

TEST_CASE("engine slots: times equal on paper but not in bits step as the definition does",
          "[ir][cost]") {
  EngineSlots engine;
  engine.place(0, 0.1 + 0.2); // 0.30000000000000004
  engine.place(0, 0.3);
  engine.place(0.3, 0.6);
  CHECK(engine.admit(0, 2) == engine.admitSlow(0, 2));
  CHECK(engine.admit(0, 1) == engine.admitSlow(0, 1));
  CHECK(engine.admit(0.1, 3) == engine.admitSlow(0.1, 3));
}
