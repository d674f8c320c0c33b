// Executes map and reduce nodes: one instance (Scope) of the body graph per element of `over`,
// all at once — or one after another for reduce and sequential plans — then the list of
// results (reduce: the last accumulator).
#include "executor_core.h"

namespace awc::runtime {

using nlohmann::json;

namespace {

// Owned by the instance scopes' onComplete (scopes belong to the run: no cycle).
struct MapRun {
  Scope* scope;
  int node;
  json items;
  std::vector<json> results;
  std::atomic<int> left{0};
  std::mutex mutex;
  std::string error;
  json acc;
  bool serial = false;
};

class MapExecutor final : public NodeExecutor {
public:
  explicit MapExecutor(Runtime::Impl& core) : core_(core) {}

  void start(Scope& scope, int i) override {
    const PlanNode& node = scope.graph->nodes[i];
    auto over = scope.eval(node.over);
    if (!over) {
      core_.failNode(scope, i, "cannot evaluate the list to map over: " + over.error());
      return;
    }
    if (!over.value().is_array()) {
      core_.failNode(scope, i,
                     "map over a " + std::string(stdlib::typeName(over.value())) +
                         ", expected a list");
      return;
    }
    auto ctx = std::make_shared<MapRun>();
    ctx->scope = &scope;
    ctx->node = i;
    ctx->items = std::move(over).value();
    std::size_t n = ctx->items.size();
    ctx->results.resize(n);
    if (node.isReduce) {
      auto init = scope.eval(node.init);
      if (!init) {
        core_.failNode(scope, i, "reduce init: " + init.error());
        return;
      }
      ctx->acc = std::move(init).value();
    }
    ctx->serial = node.isReduce || scope.run->plan->sequential;
    if (n == 0) {
      core_.produced(scope, i, node.isReduce ? ctx->acc : json::array());
      core_.finish(scope, i, Outcome::Ok);
      return;
    }
    ctx->left = int(n);
    if (ctx->serial) {
      startInstance(ctx, 0);
    } else {
      for (std::size_t k = 0; k < n; ++k)
        startInstance(ctx, k);
    }
  }

private:
  void startInstance(const std::shared_ptr<MapRun>& ctx, std::size_t k) {
    Scope& outer = *ctx->scope;
    const PlanNode& node = outer.graph->nodes[ctx->node];
    Scope* inst = core_.newScope(*outer.run, *node.body, &outer,
                                 outer.suffix + "[" + std::to_string(k) + "]");
    inst->locals.emplace_back(node.var, ctx->items[k]);
    if (node.isReduce) inst->locals.emplace_back(node.acc, ctx->acc);
    inst->onComplete = [this, ctx, k](Scope& s) { instanceDone(ctx, k, s); };
    core_.startScope(*inst);
  }

  /// Takes element `k`'s result; returns the problem, if any.
  static std::string collect(MapRun& ctx, std::size_t k, Scope& inst, bool ok) {
    if (!ok) return "element " + std::to_string(k) + " failed";
    const PlanNode& node = ctx.scope->graph->nodes[ctx.node];
    auto result = inst.eval(node.result);
    if (!result) return "element " + std::to_string(k) + ": " + result.error();
    if (node.isReduce)
      ctx.acc = std::move(result).value();
    else
      ctx.results[k] = std::move(result).value();
    return {};
  }

  void instanceDone(const std::shared_ptr<MapRun>& ctx, std::size_t k, Scope& inst) {
    Scope& outer = *ctx->scope;
    bool ok = true;
    for (Outcome o : inst.outcome)
      ok = ok && (o == Outcome::Ok || o == Outcome::Skipped);
    std::string problem = collect(*ctx, k, inst, ok);
    if (!problem.empty()) {
      std::lock_guard lock(ctx->mutex);
      if (ctx->error.empty()) ctx->error = problem;
    }
    bool last = ctx->left.fetch_sub(1, std::memory_order_acq_rel) == 1;
    if (ctx->serial && !last) {
      if (!problem.empty() || outer.run->stopping.load()) {
        // Stop the fold: the remaining elements never run.
        ctx->left = 1;
        last = ctx->left.fetch_sub(1) == 1;
      } else {
        startInstance(ctx, k + 1);
        return;
      }
    }
    if (last) complete(*ctx, ok);
  }

  void complete(MapRun& ctx, bool lastOk) {
    Scope& outer = *ctx.scope;
    const PlanNode& node = outer.graph->nodes[ctx.node];
    std::string error;
    {
      std::lock_guard lock(ctx.mutex);
      error = ctx.error;
    }
    if (!error.empty()) {
      // A failure inside an element was already recorded at that element's node.
      if (outer.run->stopping.load() && !lastOk)
        core_.finishOnWorker(&outer, ctx.node, Outcome::Abandoned);
      else
        core_.finishOnWorker(&outer, ctx.node, Outcome::Failed, error);
      return;
    }
    if (outer.run->stopping.load()) {
      core_.finishOnWorker(&outer, ctx.node, Outcome::Abandoned);
      return;
    }
    core_.produced(outer, ctx.node,
                   node.isReduce ? std::move(ctx.acc) : json(std::move(ctx.results)));
    core_.finishOnWorker(&outer, ctx.node, Outcome::Ok);
  }

  Runtime::Impl& core_;
};

} // namespace

std::unique_ptr<NodeExecutor> makeMapExecutor(Runtime::Impl& core) {
  return std::make_unique<MapExecutor>(core);
}

} // namespace awc::runtime
