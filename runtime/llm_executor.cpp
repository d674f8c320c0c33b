// Executes model (llm) nodes, fused calls included: renders the messages, looks the result up
// in the cache, waits in the model's limiter, calls the model (streamed, with retries and the
// per-attempt timeout), validates the answer against the schema and repairs it once.
#include "awc/runtime/schema_validate.h"
#include "awc/stdlib/eval.h"
#include "awc/support/hash.h"
#include "executor_core.h"

namespace awc::runtime {

using detail::ModelLimiter;
using nlohmann::json;

namespace {

/// docs/language.md: a step's `timeout` (per attempt) defaults to 60 s.
constexpr std::chrono::milliseconds kDefaultModelTimeout{60'000};

// OpenAI's strict structured output needs an object at the root: other schemas are wrapped in
// {"value": S} and the answer unwrapped.
bool needsWrap(const json& schema) {
  auto t = schema.find("type");
  return t == schema.end() || !t->is_string() || *t != "object";
}

bool isPlainText(const json& schema) {
  auto t = schema.find("type");
  return t != schema.end() && t->is_string() && *t == "string" && !schema.contains("enum");
}

struct LlmCall {
  std::shared_ptr<RunState> keep;
  Scope* scope;
  int node;
  ModelCall call;
  bool wrapped = false;
  bool repaired = false;
  std::string cacheKey;
  std::shared_ptr<ModelLimiter> limiter;
  std::mutex mutex;
  std::shared_ptr<ModelCallHandle> handle;
  bool done = false;
  std::uint64_t cancelId = 0;
  std::string secret; // the API key value, only to redact it from error text
};

/// Renders the node's messages into `call`; false with `error` set when a segment fails.
bool renderMessages(const Scope& scope, const PlanNode& node, ModelCall& call, std::string& error) {
  for (const PlanMessage& msg : node.messages) {
    std::vector<ContentBlock> blocks;
    blocks.emplace_back();
    for (const Segment& seg : msg.segments) {
      if (seg.isStatic) {
        blocks.back().text += seg.text;
      } else {
        auto value = scope.eval(seg.expr);
        if (!value) {
          error = "cannot render the prompt: " + value.error();
          return false;
        }
        stdlib::appendText(blocks.back().text, value.value());
      }
      if (seg.cacheBreakpoint) {
        blocks.back().cacheBreakpoint = true;
        blocks.emplace_back();
      }
    }
    if (blocks.back().text.empty() && blocks.size() > 1) blocks.pop_back();
    if (msg.system) {
      for (auto& b : blocks)
        call.system.push_back(std::move(b));
    } else {
      call.messages.push_back(Message{Role::User, std::move(blocks)});
    }
  }
  return true;
}

/// Checks an answer against the node's schema; returns the problem, or empty and `value`.
std::string parseAnswer(const LlmCall& ctx, const PlanNode& node, const std::string& text,
                        json& value) {
  if (!ctx.call.schema) {
    value = text;
    return {};
  }
  std::string problem;
  if (!parseModelJson(text, value, problem)) return "the answer is not JSON: " + problem;
  if (ctx.wrapped && value.is_object() && value.contains("value") && value.size() == 1)
    value = json(value["value"]);
  auto errors = validateSchema(value, node.schema);
  if (!errors.empty()) return "the answer does not match the schema: " + formatSchemaErrors(errors);
  return {};
}

class LlmExecutor final : public NodeExecutor {
public:
  explicit LlmExecutor(Runtime::Impl& core) : core_(core) {}

  void start(Scope& scope, int i) override {
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanModel& model = run.plan->models[node.model];
    auto ctx = std::make_shared<LlmCall>();
    ctx->keep = run.shared_from_this();
    ctx->scope = &scope;
    ctx->node = i;
    std::string error;
    if (!buildCall(scope, i, model, *ctx, error)) {
      core_.failNode(scope, i, error);
      return;
    }
    if (core_.cacheOn(scope, node)) {
      Hasher h;
      h.add("llm")
          .add(node.cacheKey)
          .add(providerName(ctx->call.provider))
          .add(buildRequestBody(ctx->call).dump());
      ctx->cacheKey = "llm:" + h.hex();
      if (auto hit = core_.cacheGet(ctx->cacheKey)) {
        scope.cacheState[i] = kCacheHit;
        core_.produced(scope, i, std::move(*hit));
        core_.finish(scope, i, Outcome::Ok);
        return;
      }
      scope.cacheState[i] = kCacheMiss;
    }
    ctx->limiter = core_.limiterFor(model, ctx->call.endpoint);
    admitAndCall(ctx);
  }

private:
  bool buildCall(Scope& scope, int i, const PlanModel& model, LlmCall& ctx, std::string& error) {
    const PlanNode& node = scope.graph->nodes[i];
    const RuntimeOptions& options = core_.options;
    ModelCall& call = ctx.call;
    hookEvents(scope, i, call);
    call.provider = options.backend.value_or(model.provider);
    call.endpoint = options.endpoint.empty() ? model.endpoint : options.endpoint;
    call.model = model.name;
    call.apiKeyEnv = ModelCall::keyEnvFor(call.provider, model.keyEnv);
    if (!renderMessages(scope, node, call, error)) return false;
    if (node.hasSchema && !isPlainText(node.schema)) {
      ctx.wrapped = needsWrap(node.schema);
      call.schema = ctx.wrapped ? json{{"type", "object"},
                                       {"properties", {{"value", node.schema}}},
                                       {"required", {"value"}},
                                       {"additionalProperties", false}}
                                : node.schema;
    }
    call.maxTokens = node.maxTokens;
    call.temperature = node.temperature;
    call.promptCacheKey = call.provider == Provider::Anthropic ? "" : node.promptCacheKey;
    call.totalTimeout = node.timeoutMs && *node.timeoutMs > 0
                            ? std::chrono::milliseconds(*node.timeoutMs)
                            : kDefaultModelTimeout;
    if (!call.apiKeyEnv.empty())
      if (auto key = core_.env(call.apiKeyEnv)) ctx.secret = *key;
    return true;
  }

  /// First tokens release "warm first" followers and reach observers; successful exchanges
  /// reach observers. Raw pointers suffice: the call completes before its `done`, which holds
  /// the LlmCall, whose `keep` holds the run.
  void hookEvents(Scope& scope, int i, ModelCall& call) {
    Scope* s = &scope;
    bool warm = !scope.graph->nodes[i].warmFollowers.empty();
    bool observed = scope.run->observers.wants(kFirstTokenEvents);
    if (warm || observed)
      call.onFirstToken = [this, s, i, warm, observed] {
        if (warm) core_.releaseWarm(*s, i);
        if (observed) core_.reportTime(*s, i, &RunObserver::onFirstToken, s->run->now());
      };
    if (scope.run->observers.wants(kModelExchangeEvents))
      call.onExchange = [s, i](const std::string& body, const ModelResponse& response) {
        s->run->reportExchange(*s, i, body, response);
      };
  }

  void admitAndCall(const std::shared_ptr<LlmCall>& ctx) {
    const PlanNode& node = ctx->scope->graph->nodes[ctx->node];
    if (ctx->limiter->unlimited()) {
      send(ctx);
      return;
    }
    ctx->limiter->acquire(ctx->scope->run, node.priorityMs, node.estTokens, [this, ctx](bool go) {
      if (!go) {
        core_.finishOnWorker(ctx->scope, ctx->node, Outcome::Abandoned);
        return;
      }
      // A node waiting for its model's limit has not started (docs/metrics.md): its start,
      // TTFT and share of the parallelism count from its first admission (a repair call
      // admitted later is still the same node's work).
      if (!ctx->repaired)
        core_.reportTime(*ctx->scope, ctx->node, &RunObserver::onNodeAdmitted,
                         ctx->scope->run->now());
      send(ctx);
    });
  }

  RetryPolicy* policyFor(RunState& run, const PlanNode& node) {
    if (!node.retries) return &core_.retryPolicy;
    RetryConfig config = core_.options.retry;
    config.maxAttempts = *node.retries + 1;
    std::lock_guard lock(run.mutex);
    run.policies.push_back(std::make_unique<RetryPolicy>(config));
    return run.policies.back().get();
  }

  void send(const std::shared_ptr<LlmCall>& ctx) {
    RunState& run = *ctx->scope->run;
    if (run.stopping.load() || Runtime::Impl::isDropped(*ctx->scope, ctx->node)) {
      if (!ctx->limiter->unlimited()) ctx->limiter->release();
      core_.finishOnWorker(ctx->scope, ctx->node, Outcome::Abandoned);
      return;
    }
    {
      std::lock_guard lock(ctx->mutex);
      ctx->done = false;
    }
    ctx->cancelId = run.addCanceler(
        [ctx] {
          std::shared_ptr<ModelCallHandle> handle;
          {
            std::lock_guard lock(ctx->mutex);
            if (!ctx->done) handle = ctx->handle;
          }
          if (handle) handle->cancel();
        },
        ctx->scope, ctx->node);
    RetryPolicy* policy = policyFor(run, ctx->scope->graph->nodes[ctx->node]);
    auto handle =
        startModelCall(*core_.transport, ctx->call, core_.env, policy, &run.budget,
                       [this, ctx](ModelResponse response) { onAnswer(ctx, std::move(response)); });
    bool cancelNow = false;
    {
      std::lock_guard lock(ctx->mutex);
      if (!ctx->done) ctx->handle = handle;
      cancelNow =
          !ctx->done && (run.cancelled.load() || Runtime::Impl::isDropped(*ctx->scope, ctx->node));
    }
    if (cancelNow) handle->cancel();
  }

  void reportCall(const LlmCall& ctx, const ModelResponse& response, const PlanModel& model) {
    Scope& scope = *ctx.scope;
    RunState& run = *scope.run;
    if (!run.observers.wants(kModelCallEvents)) return;
    ModelCallEvent event;
    event.node = scope.ref(ctx.node);
    event.atMs = run.now();
    event.ok = response.ok();
    event.attempts = response.attempts;
    event.usage = response.usage;
    event.costUsd =
        costUsd(response.usage.promptTokens, response.usage.cachedTokens,
                response.usage.cacheCreationTokens, response.usage.outputTokens, model.price);
    if (response.firstTokenTime != Clock::time_point{})
      event.firstTokenMs = msSince(run.start, response.firstTokenTime);
    event.finishReason = response.finishReason;
    run.observers.each(kModelCallEvents, [&](RunObserver& o) { o.onModelCall(event); });
  }

  void onAnswer(const std::shared_ptr<LlmCall>& ctx, ModelResponse response) {
    {
      std::lock_guard lock(ctx->mutex);
      ctx->done = true;
      ctx->handle.reset();
    }
    Scope& scope = *ctx->scope;
    RunState& run = *scope.run;
    run.removeCanceler(ctx->cancelId);
    if (!ctx->limiter->unlimited()) ctx->limiter->release();
    int i = ctx->node;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanModel& model = run.plan->models[node.model];
    reportCall(*ctx, response, model);
    if (!response.ok()) {
      std::string message = response.error->message;
      if (!ctx->secret.empty()) message = redact(std::move(message), ctx->secret);
      if (run.cancelled.load() && response.error->kind == ModelErrorKind::Transport)
        core_.finishOnWorker(&scope, i, Outcome::Abandoned);
      else
        core_.finishOnWorker(&scope, i, Outcome::Failed,
                             "model call to '" + model.name + "' failed: " + message);
      return;
    }
    json value;
    std::string problem = parseAnswer(*ctx, node, response.text, value);
    if (!problem.empty()) {
      if (!ctx->repaired && !run.stopping.load()) {
        ctx->repaired = true;
        ctx->call = makeRepairCall(ctx->call, response.text, problem);
        admitAndCall(ctx);
        return;
      }
      core_.finishOnWorker(&scope, i, Outcome::Failed,
                           problem + (ctx->repaired ? " (after one repair attempt)" : ""));
      return;
    }
    std::optional<std::chrono::milliseconds> ttl;
    if (node.cacheTtlMs > 0) ttl = std::chrono::milliseconds(node.cacheTtlMs);
    core_.produced(scope, i, std::move(value), ctx->cacheKey, ttl);
    core_.finishOnWorker(&scope, i, Outcome::Ok);
  }

  Runtime::Impl& core_;
};

} // namespace

std::unique_ptr<NodeExecutor> makeLlmExecutor(Runtime::Impl& core) {
  return std::make_unique<LlmExecutor>(core);
}

} // namespace awc::runtime
