// How long at least one of tune's calls was in flight: the union of the calls' intervals on the
// steady clock, the figure tune's own wall time is compared with (docs/tune.md, "How long tune
// takes"; bench/tune_time.mjs).
#pragma once

#include <chrono>
#include <mutex>
#include <vector>

namespace awc::tune::detail {

/// An interval [start, end] in milliseconds.
struct Interval {
  double start = 0, end = 0;
};

/// The length the intervals cover together: overlaps count once, an interval with end < start
/// counts as empty. Pure: the order of the intervals does not matter.
double unionLength(std::vector<Interval> intervals);

/// Collects the intervals during which tune's calls were in flight (thread-safe), from the
/// moment it is made: busyMs() is their union, elapsedMs() the time since.
class BusyClock {
public:
  using Clock = std::chrono::steady_clock;
  BusyClock() : origin_(Clock::now()) {}
  /// One call in flight from `start` to `end`.
  void add(Clock::time_point start, Clock::time_point end);
  /// Milliseconds during which at least one recorded call was in flight.
  double busyMs() const;
  /// Milliseconds since the clock was made.
  double elapsedMs() const;

private:
  double msSinceOrigin(Clock::time_point t) const;

  mutable std::mutex mutex_;
  Clock::time_point origin_;
  std::vector<Interval> intervals_;
};

} // namespace awc::tune::detail
