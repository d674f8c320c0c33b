// Plan loading: JSON -> the executor's indexed Plan, with structural validation so a malformed
// plan gets one clear error naming the node and field instead of a crash later.
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

const json& field(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) throw LoadError{where + ": missing field '" + name + "'"};
  return *it;
}

std::string str(const json& obj, const char* name, const std::string& where) {
  const json& v = field(obj, name, where);
  if (!v.is_string()) throw LoadError{where + ": field '" + name + "' must be a string"};
  return v.get<std::string>();
}

std::string optStr(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_string()) throw LoadError{where + ": field '" + name + "' must be a string"};
  return it->get<std::string>();
}

double optNum(const json& obj, const char* name, double fallback, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return fallback;
  if (!it->is_number()) throw LoadError{where + ": field '" + name + "' must be a number"};
  return it->get<double>();
}

void checkExpr(const json& expr, const std::string& where) {
  std::string problem = stdlib::validate(expr);
  if (!problem.empty()) throw LoadError{where + ": malformed expression: " + problem};
}

NodeKind parseKind(const std::string& kind, const std::string& where) {
  if (kind == "input") return NodeKind::Input;
  if (kind == "llm") return NodeKind::Llm;
  if (kind == "tool") return NodeKind::Tool;
  if (kind == "native") return NodeKind::Native;
  if (kind == "branch") return NodeKind::Branch;
  if (kind == "map") return NodeKind::Map;
  if (kind == "output") return NodeKind::Output;
  throw LoadError{where + ": unknown node kind '" + kind + "'"};
}

class Loader {
public:
  Plan& plan;
  std::unordered_map<std::string, int> modelIndex;
  std::unordered_map<std::string, int> toolIndex;

  explicit Loader(Plan& p) : plan(p) {}

  void loadModels(const json& doc) {
    auto it = doc.find("models");
    if (it == doc.end()) return;
    if (!it->is_array()) throw LoadError{"plan: 'models' must be an array"};
    for (const json& m : *it) {
      if (!m.is_object()) throw LoadError{"plan: every entry of 'models' must be an object"};
      PlanModel model;
      model.id = str(m, "id", "model");
      std::string where = "model '" + model.id + "'";
      std::string provider = str(m, "provider", where);
      auto parsed = parseProvider(provider);
      if (!parsed) throw LoadError{where + ": unknown provider '" + provider + "'"};
      model.provider = *parsed;
      model.name = str(m, "name", where);
      model.endpoint = optStr(m, "endpoint", where);
      model.keyEnv = optStr(m, "key_env", where);
      model.price.inputPerMTok = optNum(m, "price_in", 0, where);
      model.price.outputPerMTok = optNum(m, "price_out", 0, where);
      if (m.contains("cached_price_in") && m["cached_price_in"].is_number())
        model.price.cachedInputPerMTok = m["cached_price_in"].get<double>();
      if (auto lim = m.find("limits"); lim != m.end() && lim->is_object()) {
        model.maxConcurrency = int(optNum(*lim, "max_concurrency", 0, where));
        model.rpm = int(optNum(*lim, "rpm", 0, where));
        model.tpm = int(optNum(*lim, "tpm", 0, where));
      }
      if (!modelIndex.emplace(model.id, int(plan.models.size())).second)
        throw LoadError{where + ": declared twice"};
      plan.models.push_back(std::move(model));
    }
  }

  void loadTools(const json& doc) {
    auto it = doc.find("tools");
    if (it == doc.end()) return;
    if (!it->is_array()) throw LoadError{"plan: 'tools' must be an array"};
    for (const json& t : *it) {
      if (!t.is_object()) throw LoadError{"plan: every entry of 'tools' must be an object"};
      PlanTool tool;
      tool.id = str(t, "id", "tool");
      std::string where = "tool '" + tool.id + "'";
      std::string impl = str(t, "impl", where);
      if (impl != "http" && impl != "host")
        throw LoadError{where + ": unknown impl '" + impl + "'"};
      tool.http = impl == "http";
      if (tool.http) {
        tool.method = str(t, "method", where);
        tool.url = str(t, "url", where);
        if (tool.method != "GET" && tool.method != "POST")
          throw LoadError{where + ": unsupported method '" + tool.method + "'"};
      }
      if (auto p = t.find("params"); p != t.end() && p->is_array())
        for (const json& param : *p)
          tool.params.push_back(str(param, "name", where + " param"));
      if (auto r = t.find("result_schema"); r != t.end() && r->is_object()) {
        tool.resultSchema = *r;
        tool.hasResultSchema = true;
      }
      tool.cacheTtlMs = std::int64_t(optNum(t, "cache_ttl_ms", -1, where));
      tool.timeoutMs = std::int64_t(optNum(t, "timeout_ms", 0, where));
      tool.retries = int(optNum(t, "retries", 0, where));
      if (!toolIndex.emplace(tool.id, int(plan.tools.size())).second)
        throw LoadError{where + ": declared twice"};
      plan.tools.push_back(std::move(tool));
    }
  }

  void loadNode(const json& n, PlanNode& node) {
    if (!n.is_object()) throw LoadError{"plan: every node must be an object"};
    node.id = str(n, "id", "node");
    std::string where = "node '" + node.id + "'";
    node.kindName = str(n, "kind", where);
    node.kind = parseKind(node.kindName, where);
    node.order = int(optNum(n, "order", 0, where));
    node.loc = optStr(n, "loc", where);
    if (!node.loc.empty()) where += " (" + node.loc + ")";
    if (auto d = n.find("deps"); d != n.end()) {
      if (!d->is_array()) throw LoadError{where + ": 'deps' must be an array"};
      for (const json& dep : *d) {
        if (!dep.is_string()) throw LoadError{where + ": 'deps' must hold node ids"};
        node.depIds.push_back(dep.get<std::string>());
      }
    }
    if (auto s = n.find("schema"); s != n.end() && s->is_object()) {
      node.schema = *s;
      node.hasSchema = true;
    }
    node.priorityMs = optNum(n, "priority_ms", 0, where);
    if (auto c = n.find("cache"); c != n.end() && c->is_object()) {
      node.cacheEnabled = c->value("enabled", false) == true;
      node.cacheKey = optStr(*c, "key", where);
      node.cacheTtlMs = std::int64_t(optNum(*c, "ttl_ms", 0, where));
    }
    switch (node.kind) {
    case NodeKind::Input:
      node.inputName = str(n, "name", where);
      if (auto d = n.find("default"); d != n.end()) node.defaultValue = *d;
      break;
    case NodeKind::Native:
    case NodeKind::Output:
    case NodeKind::Branch:
      node.expr = field(n, "expr", where);
      checkExpr(node.expr, where);
      node.pure = node.kind == NodeKind::Native;
      break;
    case NodeKind::Llm:
      loadLlm(n, node, where);
      break;
    case NodeKind::Tool: {
      std::string tool = str(n, "tool", where);
      auto it = toolIndex.find(tool);
      if (it == toolIndex.end()) throw LoadError{where + ": unknown tool '" + tool + "'"};
      node.tool = it->second;
      node.args = n.value("args", json::object());
      if (!node.args.is_object()) throw LoadError{where + ": 'args' must be an object"};
      for (auto& [name, expr] : node.args.items())
        checkExpr(expr, where + " argument '" + name + "'");
      break;
    }
    case NodeKind::Map: {
      node.var = str(n, "var", where);
      node.over = field(n, "over", where);
      checkExpr(node.over, where + " 'over'");
      const json& body = field(n, "body", where);
      if (!body.is_object()) throw LoadError{where + ": 'body' must be an object"};
      node.result = field(body, "result", where + " body");
      checkExpr(node.result, where + " body result");
      if (auto r = n.find("reduce"); r != n.end() && r->is_object()) {
        node.isReduce = true;
        node.acc = str(*r, "acc", where + " reduce");
        node.init = field(*r, "init", where + " reduce");
        checkExpr(node.init, where + " reduce init");
      }
      node.body = std::make_unique<Graph>();
      const json& bodyNodes = body.value("nodes", json::array());
      if (!bodyNodes.is_array()) throw LoadError{where + ": body 'nodes' must be an array"};
      loadGraph(bodyNodes, *node.body, false, where + " body");
      node.pure =
          std::all_of(node.body->nodes.begin(), node.body->nodes.end(), [](const PlanNode& b) {
            return b.pure || b.kind == NodeKind::Input || b.kind == NodeKind::Output ||
                   b.kind == NodeKind::Branch;
          });
      break;
    }
    }
    if (auto h = n.find("hints"); h != n.end() && h->is_object())
      if (auto s = h->find("speculate"); s != h->end() && s->is_object())
        node.speculateExtraUsd = optNum(*s, "extra_cost_usd", 0, where + " hints.speculate");
  }

  void loadLlm(const json& n, PlanNode& node, const std::string& where) {
    std::string model = str(n, "model", where);
    auto it = modelIndex.find(model);
    if (it == modelIndex.end()) throw LoadError{where + ": unknown model '" + model + "'"};
    node.model = it->second;
    const json& messages = field(n, "messages", where);
    if (!messages.is_array() || messages.empty())
      throw LoadError{where + ": 'messages' must be a non-empty array"};
    for (const json& m : messages) {
      PlanMessage msg;
      std::string role = str(m, "role", where + " message");
      if (role != "system" && role != "user")
        throw LoadError{where + ": unknown message role '" + role + "'"};
      msg.system = role == "system";
      const json& segments = field(m, "segments", where + " message");
      if (!segments.is_array()) throw LoadError{where + ": 'segments' must be an array"};
      for (const json& s : segments) {
        Segment seg;
        if (!s.is_object()) throw LoadError{where + ": a segment must be an object"};
        seg.isStatic = s.value("static", true) == true;
        if (seg.isStatic) {
          seg.text = str(s, "text", where + " segment");
        } else {
          seg.expr = field(s, "expr", where + " segment");
          checkExpr(seg.expr, where + " segment");
        }
        seg.cacheBreakpoint = s.value("cache_breakpoint", false) == true;
        msg.segments.push_back(std::move(seg));
      }
      node.messages.push_back(std::move(msg));
    }
    if (auto o = n.find("options"); o != n.end() && o->is_object()) {
      if (o->contains("temperature") && (*o)["temperature"].is_number())
        node.temperature = (*o)["temperature"].get<double>();
      if (o->contains("max_tokens") && (*o)["max_tokens"].is_number_integer())
        node.maxTokens = (*o)["max_tokens"].get<int>();
      if (o->contains("retries") && (*o)["retries"].is_number_integer())
        node.retries = (*o)["retries"].get<int>();
      if (o->contains("timeout_ms") && (*o)["timeout_ms"].is_number())
        node.timeoutMs = (*o)["timeout_ms"].get<std::int64_t>();
      node.promptCacheKey = optStr(*o, "prompt_cache_key", where);
    }
    node.estTokens = std::int64_t(optNum(n, "est_prompt_tokens", 0, where) +
                                  optNum(n, "est_output_tokens", 0, where));
    if (auto f = n.find("fused"); f != n.end()) {
      if (!f->is_array()) throw LoadError{where + ": 'fused' must be an array"};
      for (const json& part : *f)
        node.fused.push_back(
            {-1, str(part, "name", where + " fused"), str(part, "field", where + " fused")});
    }
  }

  // Builds one graph; ids not found in it are outer values (map captures) and count as ready.
  void loadGraph(const json& nodes, Graph& graph, bool topLevel, const std::string& where) {
    graph.nodes.resize(nodes.size());
    std::unordered_map<std::string, int> index;
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      PlanNode& node = graph.nodes[i];
      loadNode(nodes[i], node);
      if (!index.emplace(node.id, int(i)).second)
        throw LoadError{where + ": node id '" + node.id + "' appears twice"};
      node.slot = graph.slotCount++;
      graph.slots.emplace(node.id, node.slot);
      if (node.kind == NodeKind::Output) {
        if (graph.outputNode >= 0) throw LoadError{where + ": more than one output node"};
        graph.outputNode = int(i);
      }
    }
    // Fused parts get slots of their own; a dep naming a part waits for the fused node.
    std::unordered_map<std::string, int> partOwner;
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      for (FusedPart& part : graph.nodes[i].fused) {
        if (graph.slots.count(part.name))
          throw LoadError{"node '" + graph.nodes[i].id + "': fused name '" + part.name +
                          "' is also a node id"};
        part.slot = graph.slotCount++;
        graph.slots.emplace(part.name, part.slot);
        partOwner.emplace(part.name, int(i));
      }
    graph.dependants.assign(graph.nodes.size(), {});
    graph.initialPending.assign(graph.nodes.size(), 0);
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
      PlanNode& node = graph.nodes[i];
      std::unordered_set<int> seen;
      for (const std::string& dep : node.depIds) {
        int target = -1;
        if (auto it = index.find(dep); it != index.end())
          target = it->second;
        else if (auto p = partOwner.find(dep); p != partOwner.end())
          target = p->second;
        else if (topLevel)
          throw LoadError{"node '" + node.id + "': depends on unknown node '" + dep + "'"};
        if (target == int(i)) throw LoadError{"node '" + node.id + "': depends on itself"};
        if (target >= 0 && seen.insert(target).second) node.deps.push_back(target);
      }
      if (auto g = nodes[i].find("guard"); g != nodes[i].end() && g->is_object()) {
        std::string branch = str(*g, "branch", "node '" + node.id + "' guard");
        auto it = index.find(branch);
        if (it == index.end() || graph.nodes[it->second].kind != NodeKind::Branch)
          throw LoadError{"node '" + node.id + "': guard names '" + branch +
                          "', which is not a branch node here"};
        node.guardBranch = it->second;
        node.guardArm = int(optNum(*g, "arm", 0, "node '" + node.id + "' guard"));
        if (seen.insert(node.guardBranch).second) node.deps.push_back(node.guardBranch);
      }
      for (int d : node.deps)
        graph.dependants[d].push_back(int(i));
      graph.initialPending[i] = int(node.deps.size());
      // A hint: honoured only between sibling model steps that do not depend on each other.
      if (auto h = nodes[i].find("hints"); h != nodes[i].end() && h->is_object())
        if (auto w = h->find("wait_for_warm"); w != h->end() && w->is_string())
          if (auto it = index.find(w->get<std::string>());
              it != index.end() && it->second != int(i) && seen.count(it->second) == 0) {
            node.warmLeader = it->second;
            ++graph.initialPending[i];
          }
    }
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      if (graph.nodes[i].warmLeader >= 0)
        graph.nodes[graph.nodes[i].warmLeader].warmFollowers.push_back(int(i));
    checkAcyclic(graph, where);
  }

  void checkAcyclic(const Graph& graph, const std::string& where) {
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
    if (visited != graph.nodes.size()) {
      for (std::size_t i = 0; i < pending.size(); ++i)
        if (pending[i] > 0)
          throw LoadError{where + ": dependency cycle through node '" + graph.nodes[i].id + "'"};
    }
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

  void load(const json& doc) {
    if (!doc.is_object()) throw LoadError{"plan: not a JSON object"};
    auto version = doc.find("awc_plan");
    if (version == doc.end()) throw LoadError{"plan: missing 'awc_plan' (is this an awc plan?)"};
    if (!version->is_number_integer() || version->get<int>() != 1)
      throw LoadError{"plan: unsupported plan version " + version->dump() +
                      " (this runtime reads version 1)"};
    plan.workflow = optStr(doc, "workflow", "plan");
    plan.mode = doc.value("mode", std::string("parallel"));
    if (plan.mode != "parallel" && plan.mode != "sequential")
      throw LoadError{"plan: unknown mode '" + plan.mode + "'"};
    plan.sequential = plan.mode == "sequential";
    plan.optLevel = int(optNum(doc, "opt_level", 0, "plan"));
    if (auto h = doc.find("hosts"); h != doc.end() && h->is_array())
      for (const json& host : *h)
        if (host.is_string()) plan.hosts.push_back(host.get<std::string>());
    if (auto in = doc.find("inputs"); in != doc.end()) {
      if (!in->is_array()) throw LoadError{"plan: 'inputs' must be an array"};
      for (const json& i : *in)
        plan.inputSchemas.emplace_back(str(i, "name", "input"), i.value("schema", json::object()));
    }
    loadModels(doc);
    loadTools(doc);
    const json& nodes = field(doc, "nodes", "plan");
    if (!nodes.is_array()) throw LoadError{"plan: 'nodes' must be an array"};
    loadGraph(nodes, plan.graph, true, "plan");
    if (plan.graph.outputNode < 0) throw LoadError{"plan: no output node"};
    if (plan.sequential) makeSequential(plan.graph);
  }
};

} // namespace

std::shared_ptr<const Plan> loadPlan(const nlohmann::json& doc, std::string& error) {
  auto plan = std::make_shared<Plan>();
  try {
    Loader(*plan).load(doc);
  } catch (const LoadError& e) {
    error = e.message;
    return nullptr;
  } catch (const std::exception& e) {
    error = std::string("plan: malformed: ") + e.what();
    return nullptr;
  }
  return plan;
}

std::shared_ptr<const Plan> loadPlanText(std::string_view text, std::string& error) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    error = "plan: not valid JSON";
    return nullptr;
  }
  return loadPlan(doc, error);
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
