// Plan estimates. The algorithm:
//  1. Per node: prompt tokens (static text through the shared tokenizer, dynamic parts by
//     type), output tokens (bounded by max_tokens), latency and cost from the model profile.
//  2. Walk nodes in topological order (or one at a time in sequential mode), starting each
//     when its deps finish; an llm node whose prompt prefix — static text, then values
//     interpolated by the same expression (promptPrefix) — was already sent to the same model
//     by a node whose prefill ended before it starts gets those tokens as cached (rounded
//     down to whole cache blocks), which shortens its prefill and cuts its cost.
//  3. The latest finish is the plan's latency; following the latest-finishing dep backwards
//     gives the critical path; the longest path to the end gives each node's priority.
#include "awc/ir/cost_model.h"

#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "awc/support/latency_model.h"
#include "awc/support/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace awc::ir {

int64_t estimateValueTokens(const sema::Type* type, const CostAssumptions& a) {
  using K = sema::Type::Kind;
  if (!type) return a.dynamicStringTokens;
  switch (type->kind()) {
  case K::String:
    return a.dynamicStringTokens;
  case K::Int:
    return 3;
  case K::Float:
    return 4;
  case K::Bool:
    return 2;
  case K::Duration:
    return 3;
  case K::Enum: {
    size_t longest = 1;
    for (const auto& m : type->members())
      longest = std::max(longest, approxTokenCount(m));
    return static_cast<int64_t>(longest) + 2; // quotes
  }
  case K::Record: {
    int64_t total = 2;
    for (const auto& f : type->fields())
      total += static_cast<int64_t>(approxTokenCount(f.name)) + 3 + estimateValueTokens(f.type, a);
    return total;
  }
  case K::List:
    return 2 + a.mapFanout * (estimateValueTokens(type->element(), a) + 1);
  case K::Error:
    return 1;
  }
  return 1;
}

int64_t estimateOutputTokens(const Node& node, const CostAssumptions& a) {
  int64_t byType = (node.type && node.type->kind() == sema::Type::Kind::String)
                       ? a.freeTextOutputTokens
                       : estimateValueTokens(node.type, a);
  const LlmData& l = node.llm();
  if (!l.fused.empty()) {
    byType = 2;
    for (const auto& part : l.fused) {
      int64_t value = part.type && part.type->kind() == sema::Type::Kind::String
                          ? a.freeTextOutputTokens
                          : estimateValueTokens(part.type, a);
      if (part.maxTokens) value = std::min(value, *part.maxTokens);
      byType += static_cast<int64_t>(approxTokenCount(part.field)) + 3 + value;
    }
  }
  if (l.options.maxTokens) byType = std::min(byType, *l.options.maxTokens);
  return std::max<int64_t>(byType, 1);
}

double structuredLatencyLowerBoundMs(const ModelInfo* model, int64_t outputTokens) {
  // As in estimate() below, with no uncached prompt and no context: both only add time.
  ModelProfile p = model ? model->latency : defaultProfile("large");
  if (p.decodeTokensPerSec <= 0) p.decodeTokensPerSec = 1;
  return estimateLatencyMs(p, 0, static_cast<size_t>(std::max<int64_t>(outputTokens, 1)), 1, 0,
                           true);
}

namespace {

/// Whether the runtime asks for this step's answer with a JSON schema (every type but free
/// text; a fused call answers one object).
bool constrainedAnswer(const Node& n) {
  return !n.llm().fused.empty() || !n.type || n.type->kind() != sema::Type::Kind::String;
}

/// The start of a prompt that is the same bytes wherever one run sends it (promptPrefix), and
/// the prompt's total size.
struct PromptShape {
  std::string prefix;
  int64_t totalTokens = 0;
};

constexpr char kMarker = '\xff'; // never in UTF-8 text, so never in a prompt's static text

/// Tokens an interpolated value takes in a prompt, in the prompt's size and in a shared prefix
/// alike. Every value counts dynamicStringTokens for now: counting by the value's type
/// (estimateValueTokens) would be closer for numbers and lists, but it moves the fusion cost
/// gate's figures (a reference to an enum answer would stop looking like 60 tokens saved), so
/// it waits for that gate's recalibration.
int64_t valueTokens(const Segment&, const CostAssumptions& a) {
  return a.dynamicStringTokens;
}

std::string marker(const Segment& s, const CostAssumptions& a) {
  return kMarker + std::to_string(valueTokens(s, a)) + ':' + s.expr.dump() + kMarker;
}

PromptShape shapeOf(const Node& n, const CostAssumptions& a) {
  PromptShape shape;
  bool inPrefix = true;
  for (const auto& m : n.llm().messages) {
    for (const auto& s : m.segments) {
      if (s.isStatic) {
        shape.totalTokens += static_cast<int64_t>(approxTokenCount(s.text));
        if (inPrefix) shape.prefix += s.text;
      } else {
        shape.totalTokens += valueTokens(s, a);
        // A value two evaluations could render differently ends what siblings can share.
        if (inPrefix && !stdlib::isDeterministic(s.expr)) inPrefix = false;
        if (inPrefix) shape.prefix += marker(s, a);
      }
    }
    shape.totalTokens += 4; // per-message framing
  }
  return shape;
}

/// Calls onText(offset, text) and onValue(tokens, end) for the pieces of a prefix in order,
/// until one returns true; `end` is the offset after the marker.
template <class Text, class Value> void walkPrefix(std::string_view p, Text onText, Value onValue) {
  size_t at = 0;
  while (at < p.size()) {
    size_t open = p.find(kMarker, at);
    if (open != at) {
      size_t len = open == std::string_view::npos ? p.size() - at : open - at;
      if (onText(at, p.substr(at, len)) || open == std::string_view::npos) return;
    }
    size_t close = p.find(kMarker, open + 1);
    if (close == std::string_view::npos) return; // a cut marker counts nothing
    int64_t tokens = 0;
    for (size_t i = open + 1; i < close && p[i] >= '0' && p[i] <= '9'; ++i)
      tokens = tokens * 10 + (p[i] - '0');
    if (onValue(tokens, close + 1)) return;
    at = close + 1;
  }
}

} // namespace

std::string promptPrefix(const Node& n, const CostAssumptions& a) {
  return shapeOf(n, a).prefix;
}

std::string promptValueMarker(const Segment& s, const CostAssumptions& a) {
  return marker(s, a);
}

int64_t prefixTokenCount(std::string_view prefix) {
  int64_t total = 0;
  walkPrefix(
      prefix,
      [&](size_t, std::string_view text) {
        total += static_cast<int64_t>(approxTokenCount(text));
        return false;
      },
      [&](int64_t tokens, size_t) {
        total += tokens;
        return false;
      });
  return total;
}

std::string_view prefixHead(std::string_view prefix, int64_t want) {
  int64_t total = 0;
  size_t end = 0;
  walkPrefix(
      prefix,
      [&](size_t at, std::string_view text) {
        forEachToken(text, [&](const TokenSpan& t) {
          if (total++ < want) end = at + t.end;
        });
        return total >= want;
      },
      [&](int64_t tokens, size_t after) {
        if (total < want) end = after;
        total += tokens;
        return total >= want;
      });
  return total >= want ? prefix.substr(0, end) : std::string_view{};
}

int64_t sharedPrefixTokens(const std::string& x, const std::string& y, int64_t blockTokens) {
  size_t n = std::min(x.size(), y.size());
  size_t i = 0, markers = 0, lastMarker = 0;
  while (i < n && x[i] == y[i]) {
    if (x[i] == kMarker) {
      ++markers;
      lastMarker = i;
    }
    ++i;
  }
  // Inside a marker: two different values that begin alike share none of the value.
  if (markers % 2 == 1) i = lastMarker;
  int64_t tokens = prefixTokenCount(std::string_view(x).substr(0, i));
  return tokens / blockTokens * blockTokens;
}

std::string staticPromptPrefix(const Node& n) {
  std::string prefix = shapeOf(n, CostAssumptions{}).prefix;
  return prefix.substr(0, prefix.find(kMarker));
}

namespace {

// Distinct prompt prefixes already sent to one model (keyed by their first cache block: two
// prefixes that differ in it share no cached token), each
// with the earliest time a call carrying it had finished its prefill — from then on the
// server's prefix cache holds it. Identical prefixes — the common case — share one entry,
// so lookups stay cheap on plans with thousands of calls.
struct Sent {
  std::string prefix;
  double cachedAtMs;
};

} // namespace

double roundMs(double ms) {
  return std::round(ms * 1000.0) / 1000.0;
}

double roundUsd(double usd) {
  return std::round(usd * 1e9) / 1e9;
}

void roundEstimates(Json& json) {
  if (json.is_array()) {
    for (Json& v : json)
      roundEstimates(v);
    return;
  }
  if (!json.is_object()) return;
  for (auto it = json.begin(); it != json.end(); ++it) {
    if (it->is_number_float()) {
      if (it.key().ends_with("_ms"))
        *it = roundMs(it->get<double>());
      else if (it.key().ends_with("_usd"))
        *it = roundUsd(it->get<double>());
    } else {
      roundEstimates(*it);
    }
  }
}

PlanEstimate estimate(Module& module, const CostAssumptions& a) {
  Graph& g = module.graph;
  std::vector<NodeIndex> order = g.topoOrder();
  std::vector<double> start(g.nodes.size(), 0), finish(g.nodes.size(), 0);
  std::vector<double> prefilled(g.nodes.size(), 0); // when an llm node's prompt is in the cache
  std::vector<NodeIndex> criticalDep(g.nodes.size(), kNoNode);
  std::vector<PromptShape> shapes(g.nodes.size());
  // Prompts already sent, per model and first cache block of their prefix.
  std::vector<std::string> sentKey(g.nodes.size());
  std::unordered_map<std::string, std::vector<Sent>> sent;
  std::unordered_map<std::string, int64_t> prefixTokens; // whole-prefix token counts, memoised
  PlanEstimate total;
  double sequentialClock = 0;
  NodeIndex previous = kNoNode;

  for (NodeIndex i : order) {
    Node& n = *g.nodes[i];
    double ready = 0;
    for (NodeIndex d : n.deps)
      if (finish[d] >= ready) {
        ready = finish[d];
        criticalDep[i] = d;
      }
    if (module.mode == ExecMode::Sequential) {
      if (sequentialClock > ready) criticalDep[i] = previous;
      ready = std::max(ready, sequentialClock);
    }
    // "Wait for warm": start once the leader's prefill has put the shared prefix in the cache.
    if (!n.hints.waitForWarm.empty()) {
      auto leader = g.byId.find(n.hints.waitForWarm);
      if (leader != g.byId.end() && prefilled[leader->second] > ready) {
        ready = prefilled[leader->second];
        criticalDep[i] = leader->second;
      }
    }
    start[i] = ready;
    double ttftMs = 0;
    n.estMs = 0;
    n.estCostUsd = 0;
    n.estPromptTokens = 0;
    n.estOutputTokens = 0;

    auto llmCost = [&](const ModelInfo* model, const PromptShape& shape, int64_t outTokens,
                       int64_t cached, double calls) {
      ModelProfile p = model ? model->latency : defaultProfile("large");
      if (p.decodeTokensPerSec <= 0) p.decodeTokensPerSec = 1;
      int64_t uncached = std::max<int64_t>(0, shape.totalTokens - cached);
      bool structured = constrainedAnswer(n);
      n.estMs = estimateLatencyMs(p, static_cast<size_t>(uncached), static_cast<size_t>(outTokens),
                                  1, 0, structured);
      ttftMs = estimateTtftMs(p, static_cast<size_t>(uncached), 1, 0, structured);
      double price = 0;
      if (model)
        price = (uncached * model->priceIn + cached * model->cachedPriceIn +
                 outTokens * model->priceOut) /
                1e6;
      n.estCostUsd = price * calls;
      n.estPromptTokens = shape.totalTokens;
      n.estOutputTokens = outTokens;
      total.modelCalls += calls;
      total.promptTokens += static_cast<int64_t>(shape.totalTokens * calls);
      total.cachedTokens += static_cast<int64_t>(cached * calls);
      total.outputTokens += static_cast<int64_t>(outTokens * calls);
      total.costUsd += n.estCostUsd;
    };

    switch (n.kind()) {
    case NodeKind::Llm: {
      shapes[i] = shapeOf(n, a);
      const ModelInfo* model = module.model(n.llm().model);
      int64_t cached = 0;
      const std::string& prefix = shapes[i].prefix;
      std::string_view head = prefixHead(prefix, a.cacheBlockTokens);
      if (!head.empty()) sentKey[i] = n.llm().model + '\0' + std::string(head);
      auto it = head.empty() ? sent.end() : sent.find(sentKey[i]);
      if (it != sent.end())
        for (const Sent& s : it->second) {
          if (s.cachedAtMs > start[i]) continue;
          if (s.prefix == prefix) {
            auto [memo, fresh] = prefixTokens.try_emplace(prefix, 0);
            if (fresh) memo->second = prefixTokenCount(prefix);
            cached = std::max(cached, memo->second / a.cacheBlockTokens * a.cacheBlockTokens);
          } else {
            cached = std::max(cached, sharedPrefixTokens(s.prefix, prefix, a.cacheBlockTokens));
          }
        }
      llmCost(model, shapes[i], estimateOutputTokens(n, a), cached, 1);
      break;
    }
    case NodeKind::Tool:
      n.estMs = a.toolLatencyMs;
      break;
    case NodeKind::Map: {
      // The body runs once per element: in parallel for map, one after another for reduce.
      if (MapData& m = n.map(); m.body) {
        Module bodyModule;
        bodyModule.models = module.models;
        bodyModule.mode = module.mode;
        std::swap(bodyModule.graph, *m.body);
        PlanEstimate body = estimate(bodyModule, a);
        std::swap(bodyModule.graph, *m.body);
        bool sequential = !m.accName.empty() || module.mode == ExecMode::Sequential;
        n.estMs = sequential ? body.latencyMs * a.mapFanout : body.latencyMs;
        n.estCostUsd = body.costUsd * a.mapFanout;
        total.modelCalls += body.modelCalls * a.mapFanout;
        total.promptTokens += body.promptTokens * a.mapFanout;
        total.cachedTokens += body.cachedTokens * a.mapFanout;
        total.outputTokens += body.outputTokens * a.mapFanout;
        total.costUsd += n.estCostUsd;
      }
      break;
    }
    default:
      break;
    }
    finish[i] = start[i] + n.estMs;
    if (module.mode == ExecMode::Sequential) {
      sequentialClock = finish[i];
      previous = i;
    }
    if (n.kind() == NodeKind::Llm) prefilled[i] = start[i] + ttftMs;
    if (n.kind() == NodeKind::Llm && !sentKey[i].empty()) {
      const std::string& prefix = shapes[i].prefix;
      auto& list = sent[sentKey[i]];
      auto same =
          std::find_if(list.begin(), list.end(), [&](const Sent& s) { return s.prefix == prefix; });
      if (same == list.end())
        list.push_back({prefix, prefilled[i]});
      else
        same->cachedAtMs = std::min(same->cachedAtMs, prefilled[i]);
    }
  }

  // Critical path: back from the latest finish.
  NodeIndex last = kNoNode;
  for (NodeIndex i : order)
    if (last == kNoNode || finish[i] > finish[last] ||
        (finish[i] == finish[last] && g.nodes[i]->kind() == NodeKind::Output))
      last = i;
  total.finishMs = finish;
  if (last != kNoNode) {
    total.latencyMs = finish[last];
    for (NodeIndex i = last; i != kNoNode; i = criticalDep[i])
      total.criticalPath.push_back(g.nodes[i]->id);
    std::reverse(total.criticalPath.begin(), total.criticalPath.end());
  }

  // Priorities: the longest estimated path from a node to the end of the plan.
  auto users = g.users();
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& n = *g.nodes[*it];
    double tail = 0;
    for (NodeIndex u : users[*it])
      tail = std::max(tail, g.nodes[u]->priority);
    n.priority = n.estMs + tail;
  }
  return total;
}

} // namespace awc::ir
