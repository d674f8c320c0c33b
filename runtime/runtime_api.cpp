// The public API of include/awc/runtime/runtime.h: Runtime, RunHandle.
#include "executor_core.h"
#include "observers.h"

namespace awc::runtime {

using nlohmann::json;

namespace {

void reportRunStarted(RunState& run) {
  RunStarted event;
  event.runId = run.options.runId;
  if (run.plan) event.workflow = run.plan->workflow;
  event.startUnixUs = run.startUnixUs;
  run.observers.each(kRunLifecycleEvents, [&](RunObserver& o) { o.onRunStarted(event); });
}

/// A run that ends before any node starts (no plan, bad inputs).
void finishAtOnce(RunState& run, const std::string& error) {
  run.result.error = error;
  if (run.plan) run.result.metrics.workflow = run.plan->workflow;
  run.result.metrics.runId = run.options.runId;
  run.result.metrics.error = error;
  run.observers.each(kRunLifecycleEvents, [&](RunObserver& o) { o.onRunFinished(run.result); });
  run.finished = true;
  if (run.onDone) run.onDone(run.result);
}

} // namespace

Runtime::Runtime(RuntimeOptions options) : impl_(std::make_shared<Impl>(std::move(options))) {}
Runtime::~Runtime() = default;

void Runtime::registerTool(const std::string& name, HostTool tool) {
  std::unique_lock lock(impl_->toolsMutex);
  impl_->asyncTools.erase(name);
  impl_->tools[name] = std::move(tool);
}

void Runtime::registerAsyncTool(const std::string& name, AsyncHostTool tool) {
  std::unique_lock lock(impl_->toolsMutex);
  impl_->tools.erase(name);
  impl_->asyncTools[name] = std::move(tool);
}

std::shared_ptr<RunHandle> Runtime::start(std::shared_ptr<const Plan> plan, json inputs,
                                          RunOptions options,
                                          std::function<void(const RunResult&)> onDone) {
  Impl& rt = *impl_;
  auto run = std::make_shared<RunState>(rt.options.retryBudgetPerRun);
  run->rt = &rt;
  run->start = Clock::now();
  run->startUnixUs = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  run->options = std::move(options);
  if (run->options.runId.empty()) run->options.runId = "run-" + std::to_string(++rt.runSeq);
  run->onDone = std::move(onDone);
  run->plan = plan;
  rt.attachObservers(*run);
  auto handle = std::make_shared<RunHandle>(run);
  reportRunStarted(*run);
  if (!plan) {
    finishAtOnce(*run, "no plan");
    return handle;
  }
  std::string inputError = rt.checkInputs(*plan, inputs, run->inputs);
  if (!inputError.empty()) {
    finishAtOnce(*run, inputError);
    return handle;
  }
  {
    std::lock_guard lock(rt.runsMutex);
    rt.active.emplace(run.get(), run);
  }
  Scope* top = rt.newScope(*run, plan->graph, nullptr, "");
  rt.startScope(*top);
  return handle;
}

RunResult Runtime::run(std::shared_ptr<const Plan> plan, json inputs, RunOptions options) {
  return start(std::move(plan), std::move(inputs), std::move(options))->wait();
}

void RunHandle::cancel() {
  if (!done()) state_->rt->cancel(*state_);
}

const RunResult& RunHandle::wait() {
  std::unique_lock lock(state_->mutex);
  state_->finishedCv.wait(lock, [&] { return state_->finished; });
  return state_->result;
}

bool RunHandle::waitFor(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_->mutex);
  return state_->finishedCv.wait_for(lock, timeout, [&] { return state_->finished; });
}

bool RunHandle::done() const {
  std::lock_guard lock(state_->mutex);
  return state_->finished;
}

} // namespace awc::runtime
