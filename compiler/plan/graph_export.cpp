// The DAG as a picture: Graphviz DOT and Mermaid flowcharts, map bodies as subgraphs.
#include "awc/plan/emit.h"

#include <fmt/format.h>

namespace awc::plan {
namespace {

std::string label(const ir::Node& n) {
  switch (n.kind()) {
  case ir::NodeKind::Llm:
    return fmt::format("{}\\nllm {}", n.id, n.llm().model);
  case ir::NodeKind::Tool:
    return fmt::format("{}\\ntool {}", n.id, n.tool().name);
  case ir::NodeKind::Map:
    return fmt::format("{}\\n{} {}", n.id, n.map().accName.empty() ? "map" : "reduce", n.map().var);
  default:
    return fmt::format("{}\\n{}", n.id, ir::kindName(n.kind()));
  }
}

std::string escapeDot(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

const char* dotShape(ir::NodeKind k) {
  switch (k) {
  case ir::NodeKind::Input:
    return "invhouse";
  case ir::NodeKind::Output:
    return "house";
  case ir::NodeKind::Llm:
    return "box, style=\"rounded,filled\", fillcolor=\"#dbeafe\"";
  case ir::NodeKind::Tool:
    return "box, style=filled, fillcolor=\"#fde68a\"";
  case ir::NodeKind::Branch:
    return "diamond";
  case ir::NodeKind::Map:
    return "box3d";
  case ir::NodeKind::Native:
    return "ellipse";
  }
  return "box";
}

void dotGraph(std::string& out, const ir::Graph& g, const std::string& indent) {
  auto order = g.topoOrder();
  for (ir::NodeIndex i : order) {
    const ir::Node& n = *g.nodes[i];
    out += fmt::format("{}\"{}\" [label=\"{}\", shape={}];\n", indent, escapeDot(n.id),
                       escapeDot(label(n)), dotShape(n.kind()));
    if (n.kind() == ir::NodeKind::Map && n.map().body) {
      out += fmt::format("{}subgraph \"cluster_{}\" {{\n{}  label=\"{} body\";\n", indent,
                         escapeDot(n.id), indent, escapeDot(n.id));
      dotGraph(out, *n.map().body, indent + "  ");
      out += indent + "}\n";
    }
  }
  for (ir::NodeIndex i : order)
    for (ir::NodeIndex d : g.nodes[i]->deps)
      if (!g.nodes[d]->removed)
        out += fmt::format("{}\"{}\" -> \"{}\";\n", indent, escapeDot(g.nodes[d]->id),
                           escapeDot(g.nodes[i]->id));
}

// Mermaid ids must be alphanumeric and must not be keywords like `end`.
std::string mermaidId(const std::string& prefix, size_t index) {
  return fmt::format("{}n{}", prefix, index);
}

std::string escapeMermaid(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"')
      out += "#quot;";
    else
      out += c;
  }
  return out;
}

void mermaidGraph(std::string& out, const ir::Graph& g, const std::string& prefix) {
  auto order = g.topoOrder();
  for (ir::NodeIndex i : order) {
    const ir::Node& n = *g.nodes[i];
    std::string text = label(n);
    std::string br;
    for (size_t k = 0; k < text.size(); ++k) {
      if (text[k] == '\\' && k + 1 < text.size() && text[k + 1] == 'n') {
        br += "<br/>";
        ++k;
      } else {
        br += text[k];
      }
    }
    std::string id = mermaidId(prefix, i);
    std::string l = escapeMermaid(br);
    switch (n.kind()) {
    case ir::NodeKind::Llm:
      out += fmt::format("  {}([\"{}\"])\n", id, l);
      break;
    case ir::NodeKind::Tool:
      out += fmt::format("  {}[[\"{}\"]]\n", id, l);
      break;
    case ir::NodeKind::Branch:
      out += fmt::format("  {}{{\"{}\"}}\n", id, l);
      break;
    case ir::NodeKind::Input:
    case ir::NodeKind::Output:
      out += fmt::format("  {}[/\"{}\"/]\n", id, l);
      break;
    default:
      out += fmt::format("  {}[\"{}\"]\n", id, l);
      break;
    }
    if (n.kind() == ir::NodeKind::Map && n.map().body) {
      out += fmt::format("  subgraph {}body[\"{} body\"]\n", id, escapeMermaid(n.id));
      mermaidGraph(out, *n.map().body, id + "b");
      out += "  end\n";
    }
  }
  for (ir::NodeIndex i : order)
    for (ir::NodeIndex d : g.nodes[i]->deps)
      if (!g.nodes[d]->removed)
        out += fmt::format("  {} --> {}\n", mermaidId(prefix, d), mermaidId(prefix, i));
}

} // namespace

std::string toDot(const ir::Module& m) {
  std::string out =
      fmt::format("digraph \"{}\" {{\n  rankdir=TB;\n  node [fontname=\"Helvetica\"];\n",
                  escapeDot(m.workflow));
  dotGraph(out, m.graph, "  ");
  out += "}\n";
  return out;
}

std::string toMermaid(const ir::Module& m) {
  std::string out = "flowchart TD\n";
  mermaidGraph(out, m.graph, "");
  return out;
}

} // namespace awc::plan
