// The union of call intervals (BusyClock): sort by start, merge what overlaps, sum the rest.
#include "busy_clock.h"

#include <algorithm>

namespace awc::tune::detail {

double unionLength(std::vector<Interval> intervals) {
  std::sort(intervals.begin(), intervals.end(),
            [](const Interval& a, const Interval& b) { return a.start < b.start; });
  double total = 0;
  bool open = false;
  Interval run; // the merged interval being extended
  for (const Interval& i : intervals) {
    if (i.end < i.start) continue;
    if (open && i.start <= run.end) {
      run.end = std::max(run.end, i.end);
      continue;
    }
    if (open) total += run.end - run.start;
    run = i;
    open = true;
  }
  if (open) total += run.end - run.start;
  return total;
}

double BusyClock::msSinceOrigin(Clock::time_point t) const {
  return std::chrono::duration<double, std::milli>(t - origin_).count();
}

void BusyClock::add(Clock::time_point start, Clock::time_point end) {
  Interval i{msSinceOrigin(start), msSinceOrigin(end)};
  std::lock_guard lock(mutex_);
  intervals_.push_back(i);
}

double BusyClock::busyMs() const {
  std::lock_guard lock(mutex_);
  return unionLength(intervals_);
}

double BusyClock::elapsedMs() const {
  return msSinceOrigin(Clock::now());
}

} // namespace awc::tune::detail
