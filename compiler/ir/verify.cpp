// The IR verifier: graph shape (indexes, deps, byId, cycles), payloads that match the kind,
// per-kind fields, names read by expressions, guards, fused parts and estimates. Map bodies are
// verified in their own scope.
#include "awc/ir/verify.h"

#include "awc/stdlib/eval.h"

#include <cmath>
#include <fmt/format.h>
#include <set>

namespace awc::ir {
namespace {

/// Names visible to a graph's expressions: its live nodes and fused parts, plus the names
/// of the enclosing scopes (a map body sees its element, accumulator and outer values).
struct Scope {
  const Scope* outer = nullptr;
  std::map<std::string, NodeIndex> providers; // name → the live node that provides it
  std::set<std::string> bound;                // map variable and accumulator

  bool visibleOutside(const std::string& name) const {
    for (const Scope* s = outer; s; s = s->outer)
      if (s->providers.count(name) || s->bound.count(name)) return true;
    return false;
  }
};

class Verifier {
public:
  Verifier(const Module& m, std::vector<VerifyProblem>& out) : module_(m), out_(out) {}

  void graph(const Graph& g, const Scope* outer, const std::string& where) {
    if (!structure(g, where)) return; // later checks index with deps and guards
    Scope scope;
    scope.outer = outer;
    providers(g, scope);
    for (const auto& n : g.nodes)
      if (!n->removed) node(g, *n, scope);
    if (!g.isAcyclic()) problem("", fmt::format("{}has a dependency cycle", where));
  }

  void topLevel() {
    std::set<std::string> ids;
    for (const auto& m : module_.models)
      if (!ids.insert("model " + m.id).second) problem("", "model '" + m.id + "' declared twice");
    for (const auto& t : module_.tools)
      if (!ids.insert("tool " + t.id).second) problem("", "tool '" + t.id + "' declared twice");
    int outputs = 0;
    for (const auto& n : module_.graph.nodes)
      if (!n->removed && n->kind() == NodeKind::Output) {
        ++outputs;
        if (n->id != "output") problem(n->id, "an output node must have the id 'output'");
      }
    if (outputs != 1)
      problem("", fmt::format("the graph has {} live output nodes, not 1", outputs));
    graph(module_.graph, nullptr, "");
  }

private:
  void problem(const std::string& node, std::string message) {
    out_.push_back({node, std::move(message)});
  }

  // Indexes, byId and deps; false when an index is out of range (nothing else can be checked).
  bool structure(const Graph& g, const std::string& where) {
    bool inRange = true;
    for (size_t i = 0; i < g.nodes.size(); ++i) {
      const Node* n = g.nodes[i].get();
      if (!n) {
        problem("", fmt::format("{}node slot {} is empty", where, i));
        return false;
      }
      if (n->index != i) problem(n->id, fmt::format("index {} stored in slot {}", n->index, i));
      for (NodeIndex d : n->deps)
        if (d >= g.nodes.size()) {
          problem(n->id, fmt::format("dependency {} is out of range", d));
          inRange = false;
        }
      if (n->guard && n->guard->branch >= g.nodes.size()) {
        problem(n->id, "guard branch is out of range");
        inRange = false;
      }
    }
    for (const auto& [id, index] : g.byId)
      if (index >= g.nodes.size()) {
        problem(id, "byId points out of range");
        inRange = false;
      } else if (g.nodes[index]->id != id) {
        problem(id, fmt::format("byId points at node '{}'", g.nodes[index]->id));
      }
    for (const auto& n : g.nodes) {
      if (n->removed) continue;
      auto it = g.byId.find(n->id);
      if (it == g.byId.end() || it->second != n->index)
        problem(n->id, "live node is not what byId finds under its id");
    }
    return inRange;
  }

  void providers(const Graph& g, Scope& scope) {
    for (const auto& n : g.nodes)
      if (!n->removed) scope.providers.emplace(n->id, n->index);
    for (const auto& n : g.nodes) {
      const LlmData* l = n->asLlm();
      if (n->removed || !l) continue;
      std::set<std::string> names, fields;
      for (const FusedPart& p : l->fused) {
        if (p.name.empty() || p.field.empty()) problem(n->id, "fused part without name or field");
        if (!names.insert(p.name).second)
          problem(n->id, "fused part '" + p.name + "' listed twice");
        if (!fields.insert(p.field).second)
          problem(n->id, "fused field '" + p.field + "' used twice");
        if (!scope.providers.emplace(p.name, n->index).second &&
            scope.providers[p.name] != n->index)
          problem(n->id, "fused part '" + p.name + "' is also provided by another node");
      }
    }
  }

  void node(const Graph& g, const Node& n, const Scope& scope) {
    deps(g, n);
    if (!payloadMatches(n.kind(), n.payload())) {
      // Every later check reads the payload through the kind: nothing more can be checked.
      problem(n.id, fmt::format("a {} node has the payload of another kind", kindName(n.kind())));
      return;
    }
    fields(n);
    refs(g, n, scope);
    estimates(n);
    if (const MapData* m = n.asMap(); m && m->body) {
      Scope inner;
      inner.outer = &scope;
      inner.bound.insert(m->var);
      if (!m->accName.empty()) inner.bound.insert(m->accName);
      graph(*m->body, &inner, "the body of '" + n.id + "' ");
    }
  }

  void deps(const Graph& g, const Node& n) {
    for (size_t k = 0; k < n.deps.size(); ++k) {
      NodeIndex d = n.deps[k];
      if (k > 0 && n.deps[k - 1] >= d) problem(n.id, "deps are not sorted and unique");
      if (d == n.index)
        problem(n.id, "depends on itself");
      else if (g.nodes[d]->removed)
        problem(n.id, fmt::format("depends on removed node '{}'", g.nodes[d]->id));
    }
    if (!n.guard) return;
    const Node& b = *g.nodes[n.guard->branch];
    if (b.removed) problem(n.id, "guarded by removed node '" + b.id + "'");
    if (b.kind() != NodeKind::Branch) problem(n.id, "guarded by '" + b.id + "', not a branch");
    if (n.guard->arm != 0 && n.guard->arm != 1)
      problem(n.id, fmt::format("guard arm {} is neither 0 nor 1", n.guard->arm));
    if (!std::binary_search(n.deps.begin(), n.deps.end(), n.guard->branch))
      problem(n.id, "guard branch '" + b.id + "' is not among the deps");
  }

  void expr(const Node& n, const Json& e, const char* what) {
    std::string bad = stdlib::validate(e);
    if (!bad.empty()) problem(n.id, fmt::format("malformed {}: {}", what, bad));
  }

  // The payload's type matches the kind (checked before); the kind-specific fields.
  void fields(const Node& n) {
    if (n.kind() != NodeKind::Llm && !n.schema.is_null())
      problem(n.id, fmt::format("a {} node has a schema", kindName(n.kind())));
    switch (n.kind()) {
    case NodeKind::Input:
      if (!n.deps.empty()) problem(n.id, "a input node has dependencies");
      break;
    case NodeKind::Llm:
      llmFields(n, n.llm());
      break;
    case NodeKind::Tool:
      toolFields(n, n.tool());
      break;
    case NodeKind::Native:
    case NodeKind::Branch:
    case NodeKind::Output:
      expr(n, n.expr(), "expression");
      break;
    case NodeKind::Map:
      mapFields(n, n.map());
      break;
    }
  }

  void llmFields(const Node& n, const LlmData& l) {
    if (!module_.model(l.model)) problem(n.id, "calls undeclared model '" + l.model + "'");
    if (!l.autoLadder.empty() && !module_.ladders.count(l.autoLadder))
      problem(n.id, "uses undeclared ladder '" + l.autoLadder + "'");
    if (l.messages.empty()) problem(n.id, "a llm node has no messages");
    for (const Message& m : l.messages) {
      if (m.role != "system" && m.role != "user")
        problem(n.id, "message role '" + m.role + "' is neither system nor user");
      for (const Segment& s : m.segments)
        if (s.isStatic && !s.expr.is_null())
          problem(n.id, "a static prompt segment has an expression");
        else if (!s.isStatic)
          expr(n, s.expr, "prompt expression");
    }
    if (!l.fused.empty() && !n.schema.is_object())
      problem(n.id, "a fused llm node has no object schema");
  }

  void toolFields(const Node& n, const ToolData& call) {
    const ToolInfo* t = module_.tool(call.name);
    if (!t) {
      problem(n.id, "calls undeclared tool '" + call.name + "'");
      return;
    }
    for (const auto& [param, type] : t->params)
      if (!call.args.count(param)) problem(n.id, "no argument for parameter '" + param + "'");
    for (const auto& [name, arg] : call.args) {
      bool known = false;
      for (const auto& p : t->params)
        known = known || p.first == name;
      if (!known) problem(n.id, "argument '" + name + "' is not a parameter of " + t->id);
      expr(n, arg, "argument");
    }
  }

  void mapFields(const Node& n, const MapData& m) {
    if (!m.body) problem(n.id, "a map node has no body");
    if (m.var.empty()) problem(n.id, "a map node has no element variable");
    expr(n, m.over, "list expression");
    expr(n, m.bodyResult, "body result");
    if (!m.accName.empty())
      expr(n, m.accInit, "initial value");
    else if (!m.accInit.is_null())
      problem(n.id, "a map without accumulator has an initial value");
    if (!m.captures.is_array()) {
      problem(n.id, "a map node's captures are not a list");
      return;
    }
    for (const Json& c : m.captures)
      if (!c.is_object() || c.size() != 1 || !c.contains("ref") || !c["ref"].is_string())
        problem(n.id, "a map capture is not a {\"ref\": name}");
  }

  // Every name an expression reads is provided by a dep (or bound by an enclosing scope).
  void refs(const Graph& g, const Node& n, const Scope& scope) {
    std::vector<std::string> names;
    for (const Json* e : exprsOf(n))
      stdlib::collectRefs(*e, names);
    for (const std::string& name : names) {
      auto p = scope.providers.find(name);
      if (p != scope.providers.end()) {
        if (p->second == n.index)
          problem(n.id, "reads its own value '" + name + "'");
        else if (!std::binary_search(n.deps.begin(), n.deps.end(), p->second))
          problem(n.id, "reads '" + name + "' but does not depend on it");
      } else if (g.byId.count(name)) {
        problem(n.id, "reads removed node '" + name + "'");
      } else if (!scope.visibleOutside(name)) {
        problem(n.id, "reads unknown name '" + name + "'");
      }
    }
  }

  void estimates(const Node& n) {
    auto check = [&](double v, const char* what) {
      if (!std::isfinite(v) || v < 0) problem(n.id, fmt::format("{} is {}", what, v));
    };
    check(n.estMs, "estimated latency");
    check(n.estCostUsd, "estimated cost");
    check(n.priority, "priority");
    check(static_cast<double>(n.estPromptTokens), "estimated prompt tokens");
    check(static_cast<double>(n.estOutputTokens), "estimated output tokens");
  }

  const Module& module_;
  std::vector<VerifyProblem>& out_;
};

} // namespace

std::vector<VerifyProblem> verify(const Module& module) {
  std::vector<VerifyProblem> problems;
  Verifier(module, problems).topLevel();
  return problems;
}

std::string formatProblems(const std::vector<VerifyProblem>& problems) {
  std::string out;
  for (const VerifyProblem& p : problems)
    out += fmt::format("  {}: {}\n", p.node.empty() ? "(module)" : p.node, p.message);
  return out;
}

} // namespace awc::ir
