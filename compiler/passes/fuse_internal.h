// Private to the fuse pass (fuse*.cpp): a task inside a fused call, the fused call's prompt
// built from its tasks, and the pass's flat snapshot of a graph's dependencies.
#pragma once

#include "awc/ir/graph.h"
#include "awc/passes/pass.h"
#include "awc/sema/type.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awc::passes::fusion {

/// One original step answered by a fused call.
struct Task {
  std::string name; ///< the original step id
  const sema::Type* type;
  std::vector<ir::Message> messages;
  std::optional<int64_t> maxTokens;
};

/// Rewrites references to earlier tasks (name → 1-based task number) in `messages` into words;
/// false if a reference is more than the whole value or one field of it.
bool replaceTaskRefs(std::vector<ir::Message>& messages,
                     const std::map<std::string, size_t>& earlier);

/// A graph's dependencies copied into flat arrays by one pass over its nodes (fuse_graph.cpp):
/// the fuse pass's snapshot for one round, valid until the graph changes.
struct FlatGraph {
  std::vector<uint32_t> depOff, dep;   ///< live deps of each node (CSR)
  std::vector<uint32_t> userOff, user; ///< live readers of each node, in index order (CSR)
  std::vector<uint32_t> pos;           ///< 1-based position in Graph::topoOrder, once computed
  std::vector<uint8_t> live;           ///< not removed
  std::vector<uint8_t> isLlm;          ///< a live model step
  std::vector<int> sourceOrder;
  std::vector<ir::NodeIndex> llm;  ///< the live model steps, in index order
  std::vector<ir::NodeIndex> maps; ///< the live map/reduce steps, in index order
  bool valid = false;              ///< the graph has not changed since take()
  bool hasPositions = false;

  /// Copies `g`'s dependencies (one pass over its nodes).
  void take(const ir::Graph& g);
  /// Fills `pos` as Graph::topoOrder orders (Kahn's algorithm, ties by source order, index).
  void positions();
  /// Whether `target` is an ancestor of `from` (or `from` itself); needs positions(), which
  /// prune the search: a node placed before `target` cannot lead to it.
  bool reaches(ir::NodeIndex from, ir::NodeIndex target);

private:
  std::vector<uint32_t> visited;
  uint32_t generation = 0;
};

/// What `--profile` says about fusing (fuse_profile.cpp): groups `awc tune` measured fused and
/// refused stay in separate calls; an accepted group's fusion carries the evidence. Without a
/// profile, or with no fused candidate in it, every query is a no-op.
class ProfileFusions {
public:
  /// Whether one call answering the tasks `a` and `b` would put two members of a refused group
  /// together. The first time per group it records why, as a `kept_separate` change on the
  /// group's first step (the candidate under detail.profile, which explain reads).
  bool refuses(const PassContext& ctx, const std::vector<Task>& a, const std::vector<Task>& b,
               PassReport& report);
  /// Adds the profile's evidence to a fusion's change when its steps are exactly those of an
  /// accepted candidate (detail.profile, and the message says "profile: 100 % agreement …").
  void annotate(const PassContext& ctx, const std::vector<Task>& tasks, Change& change);

private:
  struct Group {
    std::vector<std::string> sorted, steps; ///< members, sorted and in the candidate's order
    const profile::Candidate* candidate;
  };
  void load(const PassContext& ctx);
  bool loaded_ = false;
  std::vector<Group> refused_, accepted_;
};

/// Builds the fused node's prompt, schema and `fused[]` parts from its tasks, in answer order.
void buildFused(ir::Node& f, const std::vector<Task>& ts);

} // namespace awc::passes::fusion
