// Graph bookkeeping: node creation, per-kind payloads, lookup, deterministic topological order.
#include "awc/ir/graph.h"

#include <fmt/format.h>
#include <queue>

namespace awc::ir {

Node& Graph::add(std::string id, NodeKind kind, SourceRange loc) {
  auto node = std::make_unique<Node>();
  node->index = static_cast<NodeIndex>(nodes.size());
  node->id = std::move(id);
  node->setKind(kind);
  node->loc = loc;
  node->sourceOrder = static_cast<int>(nodes.size());
  byId[node->id] = node->index;
  nodes.push_back(std::move(node));
  return *nodes.back();
}

Payload payloadFor(NodeKind kind) {
  switch (kind) {
  case NodeKind::Input:
    return InputData{};
  case NodeKind::Llm:
    return LlmData{};
  case NodeKind::Tool:
    return ToolData{};
  case NodeKind::Map:
    return MapData{};
  case NodeKind::Native:
  case NodeKind::Branch:
  case NodeKind::Output:
    break;
  }
  return ExprData{};
}

bool payloadMatches(NodeKind kind, const Payload& payload) {
  return payloadFor(kind).index() == payload.index();
}

std::vector<const Json*> exprsOf(const Node& n) {
  std::vector<const Json*> out;
  if (const ExprData* e = n.asExpr()) out.push_back(&e->expr);
  if (const MapData* m = n.asMap()) {
    if (m->captures.is_array())
      for (const Json& capture : m->captures)
        out.push_back(&capture);
    out.push_back(&m->over);
    out.push_back(&m->accInit); // a reduce's initial value is an input too
  }
  if (const ToolData* t = n.asTool())
    for (const auto& [name, arg] : t->args)
      out.push_back(&arg);
  if (const LlmData* l = n.asLlm())
    for (const Message& m : l->messages)
      for (const Segment& s : m.segments)
        if (!s.isStatic) out.push_back(&s.expr);
  return out;
}

void Node::setKind(NodeKind kind) {
  kind_ = kind;
  payload_ = payloadFor(kind);
}

void Node::throwWrongKind(const char* want) const {
  throw PayloadKindError(
      fmt::format("IR node '{}' is a {} node, not a {} node", id, kindName(kind_), want));
}

Node* Graph::find(const std::string& id) {
  auto it = byId.find(id);
  return it == byId.end() || nodes[it->second]->removed ? nullptr : nodes[it->second].get();
}

const Node* Graph::find(const std::string& id) const {
  return const_cast<Graph*>(this)->find(id);
}

std::vector<std::vector<NodeIndex>> Graph::users() const {
  std::vector<std::vector<NodeIndex>> result(nodes.size());
  for (const auto& n : nodes) {
    if (n->removed) continue;
    for (NodeIndex d : n->deps)
      if (!nodes[d]->removed) result[d].push_back(n->index);
  }
  return result;
}

std::vector<NodeIndex> Graph::topoOrder() const {
  // Kahn's algorithm with a min-heap on source order, so independent nodes keep the
  // order the author wrote them in and the result is deterministic. Users are kept in one
  // flat array (CSR) because this runs several times per compilation on large plans.
  const size_t n = nodes.size();
  std::vector<uint32_t> pending(n, 0), offset(n + 1, 0);
  for (const auto& node : nodes) {
    if (node->removed) continue;
    for (NodeIndex d : node->deps)
      if (!nodes[d]->removed) {
        ++pending[node->index];
        ++offset[d + 1];
      }
  }
  for (size_t i = 0; i < n; ++i)
    offset[i + 1] += offset[i];
  std::vector<NodeIndex> flat(offset[n]);
  std::vector<uint32_t> fill(offset.begin(), offset.end() - 1);
  for (const auto& node : nodes) {
    if (node->removed) continue;
    for (NodeIndex d : node->deps)
      if (!nodes[d]->removed) flat[fill[d]++] = node->index;
  }
  using Item = std::pair<int, NodeIndex>;
  std::priority_queue<Item, std::vector<Item>, std::greater<Item>> ready;
  for (const auto& node : nodes)
    if (!node->removed && pending[node->index] == 0) ready.push({node->sourceOrder, node->index});
  std::vector<NodeIndex> order;
  order.reserve(n);
  while (!ready.empty()) {
    NodeIndex i = ready.top().second;
    ready.pop();
    order.push_back(i);
    for (uint32_t k = offset[i]; k < offset[i + 1]; ++k) {
      NodeIndex u = flat[k];
      if (--pending[u] == 0) ready.push({nodes[u]->sourceOrder, u});
    }
  }
  return order;
}

bool Graph::isAcyclic() const {
  size_t live = 0;
  for (const auto& n : nodes)
    if (!n->removed) ++live;
  return topoOrder().size() == live;
}

void forEachGraph(Graph& g, const std::function<void(Graph&)>& fn) {
  fn(g);
  for (auto& n : g.nodes)
    if (MapData* m = n->asMap(); !n->removed && m && m->body) forEachGraph(*m->body, fn);
}

const ModelInfo* Module::model(const std::string& id) const {
  for (const auto& m : models)
    if (m.id == id) return &m;
  return nullptr;
}

const ToolInfo* Module::tool(const std::string& id) const {
  for (const auto& t : tools)
    if (t.id == id) return &t;
  return nullptr;
}

} // namespace awc::ir
