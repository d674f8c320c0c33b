// Plan estimates. The algorithm:
//  1. Per node: prompt tokens (static text through the shared tokenizer, dynamic parts by
//     type), output tokens (bounded by max_tokens), latency and cost from the model profile.
//  2. Walk nodes in topological order (or one at a time in sequential mode), starting each
//     when its deps finish; an llm node whose prompt prefix — static text, then values
//     interpolated by the same expression (promptPrefix) — was already sent to the same model
//     by a node whose prefill ended before it starts gets those tokens as cached (rounded
//     down to whole cache blocks), which shortens its prefill and cuts its cost.
//     Calls on one engine share it: a call waits while the model's max_concurrency calls
//     placed before it are in flight (the server's parallel slots; EngineSlots finds the first
//     free slot in O(log n)), and runs with the profile's concurrency factor for the calls in
//     flight at its start — each parallel call pays its own prefill and decode, overlapped, as
//     `awc sim` serves them. Prompt shapes and prefix keys are computed once for both passes.
//  3. The latest finish is the plan's latency; following the latest-finishing dep backwards
//     gives the critical path; the longest path to the end gives each node's priority.
#include "awc/ir/cost_model.h"

#include "awc/ir/engine_slots.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "awc/support/latency_model.h"
#include "awc/support/tokenizer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <unordered_map>

namespace awc::ir {

int64_t estimateValueTokens(const sema::Type* type, const CostAssumptions& a) {
  using K = sema::Type::Kind;
  if (!type) return a.dynamicStringTokens;
  switch (type->kind()) {
  case K::String:
    return a.answerStringTokens;
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
                       ? freeTextOutputTokens(node.llm().messages, a)
                       : estimateValueTokens(node.type, a);
  // The runtime asks for a non-object answer wrapped as {"value": …} (a provider's structured
  // output needs an object at the root), and the model writes that wrapper too.
  if (node.llm().fused.empty() && node.type && node.type->kind() != sema::Type::Kind::String &&
      node.type->kind() != sema::Type::Kind::Record)
    byType += kWrappedAnswerFramingTokens;
  if (!node.llm().fused.empty()) {
    // One object answering every part in turn: each part's value, as long as its own call's
    // answer, plus its key and the framing between keys (docs/simulator.md, Fused answers).
    byType = kFusedObjectFramingTokens;
    for (const auto& part : node.llm().fused) {
      int64_t value = part.type && part.type->kind() == sema::Type::Kind::String
                          ? fusedFreeTextOutputTokens(node, part, a)
                          : estimateValueTokens(part.type, a);
      if (part.maxTokens) value = std::min(value, *part.maxTokens);
      byType += fusedFieldFramingTokens(part.field) + value;
    }
  }
  if (node.llm().options.maxTokens) byType = std::min(byType, *node.llm().options.maxTokens);
  return std::max<int64_t>(byType, 1);
}

int64_t fusedFieldFramingTokens(const std::string& field) {
  // `,` newline-and-indent, `"`, the key, `"`, `:` — one line per key, as `awc sim` writes a
  // fused answer and as models do; the value's leading space joins the value's first token.
  return static_cast<int64_t>(approxTokenCount(field)) + kFusedFieldExtraTokens;
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

/// `countTokens` false: the prefix alone (totalTokens stays 0), without tokenizing the prompt.
PromptShape shapeOf(const Node& n, const CostAssumptions& a, bool countTokens = true) {
  PromptShape shape;
  bool inPrefix = true;
  for (const auto& m : n.llm().messages) {
    for (const auto& s : m.segments) {
      if (s.isStatic) {
        if (countTokens) shape.totalTokens += static_cast<int64_t>(approxTokenCount(s.text));
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
  return shapeOf(n, a, false).prefix;
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
  int64_t tokens = prefixTokenCount(std::string_view(x).substr(0, sharedPrefixBytes(x, y)));
  return tokens / blockTokens * blockTokens;
}

size_t sharedPrefixBytes(const std::string& x, const std::string& y) {
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
  return i;
}

std::string staticPromptPrefix(const Node& n) {
  std::string prefix = shapeOf(n, CostAssumptions{}, false).prefix;
  return prefix.substr(0, prefix.find(kMarker));
}

namespace {

// Distinct prompt prefixes already sent to one model (keyed by their first cache block: two
// prefixes that differ in it share no cached token), each with the earliest time a call carrying
// it had finished its prefill — from then on the server's prefix cache holds it. Sorted, so the
// prefixes sharing the most with a new one are its neighbours: a lookup reads an exact match and
// a few neighbours on each side, never the whole list (thousands of calls whose prompts share a
// system prompt and then differ in an interpolated value stay near-linear).
using SentPrefixes = std::map<std::string, double, std::less<>>;

/// Neighbours read on each side of a prompt whose entries are not yet cached at its start.
constexpr int kSentNeighbours = 32;

/// Tokens of `prefix`, in whole blocks, that the server's cache holds at `startMs`.
int64_t cachedTokensAt(const SentPrefixes& sent, const std::string& prefix, double startMs,
                       int64_t blockTokens, std::unordered_map<std::string, int64_t>& memo) {
  int64_t cached = 0;
  auto at = sent.lower_bound(prefix);
  if (at != sent.end() && at->first == prefix && at->second <= startMs) {
    auto [entry, fresh] = memo.try_emplace(prefix, 0);
    if (fresh) entry->second = prefixTokenCount(prefix);
    return entry->second / blockTokens * blockTokens; // nothing shares more than all of it
  }
  // Going away from `prefix` in sorted order, what an entry shares with it only shrinks: the
  // first cached entry on each side is the best on that side.
  auto forward = at;
  if (forward != sent.end() && forward->first == prefix) ++forward;
  for (int k = 0; k < kSentNeighbours && forward != sent.end(); ++k, ++forward)
    if (forward->second <= startMs) {
      cached = std::max(cached, sharedPrefixTokens(forward->first, prefix, blockTokens));
      break;
    }
  auto backward = at;
  for (int k = 0; k < kSentNeighbours && backward != sent.begin(); ++k) {
    --backward;
    if (backward->second <= startMs) {
      cached = std::max(cached, sharedPrefixTokens(backward->first, prefix, blockTokens));
      break;
    }
  }
  return cached;
}

/// The first pass's calls on one engine, to count those in flight at a time.
struct Load {
  std::vector<double> starts, finishes; // sorted
  /// Calls in flight at `t`, counting the asking call once whatever its own first-pass times.
  size_t at(double t, double ownStart, double ownFinish) const {
    auto started = std::upper_bound(starts.begin(), starts.end(), t + 1e-9) - starts.begin();
    auto done = std::upper_bound(finishes.begin(), finishes.end(), t + 1e-9) - finishes.begin();
    auto others = started - done;
    if (ownStart <= t + 1e-9 && ownFinish > t + 1e-9) --others; // itself
    return static_cast<size_t>(std::max<std::ptrdiff_t>(others, 0)) + 1;
  }
};

/// Calls of models that name one engine share its slots and its load.
std::string engineOf(const Node& n, const ModelInfo* model) {
  return model && !model->latency.engine.empty() ? "engine:" + model->latency.engine
                                                 : "model:" + n.llm().model;
}

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
      // "latency_ms", and also "cost_usd_before", "gain_ms_total": the unit may not be last.
      const std::string& k = it.key();
      if (k.ends_with("_ms") || k.find("_ms_") != std::string::npos)
        *it = roundMs(it->get<double>());
      else if (k.ends_with("_usd") || k.find("_usd_") != std::string::npos)
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
  std::unordered_map<std::string, SentPrefixes> sent;
  std::unordered_map<std::string, int64_t> prefixTokens; // whole-prefix token counts, memoised

  std::vector<double> firstStart, firstFinish; // the first pass's times
  PlanEstimate total;
  // Two passes: the first places every call as if it ran alone; the second gives each call
  // the load of the first pass's calls in flight at its start (symmetric between siblings,
  // whatever their order) and holds it back while its model's slots are full.
  std::unordered_map<std::string, Load> loads;
  std::vector<std::optional<PlanEstimate>> bodies(g.nodes.size()); // map bodies, once
  auto pass = [&](bool loaded) {
    total = PlanEstimate{};
    std::fill(criticalDep.begin(), criticalDep.end(), kNoNode);
    sent.clear();
    double sequentialClock = 0;
    NodeIndex previous = kNoNode;
    std::unordered_map<std::string, EngineSlots> engines; // calls placed, per engine
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
                         int64_t cached, double calls, size_t inFlight) {
        ModelProfile p = model ? model->latency : defaultProfile("large");
        if (p.decodeTokensPerSec <= 0) p.decodeTokensPerSec = 1;
        int64_t uncached = std::max<int64_t>(0, shape.totalTokens - cached);
        bool structured = constrainedAnswer(n);
        auto u = static_cast<size_t>(uncached), c = static_cast<size_t>(cached);
        n.estMs = estimateLatencyMs(p, u, static_cast<size_t>(outTokens), inFlight, c, structured);
        ttftMs = estimateTtftMs(p, u, inFlight, c, structured);
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
        const ModelInfo* model = module.model(n.llm().model);
        if (!loaded) {
          // What does not depend on the placement, once for both passes.
          shapes[i] = shapeOf(n, a);
          std::string_view head = prefixHead(shapes[i].prefix, a.cacheBlockTokens);
          sentKey[i] = head.empty() ? std::string() : n.llm().model + '\0' + std::string(head);
        }
        size_t inFlight = 1;
        EngineSlots* slots = nullptr;
        if (loaded) {
          const std::string engine = engineOf(n, model);
          slots = &engines[engine];
          start[i] = slots->admit(start[i], model ? model->maxConcurrency : 0);
          inFlight = loads[engine].at(start[i], firstStart[i], firstFinish[i]);
          // No more than the slots run at once (the first placement did not queue).
          if (model && model->maxConcurrency > 0)
            inFlight = std::min(inFlight, static_cast<size_t>(model->maxConcurrency));
        }
        int64_t cached = 0;
        const std::string& prefix = shapes[i].prefix;
        auto it = sentKey[i].empty() ? sent.end() : sent.find(sentKey[i]);
        if (it != sent.end())
          cached = cachedTokensAt(it->second, prefix, start[i], a.cacheBlockTokens, prefixTokens);
        llmCost(model, shapes[i], estimateOutputTokens(n, a), cached, 1, inFlight);
        if (slots) slots->place(start[i], start[i] + n.estMs);
        break;
      }
      case NodeKind::Tool:
        n.estMs = a.toolLatencyMs;
        break;
      case NodeKind::Map: {
        // The body runs once per element: in parallel for map, one after another for reduce.
        if (MapData& m = n.map(); m.body) {
          if (!bodies[i]) {
            Module bodyModule;
            bodyModule.models = module.models;
            bodyModule.mode = module.mode;
            std::swap(bodyModule.graph, *m.body);
            bodies[i] = estimate(bodyModule, a);
            std::swap(bodyModule.graph, *m.body);
          }
          const PlanEstimate& body = *bodies[i];
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
        auto [entry, fresh] = sent[sentKey[i]].try_emplace(prefix, prefilled[i]);
        if (!fresh) entry->second = std::min(entry->second, prefilled[i]);
      }
    }
  };
  pass(false);
  if (module.mode != ExecMode::Sequential) {
    // One call after another (-O0) share nothing; otherwise place them again under load.
    std::vector<double> firstStartAll = start, firstFinishAll = finish;
    for (NodeIndex i : order) {
      const Node& n = *g.nodes[i];
      if (n.kind() != NodeKind::Llm) continue;
      auto& load = loads[engineOf(n, module.model(n.llm().model))];
      load.starts.push_back(start[i]);
      load.finishes.push_back(finish[i]);
    }
    for (auto& [engine, load] : loads) {
      std::sort(load.starts.begin(), load.starts.end());
      std::sort(load.finishes.begin(), load.finishes.end());
    }
    firstStart = std::move(firstStartAll);
    firstFinish = std::move(firstFinishAll);
    pass(true);
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

  // Priorities: the longest estimated path from a node to the end of the plan. In reverse
  // order every user is done before its deps, and hands its priority to them (no users list:
  // on a large plan its many small vectors cost more than the walk).
  std::vector<double> tail(g.nodes.size(), 0);
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    Node& n = *g.nodes[*it];
    n.priority = n.estMs + tail[*it];
    for (NodeIndex d : n.deps)
      tail[d] = std::max(tail[d], n.priority);
  }
  return total;
}

} // namespace awc::ir
