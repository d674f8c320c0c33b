// The fuse pass's snapshot of a graph's dependencies (fuse_internal.h): flat arrays filled in
// one pass over the nodes, so that readers, topological positions and ancestry cost no further
// walks over node objects (on 100k-node plans those walks, not the work, were the cost).
#include "fuse_internal.h"

#include <functional>
#include <queue>

namespace awc::passes::fusion {

void FlatGraph::take(const ir::Graph& g) {
  const size_t n = g.nodes.size();
  live.assign(n, 0);
  depOff.assign(n + 1, 0);
  dep.clear();
  sourceOrder.assign(n, 0);
  llm.clear();
  maps.clear();
  for (const auto& node : g.nodes) {
    live[node->index] = !node->removed;
    sourceOrder[node->index] = node->sourceOrder;
    if (!node->removed) {
      dep.insert(dep.end(), node->deps.begin(), node->deps.end());
      if (node->kind() == ir::NodeKind::Llm) llm.push_back(node->index);
      if (node->kind() == ir::NodeKind::Map) maps.push_back(node->index);
    }
    depOff[node->index + 1] = static_cast<uint32_t>(dep.size());
  }
  isLlm.assign(n, 0);
  for (ir::NodeIndex i : llm)
    isLlm[i] = 1;
  // Keep only live deps (a live node never reads a removed one, but stay exact).
  size_t w = 0;
  for (size_t i = 0, r = 0; i < n; ++i) {
    for (size_t end = depOff[i + 1]; r < end; ++r)
      if (live[dep[r]]) dep[w++] = dep[r];
    depOff[i + 1] = static_cast<uint32_t>(w);
  }
  dep.resize(w);
  userOff.assign(n + 1, 0);
  for (uint32_t d : dep)
    ++userOff[d + 1];
  for (size_t i = 0; i < n; ++i)
    userOff[i + 1] += userOff[i];
  user.resize(dep.size());
  std::vector<uint32_t> fill(userOff.begin(), userOff.end() - 1);
  for (size_t i = 0; i < n; ++i)
    for (uint32_t k = depOff[i]; k < depOff[i + 1]; ++k)
      user[fill[dep[k]]++] = static_cast<uint32_t>(i);
  pos.assign(n, 0);
  valid = true;
  hasPositions = false;
}

void FlatGraph::positions() {
  if (hasPositions) return;
  const size_t n = live.size();
  std::vector<uint32_t> pending(n);
  for (size_t i = 0; i < n; ++i)
    pending[i] = depOff[i + 1] - depOff[i];
  using Item = std::pair<int, ir::NodeIndex>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (size_t i = 0; i < n; ++i)
    if (live[i] && pending[i] == 0) ready.push({sourceOrder[i], static_cast<ir::NodeIndex>(i)});
  uint32_t k = 0;
  while (!ready.empty()) {
    ir::NodeIndex i = ready.top().second;
    ready.pop();
    pos[i] = ++k;
    for (uint32_t j = userOff[i]; j < userOff[i + 1]; ++j)
      if (--pending[user[j]] == 0) ready.push({sourceOrder[user[j]], user[j]});
  }
  hasPositions = true;
}

bool FlatGraph::reaches(ir::NodeIndex from, ir::NodeIndex target) {
  if (pos[from] < pos[target]) return false;
  // Visit marks are generation-stamped, so a query costs what it explores, not the plan's size.
  if (visited.size() != live.size()) visited.assign(live.size(), 0);
  ++generation;
  std::vector<ir::NodeIndex> stack{from};
  while (!stack.empty()) {
    ir::NodeIndex i = stack.back();
    stack.pop_back();
    if (i == target) return true;
    if (visited[i] == generation || pos[i] < pos[target]) continue;
    visited[i] = generation;
    for (uint32_t k = depOff[i]; k < depOff[i + 1]; ++k)
      stack.push_back(dep[k]);
  }
  return false;
}

} // namespace awc::passes::fusion
