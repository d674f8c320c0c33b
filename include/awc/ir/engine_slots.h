// The model calls placed on one engine's timeline, for the cost model: how many are in flight
// at a time, and when a new call gets one of the engine's slots — O(log n) per call, so the
// estimate of a plan with thousands of calls on a model with max_concurrency stays n log n.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace awc::ir {

/// Calls on one engine: intervals [start, finish) in ms, placed in any order. Times are
/// compared with a 1e-9 ms tolerance (a call that finishes at t is not in flight at t).
class EngineSlots {
public:
  /// Calls placed so far in flight at `t`: started by t + 1e-9 and not finished by it.
  size_t inFlight(double t) const;
  /// The earliest time from `ready` at which fewer than `slots` calls are in flight (slots ≤ 0:
  /// `ready`): the runtime holds a call back while its model's max_concurrency are running.
  /// The same figure as stepping from `ready` to the earliest finish of the calls in flight
  /// until a slot is free (admitSlow), found in O(log n).
  double admit(double ready, int64_t slots);
  /// Places a call (finishMs ≥ startMs).
  void place(double startMs, double finishMs);
  /// The definition of admit, step by step, each step a scan of every call (O(calls)): what
  /// tests compare admit against.
  double admitSlow(double ready, int64_t slots) const;

private:
  struct Event {
    double key;
    int value;     // +1 a start, -1 a finish
    bool finish;   // a finish is where a slot can free up
    uint64_t rank; // heap priority (a hash of the insertion number: deterministic)
    int left = -1, right = -1;
    int64_t sum = 0;    // of values in the subtree
    int64_t minPre = 0; // the least running sum at a finish in the subtree (kNone: none)
  };
  static constexpr int64_t kNone = INT64_MAX / 4;

  void update(int t);
  /// Splits the subtree `t` into the events for which goesLeft holds (a prefix) and the rest.
  template <class GoesLeft> void splitBy(int t, const GoesLeft& goesLeft, int& l, int& r);
  int merge(int l, int r);
  void insert(double key, int value);
  void noteNear(double key);
  double admitStepwise(double ready, int64_t slots) const;

  std::vector<Event> events_;
  int root_ = -1;
  std::vector<std::pair<double, double>> calls_; // for admitSlow
  std::multimap<double, double> byFinish_;       // finish → start, for admitStepwise
  std::set<double> keys_;                        // distinct event times
  std::set<double> nearKeys_; // event times with another within the tolerance's reach
};

} // namespace awc::ir
