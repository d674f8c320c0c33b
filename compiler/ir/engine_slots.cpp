// Calls on one engine's timeline (engine_slots.h): a treap of start (+1) and finish (-1)
// events ordered by time, each subtree knowing its sum and the least running sum at one of its
// finishes, so "calls in flight at t" is a prefix sum and "the first finish from which fewer
// than k calls run" one descent — instead of a scan over every call at every step.
#include "awc/ir/engine_slots.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace awc::ir {
namespace {

// As the cost model compares times: a call that finishes at t is no longer in flight at t.
constexpr double kTolerance = 1e-9;
// Two distinct event times this close could be ordered differently by the tolerant
// comparisons than by their values; then admit takes the step-by-step path.
constexpr double kNear = 1e-8;

uint64_t splitmix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

} // namespace

void EngineSlots::update(int t) {
  Event& e = events_[t];
  int64_t leftSum = e.left >= 0 ? events_[e.left].sum : 0;
  int64_t upTo = leftSum + e.value;
  e.sum = upTo + (e.right >= 0 ? events_[e.right].sum : 0);
  e.minPre = kNone;
  if (e.left >= 0) e.minPre = events_[e.left].minPre;
  if (e.finish) e.minPre = std::min(e.minPre, upTo);
  if (e.right >= 0 && events_[e.right].minPre != kNone)
    e.minPre = std::min(e.minPre, upTo + events_[e.right].minPre);
}

template <class GoesLeft>
void EngineSlots::splitBy(int t, const GoesLeft& goesLeft, int& l, int& r) {
  if (t < 0) {
    l = r = -1;
    return;
  }
  if (goesLeft(events_[t])) {
    splitBy(events_[t].right, goesLeft, events_[t].right, r);
    l = t;
  } else {
    splitBy(events_[t].left, goesLeft, l, events_[t].left);
    r = t;
  }
  update(t);
}

int EngineSlots::merge(int l, int r) {
  if (l < 0) return r;
  if (r < 0) return l;
  if (events_[l].rank > events_[r].rank) {
    events_[l].right = merge(events_[l].right, r);
    update(l);
    return l;
  }
  events_[r].left = merge(l, events_[r].left);
  update(r);
  return r;
}

void EngineSlots::insert(double key, int value) {
  int e = static_cast<int>(events_.size());
  bool finish = value < 0;
  events_.push_back({key, value, finish, splitmix(events_.size())});
  update(e);
  // Time order; at one time starts before finishes (a call starting when another finishes is
  // counted with it, as the tolerant comparison does), then in order of placement.
  int l, r;
  splitBy(
      root_, [&](const Event& x) { return x.key < key || (x.key == key && (!x.finish || finish)); },
      l, r);
  root_ = merge(merge(l, e), r);
}

void EngineSlots::noteNear(double key) {
  auto [it, fresh] = keys_.insert(key);
  if (!fresh) return;
  if (auto next = std::next(it); next != keys_.end() && *next - key <= kNear) {
    nearKeys_.insert(key);
    nearKeys_.insert(*next);
  }
  if (it != keys_.begin() && key - *std::prev(it) <= kNear) {
    nearKeys_.insert(key);
    nearKeys_.insert(*std::prev(it));
  }
}

void EngineSlots::place(double startMs, double finishMs) {
  calls_.emplace_back(startMs, finishMs);
  byFinish_.emplace(finishMs, startMs);
  noteNear(startMs);
  noteNear(finishMs);
  insert(startMs, +1);
  insert(finishMs, -1);
}

size_t EngineSlots::inFlight(double t) const {
  // Started by t' and not finished by t' is (started by t') - (finished by t'): a call
  // finishes no earlier than it starts.
  double x = t + kTolerance;
  int64_t count = 0;
  for (int n = root_; n >= 0;) {
    const Event& e = events_[n];
    if (e.key <= x) {
      count += (e.left >= 0 ? events_[e.left].sum : 0) + e.value;
      n = e.right;
    } else {
      n = e.left;
    }
  }
  return static_cast<size_t>(std::max<int64_t>(count, 0));
}

double EngineSlots::admit(double ready, int64_t slots) {
  if (slots <= 0) return ready;
  if (inFlight(ready) < static_cast<size_t>(slots)) return ready;
  // The first finish after `ready` where the running count drops below the slots. Stepping
  // from finish to finish cannot stop earlier: until the earliest finish of the calls in flight,
  // those calls are all still running. That holds while no two event times in between lie
  // within the tolerance of each other (rounding: 0.1 + 0.2 against 0.3); where some do, the
  // tolerant comparisons decide, step by step.
  int l, r;
  splitBy(
      root_, [&](const Event& x) { return x.key <= ready; }, l, r);
  int64_t running = l >= 0 ? events_[l].sum : 0;
  double found = std::numeric_limits<double>::infinity();
  for (int n = r; n >= 0 && events_[n].minPre != kNone && running + events_[n].minPre < slots;) {
    const Event& e = events_[n];
    if (e.left >= 0 && events_[e.left].minPre != kNone &&
        running + events_[e.left].minPre < slots) {
      n = e.left;
      continue;
    }
    running += (e.left >= 0 ? events_[e.left].sum : 0) + e.value;
    if (e.finish && running < slots) {
      found = e.key;
      break;
    }
    n = e.right;
  }
  root_ = merge(l, r);
  auto near = nearKeys_.lower_bound(ready - kNear);
  if (near != nearKeys_.end() && *near <= found + kNear) return admitStepwise(ready, slots);
  return found;
}

double EngineSlots::admitStepwise(double ready, int64_t slots) const {
  double t = ready;
  while (inFlight(t) >= static_cast<size_t>(slots)) {
    // The earliest finish of the calls in flight: the first finish after t' that started by t'.
    double at = t + kTolerance, next = std::numeric_limits<double>::infinity();
    for (auto it = byFinish_.upper_bound(at); it != byFinish_.end(); ++it)
      if (it->second <= at) {
        next = it->first;
        break;
      }
    t = next;
  }
  return t;
}

double EngineSlots::admitSlow(double ready, int64_t slots) const {
  if (slots <= 0) return ready;
  auto inFlightAt = [&](double t) {
    return std::count_if(calls_.begin(), calls_.end(), [&](const auto& c) {
      return c.first <= t + kTolerance && c.second > t + kTolerance;
    });
  };
  double t = ready;
  while (inFlightAt(t) >= slots) {
    double next = std::numeric_limits<double>::infinity();
    for (const auto& [s, f] : calls_)
      if (s <= t + kTolerance && f > t + kTolerance) next = std::min(next, f);
    t = next;
  }
  return t;
}

} // namespace awc::ir
