// IR → plan JSON. Nodes appear in topological order; every field name is part of the
// documented format (docs/plan-format.md), so changes here are format changes.
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

Json emitMessages(const std::vector<ir::Message>& messages) {
  Json out = Json::array();
  for (const auto& m : messages) {
    Json segments = Json::array();
    for (const auto& s : m.segments) {
      Json seg = {{"static", s.isStatic}, {"origin", s.origin}};
      if (s.isStatic)
        seg["text"] = s.text;
      else
        seg["expr"] = s.expr;
      if (s.origin == "separator") seg.erase("origin");
      if (s.cacheBreakpoint) seg["cache_breakpoint"] = true;
      segments.push_back(std::move(seg));
    }
    out.push_back({{"role", m.role}, {"segments", std::move(segments)}});
  }
  return out;
}

Json emitNodes(const ir::Graph& g, const SourceManager& sources, SchemaCache& schemas);

Json emitNode(const ir::Graph& g, const ir::Node& n, int order, const SourceManager& sources,
              SchemaCache& schemas) {
  Json j = {{"id", n.id}, {"kind", ir::kindName(n.kind)}, {"order", order}};
  if (n.loc.valid()) j["loc"] = sources.describe(n.loc);
  Json deps = Json::array();
  for (ir::NodeIndex d : n.deps)
    if (!g.nodes[d]->removed) deps.push_back(g.nodes[d]->id);
  j["deps"] = std::move(deps);
  if (n.guard) j["guard"] = {{"branch", g.nodes[n.guard->branch]->id}, {"arm", n.guard->arm}};
  if (!n.schema.is_null())
    j["schema"] = n.schema;
  else if (n.type)
    j["schema"] = schemas.get(n.type);
  j["est_ms"] = ir::roundMs(n.estMs);
  j["priority_ms"] = ir::roundMs(n.priority);
  j["cache"] = {{"enabled", n.cache.enabled}};
  if (n.cache.enabled) {
    j["cache"]["reason"] = n.cache.reason;
    if (!n.cache.key.empty()) {
      j["cache"]["ttl_ms"] = n.cache.ttlMs;
      j["cache"]["key"] = n.cache.key;
    }
  }
  if (!n.hints.empty()) j["hints"] = n.hints;
  switch (n.kind) {
  case ir::NodeKind::Input:
    j["name"] = n.id.substr(6); // after "input."
    if (!n.defaultValue.is_null()) j["default"] = n.defaultValue;
    break;
  case ir::NodeKind::Native:
  case ir::NodeKind::Output:
  case ir::NodeKind::Branch:
    j["expr"] = n.expr;
    break;
  case ir::NodeKind::Llm: {
    j["model"] = n.model;
    if (!n.autoLadder.empty()) j["auto_ladder"] = n.autoLadder;
    if (!n.taskClass.empty()) j["task"] = n.taskClass;
    j["messages"] = emitMessages(n.messages);
    Json opts = Json::object();
    if (n.options.temperature) opts["temperature"] = *n.options.temperature;
    if (n.options.maxTokens) opts["max_tokens"] = *n.options.maxTokens;
    if (n.options.retries) opts["retries"] = *n.options.retries;
    if (n.options.timeoutMs) opts["timeout_ms"] = *n.options.timeoutMs;
    if (!n.options.promptCacheKey.empty()) opts["prompt_cache_key"] = n.options.promptCacheKey;
    j["options"] = std::move(opts);
    j["est_prompt_tokens"] = n.estPromptTokens;
    j["est_output_tokens"] = n.estOutputTokens;
    if (!n.fused.empty()) {
      Json parts = Json::array();
      for (const auto& p : n.fused)
        parts.push_back({{"name", p.name}, {"field", p.field}, {"schema", schemaOf(p.type)}});
      j["fused"] = std::move(parts);
    }
    break;
  }
  case ir::NodeKind::Tool: {
    j["tool"] = n.tool;
    Json args = Json::object();
    for (const auto& [name, e] : n.args)
      args[name] = e;
    j["args"] = std::move(args);
    break;
  }
  case ir::NodeKind::Map: {
    j["var"] = n.var;
    j["over"] = n.over;
    Json captures = Json::array();
    if (n.expr.is_array())
      for (const auto& r : n.expr)
        captures.push_back(r.at("ref"));
    j["captures"] = std::move(captures);
    if (n.body)
      j["body"] = {{"nodes", emitNodes(*n.body, sources, schemas)}, {"result", n.bodyResult}};
    if (!n.accName.empty()) j["reduce"] = {{"acc", n.accName}, {"init", n.accInit}};
    break;
  }
  }
  return j;
}

Json emitNodes(const ir::Graph& g, const SourceManager& sources, SchemaCache& schemas) {
  Json nodes = Json::array();
  int order = 0;
  for (ir::NodeIndex i : g.topoOrder())
    nodes.push_back(emitNode(g, *g.nodes[i], order++, sources, schemas));
  return nodes;
}

} // namespace

Json emitPlan(const ir::Module& m, const ir::PlanEstimate& estimate,
              const std::vector<passes::PassReport>& reports, const SourceManager& sources) {
  Json plan;
  plan["awc_plan"] = kPlanVersion;
  plan["compiler"] = std::string("awc ") + AWC_VERSION_STRING;
  plan["source"] = m.sourceName;
  plan["workflow"] = m.workflow;
  plan["opt_level"] = m.optLevel;
  plan["mode"] = m.mode == ir::ExecMode::Sequential ? "sequential" : "parallel";

  Json inputs = Json::array();
  for (const auto& [name, type] : m.inputs) {
    Json in = {{"name", name}, {"schema", schemaOf(type)}};
    if (const ir::Node* n = m.graph.find("input." + name); n && !n->defaultValue.is_null())
      in["default"] = n->defaultValue;
    inputs.push_back(std::move(in));
  }
  plan["inputs"] = std::move(inputs);
  plan["output"] = {{"schema", schemaOf(m.resultType)}};

  Json models = Json::array();
  for (const auto& md : m.models) {
    Json j = {
        {"id", md.id},
        {"provider", md.provider},
        {"name", md.name},
        {"price_in", ir::roundUsd(md.priceIn)},
        {"price_out", ir::roundUsd(md.priceOut)},
        {"cached_price_in", ir::roundUsd(md.cachedPriceIn)},
        {"size", md.sizeClass},
        {"profile",
         {{"ttft_base_ms", md.latency.ttftBaseMs},
          {"prefill_ms_per_token", md.latency.prefillMsPerToken},
          {"decode_tokens_per_s", md.latency.decodeTokensPerSec}}},
        {"limits", {{"max_concurrency", md.maxConcurrency}, {"rpm", md.rpm}, {"tpm", md.tpm}}}};
    if (!md.endpoint.empty()) j["endpoint"] = md.endpoint;
    if (!md.keyEnv.empty()) j["key_env"] = md.keyEnv;
    if (md.context) j["context"] = md.context;
    models.push_back(std::move(j));
  }
  plan["models"] = std::move(models);
  plan["ladders"] = Json::object();
  for (const auto& [name, rungs] : m.ladders)
    plan["ladders"][name] = rungs;

  Json tools = Json::array();
  for (const auto& t : m.tools) {
    Json params = Json::array();
    for (const auto& [name, type] : t.params)
      params.push_back({{"name", name}, {"schema", schemaOf(type)}});
    Json j = {{"id", t.id},
              {"impl", t.impl},
              {"params", std::move(params)},
              {"result_schema", schemaOf(t.result)},
              {"effect", t.effect},
              {"cache_ttl_ms", t.cacheTtlMs},
              {"timeout_ms", t.timeoutMs},
              {"retries", t.retries}};
    if (t.impl == "http") {
      j["method"] = t.method;
      j["url"] = t.url;
    }
    if (!t.description.empty()) j["description"] = t.description;
    tools.push_back(std::move(j));
  }
  plan["tools"] = std::move(tools);
  plan["hosts"] = m.hosts;
  SchemaCache schemas;
  plan["nodes"] = emitNodes(m.graph, sources, schemas);
  plan["estimate"] = {{"latency_ms", ir::roundMs(estimate.latencyMs)},
                      {"cost_usd", ir::roundUsd(estimate.costUsd)},
                      {"model_calls", estimate.modelCalls},
                      {"prompt_tokens", estimate.promptTokens},
                      {"cached_tokens", estimate.cachedTokens},
                      {"output_tokens", estimate.outputTokens},
                      {"critical_path", estimate.criticalPath}};
  Json passes = Json::array();
  for (const auto& r : reports)
    passes.push_back(r.toJson());
  plan["passes"] = std::move(passes);
  return plan;
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
