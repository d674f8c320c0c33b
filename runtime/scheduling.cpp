// The priority worker pool and the per-model limiter (see executor_internal.h).
#include "executor_internal.h"

#include <algorithm>

namespace awc::runtime::detail {

namespace {
thread_local bool tlOnWorker = false;
constexpr auto kWindow = std::chrono::seconds(60);
} // namespace

WorkerPool::WorkerPool(int threads) {
  for (int i = 0; i < std::max(1, threads); ++i)
    threads_.emplace_back([this] { loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_)
    t.join();
}

bool WorkerPool::onWorker() {
  return tlOnWorker;
}

void WorkerPool::submit(double priority, std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    heap_.push_back({priority, seq_++, std::move(fn)});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  cv_.notify_one();
}

void WorkerPool::loop() {
  tlOnWorker = true;
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || !heap_.empty(); });
    if (heap_.empty()) return; // stop_ and nothing left
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    Task task = std::move(heap_.back());
    heap_.pop_back();
    lock.unlock();
    task.fn();
    task.fn = nullptr; // release captures outside the lock
    lock.lock();
  }
}

void ModelLimiter::acquire(const void* owner, double priority, std::int64_t tokens,
                           std::function<void(bool)> go) {
  std::vector<std::function<void(bool)>> admitted;
  {
    std::unique_lock lock(mutex_);
    waiting_.emplace(Key{-priority, seq_++}, Waiter{owner, tokens, std::move(go)});
    pump(admitted, lock);
  }
  for (auto& fn : admitted)
    fn(true);
}

void ModelLimiter::release() {
  std::vector<std::function<void(bool)>> admitted;
  {
    std::unique_lock lock(mutex_);
    --inFlight_;
    pump(admitted, lock);
  }
  for (auto& fn : admitted)
    fn(true);
}

void ModelLimiter::purge(const void* owner) {
  std::vector<std::function<void(bool)>> dropped;
  {
    std::lock_guard lock(mutex_);
    for (auto it = waiting_.begin(); it != waiting_.end();)
      if (it->second.owner == owner) {
        dropped.push_back(std::move(it->second.go));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
  }
  for (auto& fn : dropped)
    fn(false);
}

int ModelLimiter::inFlight() const {
  std::lock_guard lock(mutex_);
  return inFlight_;
}

void ModelLimiter::pump(std::vector<std::function<void(bool)>>& admitted,
                        std::unique_lock<std::mutex>&) {
  auto now = Clock::now();
  while (!window_.empty() && window_.front().first + kWindow <= now) {
    windowTokens_ -= window_.front().second;
    window_.pop_front();
  }
  while (!waiting_.empty()) {
    auto it = waiting_.begin();
    if (maxConcurrency_ > 0 && inFlight_ >= maxConcurrency_) return; // a release() pumps again
    bool rpmFull = rpm_ > 0 && int(window_.size()) >= rpm_;
    bool tpmFull = tpm_ > 0 && !window_.empty() && windowTokens_ + it->second.tokens > tpm_;
    if (rpmFull || tpmFull) {
      if (!timerPending_) {
        timerPending_ = true;
        auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(window_.front().first +
                                                                           kWindow - now) +
                     std::chrono::milliseconds(1);
        std::weak_ptr<ModelLimiter> weak = weak_from_this();
        transport_.runAfter(delay, [weak] {
          auto self = weak.lock();
          if (!self) return;
          std::vector<std::function<void(bool)>> ready;
          {
            std::unique_lock lock(self->mutex_);
            self->timerPending_ = false;
            self->pump(ready, lock);
          }
          for (auto& fn : ready)
            fn(true);
        });
      }
      return;
    }
    ++inFlight_;
    if (rpm_ > 0 || tpm_ > 0) {
      window_.emplace_back(now, it->second.tokens);
      windowTokens_ += it->second.tokens;
    }
    admitted.push_back(std::move(it->second.go));
    waiting_.erase(it);
  }
}

} // namespace awc::runtime::detail
