// Fusion. The algorithm:
//  1. Vertical: for a model step B reading a model step A on the same model, with the same
//     options and guard, where every other reader of A also waits for B (so finishing A
//     later delays nobody), make one call that answers both tasks in order. B's references
//     to A's answer become the words "(your answer to task N)"; B may only use A's value
//     whole or one field of it, otherwise it is not fused.
//  2. Horizontal: model steps on the same model with exactly the same inputs and guard, and
//     no path between them, become one call answering each task.
//  3. A fused call answers one JSON object with a key per original step ("s01_extract", ...,
//     numbered so models write them in order); the plan's `fused[]` tells the runtime which
//     key is which step's value, so downstream nodes, outputs and types are unchanged.
//  4. Every fusion is gated by the cost model (ir/cost_model.h), which prices what a server
//     does: separate calls running at once each pay their own prefill but decode at the same
//     time (within the model's max_concurrency slots, slowed by the load), while a fused call
//     sends the union of their prompts once and then decodes every answer one after another,
//     with the keys and JSON framing between them, at the structured decode speed. The rule:
//     a fusion is taken only when the estimate says it is FASTER — the fused call finishes
//     before the later of the parts it replaces, by at least 5 % of the time from its start
//     (kMinGain), and the plan's latency does not grow — AND NOT
//     COSTLIER — the plan's cost does not grow; otherwise it is undone. So short typed answers
//     over one long prompt fuse where the prefill saved outweighs the serial decode (the calls
//     would queue for slots, or share a loaded server), and long free-text answers do not.
//     Steps marked `nofuse` are never fused; tools never are, so no fusion crosses a side effect.
//  5. The pass runs on every graph: the top level, then each `map` and `reduce` body on its
//     own, gated by that body's estimate (one element's run).
//  6. Cost, near-linear in the plan: the "before" estimate is computed once per change, not
//     per candidate; a horizontal candidate whose fused call alone would end past the latency
//     limit (a lower bound: its inputs' finish time plus the call with its prompt all cached)
//     is rejected without building it, and a whole row of candidates at once through suffix
//     minima of the parts' output tokens. After kMaxRejected full-gate rejections the pass
//     stops looking (a pathological plan keeps the fusions found so far).
#include "awc/ir/expr.h"
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "pass_list.h"

#include <algorithm>
#include <fmt/format.h>
#include <limits>
#include <optional>

namespace awc::passes {
namespace {

using Json = nlohmann::json;

/// The share of the time from the fused call's start to the later part's finish that a fusion
/// must save to count as faster: the estimate's answer lengths and speeds are assumptions, and
/// a fused answer risks a slower constrained decode the profile may not know of.
constexpr double kMinGain = 0.05;

/// Candidates the full cost gate may reject before the pass stops looking (see 6. above).
constexpr int kMaxRejected = 32;

struct Task {
  std::string name; // the original step id
  const sema::Type* type;
  std::vector<ir::Message> messages;
  std::optional<int64_t> maxTokens;
};

struct Fuser {
  PassContext& ctx;
  ir::Graph& g;
  PassReport& report;
  std::map<ir::NodeIndex, std::vector<Task>> tasks; // per live fused node
  std::optional<ir::PlanEstimate> cachedBefore;     // the estimate of the graph as it is
  int rejected = 0;                                 // candidates the cost gate turned down

  static double finishOf(const ir::PlanEstimate& e, ir::NodeIndex i) {
    return i < e.finishMs.size() ? e.finishMs[i] : 0;
  }

  const ir::PlanEstimate& current() {
    if (!cachedBefore) cachedBefore = ir::estimate(ctx.module, ctx.assumptions);
    return *cachedBefore;
  }

  /// What a node adds to a fused call's output tokens, from below (estimateOutputTokens of a
  /// fused node, without the field names) and to its max_tokens bound (merge's `total`).
  struct OutputBound {
    int64_t tokens = 0; // sum over tasks of 3 + min(value tokens, max_tokens)
    int64_t cap = 0;    // sum over tasks of the max_tokens contribution
    bool bounded = true;
  };

  OutputBound outputBound(const ir::Node& n) {
    OutputBound b;
    auto add = [&](const sema::Type* type, std::optional<int64_t> maxTokens,
                   const std::vector<ir::Message>& messages) {
      int64_t value = type && type->kind() == sema::Type::Kind::String
                          ? ir::freeTextOutputTokens(messages, ctx.assumptions)
                          : ir::estimateValueTokens(type, ctx.assumptions);
      b.tokens += 3 + (maxTokens ? std::min(value, *maxTokens) : value);
      if (maxTokens)
        b.cap += *maxTokens;
      else if (type && type->kind() != sema::Type::Kind::String &&
               type->kind() != sema::Type::Kind::List)
        b.cap += ir::estimateValueTokens(type, ctx.assumptions) * 2 + 16;
      else
        b.bounded = false;
    };
    auto it = tasks.find(n.index);
    if (it == tasks.end())
      add(n.type, n.llm().options.maxTokens, n.llm().messages);
    else
      for (const Task& t : it->second)
        add(t.type, t.maxTokens, t.messages);
    return b;
  }

  // The least time a call fusing parts with these bounds can take.
  double fusedLatencyLowerBound(const ir::ModelInfo* model, int64_t tokens, int64_t cap,
                                bool bounded) {
    int64_t out = 2 + tokens;
    if (bounded) out = std::min(out, 16 + cap);
    return ir::structuredLatencyLowerBoundMs(model, out);
  }

  std::vector<Task> tasksOf(const ir::Node& n) {
    auto it = tasks.find(n.index);
    if (it != tasks.end()) return it->second;
    return {Task{n.id, n.type, n.llm().messages, n.llm().options.maxTokens}};
  }

  static bool compatible(const ir::Node& a, const ir::Node& b) {
    auto same = [](const auto& x, const auto& y) { return x == y; };
    return a.llm().model == b.llm().model && !a.llm().flags.nofuse && !b.llm().flags.nofuse &&
           same(a.llm().options.temperature, b.llm().options.temperature) &&
           a.llm().options.cacheDisabled == b.llm().options.cacheDisabled &&
           ((!a.guard && !b.guard) || (a.guard && b.guard && a.guard->branch == b.guard->branch &&
                                       a.guard->arm == b.guard->arm));
  }

  std::vector<size_t> pos; // topological position of each node, for pruning `reaches`

  void computePositions() {
    pos.assign(g.nodes.size(), 0);
    size_t k = 0;
    for (ir::NodeIndex i : g.topoOrder())
      pos[i] = ++k;
  }

  // Whether `target` is an ancestor of `from` (or `from` itself). Nodes placed before `target`
  // in the topological order cannot lead to it, which keeps this cheap on large plans.
  bool reaches(ir::NodeIndex from, ir::NodeIndex target) {
    if (pos[from] < pos[target]) return false;
    // Visit marks are generation-stamped, so a query costs what it explores, not the plan's size.
    if (visited.size() != g.nodes.size()) visited.assign(g.nodes.size(), 0);
    ++generation;
    std::vector<ir::NodeIndex> stack{from};
    while (!stack.empty()) {
      ir::NodeIndex i = stack.back();
      stack.pop_back();
      if (i == target) return true;
      if (visited[i] == generation || g.nodes[i]->removed || pos[i] < pos[target]) continue;
      visited[i] = generation;
      for (ir::NodeIndex d : g.nodes[i]->deps)
        stack.push_back(d);
    }
    return false;
  }
  std::vector<uint32_t> visited;
  uint32_t generation = 0;

  // Rewrites references to earlier tasks in `messages` into words; false if a reference is
  // more than the whole value or one field of it.
  static bool replaceTaskRefs(std::vector<ir::Message>& messages,
                              const std::map<std::string, size_t>& earlier) {
    for (auto& m : messages)
      for (auto& s : m.segments) {
        if (s.isStatic) continue;
        std::vector<std::string> refs;
        stdlib::collectRefs(s.expr, refs);
        bool touches = std::any_of(refs.begin(), refs.end(),
                                   [&](const std::string& r) { return earlier.count(r); });
        if (!touches) continue;
        using ir::expr::Kind;
        ir::expr::View inner = ir::expr::View(s.expr).unwrapText();
        std::string words;
        if (inner.is(Kind::Ref) && earlier.count(inner.name())) {
          words = fmt::format("(your answer to task {})", earlier.at(inner.name()));
        } else if (inner.is(Kind::Field) && inner.of().is(Kind::Ref) &&
                   earlier.count(inner.of().name())) {
          words = fmt::format("(the \"{}\" of your answer to task {})", inner.name(),
                              earlier.at(inner.of().name()));
        } else {
          return false;
        }
        s = ir::staticSegment(words, "fusion");
      }
    return true;
  }

  static std::string fieldName(size_t index, const std::string& name) {
    std::string safe;
    for (char c : name)
      safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return fmt::format("s{:02}_{}", index + 1, safe);
  }

  static std::string render(const std::vector<ir::Segment>& segments) {
    std::string key;
    for (const auto& s : segments)
      key += s.isStatic ? s.text : s.expr.dump();
    return key;
  }

  // Builds the fused node's prompt and schema from its tasks.
  void buildFused(ir::Node& f, const std::vector<Task>& ts) {
    f.llm().messages.clear();
    f.llm().fused.clear();
    ir::Message system{"system", {}};
    std::vector<std::string> seenSystems;
    for (const auto& t : ts)
      for (const auto& m : t.messages) {
        if (m.role != "system") continue;
        std::string key = render(m.segments);
        if (std::find(seenSystems.begin(), seenSystems.end(), key) != seenSystems.end()) continue;
        seenSystems.push_back(key);
        if (!system.segments.empty()) system.segments.push_back(ir::separatorSegment());
        system.segments.insert(system.segments.end(), m.segments.begin(), m.segments.end());
      }
    std::string keys;
    Json properties = Json::object();
    Json required = Json::array();
    for (size_t i = 0; i < ts.size(); ++i) {
      std::string field = fieldName(i, ts[i].name);
      keys += (i ? ", " : "") + fmt::format("\"{}\"", field);
      properties[field] = ts[i].type ? ts[i].type->jsonSchema() : Json::object();
      required.push_back(field);
      f.llm().fused.push_back(ir::FusedPart{ts[i].name, field, ts[i].type, ts[i].maxTokens});
    }
    // Values several tasks interpolate are given once, after the tasks, and named in them.
    std::map<std::string, int> uses;
    std::map<std::string, const ir::Segment*> firstUse;
    for (const auto& t : ts) {
      std::set<std::string> inTask;
      for (const auto& m : t.messages)
        if (m.role == "user")
          for (const auto& s : m.segments)
            if (!s.isStatic && inTask.insert(s.expr.dump()).second) {
              ++uses[s.expr.dump()];
              firstUse.emplace(s.expr.dump(), &s);
            }
    }
    ir::Message user{"user", {}};
    user.segments.push_back(ir::staticSegment(
        fmt::format(
            "Complete the {} tasks below, in order. Reply with one JSON object with the keys {}: "
            "each key holds the answer to its task, in the format that task asks for.",
            ts.size(), keys),
        "fusion"));
    // Every task's instructions come before the inputs they share: with the dynamic values
    // last, the whole instruction text is a static prefix the server's prefix cache keeps
    // across runs, as the separate calls' static prefixes were.
    std::map<std::string, std::string> sharedNames;
    std::vector<std::pair<const ir::Segment*, std::string>> sharedInputs; // and their names
    for (const auto& [key, count] : uses) {
      if (count < 2) continue;
      const ir::Segment* seg = firstUse[key];
      std::string name = exprToFlow(ir::expr::View(seg->expr).unwrapText().json());
      sharedNames[key] = name;
      sharedInputs.emplace_back(seg, std::move(name));
    }
    for (size_t i = 0; i < ts.size(); ++i) {
      user.segments.push_back(ir::separatorSegment());
      user.segments.push_back(ir::staticSegment(
          fmt::format("Task {} (key \"{}\"):\n", i + 1, fieldName(i, ts[i].name)), "fusion"));
      for (const auto& m : ts[i].messages)
        if (m.role == "user")
          for (const auto& s : m.segments) {
            auto shared = s.isStatic ? sharedNames.end() : sharedNames.find(s.expr.dump());
            if (shared != sharedNames.end())
              user.segments.push_back(
                  ir::staticSegment(fmt::format("(input \"{}\" below)", shared->second), "fusion"));
            else
              user.segments.push_back(s);
          }
    }
    for (const auto& [seg, name] : sharedInputs) {
      user.segments.push_back(ir::separatorSegment());
      user.segments.push_back(ir::staticSegment(fmt::format("Input \"{}\":\n", name), "fusion"));
      user.segments.push_back(*seg);
    }
    if (!system.segments.empty()) f.llm().messages.push_back(std::move(system));
    f.llm().messages.push_back(std::move(user));
    f.type = nullptr;
    f.schema = {{"type", "object"},
                {"properties", properties},
                {"required", required},
                {"additionalProperties", false}};
  }

  struct Snapshot {
    std::vector<std::pair<ir::NodeIndex, std::vector<ir::NodeIndex>>> deps;
  };

  // Merges `first` and `second` (in answer order) into a new node; returns it or null.
  ir::Node* merge(ir::Node& first, ir::Node& second, const char* how) {
    std::vector<Task> ts = tasksOf(first);
    std::vector<Task> more = tasksOf(second);
    std::map<std::string, size_t> earlier;
    for (size_t i = 0; i < ts.size(); ++i)
      earlier[ts[i].name] = i + 1;
    for (auto& t : more)
      if (!replaceTaskRefs(t.messages, earlier)) return nullptr;
    ts.insert(ts.end(), more.begin(), more.end());

    ir::PlanEstimate before = current();
    std::string id;
    for (const auto& t : ts)
      id += (id.empty() ? "" : "+") + t.name;
    ir::Node& f = g.add(id, ir::NodeKind::Llm, first.loc);
    f.sourceOrder = std::min(first.sourceOrder, second.sourceOrder);
    f.llm().model = first.llm().model;
    f.llm().options = first.llm().options;
    f.llm().flags = first.llm().flags;
    f.guard = first.guard;
    f.llm().taskClass =
        first.llm().taskClass == second.llm().taskClass ? first.llm().taskClass : "generate";
    // Bounded when every part is: its explicit max_tokens, or the bound its type allows.
    f.llm().options.maxTokens.reset();
    int64_t total = 16;
    bool bounded = true;
    for (const auto& t : ts) {
      if (t.maxTokens)
        total += *t.maxTokens;
      else if (t.type && t.type->kind() != sema::Type::Kind::String &&
               t.type->kind() != sema::Type::Kind::List)
        total += ir::estimateValueTokens(t.type, ctx.assumptions) * 2 + 16;
      else
        bounded = false;
    }
    if (bounded) f.llm().options.maxTokens = total;
    buildFused(f, ts);
    std::set<ir::NodeIndex> deps(first.deps.begin(), first.deps.end());
    deps.insert(second.deps.begin(), second.deps.end());
    deps.erase(first.index);
    deps.erase(second.index);
    f.deps.assign(deps.begin(), deps.end());
    first.removed = second.removed = true;
    Snapshot snap;
    for (auto& u : g.nodes) {
      if (u->removed || u.get() == &f) continue;
      bool touched = false;
      std::set<ir::NodeIndex> ud;
      for (ir::NodeIndex d : u->deps) {
        if (d == first.index || d == second.index) {
          touched = true;
          ud.insert(f.index);
        } else {
          ud.insert(d);
        }
      }
      if (touched) {
        snap.deps.emplace_back(u->index, u->deps);
        u->deps.assign(ud.begin(), ud.end());
      }
    }
    ir::PlanEstimate after = ir::estimate(ctx.module, ctx.assumptions);
    double partsFinish = std::max(finishOf(before, first.index), finishOf(before, second.index));
    double fusedFinish = finishOf(after, f.index);
    double fusedStart = fusedFinish - f.estMs;
    bool faster = partsFinish - fusedFinish >= kMinGain * (partsFinish - fusedStart) + 1e-9;
    bool better = faster && after.latencyMs <= before.latencyMs + 1e-9 &&
                  after.costUsd <= before.costUsd + 1e-12;
    if (!better) {
      ++rejected;
      f.removed = true;
      first.removed = second.removed = false;
      for (auto& [i, d] : snap.deps)
        g.nodes[i]->deps = d;
      g.byId[first.id] = first.index;
      g.byId[second.id] = second.index;
      return nullptr;
    }
    tasks.erase(first.index);
    tasks.erase(second.index);
    tasks[f.index] = ts;
    cachedBefore.reset(); // the graph changed
    std::vector<std::string> names;
    for (const auto& t : ts)
      names.push_back(t.name);
    report.changes.push_back(
        {f.id,
         fmt::format("{} fusion of {} steps into one call: its answers by {:.0f} → {:.0f} ms; "
                     "plan est. {:.0f} → {:.0f} ms, ${:.6f} → ${:.6f}",
                     how, ts.size(), partsFinish, fusedFinish, before.latencyMs, after.latencyMs,
                     before.costUsd, after.costUsd),
         {{"kind", how},
          {"steps", names},
          {"parts_finish_ms", partsFinish},
          {"fused_finish_ms", fusedFinish},
          {"latency_ms_before", before.latencyMs},
          {"latency_ms_after", after.latencyMs},
          {"cost_usd_before", before.costUsd},
          {"cost_usd_after", after.costUsd}}});
    return &f;
  }

  bool vertical() {
    computePositions();
    visited.assign(g.nodes.size(), 0);
    auto users = g.users();
    for (ir::NodeIndex bi : g.topoOrder()) {
      ir::Node& b = *g.nodes[bi];
      if (b.removed || b.kind() != ir::NodeKind::Llm) continue;
      for (ir::NodeIndex ai : b.deps) {
        ir::Node& a = *g.nodes[ai];
        if (a.removed || a.kind() != ir::NodeKind::Llm || !compatible(a, b)) continue;
        bool othersWait = true;
        for (ir::NodeIndex u : users[ai])
          if (u != bi && !reaches(u, bi)) othersWait = false;
        if (!othersWait) continue;
        if (merge(a, b, "vertical")) return true;
        if (rejected >= kMaxRejected) return false;
      }
    }
    return false;
  }

  bool horizontal() {
    computePositions();
    visited.assign(g.nodes.size(), 0);
    // Candidates share a model and exactly the same inputs: group by those first.
    std::map<std::pair<std::string, std::vector<ir::NodeIndex>>, std::vector<ir::NodeIndex>> groups;
    for (ir::NodeIndex i : g.topoOrder()) {
      const ir::Node& n = *g.nodes[i];
      if (n.kind() == ir::NodeKind::Llm && !n.deps.empty() && !n.llm().flags.nofuse)
        groups[{n.llm().model, n.deps}].push_back(i);
    }
    for (auto& [key, members] : groups)
      if (members.size() > 1 && horizontalIn(key.first, key.second, members)) return true;
    return false;
  }

  // Tries the pairs of one group in order; the first that passes the cost gate is merged.
  bool horizontalIn(const std::string& modelId, const std::vector<ir::NodeIndex>& inputs,
                    const std::vector<ir::NodeIndex>& members) {
    const ir::PlanEstimate& before = current();
    const double limit = before.latencyMs + 1e-9;
    double ready = 0; // every member starts when the last shared input is done
    for (ir::NodeIndex d : inputs)
      if (d < before.finishMs.size()) ready = std::max(ready, before.finishMs[d]);
    const ir::ModelInfo* model = ctx.module.model(modelId);
    const size_t k = members.size();
    std::vector<OutputBound> bounds(k);
    for (size_t i = 0; i < k; ++i)
      bounds[i] = outputBound(*g.nodes[members[i]]);
    // Suffix minima: a lower bound for every partner after x at once.
    constexpr int64_t kNone = std::numeric_limits<int64_t>::max() / 4;
    std::vector<int64_t> minTokens(k + 1, kNone), minCap(k + 1, kNone);
    for (size_t i = k; i-- > 0;) {
      minTokens[i] = std::min(minTokens[i + 1], bounds[i].tokens);
      minCap[i] = std::min(minCap[i + 1], bounds[i].bounded ? bounds[i].cap : kNone);
    }
    for (size_t x = 0; x + 1 < k; ++x) {
      const OutputBound& bx = bounds[x];
      if (ready + fusedLatencyLowerBound(model, bx.tokens + minTokens[x + 1],
                                         bx.cap + minCap[x + 1],
                                         bx.bounded && minCap[x + 1] < kNone) >
          limit)
        continue;
      for (size_t y = x + 1; y < k; ++y) {
        const OutputBound& by = bounds[y];
        // The fused call must end before the later of the two parts (and the plan).
        double local =
            std::min(limit, std::max(finishOf(before, members[x]), finishOf(before, members[y])));
        if (ready + fusedLatencyLowerBound(model, bx.tokens + by.tokens, bx.cap + by.cap,
                                           bx.bounded && by.bounded) >=
            local)
          continue;
        ir::Node& a = *g.nodes[members[x]];
        ir::Node& b = *g.nodes[members[y]];
        if (a.removed || b.removed || !compatible(a, b)) continue;
        if (reaches(b.index, a.index) || reaches(a.index, b.index)) continue;
        if (merge(a, b, "horizontal")) return true;
        if (rejected >= kMaxRejected) return false;
      }
    }
    return false;
  }
};

} // namespace

namespace {

// Fuses within the module's current graph, then within each map/reduce body, each in turn
// swapped in as the module's graph so that the gate estimates that body alone.
void fuseGraph(PassContext& ctx, PassReport& report, int depth) {
  {
    Fuser fuser{ctx, ctx.module.graph, report};
    // Each successful fusion changes the graph; start over until nothing more fuses.
    for (int rounds = 0; rounds < 64 && fuser.rejected < kMaxRejected; ++rounds)
      if (!fuser.vertical() && !fuser.horizontal()) break;
  }
  if (depth >= 8) return; // bodies nest as deep as the source does; this bounds the recursion
  ir::Graph& g = ctx.module.graph;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    ir::Node& n = *g.nodes[i];
    if (n.removed || n.kind() != ir::NodeKind::Map || !n.map().body) continue;
    ir::Graph& body = *n.map().body; // n stays put: nodes are held by pointer
    std::swap(ctx.module.graph, body);
    fuseGraph(ctx, report, depth + 1);
    std::swap(ctx.module.graph, body);
  }
}

} // namespace

PassReport runFuse(PassContext& ctx) {
  PassReport report;
  fuseGraph(ctx, report, 0);
  return report;
}

} // namespace awc::passes
