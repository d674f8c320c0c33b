// Typed plan → plan JSON: the one place that writes the format's keys. Optional fields are
// written only when set, exactly as docs/plan-format.md and docs/plan.schema.json say.
#include "awc/plan/contract.h"

namespace awc::plan {
namespace {

namespace k = key;

Json segmentJson(Segment&& s) {
  Json seg = {{k::Segment::kStatic, s.isStatic}};
  if (s.origin) seg[k::Segment::kOrigin] = std::move(*s.origin);
  if (s.isStatic)
    seg[k::Segment::kText] = std::move(s.text);
  else
    seg[k::Segment::kExpr] = std::move(s.expr);
  if (s.cacheBreakpoint) seg[k::Segment::kCacheBreakpoint] = true;
  return seg;
}

Json optionsJson(LlmOptions&& o) {
  Json opts = Json::object();
  if (o.temperature) opts[k::Options::kTemperature] = *o.temperature;
  if (o.maxTokens) opts[k::Options::kMaxTokens] = *o.maxTokens;
  if (o.retries) opts[k::Options::kRetries] = *o.retries;
  if (o.timeoutMs) opts[k::Options::kTimeoutMs] = *o.timeoutMs;
  if (!o.promptCacheKey.empty()) opts[k::Options::kPromptCacheKey] = std::move(o.promptCacheKey);
  return opts;
}

void llmJson(LlmFields&& l, Json& j) {
  j[k::Node::kModel] = std::move(l.model);
  if (!l.autoLadder.empty()) j[k::Node::kAutoLadder] = std::move(l.autoLadder);
  if (!l.rightsizedFrom.empty()) j[k::Node::kRightsizedFrom] = std::move(l.rightsizedFrom);
  if (l.task) j[k::Node::kTask] = name(*l.task);
  Json messages = Json::array();
  for (Message& m : l.messages) {
    Json segments = Json::array();
    for (Segment& s : m.segments)
      segments.push_back(segmentJson(std::move(s)));
    messages.push_back(
        {{k::Message::kRole, name(m.role)}, {k::Message::kSegments, std::move(segments)}});
  }
  j[k::Node::kMessages] = std::move(messages);
  j[k::Node::kOptions] = optionsJson(std::move(l.options));
  j[k::Node::kEstPromptTokens] = l.estPromptTokens;
  j[k::Node::kEstOutputTokens] = l.estOutputTokens;
  if (!l.fused.empty()) {
    Json parts = Json::array();
    for (FusedPart& p : l.fused) {
      Json part = {{k::Fused::kName, std::move(p.name)}, {k::Fused::kField, std::move(p.field)}};
      if (!p.schema.is_null()) part[k::Fused::kSchema] = std::move(p.schema);
      parts.push_back(std::move(part));
    }
    j[k::Node::kFused] = std::move(parts);
  }
}

Json nodesJson(std::vector<Node>&& nodes);

void mapJson(MapFields&& m, Json& j) {
  j[k::Node::kVar] = std::move(m.var);
  j[k::Node::kOver] = std::move(m.over);
  j[k::Node::kCaptures] = std::move(m.captures);
  if (m.body)
    j[k::Node::kBody] = {{k::Body::kNodes, nodesJson(std::move(m.body->nodes))},
                         {k::Body::kResult, std::move(m.body->result)}};
  if (m.reduce)
    j[k::Node::kReduce] = {{k::Reduce::kAcc, std::move(m.reduce->acc)},
                           {k::Reduce::kInit, std::move(m.reduce->init)}};
}

Json cacheJson(CacheInfo&& c) {
  Json j = {{k::Cache::kEnabled, c.enabled}};
  if (c.reason) j[k::Cache::kReason] = std::move(*c.reason);
  if (c.ttlMs) j[k::Cache::kTtlMs] = *c.ttlMs;
  if (c.key) j[k::Cache::kKey] = std::move(*c.key);
  return j;
}

Json nodeJson(Node&& n) {
  Json j = {{k::Node::kId, std::move(n.id)},
            {k::Node::kKind, name(n.kind)},
            {k::Node::kOrder, n.order},
            {k::Node::kDeps, std::move(n.deps)},
            {k::Node::kEstMs, n.estMs},
            {k::Node::kPriorityMs, n.priorityMs},
            {k::Node::kCache, cacheJson(std::move(n.cache))}};
  if (!n.loc.empty()) j[k::Node::kLoc] = std::move(n.loc);
  if (n.guard)
    j[k::Node::kGuard] = {{k::Guard::kBranch, std::move(n.guard->branch)},
                          {k::Guard::kArm, n.guard->arm}};
  if (!n.schema.is_null()) j[k::Node::kSchema] = std::move(n.schema);
  if (!n.hints.empty()) j[k::Node::kHints] = toJson(n.hints);
  switch (n.kind) {
  case NodeKind::Input:
    j[k::Node::kName] = std::move(n.inputName);
    if (n.defaultValue) j[k::Node::kDefault] = std::move(*n.defaultValue);
    break;
  case NodeKind::Native:
  case NodeKind::Output:
  case NodeKind::Branch:
    j[k::Node::kExpr] = std::move(n.expr);
    break;
  case NodeKind::Llm:
    llmJson(std::move(n.llm), j);
    break;
  case NodeKind::Tool: {
    j[k::Node::kTool] = std::move(n.tool);
    Json args = Json::object();
    for (auto& [param, e] : n.args)
      args[param] = std::move(e);
    j[k::Node::kArgs] = std::move(args);
    break;
  }
  case NodeKind::Map:
    mapJson(std::move(n.map), j);
    break;
  }
  return j;
}

Json nodesJson(std::vector<Node>&& nodes) {
  Json out = Json::array();
  for (Node& n : nodes)
    out.push_back(nodeJson(std::move(n)));
  return out;
}

Json modelJson(Model&& m) {
  Json j = {{k::Model::kId, std::move(m.id)},
            {k::Model::kProvider, name(m.provider)},
            {k::Model::kName, std::move(m.name)},
            {k::Model::kPriceIn, m.priceIn},
            {k::Model::kPriceOut, m.priceOut},
            {k::Model::kProfile,
             {{k::Profile::kTtftBaseMs, m.ttftBaseMs},
              {k::Profile::kPrefillMsPerToken, m.prefillMsPerToken},
              {k::Profile::kDecodeTokensPerS, m.decodeTokensPerS}}},
            {k::Model::kLimits,
             {{k::Limits::kMaxConcurrency, m.maxConcurrency},
              {k::Limits::kRpm, m.rpm},
              {k::Limits::kTpm, m.tpm}}}};
  if (m.cachedPriceIn) j[k::Model::kCachedPriceIn] = *m.cachedPriceIn;
  if (m.size) j[k::Model::kSize] = name(*m.size);
  if (!m.endpoint.empty()) j[k::Model::kEndpoint] = std::move(m.endpoint);
  if (!m.keyEnv.empty()) j[k::Model::kKeyEnv] = std::move(m.keyEnv);
  if (m.context) j[k::Model::kContext] = m.context;
  return j;
}

Json toolJson(Tool&& t) {
  Json params = Json::array();
  for (ToolParam& p : t.params)
    params.push_back(
        {{k::Param::kName, std::move(p.name)}, {k::Param::kSchema, std::move(p.schema)}});
  Json j = {{k::Tool::kId, std::move(t.id)},       {k::Tool::kImpl, name(t.impl)},
            {k::Tool::kParams, std::move(params)}, {k::Tool::kCacheTtlMs, t.cacheTtlMs},
            {k::Tool::kTimeoutMs, t.timeoutMs},    {k::Tool::kRetries, t.retries}};
  if (!t.resultSchema.is_null()) j[k::Tool::kResultSchema] = std::move(t.resultSchema);
  if (t.effect) j[k::Tool::kEffect] = name(*t.effect);
  if (t.impl == ToolImpl::Http) {
    j[k::Tool::kMethod] = std::move(t.method);
    j[k::Tool::kUrl] = std::move(t.url);
  }
  if (!t.description.empty()) j[k::Tool::kDescription] = std::move(t.description);
  return j;
}

Json passesJson(std::vector<PassReport>&& passes) {
  Json out = Json::array();
  for (PassReport& r : passes) {
    Json changes = Json::array();
    for (PassChange& c : r.changes)
      changes.push_back({{k::Change::kNode, std::move(c.node)},
                         {k::Change::kMessage, std::move(c.message)},
                         {k::Change::kDetail, std::move(c.detail)}});
    out.push_back({{k::Pass::kPass, std::move(r.pass)}, {k::Pass::kChanges, std::move(changes)}});
  }
  return out;
}

} // namespace

Json toJson(const Hints& h) {
  Json j = Json::object();
  if (!h.prefixGroup.empty()) j[k::Hints::kPrefixGroup] = h.prefixGroup;
  if (!h.waitForWarm.empty()) j[k::Hints::kWaitForWarm] = h.waitForWarm;
  if (h.warmFirst) j[k::Hints::kWarmFirst] = true;
  if (h.speculate)
    j[k::Hints::kSpeculate] = {{k::Speculate::kGainMs, h.speculate->gainMs},
                               {k::Speculate::kExtraCostUsd, h.speculate->extraCostUsd},
                               {k::Speculate::kCondition, h.speculate->condition},
                               {k::Speculate::kProbability, h.speculate->probability}};
  return j;
}

Json toJson(Document&& d) {
  Json plan;
  plan[k::Plan::kAwcPlan] = d.version;
  plan[k::Plan::kCompiler] = std::move(d.compiler);
  plan[k::Plan::kSource] = std::move(d.source);
  plan[k::Plan::kWorkflow] = std::move(d.workflow);
  plan[k::Plan::kOptLevel] = d.optLevel;
  plan[k::Plan::kMode] = name(d.mode);
  Json inputs = Json::array();
  for (Input& in : d.inputs) {
    Json j = {{k::Input::kName, std::move(in.name)}, {k::Input::kSchema, std::move(in.schema)}};
    if (in.defaultValue) j[k::Input::kDefault] = std::move(*in.defaultValue);
    inputs.push_back(std::move(j));
  }
  plan[k::Plan::kInputs] = std::move(inputs);
  plan[k::Plan::kOutput] = {{k::Output::kSchema, std::move(d.outputSchema)}};
  Json models = Json::array();
  for (Model& m : d.models)
    models.push_back(modelJson(std::move(m)));
  plan[k::Plan::kModels] = std::move(models);
  plan[k::Plan::kLadders] = Json::object();
  for (auto& [ladder, rungs] : d.ladders)
    plan[k::Plan::kLadders][ladder] = std::move(rungs);
  Json tools = Json::array();
  for (Tool& t : d.tools)
    tools.push_back(toolJson(std::move(t)));
  plan[k::Plan::kTools] = std::move(tools);
  plan[k::Plan::kHosts] = std::move(d.hosts);
  plan[k::Plan::kNodes] = nodesJson(std::move(d.nodes));
  const Estimate& e = d.estimate;
  plan[k::Plan::kEstimate] = {
      {k::Estimate::kLatencyMs, e.latencyMs},       {k::Estimate::kCostUsd, e.costUsd},
      {k::Estimate::kModelCalls, e.modelCalls},     {k::Estimate::kPromptTokens, e.promptTokens},
      {k::Estimate::kCachedTokens, e.cachedTokens}, {k::Estimate::kOutputTokens, e.outputTokens},
      {k::Estimate::kCriticalPath, e.criticalPath}};
  if (e.speculationBudgetUsd)
    plan[k::Plan::kEstimate][k::Estimate::kSpeculationBudgetUsd] = *e.speculationBudgetUsd;
  plan[k::Plan::kPasses] = passesJson(std::move(d.passes));
  return plan;
}

} // namespace awc::plan
