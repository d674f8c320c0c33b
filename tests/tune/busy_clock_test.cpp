// The busy time tune reports (TuneResult::callsBusyMs) is the union of its calls' intervals:
// overlapping and nested calls count once, gaps between calls do not count.
#include "busy_clock.h"

#include <catch2/catch.hpp>

using awc::tune::detail::BusyClock;
using awc::tune::detail::Interval;
using awc::tune::detail::unionLength;

TEST_CASE("no intervals cover nothing", "[tune][busy]") {
  CHECK(unionLength({}) == 0);
  CHECK(unionLength({{5, 5}}) == 0);
}

TEST_CASE("disjoint intervals add up, the gaps do not count", "[tune][busy]") {
  CHECK(unionLength({{0, 10}, {20, 25}}) == 15);
  CHECK(unionLength({{20, 25}, {0, 10}, {40, 41}}) == 16); // order does not matter
}

TEST_CASE("overlapping intervals count once", "[tune][busy]") {
  CHECK(unionLength({{0, 10}, {5, 15}}) == 15);
  CHECK(unionLength({{5, 15}, {0, 10}, {14, 30}}) == 30);
  // Touching at one point: one run, nothing counted twice.
  CHECK(unionLength({{0, 10}, {10, 20}}) == 20);
}

TEST_CASE("nested intervals add nothing", "[tune][busy]") {
  CHECK(unionLength({{0, 100}, {10, 20}, {30, 40}}) == 100);
  CHECK(unionLength({{10, 20}, {0, 100}, {50, 120}}) == 120);
  CHECK(unionLength({{0, 10}, {0, 10}, {2, 3}}) == 10); // the same call twice
}

TEST_CASE("an interval that ends before it starts is empty", "[tune][busy]") {
  CHECK(unionLength({{10, 5}, {0, 2}}) == 2);
}

TEST_CASE("the clock's busy time is the union of what was added", "[tune][busy]") {
  BusyClock clock;
  auto t0 = BusyClock::Clock::now();
  using std::chrono::milliseconds;
  clock.add(t0, t0 + milliseconds(10));
  clock.add(t0 + milliseconds(5), t0 + milliseconds(15)); // overlaps the first
  clock.add(t0 + milliseconds(30), t0 + milliseconds(40));
  CHECK(clock.busyMs() == Approx(25.0));
  CHECK(clock.elapsedMs() >= 0);
}
