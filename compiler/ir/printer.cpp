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

void printSegments(const Node& n, const std::string& pad, std::string& out) {
  for (const Message& m : n.messages) {
    out += fmt::format("{}  {}:", pad, m.role);
    for (const Segment& s : m.segments)
      out += s.isStatic ? " " + Json(s.text).dump() : " {" + s.expr.dump() + "}";
    out += "\n";
  }
  for (const FusedPart& p : n.fused)
    out += fmt::format("{}  fused {} as \"{}\"\n", pad, p.name, p.field);
}

void printGraph(const Graph& g, const std::string& pad, std::string& out) {
  for (const auto& np : g.nodes) {
    const Node& n = *np;
    out += fmt::format("{}%{} {} {}{} deps=[{}]", pad, n.index, kindName(n.kind), n.id,
                       n.removed ? " (removed)" : "", depList(g, n));
    if (n.guard)
      out += fmt::format(" guard={}:{}",
                         n.guard->branch < g.nodes.size() ? g.nodes[n.guard->branch]->id : "?",
                         n.guard->arm == 0 ? "then" : "else");
    out += fmt::format(" est={:.3f}ms ${:.9f}\n", n.estMs, n.estCostUsd);
    if (!n.expr.is_null()) out += fmt::format("{}  expr: {}\n", pad, n.expr.dump());
    if (!n.defaultValue.is_null())
      out += fmt::format("{}  default: {}\n", pad, n.defaultValue.dump());
    if (!n.model.empty()) out += fmt::format("{}  model: {}\n", pad, n.model);
    printSegments(n, pad, out);
    if (!n.tool.empty()) out += fmt::format("{}  tool: {}\n", pad, n.tool);
    for (const auto& [name, arg] : n.args)
      out += fmt::format("{}  arg {}: {}\n", pad, name, arg.dump());
    if (!n.hints.empty()) out += fmt::format("{}  hints: {}\n", pad, plan::toJson(n.hints).dump());
    if (n.body) {
      out += fmt::format("{}  over {} as {}{}: {}\n", pad, n.over.dump(), n.var,
                         n.accName.empty() ? "" : " with " + n.accName, n.bodyResult.dump());
      printGraph(*n.body, pad + "    ", out);
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
