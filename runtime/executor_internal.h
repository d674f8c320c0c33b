// Executor building blocks shared by the scheduling core and the tests: the priority worker
// pool and the per-model limiter (max concurrency, requests and tokens per minute). Private to
// awc_runtime.
#pragma once

#include "awc/runtime/http_client.h"

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace awc::runtime::detail {

/// Fixed threads draining one queue, highest priority first (FIFO among equals).
class WorkerPool {
public:
  explicit WorkerPool(int threads);
  ~WorkerPool(); ///< runs what is queued, then joins
  void submit(double priority, std::function<void()> fn);
  /// True on a thread of any WorkerPool.
  static bool onWorker();

private:
  struct Task {
    double priority;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  struct Later {
    bool operator()(const Task& a, const Task& b) const {
      return a.priority != b.priority ? a.priority < b.priority : a.seq > b.seq;
    }
  };
  void loop();

  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Task> heap_;
  std::uint64_t seq_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

/// Admission control for one model: at most `maxConcurrency` calls in flight, `rpm` requests and
/// `tpm` tokens in any 60 s window (0 = unlimited). Waiting calls are admitted highest
/// `priority` first. Thread-safe; admission callbacks run outside the lock.
class ModelLimiter : public std::enable_shared_from_this<ModelLimiter> {
public:
  ModelLimiter(int maxConcurrency, int rpm, int tpm, Transport& transport)
      : maxConcurrency_(maxConcurrency), rpm_(rpm), tpm_(tpm), transport_(transport) {}

  bool unlimited() const { return maxConcurrency_ <= 0 && rpm_ <= 0 && tpm_ <= 0; }
  /// Queues a call; `go(true)` when admitted (maybe at once, on this thread), `go(false)` when
  /// purged. `owner` identifies the run for purge().
  void acquire(const void* owner, double priority, std::int64_t tokens,
               std::function<void(bool)> go);
  /// A call admitted earlier finished.
  void release();
  /// Drops every waiting call of `owner` (their `go(false)` runs).
  void purge(const void* owner);
  int inFlight() const;

private:
  struct Waiter {
    const void* owner;
    std::int64_t tokens;
    std::function<void(bool)> go;
  };
  using Key = std::pair<double, std::uint64_t>; // (-priority, seq)
  void pump(std::vector<std::function<void(bool)>>& admitted, std::unique_lock<std::mutex>& lock);

  const int maxConcurrency_, rpm_, tpm_;
  Transport& transport_;
  mutable std::mutex mutex_;
  std::map<Key, Waiter> waiting_;
  std::uint64_t seq_ = 0;
  int inFlight_ = 0;
  std::deque<std::pair<Clock::time_point, std::int64_t>> window_;
  std::int64_t windowTokens_ = 0;
  bool timerPending_ = false;
};

} // namespace awc::runtime::detail
