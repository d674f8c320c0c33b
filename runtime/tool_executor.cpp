// Executes tool nodes: stubs, host callbacks (sync on the worker, async from any thread) and
// HTTP tools (URL built and checked against the plan's hosts with support/url.h, sent on the
// transport with the tool's timeout and retries). Results are validated and cached.
#include "awc/runtime/schema_validate.h"
#include "awc/stdlib/eval.h"
#include "awc/support/hash.h"
#include "awc/support/url.h"
#include "executor_core.h"

namespace awc::runtime {

using nlohmann::json;

namespace {

struct HttpToolCall {
  HttpRequest request;
  int attempt = 0;
  int maxAttempts = 1;
  std::unique_ptr<RetryPolicy> policy; ///< the runtime's backoff, the tool's attempts
  std::uint64_t cancelId = 0;
  std::atomic<RequestId> id{0};
  std::function<void(ToolResult)> done;
};

/// Fills the `{param}` holes of `tpl`: path values with encodePathSegment (so ".." cannot
/// climb a level), values after the '?' with encodeQueryValue. Returns the names used, or
/// sets `error`.
std::string fillTemplate(const std::string& tpl, const json& args, std::vector<std::string>& used,
                         std::string& error) {
  std::string url;
  bool inQuery = false;
  for (std::size_t k = 0; k < tpl.size(); ++k) {
    if (tpl[k] == '?') inQuery = true;
    auto close = tpl[k] == '{' ? tpl.find('}', k) : std::string::npos;
    if (close == std::string::npos) {
      url += tpl[k];
      continue;
    }
    std::string name = tpl.substr(k + 1, close - k - 1);
    if (!args.contains(name)) {
      error = "URL parameter '{" + name + "}' has no argument";
      return {};
    }
    std::string text = stdlib::toText(args[name]);
    url += inQuery ? support::encodeQueryValue(text) : support::encodePathSegment(text);
    used.push_back(name);
    k = close;
  }
  return url;
}

/// Why `url` may not be called under the plan's `hosts`, or empty when it may.
std::string checkHost(const std::string& url, const std::vector<std::string>& hosts) {
  std::string error;
  auto parsed = support::parseHttpUrl(url, error);
  if (!parsed) return "the URL is not valid (" + error + ")";
  if (parsed->hasUserInfo) return "the URL carries user info before its host: refused";
  std::vector<support::HostRule> rules;
  for (const std::string& host : hosts)
    if (auto rule = support::parseHostRule(host, error)) rules.push_back(*rule);
  if (!support::hostAllowed(*parsed, rules))
    return "host '" + support::hostLabel(*parsed) + "' is not among the plan's hosts";
  return {};
}

ToolResult callHostTool(const HostTool& tool, const json& args) {
  try {
    return tool(args);
  } catch (const std::exception& e) {
    return ToolResult::failure(std::string("the host tool threw: ") + e.what());
  } catch (...) {
    return ToolResult::failure("the host tool threw a non-standard exception");
  }
}

ToolResult httpOutcome(const HttpResponse& response) {
  if (response.error == TransportError::Cancelled) return ToolResult::failure("cancelled");
  if (response.error != TransportError::None)
    return ToolResult::failure(std::string(transportErrorName(response.error)) + ": " +
                               response.errorMessage);
  if (!response.ok()) return ToolResult::failure("HTTP " + std::to_string(response.status));
  json value = json::parse(response.body, nullptr, false);
  if (value.is_discarded()) return ToolResult::failure("the response is not JSON");
  return ToolResult::success(std::move(value));
}

class ToolExecutor final : public NodeExecutor {
public:
  explicit ToolExecutor(Runtime::Impl& core) : core_(core) {}

  void start(Scope& scope, int i) override {
    RunState& run = *scope.run;
    const PlanNode& node = scope.graph->nodes[i];
    const PlanTool& tool = run.plan->tools[node.tool];
    json args = json::object();
    for (auto& [name, expr] : node.args.items()) {
      auto value = scope.eval(expr);
      if (!value) {
        core_.failNode(scope, i, "argument '" + name + "': " + value.error());
        return;
      }
      args[name] = std::move(value).value();
    }
    std::string cacheKey;
    if (core_.cacheOn(scope, node) && tool.cacheTtlMs >= 0) {
      Hasher h;
      h.add("tool").add(node.cacheKey).add(tool.id).add(args.dump());
      cacheKey = "tool:" + h.hex();
      if (auto hit = core_.cacheGet(cacheKey)) {
        scope.cacheState[i] = kCacheHit;
        core_.produced(scope, i, std::move(*hit));
        core_.finish(scope, i, Outcome::Ok);
        return;
      }
      scope.cacheState[i] = kCacheMiss;
    }
    auto keep = run.shared_from_this();
    auto done = [this, keep, &scope, i, cacheKey](ToolResult result) {
      toolDone(scope, i, std::move(result), cacheKey);
    };
    dispatch(scope, i, tool, std::move(args), std::move(done));
  }

private:
  void dispatch(Scope& scope, int i, const PlanTool& tool, json args,
                std::function<void(ToolResult)> done) {
    const RuntimeOptions& options = core_.options;
    if (auto stub = options.toolStubs.find(tool.id); stub != options.toolStubs.end()) {
      if (options.toolStubLatency.count() > 0) {
        json value = stub->second;
        core_.transport->runAfter(options.toolStubLatency,
                                  [done, value] { done(ToolResult::success(value)); });
      } else {
        done(ToolResult::success(stub->second));
      }
      return;
    }
    if (tool.http) {
      startHttp(scope, i, tool, std::move(args), std::move(done));
      return;
    }
    HostTool sync;
    AsyncHostTool async;
    {
      std::shared_lock lock(core_.toolsMutex);
      if (auto it = core_.tools.find(tool.id); it != core_.tools.end())
        sync = it->second;
      else if (auto a = core_.asyncTools.find(tool.id); a != core_.asyncTools.end())
        async = a->second;
    }
    if (sync)
      done(callHostTool(sync, args));
    else if (async)
      callAsync(async, args, std::move(done));
    else
      done(ToolResult::failure("no host callback is registered for tool '" + tool.id +
                               "' (Runtime::registerTool)"));
  }

  static void callAsync(const AsyncHostTool& async, const json& args,
                        std::function<void(ToolResult)> done) {
    auto once = std::make_shared<std::atomic<bool>>(false);
    try {
      async(args, [done, once](ToolResult r) {
        if (!once->exchange(true)) done(std::move(r));
      });
    } catch (const std::exception& e) {
      if (!once->exchange(true))
        done(ToolResult::failure(std::string("the host tool threw: ") + e.what()));
    }
  }

  void toolDone(Scope& scope, int i, ToolResult result, const std::string& cacheKey) {
    const PlanNode& node = scope.graph->nodes[i];
    const PlanTool& tool = scope.run->plan->tools[node.tool];
    if (!result.ok) {
      if (scope.run->cancelled.load() && result.error == "cancelled")
        core_.finishOnWorker(&scope, i, Outcome::Abandoned);
      else
        core_.finishOnWorker(&scope, i, Outcome::Failed, "tool '" + tool.id + "': " + result.error);
      return;
    }
    const json& schema = tool.hasResultSchema ? tool.resultSchema : node.schema;
    if (tool.hasResultSchema || node.hasSchema) {
      auto errors = validateSchema(result.value, schema);
      if (!errors.empty()) {
        core_.finishOnWorker(
            &scope, i, Outcome::Failed,
            "tool '" + tool.id +
                "' returned a value that does not match its type: " + formatSchemaErrors(errors));
        return;
      }
    }
    std::optional<std::chrono::milliseconds> ttl;
    std::int64_t ms = node.cacheTtlMs > 0 ? node.cacheTtlMs : tool.cacheTtlMs;
    if (ms > 0) ttl = std::chrono::milliseconds(ms);
    core_.produced(scope, i, std::move(result.value), cacheKey, ttl);
    core_.finishOnWorker(&scope, i, Outcome::Ok);
  }

  void startHttp(Scope& scope, int i, const PlanTool& tool, json args,
                 std::function<void(ToolResult)> done) {
    RunState& run = *scope.run;
    std::vector<std::string> used;
    std::string error;
    std::string url = fillTemplate(tool.url, args, used, error);
    if (error.empty()) error = checkHost(url, run.plan->hosts);
    if (!error.empty()) {
      done(ToolResult::failure(error));
      return;
    }
    auto ctx = std::make_shared<HttpToolCall>();
    ctx->request.method = tool.method;
    ctx->done = std::move(done);
    if (tool.method == "GET") {
      char sep = url.find('?') == std::string::npos ? '?' : '&';
      for (auto& [name, value] : args.items()) {
        if (std::find(used.begin(), used.end(), name) != used.end()) continue;
        url += sep + support::encodeQueryValue(name) + "=" +
               support::encodeQueryValue(stdlib::toText(value));
        sep = '&';
      }
    } else {
      ctx->request.body = args.dump();
      ctx->request.headers.emplace_back("content-type", "application/json");
    }
    ctx->request.headers.emplace_back("accept", "application/json");
    ctx->request.url = url;
    ctx->request.totalTimeout = tool.timeoutMs > 0 ? std::chrono::milliseconds(tool.timeoutMs)
                                                   : core_.options.defaultToolTimeout;
    ctx->maxAttempts = tool.retries + 1;
    RetryConfig config = core_.options.retry;
    config.maxAttempts = ctx->maxAttempts;
    ctx->policy = std::make_unique<RetryPolicy>(config);
    auto keep = run.shared_from_this();
    Transport* transport = core_.transport;
    ctx->cancelId = run.addCanceler(
        [transport, ctx] {
          if (RequestId id = ctx->id.load()) transport->cancel(id);
        },
        &scope, i);
    send(keep, ctx);
    if (Runtime::Impl::isDropped(scope, i))
      if (RequestId id = ctx->id.load()) transport->cancel(id);
  }

  void send(const std::shared_ptr<RunState>& keep, const std::shared_ptr<HttpToolCall>& ctx) {
    ctx->attempt++;
    HttpRequest request = ctx->request;
    RequestId id =
        core_.transport->submit(std::move(request), [this, keep, ctx](HttpResponse response) {
          if (!response.ok() && ctx->attempt < ctx->maxAttempts && !keep->stopping.load()) {
            RetryDecision decision = ctx->policy->decide(ctx->attempt, response, &keep->budget);
            if (decision.retry) {
              core_.transport->runAfter(decision.delay, [this, keep, ctx] { send(keep, ctx); });
              return;
            }
          }
          keep->removeCanceler(ctx->cancelId);
          ctx->done(httpOutcome(response));
        });
    ctx->id.store(id);
  }

  Runtime::Impl& core_;
};

} // namespace

std::unique_ptr<NodeExecutor> makeToolExecutor(Runtime::Impl& core) {
  return std::make_unique<ToolExecutor>(core);
}

} // namespace awc::runtime
