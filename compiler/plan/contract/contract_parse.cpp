// Plan JSON → typed plan: the one place that reads the format's keys. Every field present is
// type- and range-checked as docs/plan-format.md documents it; unknown fields are ignored
// (the format's compatibility rule). Subtrees (expressions, schemas) are moved, never copied.
#include "awc/plan/contract.h"
#include "awc/plan/quote.h"
#include "awc/support/json_pointer.h"

#include <climits>
#include <limits>
#include <utility>

namespace awc::plan {
namespace {

namespace k = key;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Collects errors; `context` labels the node being read ("node 'a' (t.flow:2:1)").
struct Ctx {
  std::vector<PlanError>& errors;
  std::string context;
  int mapNesting = 0;
  void fail(const std::string& pointer, std::string message) {
    if (errors.size() < kMaxErrors) errors.push_back({pointer, context, std::move(message)});
  }
};

std::string escapePointer(std::string_view token) {
  return escapePointerToken(token);
}

bool matches(const Json& v, FieldType type) {
  switch (type) {
  case FieldType::String:
  case FieldType::Enum:
    return v.is_string();
  case FieldType::Integer:
    return v.is_number_integer();
  case FieldType::Number:
    return v.is_number();
  case FieldType::Boolean:
    return v.is_boolean();
  case FieldType::Object:
  case FieldType::Expr:
  case FieldType::Schema:
    return v.is_object();
  case FieldType::Array:
    return v.is_array();
  case FieldType::Any:
    return true;
  }
  return false;
}

// 2 rather than 2.0 in messages.
std::string num(double d) {
  if (d > -1e15 && d < 1e15 && d == double(int64_t(d))) return std::to_string(int64_t(d));
  return Json(d).dump();
}

std::string got(const Json& v) {
  if (v.is_number_integer()) return "got integer " + quote(v);
  if (v.is_number()) return "got number " + quote(v);
  return std::string("got ") + v.type_name();
}

// One JSON object being read: fields are looked up, checked and moved out.
class Obj {
public:
  Obj(Json& json, std::string pointer, Ctx& cx) : j_(json), ptr_(std::move(pointer)), cx_(cx) {}

  const std::string& pointer() const { return ptr_; }
  std::string at(std::string_view key) const { return ptr_ + "/" + escapePointer(key); }
  Ctx& cx() { return cx_; }

  /// The field if present and of `type`; nullptr (after an error if required or mistyped).
  Json* get(const char* key, FieldType type, bool required = false) {
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) cx_.fail(at(key), "missing (required)");
      return nullptr;
    }
    if (!matches(*it, type)) {
      cx_.fail(at(key), std::string("must be ") + typeName(type) + ", " + got(*it));
      return nullptr;
    }
    return &*it;
  }
  bool has(const char* key) const { return j_.contains(key); }

  std::string str(const char* key, bool required = false) {
    Json* v = get(key, FieldType::String, required);
    return v ? v->get<std::string>() : std::string();
  }
  std::optional<int64_t> integer(const char* key, int64_t min, int64_t max, bool required = false) {
    Json* v = get(key, FieldType::Integer, required);
    if (!v) return std::nullopt;
    // Non-negative numbers parse as unsigned: compare them as such (they may exceed int64).
    bool fits = v->is_number_unsigned() ? v->get<uint64_t>() <= uint64_t(max) &&
                                              (min <= 0 || v->get<uint64_t>() >= uint64_t(min))
                                        : v->get<int64_t>() >= min && v->get<int64_t>() <= max;
    if (!fits) {
      cx_.fail(at(key), "must be an integer from " + std::to_string(min) + " to " +
                            (max == INT64_MAX ? std::string("2^63-1") : std::to_string(max)) +
                            ", " + got(*v));
      return std::nullopt;
    }
    return v->get<int64_t>();
  }
  std::optional<double> number(const char* key, double min, double max = kInf) {
    Json* v = get(key, FieldType::Number);
    if (!v) return std::nullopt;
    double d = v->get<double>();
    if (!(d >= min && d <= max)) {
      cx_.fail(at(key), "must be a number " +
                            (max == kInf ? "of at least " + num(min)
                                         : "from " + num(min) + " to " + num(max)) +
                            ", " + got(*v));
      return std::nullopt;
    }
    return d;
  }
  bool boolean(const char* key, bool fallback) {
    Json* v = get(key, FieldType::Boolean);
    return v ? v->get<bool>() : fallback;
  }
  template <typename E> std::optional<E> enumeration(const char* key, bool required = false) {
    Json* v = get(key, FieldType::Enum, required);
    if (!v) return std::nullopt;
    auto parsed = parseEnum<E>(v->get_ref<const std::string&>());
    if (!parsed) {
      std::string known;
      for (std::string_view s : enumSpellings<E>())
        known += (known.empty() ? "" : ", ") + std::string(s);
      cx_.fail(at(key),
               "unknown " + std::string(key) + " " + quote(*v) + " (known: " + known + ")");
    }
    return parsed;
  }
  /// Moves an expression, schema or any-value field out (null when absent or invalid).
  Json take(const char* key, FieldType type, bool required = false) {
    Json* v = get(key, type, required);
    if (!v) return Json();
    if (type == FieldType::Schema)
      if (std::string problem = checkSchema(*v); !problem.empty()) {
        cx_.fail(at(key), "not a valid JSON Schema: " + problem);
        return Json();
      }
    return std::move(*v);
  }
  std::optional<Obj> object(const char* key, bool required = false) {
    Json* v = get(key, FieldType::Object, required);
    if (!v) return std::nullopt;
    return Obj(*v, at(key), cx_);
  }
  std::vector<std::string> strings(const char* key, bool required = false) {
    std::vector<std::string> out;
    Json* v = get(key, FieldType::Array, required);
    if (!v) return out;
    for (std::size_t i = 0; i < v->size(); ++i) {
      Json& s = (*v)[i];
      if (s.is_string())
        out.push_back(s.get<std::string>());
      else
        cx_.fail(at(key) + "/" + std::to_string(i), "must be a string, " + got(s));
    }
    return out;
  }
  /// Calls `each(Obj)` for every element of an array of objects.
  template <typename F> void objects(const char* key, bool required, F&& each) {
    Json* v = get(key, FieldType::Array, required);
    if (!v) return;
    for (std::size_t i = 0; i < v->size(); ++i) {
      std::string p = at(key) + "/" + std::to_string(i);
      if ((*v)[i].is_object())
        each(Obj((*v)[i], p, cx_));
      else
        cx_.fail(p, "must be an object, " + got((*v)[i]));
    }
  }

private:
  Json& j_;
  std::string ptr_;
  Ctx& cx_;
};

Hints readHints(Obj h) {
  Hints out;
  out.prefixGroup = h.str(k::Hints::kPrefixGroup);
  out.waitForWarm = h.str(k::Hints::kWaitForWarm);
  out.warmFirst = h.boolean(k::Hints::kWarmFirst, false);
  if (auto s = h.object(k::Hints::kSpeculate)) {
    SpeculateHint spec;
    spec.gainMs = s->number(k::Speculate::kGainMs, -kInf).value_or(0);
    spec.extraCostUsd = s->number(k::Speculate::kExtraCostUsd, 0).value_or(0);
    spec.condition = s->str(k::Speculate::kCondition);
    spec.probability = s->number(k::Speculate::kProbability, 0, 1).value_or(0.5);
    out.speculate = spec;
  }
  return out;
}

Segment readSegment(Obj s) {
  Segment seg;
  seg.isStatic = s.boolean(k::Segment::kStatic, true);
  if (s.has(k::Segment::kOrigin)) seg.origin = s.str(k::Segment::kOrigin);
  if (seg.isStatic)
    seg.text = s.str(k::Segment::kText, true);
  else
    seg.expr = s.take(k::Segment::kExpr, FieldType::Expr, true);
  seg.cacheBreakpoint = s.boolean(k::Segment::kCacheBreakpoint, false);
  return seg;
}

void readLlm(Obj& n, LlmFields& l) {
  l.model = n.str(k::Node::kModel, true);
  l.autoLadder = n.str(k::Node::kAutoLadder);
  l.rightsizedFrom = n.str(k::Node::kRightsizedFrom);
  l.task = n.enumeration<TaskClass>(k::Node::kTask);
  if (Json* m = n.get(k::Node::kMessages, FieldType::Array, true); m && m->empty())
    n.cx().fail(n.at(k::Node::kMessages), "must be a non-empty array");
  n.objects(k::Node::kMessages, false, [&](Obj m) {
    Message msg;
    msg.role = m.enumeration<Role>(k::Message::kRole, true).value_or(Role::User);
    m.objects(k::Message::kSegments, true,
              [&](Obj s) { msg.segments.push_back(readSegment(std::move(s))); });
    l.messages.push_back(std::move(msg));
  });
  if (auto o = n.object(k::Node::kOptions)) {
    l.options.temperature = o->number(k::Options::kTemperature, 0, 2);
    l.options.maxTokens = o->integer(k::Options::kMaxTokens, 1, INT_MAX);
    l.options.retries = o->integer(k::Options::kRetries, 0, INT_MAX);
    l.options.timeoutMs = o->integer(k::Options::kTimeoutMs, 0, INT64_MAX);
    l.options.promptCacheKey = o->str(k::Options::kPromptCacheKey);
  }
  l.estPromptTokens = n.integer(k::Node::kEstPromptTokens, 0, INT64_MAX / 4).value_or(0);
  l.estOutputTokens = n.integer(k::Node::kEstOutputTokens, 0, INT64_MAX / 4).value_or(0);
  n.objects(k::Node::kFused, false, [&](Obj f) {
    l.fused.push_back({f.str(k::Fused::kName, true), f.str(k::Fused::kField, true),
                       f.take(k::Fused::kSchema, FieldType::Schema)});
  });
}

std::vector<Node> readNodes(Obj& parent, const char* key);

void readMap(Obj& n, MapFields& m) {
  m.var = n.str(k::Node::kVar, true);
  m.over = n.take(k::Node::kOver, FieldType::Expr, true);
  m.captures = n.strings(k::Node::kCaptures);
  if (auto b = n.object(k::Node::kBody, true)) {
    Body body;
    body.result = b->take(k::Body::kResult, FieldType::Expr, true);
    if (++n.cx().mapNesting > kMaxMapNesting)
      n.cx().fail(b->pointer(), "map bodies nested deeper than " + std::to_string(kMaxMapNesting));
    else
      body.nodes = readNodes(*b, k::Body::kNodes);
    --n.cx().mapNesting;
    m.body = std::move(body);
  }
  if (auto r = n.object(k::Node::kReduce))
    m.reduce =
        ReduceSpec{r->str(k::Reduce::kAcc, true), r->take(k::Reduce::kInit, FieldType::Expr, true)};
}

void readKindFields(Obj& n, Node& node) {
  switch (node.kind) {
  case NodeKind::Input:
    node.inputName = n.str(k::Node::kName, true);
    if (n.has(k::Node::kDefault)) node.defaultValue = n.take(k::Node::kDefault, FieldType::Any);
    break;
  case NodeKind::Native:
  case NodeKind::Output:
  case NodeKind::Branch:
    node.expr = n.take(k::Node::kExpr, FieldType::Expr, true);
    break;
  case NodeKind::Llm:
    readLlm(n, node.llm);
    break;
  case NodeKind::Tool:
    node.tool = n.str(k::Node::kTool, true);
    if (Json* args = n.get(k::Node::kArgs, FieldType::Object))
      for (auto& [param, e] : args->items()) {
        if (e.is_object())
          node.args.emplace(param, std::move(e));
        else
          n.cx().fail(n.at(k::Node::kArgs) + "/" + escapePointer(param),
                      "must be an expression, " + got(e));
      }
    break;
  case NodeKind::Map:
    readMap(n, node.map);
    break;
  }
}

Node readNode(Obj n) {
  Node node;
  node.pointer = n.pointer();
  node.id = n.str(k::Node::kId, true);
  node.loc = n.str(k::Node::kLoc);
  node.label =
      "node '" + clip(node.id) + "'" + (node.loc.empty() ? "" : " (" + clip(node.loc) + ")");
  std::string outer = std::exchange(n.cx().context, node.label);
  auto kind = n.enumeration<NodeKind>(k::Node::kKind, true);
  node.order = n.integer(k::Node::kOrder, 0, INT_MAX).value_or(0);
  node.deps = n.strings(k::Node::kDeps);
  if (auto g = n.object(k::Node::kGuard))
    node.guard = GuardRef{g->str(k::Guard::kBranch, true),
                          int(g->integer(k::Guard::kArm, 0, 1, true).value_or(0))};
  node.schema = n.take(k::Node::kSchema, FieldType::Schema);
  node.estMs = n.number(k::Node::kEstMs, 0).value_or(0);
  node.priorityMs = n.number(k::Node::kPriorityMs, 0).value_or(0);
  if (auto c = n.object(k::Node::kCache)) {
    node.cache.enabled = c->boolean(k::Cache::kEnabled, false);
    if (c->has(k::Cache::kReason)) node.cache.reason = c->str(k::Cache::kReason);
    if (c->has(k::Cache::kKey)) node.cache.key = c->str(k::Cache::kKey);
    node.cache.ttlMs = c->integer(k::Cache::kTtlMs, 0, INT64_MAX);
  }
  if (auto h = n.object(k::Node::kHints)) node.hints = readHints(std::move(*h));
  if (kind) {
    node.kind = *kind;
    readKindFields(n, node);
  }
  n.cx().context = std::move(outer);
  return node;
}

std::vector<Node> readNodes(Obj& parent, const char* key) {
  std::vector<Node> nodes;
  parent.objects(key, true, [&](Obj n) { nodes.push_back(readNode(std::move(n))); });
  return nodes;
}

Model readModel(Obj m) {
  Model model;
  model.id = m.str(k::Model::kId, true);
  std::string outer = std::exchange(m.cx().context, "model '" + clip(model.id) + "'");
  model.provider = m.enumeration<Provider>(k::Model::kProvider, true).value_or(Provider::OpenAI);
  model.name = m.str(k::Model::kName, true);
  model.endpoint = m.str(k::Model::kEndpoint);
  model.keyEnv = m.str(k::Model::kKeyEnv);
  model.priceIn = m.number(k::Model::kPriceIn, 0).value_or(0);
  model.priceOut = m.number(k::Model::kPriceOut, 0).value_or(0);
  model.cachedPriceIn = m.number(k::Model::kCachedPriceIn, 0);
  model.context = m.integer(k::Model::kContext, 0, INT64_MAX).value_or(0);
  model.size = m.enumeration<SizeClass>(k::Model::kSize);
  if (auto p = m.object(k::Model::kProfile)) {
    model.ttftBaseMs = p->number(k::Profile::kTtftBaseMs, 0).value_or(0);
    model.prefillMsPerToken = p->number(k::Profile::kPrefillMsPerToken, 0).value_or(0);
    model.decodeTokensPerS = p->number(k::Profile::kDecodeTokensPerS, 0).value_or(0);
  }
  if (auto l = m.object(k::Model::kLimits)) {
    model.maxConcurrency = l->integer(k::Limits::kMaxConcurrency, 0, INT_MAX).value_or(0);
    model.rpm = l->integer(k::Limits::kRpm, 0, INT_MAX).value_or(0);
    model.tpm = l->integer(k::Limits::kTpm, 0, INT_MAX).value_or(0);
  }
  m.cx().context = std::move(outer);
  return model;
}

Tool readTool(Obj t) {
  Tool tool;
  tool.id = t.str(k::Tool::kId, true);
  std::string outer = std::exchange(t.cx().context, "tool '" + clip(tool.id) + "'");
  tool.impl = t.enumeration<ToolImpl>(k::Tool::kImpl, true).value_or(ToolImpl::Host);
  bool http = tool.impl == ToolImpl::Http;
  tool.method = t.str(k::Tool::kMethod, http);
  tool.url = t.str(k::Tool::kUrl, http);
  if (http && !tool.method.empty() && tool.method != "GET" && tool.method != "POST")
    t.cx().fail(t.at(k::Tool::kMethod),
                "unsupported method '" + clip(tool.method) + "' (GET or POST)");
  t.objects(k::Tool::kParams, false, [&](Obj p) {
    tool.params.push_back(
        {p.str(k::Param::kName, true), p.take(k::Param::kSchema, FieldType::Schema)});
  });
  tool.resultSchema = t.take(k::Tool::kResultSchema, FieldType::Schema);
  tool.effect = t.enumeration<Effect>(k::Tool::kEffect);
  tool.cacheTtlMs = t.integer(k::Tool::kCacheTtlMs, -1, INT64_MAX).value_or(-1);
  tool.timeoutMs = t.integer(k::Tool::kTimeoutMs, 0, INT64_MAX).value_or(0);
  tool.retries = t.integer(k::Tool::kRetries, 0, INT_MAX).value_or(0);
  tool.description = t.str(k::Tool::kDescription);
  t.cx().context = std::move(outer);
  return tool;
}

void readEstimateAndPasses(Obj& p, Document& d) {
  if (auto e = p.object(k::Plan::kEstimate)) {
    d.estimate.latencyMs = e->number(k::Estimate::kLatencyMs, 0).value_or(0);
    d.estimate.costUsd = e->number(k::Estimate::kCostUsd, 0).value_or(0);
    d.estimate.modelCalls = e->number(k::Estimate::kModelCalls, 0).value_or(0);
    d.estimate.promptTokens = e->integer(k::Estimate::kPromptTokens, 0, INT64_MAX).value_or(0);
    d.estimate.cachedTokens = e->integer(k::Estimate::kCachedTokens, 0, INT64_MAX).value_or(0);
    d.estimate.outputTokens = e->integer(k::Estimate::kOutputTokens, 0, INT64_MAX).value_or(0);
    d.estimate.criticalPath = e->strings(k::Estimate::kCriticalPath);
    d.estimate.speculationBudgetUsd = e->number(k::Estimate::kSpeculationBudgetUsd, 0);
  }
  p.objects(k::Plan::kPasses, false, [&](Obj r) {
    PassReport report;
    report.pass = r.str(k::Pass::kPass, true);
    r.objects(k::Pass::kChanges, false, [&](Obj c) {
      report.changes.push_back({c.str(k::Change::kNode), c.str(k::Change::kMessage),
                                c.take(k::Change::kDetail, FieldType::Object)});
    });
    d.passes.push_back(std::move(report));
  });
}

void readTopLevel(Obj& p, Document& d) {
  d.compiler = p.str(k::Plan::kCompiler);
  d.source = p.str(k::Plan::kSource);
  d.workflow = p.str(k::Plan::kWorkflow);
  d.optLevel = p.integer(k::Plan::kOptLevel, 0, 2).value_or(0);
  d.mode = p.enumeration<ExecMode>(k::Plan::kMode).value_or(ExecMode::Parallel);
  p.objects(k::Plan::kInputs, false, [&](Obj i) {
    Input in;
    in.name = i.str(k::Input::kName, true);
    if (i.has(k::Input::kSchema)) in.schema = i.take(k::Input::kSchema, FieldType::Schema);
    if (i.has(k::Input::kDefault)) in.defaultValue = i.take(k::Input::kDefault, FieldType::Any);
    d.inputs.push_back(std::move(in));
  });
  if (auto o = p.object(k::Plan::kOutput))
    if (o->has(k::Output::kSchema)) d.outputSchema = o->take(k::Output::kSchema, FieldType::Schema);
  p.objects(k::Plan::kModels, false, [&](Obj m) { d.models.push_back(readModel(std::move(m))); });
  if (Json* ladders = p.get(k::Plan::kLadders, FieldType::Object))
    for (auto& [ladder, rungs] : ladders->items()) {
      std::string at = p.at(k::Plan::kLadders) + "/" + escapePointer(ladder);
      if (!rungs.is_array()) {
        p.cx().fail(at, "must be an array, " + got(rungs));
        continue;
      }
      std::vector<std::string>& out = d.ladders[ladder];
      for (std::size_t i = 0; i < rungs.size(); ++i) {
        if (rungs[i].is_string())
          out.push_back(rungs[i].get<std::string>());
        else
          p.cx().fail(at + "/" + std::to_string(i), "must be a string, " + got(rungs[i]));
      }
    }
  p.objects(k::Plan::kTools, false, [&](Obj t) { d.tools.push_back(readTool(std::move(t))); });
  d.hosts = p.strings(k::Plan::kHosts);
}

} // namespace

Document fromJson(Json&& json, std::vector<PlanError>& errors) {
  Document d;
  Ctx cx{errors, ""};
  if (!json.is_object()) {
    cx.fail("", "not a JSON object");
    return d;
  }
  Obj p(json, "", cx);
  if (!p.has(k::Plan::kAwcPlan)) {
    cx.fail("", "missing 'awc_plan' (is this an awc plan?)");
    return d;
  }
  const Json& version = json[k::Plan::kAwcPlan];
  if (!version.is_number_integer() || version != kPlanVersion) {
    cx.fail("", "unsupported plan version " + quote(version) + " (this runtime reads version " +
                    std::to_string(kPlanVersion) + ")");
    return d;
  }
  readTopLevel(p, d);
  d.nodes = readNodes(p, k::Plan::kNodes);
  readEstimateAndPasses(p, d);
  return d;
}

} // namespace awc::plan
