// Re-sending recorded model requests with one change (another model, a max_tokens), bounded
// concurrency, under the budget: tune measures a candidate without rerunning the flow.
#include "tune_internal.h"

#include <fmt/format.h>
#include <memory>

namespace awc::tune::detail {

bool Budget::reserve(int64_t calls, double estUsd) {
  std::lock_guard lock(mutex_);
  if (stopped_) return false;
  if ((maxCalls_ && calls_ + calls > *maxCalls_) || (maxUsd_ && spent_ + estUsd > *maxUsd_)) {
    stopped_ = true;
    return false;
  }
  calls_ += calls;
  spent_ += estUsd;
  return true;
}

void Budget::settle(int64_t reservedCalls, double estUsd, int64_t calls, double usd) {
  std::lock_guard lock(mutex_);
  calls_ += calls - reservedCalls;
  spent_ += usd - estUsd;
}

bool Budget::stopped() const {
  std::lock_guard lock(mutex_);
  return stopped_;
}
int64_t Budget::calls() const {
  std::lock_guard lock(mutex_);
  return calls_;
}
double Budget::spentUsd() const {
  std::lock_guard lock(mutex_);
  return spent_;
}

double callCost(const Route& r, const runtime::Usage& u) {
  double uncached = double(u.promptTokens - u.cachedTokens);
  return (uncached * r.priceIn + double(u.cachedTokens) * r.cachedPriceIn +
          double(u.outputTokens) * r.priceOut) /
         1e6;
}

double listCost(const Route& r, const runtime::Usage& u) {
  return (double(u.promptTokens) * r.priceIn + double(u.outputTokens) * r.priceOut) / 1e6;
}

namespace {

double msBetween(runtime::Clock::time_point a, runtime::Clock::time_point b) {
  return std::chrono::duration<double, std::milli>(b - a).count();
}

CallResult toResult(const Route& route, const runtime::ModelResponse& m,
                    runtime::Clock::time_point sent) {
  CallResult r;
  r.done = true;
  r.ok = m.ok();
  if (m.error)
    r.error = m.error->httpStatus
                  ? fmt::format("HTTP {}: {}", m.error->httpStatus, m.error->message)
                  : m.error->message;
  r.answer = m.text;
  r.finishReason = m.finishReason;
  r.usage = m.usage;
  auto end = m.endTime == runtime::Clock::time_point{} ? runtime::Clock::now() : m.endTime;
  r.latencyMs = msBetween(sent, end);
  r.ttftMs = m.firstTokenTime == runtime::Clock::time_point{} ? r.latencyMs
                                                              : msBetween(sent, m.firstTokenTime);
  r.tokensPerS = m.outputTokensPerSecond();
  r.costUsd = callCost(route, m.usage);
  return r;
}

} // namespace

void replayAll(runtime::Transport& transport, std::vector<ReplayJob>& jobs, int concurrency,
               Budget& budget, const std::function<void()>& tick) {
  std::mutex mutex;
  std::condition_variable cv;
  int inFlight = 0, finished = 0, started = 0;
  runtime::EnvLookup env = runtime::processEnv();
  auto waitSome = [&](std::unique_lock<std::mutex>& lock, int below) {
    int seen = finished;
    cv.wait(lock, [&] { return inFlight < below || finished != seen; });
  };
  for (ReplayJob& job : jobs) {
    {
      std::unique_lock lock(mutex);
      while (inFlight >= concurrency) {
        waitSome(lock, concurrency);
        lock.unlock();
        if (tick) tick();
        lock.lock();
      }
    }
    if (!budget.reserve(1, job.estUsd)) break;
    ++started;
    runtime::ModelCall call;
    call.provider = job.route->provider;
    call.endpoint = job.route->endpoint;
    call.model = job.route->name;
    call.apiKeyEnv = runtime::ModelCall::keyEnvFor(call.provider, job.route->keyEnv);
    runtime::HttpRequest request;
    ReplayJob* jp = &job;
    auto finish = [&, jp](CallResult r) {
      budget.settle(1, jp->estUsd, 1, r.costUsd);
      std::lock_guard lock(mutex);
      *jp->out = std::move(r);
      --inFlight;
      ++finished;
      cv.notify_all();
    };
    {
      std::lock_guard lock(mutex);
      ++inFlight;
    }
    if (auto error = runtime::buildModelRequest(call, env, request)) {
      CallResult r;
      r.done = true;
      r.error = error->message;
      finish(std::move(r));
      continue;
    }
    request.body = job.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    auto sent = runtime::Clock::now();
    if (job.body.value("stream", false)) {
      auto parser = std::make_shared<runtime::ModelStreamParser>(call.provider);
      request.onBodyChunk = [parser](std::string_view chunk) { parser->feed(chunk); };
      request.keepStreamedBody = true;
      transport.submit(std::move(request),
                       [parser, finish, jp, sent, &budget](runtime::HttpResponse h) {
                         budget.busy().add(sent, runtime::Clock::now());
                         finish(toResult(*jp->route, parser->finish(h), sent));
                       });
    } else {
      auto provider = call.provider;
      transport.submit(
          std::move(request), [provider, finish, jp, sent, &budget](runtime::HttpResponse h) {
            budget.busy().add(sent, runtime::Clock::now());
            finish(toResult(*jp->route, runtime::parseModelResponse(provider, h), sent));
          });
    }
  }
  std::unique_lock lock(mutex);
  while (inFlight > 0) {
    waitSome(lock, 1);
    lock.unlock();
    if (tick) tick();
    lock.lock();
  }
}

} // namespace awc::tune::detail
