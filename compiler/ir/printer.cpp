// The IR text dump behind `awc build --print-after=PASS`: node by node, in index order, with
// deps, guards, kind-specific fields and estimates, map bodies indented under their node.
#include "awc/ir/printer.h"

#include <fmt/format.h>

namespace awc::ir {
namespace {

std::string depList(const Graph& g, const Node& n) {
  std::string out;
  for (NodeIndex d : n.deps)
    out += (out.empty() ? "" : ", ") + (d < g.nodes.size() ? g.nodes[d]->id : "?");
  return out;
}

void printSegments(const LlmData& n, const std::string& pad, std::string& out) {
  for (const Message& m : n.messages) {
    out += fmt::format("{}  {}:", pad, m.role);
    for (const Segment& s : m.segments)
      out += s.isStatic ? " " + Json(s.text).dump() : " {" + s.expr.dump() + "}";
    out += "\n";
  }
  for (const FusedPart& p : n.fused)
    out += fmt::format("{}  fused {} as \"{}\"\n", pad, p.name, p.field);
}

// The kind-specific lines before the hints (a map's captures print as its `expr`).
void printPayload(const Node& n, const std::string& pad, std::string& out) {
  const Json* expr = n.asExpr() ? &n.asExpr()->expr : n.asMap() ? &n.asMap()->captures : nullptr;
  if (expr && !expr->is_null()) out += fmt::format("{}  expr: {}\n", pad, expr->dump());
  if (const InputData* in = n.asInput(); in && !in->defaultValue.is_null())
    out += fmt::format("{}  default: {}\n", pad, in->defaultValue.dump());
  if (const LlmData* l = n.asLlm()) {
    if (!l->model.empty()) out += fmt::format("{}  model: {}\n", pad, l->model);
    printSegments(*l, pad, out);
  }
  if (const ToolData* t = n.asTool()) {
    if (!t->name.empty()) out += fmt::format("{}  tool: {}\n", pad, t->name);
    for (const auto& [name, arg] : t->args)
      out += fmt::format("{}  arg {}: {}\n", pad, name, arg.dump());
  }
}

void printGraph(const Graph& g, const std::string& pad, std::string& out) {
  for (const auto& np : g.nodes) {
    const Node& n = *np;
    out += fmt::format("{}%{} {} {}{} deps=[{}]", pad, n.index, kindName(n.kind()), n.id,
                       n.removed ? " (removed)" : "", depList(g, n));
    if (n.guard)
      out += fmt::format(" guard={}:{}",
                         n.guard->branch < g.nodes.size() ? g.nodes[n.guard->branch]->id : "?",
                         n.guard->arm == 0 ? "then" : "else");
    out += fmt::format(" est={:.3f}ms ${:.9f}\n", n.estMs, n.estCostUsd);
    printPayload(n, pad, out);
    if (!n.hints.empty()) out += fmt::format("{}  hints: {}\n", pad, plan::toJson(n.hints).dump());
    if (const MapData* m = n.asMap(); m && m->body) {
      out += fmt::format("{}  over {} as {}{}: {}\n", pad, m->over.dump(), m->var,
                         m->accName.empty() ? "" : " with " + m->accName, m->bodyResult.dump());
      printGraph(*m->body, pad + "    ", out);
    }
  }
}

} // namespace

std::string printModule(const Module& module) {
  std::string out = fmt::format("module {} (workflow {}, -O{})\n", module.sourceName,
                                module.workflow, module.optLevel);
  printGraph(module.graph, "  ", out);
  return out;
}

} // namespace awc::ir
