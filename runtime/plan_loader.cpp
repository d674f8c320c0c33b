// Plan loading: text → bounded-depth JSON → the contract's typed plan (every field type-checked,
// include/awc/plan/contract.h) → the executor's indexed Plan (references resolved, expressions
// validated, cycles refused). A malformed plan of any shape or size gets one error naming the
// node and the field's JSON pointer — never a crash, a throw or a deep recursion.
#include "awc/plan/contract.h"
#include "awc/plan/quote.h"
#include "awc/stdlib/eval.h"
#include "awc/support/source.h"
#include "plan_model.h"

#include <algorithm>
#include <unordered_set>

namespace awc::runtime {
namespace {

using nlohmann::json;

struct LoadError {
  std::string message;
};

[[noreturn]] void fail(std::string pointer, std::string context, std::string message) {
  throw LoadError{
      plan::PlanError{std::move(pointer), std::move(context), std::move(message)}.render()};
}

void checkExpr(const json& expr, const plan::Node& n, const std::string& field) {
  std::string problem = stdlib::validate(expr);
  if (problem.empty()) return;
  if (problem.rfind("malformed expression", 0) != 0) problem = "malformed expression: " + problem;
  fail(n.pointer + field, n.label, std::move(problem));
}

class Loader {
public:
  Plan& plan;
  std::unordered_map<std::string, int> modelIndex;
  std::unordered_map<std::string, int> toolIndex;

  explicit Loader(Plan& p) : plan(p) {}

  void loadModels(std::vector<plan::Model>& models) {
    for (std::size_t i = 0; i < models.size(); ++i) {
      plan::Model& m = models[i];
      PlanModel model;
      model.id = m.id;
      model.provider = m.provider;
      model.name = std::move(m.name);
      model.endpoint = std::move(m.endpoint);
      model.keyEnv = std::move(m.keyEnv);
      model.price.inputPerMTok = m.priceIn;
      model.price.outputPerMTok = m.priceOut;
      model.price.cachedInputPerMTok = m.cachedPriceIn;
      model.maxConcurrency = int(m.maxConcurrency);
      model.rpm = int(m.rpm);
      model.tpm = int(m.tpm);
      if (!modelIndex.emplace(model.id, int(plan.models.size())).second)
        fail("/models/" + std::to_string(i) + "/id", "model '" + plan::clip(m.id) + "'",
             "declared twice");
      plan.models.push_back(std::move(model));
    }
  }

  void loadTools(std::vector<plan::Tool>& tools) {
    for (std::size_t i = 0; i < tools.size(); ++i) {
      plan::Tool& t = tools[i];
      PlanTool tool;
      tool.id = t.id;
      tool.http = t.impl == plan::ToolImpl::Http;
      if (tool.http) {
        tool.method = std::move(t.method);
        tool.url = std::move(t.url);
      }
      for (plan::ToolParam& p : t.params)
        tool.params.push_back(std::move(p.name));
      tool.hasResultSchema = !t.resultSchema.is_null();
      if (tool.hasResultSchema) tool.resultSchema = std::move(t.resultSchema);
      tool.cacheTtlMs = t.cacheTtlMs;
      tool.timeoutMs = t.timeoutMs;
      tool.retries = int(t.retries);
      if (!toolIndex.emplace(tool.id, int(plan.tools.size())).second)
        fail("/tools/" + std::to_string(i) + "/id", "tool '" + plan::clip(t.id) + "'",
             "declared twice");
      plan.tools.push_back(std::move(tool));
    }
  }

  void loadNode(plan::Node& n, PlanNode& node) {
    node.id = n.id;
    node.kind = n.kind;
    node.kindName = plan::kindName(n.kind);
    node.order = int(n.order);
    node.loc = n.loc;
    node.depIds = n.deps;
    node.hasSchema = !n.schema.is_null();
    if (node.hasSchema) node.schema = std::move(n.schema);
    node.priorityMs = n.priorityMs;
    node.cacheEnabled = n.cache.enabled;
    node.cacheKey = n.cache.key.value_or("");
    node.cacheTtlMs = n.cache.ttlMs.value_or(0);
    if (n.hints.speculate) {
      node.speculateExtraUsd = n.hints.speculate->extraCostUsd;
      node.speculateGainMs = n.hints.speculate->gainMs;
    }
    switch (n.kind) {
    case NodeKind::Input:
      node.inputName = n.inputName;
      node.defaultValue = std::move(n.defaultValue);
      break;
    case NodeKind::Native:
    case NodeKind::Output:
    case NodeKind::Branch:
      checkExpr(n.expr, n, "/expr");
      node.expr = std::move(n.expr);
      node.pure = node.kind == NodeKind::Native;
      break;
    case NodeKind::Llm:
      loadLlm(n, node);
      break;
    case NodeKind::Tool: {
      auto it = toolIndex.find(n.tool);
      if (it == toolIndex.end())
        fail(n.pointer + "/tool", n.label, "unknown tool '" + plan::clip(n.tool) + "'");
      node.tool = it->second;
      node.args = json::object();
      for (auto& [name, expr] : n.args) {
        checkExpr(expr, n, "/args/" + name);
        node.args[name] = std::move(expr);
      }
      break;
    }
    case NodeKind::Map:
      loadMap(n, node);
      break;
    }
  }

  void loadMap(plan::Node& n, PlanNode& node) {
    plan::MapFields& m = n.map;
    if (!m.body) fail(n.pointer + "/body", n.label, "missing (required)");
    checkExpr(m.over, n, "/over");
    node.var = m.var;
    node.over = std::move(m.over);
    checkExpr(m.body->result, n, "/body/result");
    node.result = std::move(m.body->result);
    if (m.reduce) {
      node.isReduce = true;
      node.acc = m.reduce->acc;
      checkExpr(m.reduce->init, n, "/reduce/init");
      node.init = std::move(m.reduce->init);
    }
    node.body = std::make_unique<Graph>();
    loadGraph(m.body->nodes, *node.body, false, n.pointer + "/body/nodes", n.label);
    node.pure =
        std::all_of(node.body->nodes.begin(), node.body->nodes.end(), [](const PlanNode& b) {
          return b.pure || b.kind == NodeKind::Input || b.kind == NodeKind::Output ||
                 b.kind == NodeKind::Branch;
        });
  }

  void loadLlm(plan::Node& n, PlanNode& node) {
    plan::LlmFields& l = n.llm;
    auto it = modelIndex.find(l.model);
    if (it == modelIndex.end())
      fail(n.pointer + "/model", n.label, "unknown model '" + plan::clip(l.model) + "'");
    node.model = it->second;
    for (std::size_t i = 0; i < l.messages.size(); ++i) {
      PlanMessage msg;
      msg.system = l.messages[i].role == plan::Role::System;
      auto& segments = l.messages[i].segments;
      for (std::size_t k = 0; k < segments.size(); ++k) {
        plan::Segment& s = segments[k];
        Segment seg;
        seg.isStatic = s.isStatic;
        if (seg.isStatic) {
          seg.text = std::move(s.text);
        } else {
          checkExpr(s.expr, n,
                    "/messages/" + std::to_string(i) + "/segments/" + std::to_string(k) + "/expr");
          seg.expr = std::move(s.expr);
        }
        seg.cacheBreakpoint = s.cacheBreakpoint;
        msg.segments.push_back(std::move(seg));
      }
      node.messages.push_back(std::move(msg));
    }
    node.temperature = l.options.temperature;
    if (l.options.maxTokens) node.maxTokens = int(*l.options.maxTokens);
    if (l.options.retries) node.retries = int(*l.options.retries);
    node.timeoutMs = l.options.timeoutMs;
    node.promptCacheKey = l.options.promptCacheKey;
    node.estTokens = l.estPromptTokens + l.estOutputTokens;
    for (plan::FusedPart& part : l.fused)
      node.fused.push_back({-1, std::move(part.name), std::move(part.field)});
  }

  // Builds one graph; ids not found in it are outer values (map captures) and count as ready.
  void loadGraph(std::vector<plan::Node>& nodes, Graph& graph, bool topLevel,
                 const std::string& pointer, const std::string& context) {
    graph.nodes.resize(nodes.size());
    std::unordered_map<std::string, int> index;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      PlanNode& node = graph.nodes[i];
      loadNode(nodes[i], node);
      if (!index.emplace(node.id, int(i)).second)
        fail(nodes[i].pointer + "/id", nodes[i].label,
             "node id '" + plan::clip(node.id) + "' appears twice");
      node.slot = graph.slotCount++;
      graph.slots.emplace(node.id, node.slot);
      if (node.kind == NodeKind::Output) {
        if (graph.outputNode >= 0) fail(nodes[i].pointer, nodes[i].label, "a second output node");
        graph.outputNode = int(i);
      }
    }
    // Fused parts get slots of their own; a dep naming a part waits for the fused node.
    std::unordered_map<std::string, int> partOwner;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      for (FusedPart& part : graph.nodes[i].fused) {
        if (graph.slots.count(part.name))
          fail(nodes[i].pointer + "/fused", nodes[i].label,
               "fused name '" + plan::clip(part.name) + "' is also a node id");
        part.slot = graph.slotCount++;
        graph.slots.emplace(part.name, part.slot);
        partOwner.emplace(part.name, int(i));
      }
    graph.dependants.assign(graph.nodes.size(), {});
    graph.initialPending.assign(graph.nodes.size(), 0);
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      linkNode(nodes[i], graph, int(i), index, partOwner, topLevel);
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      if (graph.nodes[i].warmLeader >= 0)
        graph.nodes[graph.nodes[i].warmLeader].warmFollowers.push_back(int(i));
    checkAcyclic(graph, pointer, context);
  }

  // Resolves node i's deps, guard and warm-first leader to indices in its graph.
  void linkNode(const plan::Node& n, Graph& graph, int i,
                const std::unordered_map<std::string, int>& index,
                const std::unordered_map<std::string, int>& partOwner, bool topLevel) {
    PlanNode& node = graph.nodes[i];
    std::unordered_set<int> seen;
    for (std::size_t k = 0; k < node.depIds.size(); ++k) {
      const std::string& dep = node.depIds[k];
      int target = -1;
      if (auto it = index.find(dep); it != index.end())
        target = it->second;
      else if (auto p = partOwner.find(dep); p != partOwner.end())
        target = p->second;
      else if (topLevel)
        fail(n.pointer + "/deps/" + std::to_string(k), n.label,
             "depends on unknown node '" + plan::clip(dep) + "'");
      if (target == i) fail(n.pointer + "/deps/" + std::to_string(k), n.label, "depends on itself");
      if (target >= 0 && seen.insert(target).second) node.deps.push_back(target);
    }
    if (n.guard) {
      auto it = index.find(n.guard->branch);
      if (it == index.end() || graph.nodes[it->second].kind != NodeKind::Branch)
        fail(n.pointer + "/guard/branch", n.label,
             "guard names '" + plan::clip(n.guard->branch) + "', which is not a branch node here");
      node.guardBranch = it->second;
      node.guardArm = n.guard->arm;
      if (seen.insert(node.guardBranch).second) node.deps.push_back(node.guardBranch);
    }
    for (int d : node.deps)
      graph.dependants[d].push_back(i);
    graph.initialPending[i] = int(node.deps.size());
    // A hint: honoured only between sibling model steps that do not depend on each other.
    if (!n.hints.waitForWarm.empty())
      if (auto it = index.find(n.hints.waitForWarm);
          it != index.end() && it->second != i && seen.count(it->second) == 0) {
        node.warmLeader = it->second;
        ++graph.initialPending[i];
      }
  }

  void checkAcyclic(const Graph& graph, const std::string& pointer, const std::string& context) {
    std::vector<int> pending = graph.initialPending;
    std::vector<int> ready;
    for (std::size_t i = 0; i < pending.size(); ++i)
      if (pending[i] == 0) ready.push_back(int(i));
    std::size_t visited = 0;
    while (!ready.empty()) {
      int n = ready.back();
      ready.pop_back();
      ++visited;
      for (int d : graph.dependants[n])
        if (--pending[d] == 0) ready.push_back(d);
      for (int d : graph.nodes[n].warmFollowers)
        if (--pending[d] == 0) ready.push_back(d);
    }
    if (visited != graph.nodes.size())
      for (std::size_t i = 0; i < pending.size(); ++i)
        if (pending[i] > 0)
          fail(pointer, context,
               "dependency cycle through node '" + plan::clip(graph.nodes[i].id) + "'");
  }

  // Sequential mode: each node also waits for the node before it in `order`, recursively in
  // map bodies, so the plan runs one node at a time.
  static void makeSequential(Graph& graph) {
    std::vector<int> byOrder(graph.nodes.size());
    for (std::size_t i = 0; i < byOrder.size(); ++i)
      byOrder[i] = int(i);
    std::stable_sort(byOrder.begin(), byOrder.end(),
                     [&](int a, int b) { return graph.nodes[a].order < graph.nodes[b].order; });
    for (std::size_t k = 1; k < byOrder.size(); ++k) {
      int prev = byOrder[k - 1], cur = byOrder[k];
      auto& deps = graph.nodes[cur].deps;
      if (std::find(deps.begin(), deps.end(), prev) == deps.end()) {
        graph.dependants[prev].push_back(cur);
        graph.initialPending[cur]++;
      }
    }
    for (PlanNode& node : graph.nodes)
      if (node.body) makeSequential(*node.body);
  }

  void load(plan::Document& doc) {
    plan.workflow = doc.workflow;
    plan.mode = plan::name(doc.mode);
    plan.sequential = doc.mode == plan::ExecMode::Sequential;
    plan.optLevel = int(doc.optLevel);
    plan.speculationBudgetUsd = doc.estimate.speculationBudgetUsd.value_or(0);
    plan.hosts = doc.hosts;
    for (plan::Input& in : doc.inputs)
      plan.inputSchemas.emplace_back(in.name, std::move(in.schema));
    loadModels(doc.models);
    loadTools(doc.tools);
    loadGraph(doc.nodes, plan.graph, true, "/nodes", "");
    if (plan.graph.outputNode < 0) fail("", "", "no output node");
    if (plan.sequential) makeSequential(plan.graph);
  }
};

// The one path every entry point takes; `doc` is consumed. Never throws.
std::shared_ptr<const Plan> loadParsed(json&& doc, std::string& error) {
  try {
    std::vector<plan::PlanError> errors;
    plan::Document typed = plan::fromJson(std::move(doc), errors);
    if (!errors.empty()) {
      error = errors.front().render();
      return nullptr;
    }
    auto loaded = std::make_shared<Plan>();
    Loader(*loaded).load(typed);
    return loaded;
  } catch (const LoadError& e) {
    error = e.message;
  } catch (const std::exception& e) {
    error = std::string("plan: cannot load: ") + e.what();
  } catch (...) {
    error = "plan: cannot load";
  }
  return nullptr;
}

} // namespace

std::shared_ptr<const Plan> loadPlan(const nlohmann::json& doc, std::string& error) {
  // Copying a JSON tree recurses once per level: refuse deep trees before the copy.
  if (plan::deeperThan(doc, plan::kMaxJsonDepth)) {
    error = "plan: JSON nested deeper than " + std::to_string(plan::kMaxJsonDepth) + " levels";
    return nullptr;
  }
  try {
    return loadParsed(json(doc), error);
  } catch (const std::exception& e) {
    error = std::string("plan: cannot load: ") + e.what();
    return nullptr;
  }
}

std::shared_ptr<const Plan> loadPlanText(std::string_view text, std::string& error) {
  try {
    json doc = plan::parseBounded(text, error);
    if (doc.is_discarded()) return nullptr;
    return loadParsed(std::move(doc), error);
  } catch (const std::exception& e) {
    error = std::string("plan: cannot load: ") + e.what();
    return nullptr;
  }
}

std::shared_ptr<const Plan> loadPlanFile(const std::string& path, std::string& error) {
  auto text = readFile(path, error, "plan file");
  if (!text) return nullptr;
  auto plan = loadPlanText(*text, error);
  if (!plan) error = path + ": " + error;
  return plan;
}

PlanInfo planInfo(const Plan& plan) {
  PlanInfo info;
  info.workflow = plan.workflow;
  info.mode = plan.mode;
  info.optLevel = plan.optLevel;
  for (const auto& [name, schema] : plan.inputSchemas)
    info.inputSchemas[name] = schema;
  info.nodeCount = plan.graph.nodes.size();
  return info;
}

} // namespace awc::runtime
