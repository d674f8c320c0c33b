// Executes native, branch and output nodes: one expression evaluated on the worker thread.
#include "executor_core.h"

namespace awc::runtime {

namespace {

class NativeExecutor final : public NodeExecutor {
public:
  explicit NativeExecutor(Runtime::Impl& core) : core_(core) {}

  void start(Scope& scope, int i) override {
    const PlanNode& node = scope.graph->nodes[i];
    auto result = scope.eval(node.expr);
    if (!result) {
      core_.failNode(scope, i, result.error());
      return;
    }
    if (node.kind == NodeKind::Branch && !result.value().is_boolean()) {
      core_.failNode(scope, i, "the branch condition is not a bool");
      return;
    }
    core_.produced(scope, i, std::move(result).value());
    core_.finish(scope, i, Outcome::Ok);
  }

private:
  Runtime::Impl& core_;
};

} // namespace

std::unique_ptr<NodeExecutor> makeNativeExecutor(Runtime::Impl& core) {
  return std::make_unique<NativeExecutor>(core);
}

} // namespace awc::runtime
