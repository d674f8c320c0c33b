// IR → the typed plan (include/awc/plan/contract.h), serialised by the contract. Nodes appear
// in topological order; the keys themselves live in plan_keys.def, never here.
#include "awc/plan/emit.h"

#include "awc/sema/type.h"

#include <cmath>

#ifndef AWC_VERSION_STRING
#define AWC_VERSION_STRING "0.0.0"
#endif

namespace awc::plan {
namespace {

using Json = nlohmann::json;

Json schemaOf(const sema::Type* type) {
  return type ? type->jsonSchema() : Json::object();
}

// Schemas repeat across the nodes of one plan; each is built once per emission.
struct SchemaCache {
  std::map<const sema::Type*, Json> schemas;
  const Json& get(const sema::Type* type) {
    auto it = schemas.find(type);
    if (it == schemas.end()) it = schemas.emplace(type, schemaOf(type)).first;
    return it->second;
  }
};

std::vector<Message> planMessages(const std::vector<ir::Message>& messages) {
  std::vector<Message> out;
  for (const auto& m : messages) {
    Message msg;
    msg.role = parseEnum<Role>(m.role).value_or(Role::User);
    for (const auto& s : m.segments) {
      Segment seg;
      seg.isStatic = s.isStatic;
      if (s.isStatic)
        seg.text = s.text;
      else
        seg.expr = s.expr;
      if (s.origin != "separator") seg.origin = s.origin;
      seg.cacheBreakpoint = s.cacheBreakpoint;
      msg.segments.push_back(std::move(seg));
    }
    out.push_back(std::move(msg));
  }
  return out;
}

std::vector<Node> planNodes(const ir::Graph& g, const SourceManager& sources, SchemaCache& schemas);

void planLlm(const ir::Node& n, LlmFields& l) {
  const ir::LlmData& llm = n.llm();
  l.model = llm.model;
  l.autoLadder = llm.autoLadder;
  l.rightsizedFrom = llm.rightsizedFrom;
  if (!llm.taskClass.empty()) l.task = parseEnum<TaskClass>(llm.taskClass);
  l.messages = planMessages(llm.messages);
  l.options = {llm.options.temperature, llm.options.maxTokens, llm.options.retries,
               llm.options.timeoutMs, llm.options.promptCacheKey};
  l.estPromptTokens = n.estPromptTokens;
  l.estOutputTokens = n.estOutputTokens;
  for (const auto& p : n.llm().fused)
    l.fused.push_back({p.name, p.field, schemaOf(p.type)});
}

void planMap(const ir::Node& n, MapFields& m, const SourceManager& sources, SchemaCache& schemas) {
  m.var = n.map().var;
  m.over = n.map().over;
  if (n.map().captures.is_array())
    for (const auto& r : n.map().captures)
      m.captures.push_back(r.at("ref").get<std::string>());
  if (n.map().body) m.body = Body{planNodes(*n.map().body, sources, schemas), n.map().bodyResult};
  if (!n.map().accName.empty()) m.reduce = ReduceSpec{n.map().accName, n.map().accInit};
}

Node planNode(const ir::Graph& g, const ir::Node& n, int order, const SourceManager& sources,
              SchemaCache& schemas) {
  Node node;
  node.id = n.id;
  node.kind = n.kind();
  node.order = order;
  if (n.loc.valid()) node.loc = sources.describe(n.loc);
  for (ir::NodeIndex d : n.deps)
    if (!g.nodes[d]->removed) node.deps.push_back(g.nodes[d]->id);
  if (n.guard) node.guard = GuardRef{g.nodes[n.guard->branch]->id, n.guard->arm};
  if (!n.schema.is_null())
    node.schema = n.schema;
  else if (n.type)
    node.schema = schemas.get(n.type);
  node.estMs = ir::roundMs(n.estMs);
  node.priorityMs = ir::roundMs(n.priority);
  node.cache.enabled = n.cache.enabled;
  if (n.cache.enabled) {
    node.cache.reason = n.cache.reason;
    if (!n.cache.key.empty()) {
      node.cache.ttlMs = n.cache.ttlMs;
      node.cache.key = n.cache.key;
    }
  }
  node.hints = n.hints;
  switch (n.kind()) {
  case NodeKind::Input:
    node.inputName = n.id.substr(6); // after "input."
    if (!n.input().defaultValue.is_null()) node.defaultValue = n.input().defaultValue;
    break;
  case NodeKind::Native:
  case NodeKind::Output:
  case NodeKind::Branch:
    node.expr = n.expr();
    break;
  case NodeKind::Llm:
    planLlm(n, node.llm);
    break;
  case NodeKind::Tool:
    node.tool = n.tool().name;
    node.args = n.tool().args;
    break;
  case NodeKind::Map:
    planMap(n, node.map, sources, schemas);
    break;
  }
  return node;
}

std::vector<Node> planNodes(const ir::Graph& g, const SourceManager& sources,
                            SchemaCache& schemas) {
  std::vector<Node> nodes;
  int order = 0;
  for (ir::NodeIndex i : g.topoOrder())
    nodes.push_back(planNode(g, *g.nodes[i], order++, sources, schemas));
  return nodes;
}

Model planModel(const ir::ModelInfo& md) {
  Model m;
  m.id = md.id;
  m.provider = parseEnum<Provider>(md.provider).value_or(Provider::OpenAI);
  m.name = md.name;
  m.endpoint = md.endpoint;
  m.keyEnv = md.keyEnv;
  m.priceIn = ir::roundUsd(md.priceIn);
  m.priceOut = ir::roundUsd(md.priceOut);
  m.cachedPriceIn = ir::roundUsd(md.cachedPriceIn);
  m.context = md.context;
  m.size = parseEnum<SizeClass>(md.sizeClass);
  m.ttftBaseMs = md.latency.ttftBaseMs;
  m.prefillMsPerToken = md.latency.prefillMsPerToken;
  m.decodeTokensPerS = md.latency.decodeTokensPerSec;
  m.maxConcurrency = md.maxConcurrency;
  m.rpm = md.rpm;
  m.tpm = md.tpm;
  return m;
}

Tool planTool(const ir::ToolInfo& t) {
  Tool tool;
  tool.id = t.id;
  tool.impl = parseEnum<ToolImpl>(t.impl).value_or(ToolImpl::Host);
  for (const auto& [name, type] : t.params)
    tool.params.push_back({name, schemaOf(type)});
  tool.resultSchema = schemaOf(t.result);
  tool.effect = parseEnum<Effect>(t.effect);
  tool.cacheTtlMs = t.cacheTtlMs;
  tool.timeoutMs = t.timeoutMs;
  tool.retries = t.retries;
  if (tool.impl == ToolImpl::Http) {
    tool.method = t.method;
    tool.url = t.url;
  }
  tool.description = t.description;
  return tool;
}

PassReport planPass(const passes::PassReport& r) {
  // toJson rounds the estimates in the details; read the rounded form back.
  Json j = r.toJson();
  PassReport out;
  out.pass = r.pass;
  for (Json& c : j.at("changes"))
    out.changes.push_back({c.at("node").get<std::string>(), c.at("message").get<std::string>(),
                           std::move(c.at("detail"))});
  return out;
}

} // namespace

Document buildPlan(const ir::Module& m, const ir::PlanEstimate& estimate,
                   const std::vector<passes::PassReport>& reports, const SourceManager& sources) {
  Document d;
  d.compiler = std::string("awc ") + AWC_VERSION_STRING;
  d.source = m.sourceName;
  d.workflow = m.workflow;
  d.optLevel = m.optLevel;
  d.mode = m.mode;
  for (const auto& [name, type] : m.inputs) {
    Input in{name, schemaOf(type), std::nullopt};
    if (const ir::Node* n = m.graph.find("input." + name); n && !n->input().defaultValue.is_null())
      in.defaultValue = n->input().defaultValue;
    d.inputs.push_back(std::move(in));
  }
  d.outputSchema = schemaOf(m.resultType);
  for (const auto& md : m.models)
    d.models.push_back(planModel(md));
  d.ladders = m.ladders;
  for (const auto& t : m.tools)
    d.tools.push_back(planTool(t));
  d.hosts = m.hosts;
  SchemaCache schemas;
  d.nodes = planNodes(m.graph, sources, schemas);
  d.estimate = {ir::roundMs(estimate.latencyMs),
                ir::roundUsd(estimate.costUsd),
                estimate.modelCalls,
                estimate.promptTokens,
                estimate.cachedTokens,
                estimate.outputTokens,
                estimate.criticalPath};
  if (m.speculationBudgetUsd)
    d.estimate.speculationBudgetUsd = ir::roundUsd(*m.speculationBudgetUsd);
  for (const auto& r : reports)
    d.passes.push_back(planPass(r));
  return d;
}

Json emitPlan(const ir::Module& m, const ir::PlanEstimate& estimate,
              const std::vector<passes::PassReport>& reports, const SourceManager& sources) {
  return toJson(buildPlan(m, estimate, reports, sources));
}

std::string serialize(const Json& plan) {
  // One top-level field per line and one array element (node, model, tool...) per line:
  // diffs of two plans show exactly the nodes that changed, and compact elements keep
  // 100k-node plans fast to write and read. Invalid UTF-8 is replaced, never thrown on:
  // prompts come from user files.
  auto compact = [](const Json& j) {
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  if (!plan.is_object()) return compact(plan) + "\n";
  std::string out = "{\n";
  size_t i = 0;
  for (auto it = plan.begin(); it != plan.end(); ++it, ++i) {
    out += "  ";
    out += compact(Json(it.key()));
    out += ": ";
    const Json& v = it.value();
    if (v.is_array() && !v.empty() && (v.front().is_object() || v.front().is_array())) {
      out += "[\n";
      for (size_t k = 0; k < v.size(); ++k) {
        out += "    ";
        out += compact(v[k]);
        out += k + 1 < v.size() ? ",\n" : "\n";
      }
      out += "  ]";
    } else {
      out += compact(v);
    }
    out += i + 1 < plan.size() ? ",\n" : "\n";
  }
  out += "}\n";
  return out;
}

} // namespace awc::plan
