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
//     The separate calls are priced as the final plan runs them: the gate's estimates apply
//     the schedule pass's warm-first decision (warm_first.h), under which siblings sharing a
//     prompt prefix wait for the first one's first token — later, and cheaper. When that
//     decides the fusion, the change says so (detail.warm_first).
//     Steps marked `nofuse` are never fused; tools never are, so no fusion crosses a side effect.
//     With `--profile`, steps `awc tune` measured in one call and refused stay apart
//     (fuse_profile.cpp).
//  5. The pass runs on every graph: the top level, then each `map` and `reduce` body on its
//     own, gated by that body's estimate (one element's run).
//  6. Cost, near-linear in the plan: each round copies the graph's dependencies into flat
//     arrays in one pass over the nodes (readers, topological positions and ancestry are read
//     from there; a plan without candidates costs that pass and nothing else). The "before"
//     estimate is computed once per change, not per candidate; a horizontal candidate whose
//     fused call alone would end past the latency limit (a lower bound: its inputs' finish time
//     plus the call with its prompt all cached) is rejected without building it, and a whole
//     row of candidates at once through suffix minima of the parts' output tokens. Two steps
//     with the same inputs cannot reach each other, so horizontal candidates need no search.
//     Past kGroupsOneByOne groups of horizontal candidates, every group's next pair is fused in
//     one batch per round and gated by one estimate (the fusions whose answers do not come
//     sooner are taken back; the rest kept only if the plan is neither slower nor costlier), so
//     thousands of fusable groups cost a few estimates. After kMaxRejected full-gate rejections
//     the pass stops looking (a pathological plan keeps the fusions found so far).
#include "awc/ir/expr.h"
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "fuse_internal.h"
#include "pass_list.h"
#include "warm_first.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <limits>
#include <optional>
#include <set>
#include <unordered_map>

namespace awc::passes {
namespace {

using fusion::Task;
using Json = nlohmann::json;

/// The share of the time from the fused call's start to the later part's finish that a fusion
/// must save to count as faster: the estimate's answer lengths and speeds are assumptions, and
/// a fused answer risks a slower constrained decode the profile may not know of.
constexpr double kMinGain = 0.05;

/// Candidates the full cost gate may reject before the pass stops looking (see 6. above).
constexpr int kMaxRejected = 32;

/// Groups of horizontal candidates tried one pair at a time, an estimate each; with more, every
/// group's next pair is tried in one batch per round, so huge plans stay near-linear.
constexpr size_t kGroupsOneByOne = 16;

struct Fuser {
  PassContext& ctx;
  ir::Graph& g;
  PassReport& report;
  std::map<ir::NodeIndex, std::vector<Task>> tasks; // per live fused node
  std::optional<ir::PlanEstimate> cachedBefore;     // the gate's estimate of the graph as it is
  ir::PlanEstimate cachedBeforeUnwarmed;            // the same without the warm-first waits
  int rejected = 0;                                 // candidates the cost gate turned down
  fusion::ProfileFusions profiled;                  // what `--profile` measured of fusions

  static double finishOf(const ir::PlanEstimate& e, ir::NodeIndex i) {
    return i < e.finishMs.size() ? e.finishMs[i] : 0;
  }

  const ir::PlanEstimate& current() {
    if (!cachedBefore) cachedBefore = gateEstimate(&cachedBeforeUnwarmed);
    return *cachedBefore;
  }

  // The plan's estimate as the final plan will run it: with the warm-first waits the schedule
  // pass adds last (warm_first.h, the same decision), which make sibling calls that share a
  // prompt prefix start later and pay less for it than the estimate alone says. `unwarmed`
  // gets the estimate without them. The marks are taken off again: schedule decides for real.
  ir::PlanEstimate gateEstimate(ir::PlanEstimate* unwarmed = nullptr) {
    ir::PlanEstimate e = ir::estimate(ctx.module, ctx.assumptions);
    if (unwarmed) *unwarmed = e;
    if (ctx.module.mode != ir::ExecMode::Parallel) return e;
    PassReport scratch;
    e = warmFirst(ctx, ctx.baselineCostUsd, std::move(e), scratch);
    if (!scratch.changes.empty())
      ir::forEachGraph(ctx.module.graph, [](ir::Graph& graph) {
        for (auto& n : graph.nodes) {
          n->hints.waitForWarm.clear();
          n->hints.warmFirst = false;
        }
      });
    return e;
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

  fusion::FlatGraph flat; // this round's snapshot of the graph's dependencies
  void snapshot() {
    if (!flat.valid) flat.take(g);
  }
  void positions() { flat.positions(); }
  bool reaches(ir::NodeIndex from, ir::NodeIndex target) { return flat.reaches(from, target); }

  // One fusion being tried: the new node, its parts, and their tasks in answer order.
  struct Fusion {
    ir::Node* f;
    ir::Node* first;
    ir::Node* second;
    std::vector<Task> ts;
    double partsFinish = 0; // the later part's finish, before
  };
  // Readers' deps as they were before a rewire, to put back.
  using Saved = std::vector<std::pair<ir::NodeIndex, std::vector<ir::NodeIndex>>>;

  // Builds the call fusing `first` and `second` (in answer order) and marks the parts removed;
  // their readers are rewired separately. Nothing when a reference cannot be put in words.
  std::optional<Fusion> build(ir::Node& first, ir::Node& second) {
    std::vector<Task> ts = tasksOf(first);
    std::vector<Task> more = tasksOf(second);
    if (profiled.refuses(ctx, ts, more, report)) return std::nullopt; // tune measured it worse
    std::map<std::string, size_t> earlier;
    for (size_t i = 0; i < ts.size(); ++i)
      earlier[ts[i].name] = i + 1;
    for (auto& t : more)
      if (!fusion::replaceTaskRefs(t.messages, earlier)) return std::nullopt;
    ts.insert(ts.end(), more.begin(), more.end());
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
    fusion::buildFused(f, ts);
    first.removed = second.removed = true;
    return Fusion{&f, &first, &second, std::move(ts)};
  }

  // Points the fused nodes at their inputs and every reader of a part at its fused node (a part
  // may read a part of another fusion of the same batch). Readers come from the snapshot, so a
  // batch costs what it touches.
  Saved rewire(const std::vector<Fusion>& fs) {
    std::unordered_map<ir::NodeIndex, ir::NodeIndex> to;
    for (const Fusion& fu : fs)
      to[fu.first->index] = to[fu.second->index] = fu.f->index;
    auto mapped = [&](const std::vector<ir::NodeIndex>& deps, ir::NodeIndex self) {
      std::vector<ir::NodeIndex> out;
      out.reserve(deps.size());
      for (ir::NodeIndex d : deps) {
        auto it = to.find(d);
        ir::NodeIndex m = it == to.end() ? d : it->second;
        if (m != self) out.push_back(m);
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
      return out;
    };
    for (const Fusion& fu : fs) {
      std::vector<ir::NodeIndex> deps = fu.first->deps;
      deps.insert(deps.end(), fu.second->deps.begin(), fu.second->deps.end());
      fu.f->deps = mapped(deps, fu.f->index);
    }
    Saved saved;
    std::set<ir::NodeIndex> readers;
    for (const Fusion& fu : fs)
      for (const ir::Node* part : {fu.first, fu.second})
        for (uint32_t k = flat.userOff[part->index]; k < flat.userOff[part->index + 1]; ++k)
          if (!g.nodes[flat.user[k]]->removed) readers.insert(flat.user[k]);
    for (ir::NodeIndex u : readers) {
      saved.emplace_back(u, g.nodes[u]->deps);
      g.nodes[u]->deps = mapped(g.nodes[u]->deps, u);
    }
    flat.valid = false;
    return saved;
  }

  void unwire(Saved& saved) {
    for (auto& [i, d] : saved)
      g.nodes[i]->deps = std::move(d);
    saved.clear();
  }

  // Takes a fusion back: the fused node is dropped, its parts return.
  void drop(const Fusion& fu) {
    fu.f->removed = true;
    fu.first->removed = fu.second->removed = false;
    g.byId[fu.first->id] = fu.first->index;
    g.byId[fu.second->id] = fu.second->index;
  }

  // The gate's test for one fusion: its answers come sooner by kMinGain of the fused call's span.
  static bool faster(const Fusion& fu, const ir::PlanEstimate& after) {
    return faster(fu, fu.partsFinish, after);
  }
  static bool faster(const Fusion& fu, double partsFinish, const ir::PlanEstimate& after) {
    double fusedFinish = finishOf(after, fu.f->index);
    double fusedStart = fusedFinish - fu.f->estMs;
    return partsFinish - fusedFinish >= kMinGain * (partsFinish - fusedStart) + 1e-9;
  }
  static bool notWorse(const ir::PlanEstimate& before, const ir::PlanEstimate& after) {
    return after.latencyMs <= before.latencyMs + 1e-9 && after.costUsd <= before.costUsd + 1e-12;
  }

  void commit(const Fusion& fu, const char* how, const ir::PlanEstimate& before,
              const ir::PlanEstimate& after, Json warm = nullptr) {
    tasks.erase(fu.first->index);
    tasks.erase(fu.second->index);
    tasks[fu.f->index] = fu.ts;
    cachedBefore.reset(); // the graph changed
    double fusedFinish = finishOf(after, fu.f->index);
    std::vector<std::string> names;
    for (const auto& t : fu.ts)
      names.push_back(t.name);
    std::string why;
    if (!warm.is_null()) {
      warm["decided"] = "fused";
      why = fmt::format(" (warm first decided it: the separate calls, the later ones waiting for "
                        "the first one's prefix, answer by {:.0f} ms, not {:.0f})",
                        fu.partsFinish, warm["parts_finish_ms_unwarmed"].get<double>());
    }
    report.changes.push_back(
        {fu.f->id,
         fmt::format("{} fusion of {} steps into one call: its answers by {:.0f} → {:.0f} ms; "
                     "plan est. {:.0f} → {:.0f} ms, ${:.6f} → ${:.6f}{}",
                     how, fu.ts.size(), fu.partsFinish, fusedFinish, before.latencyMs,
                     after.latencyMs, before.costUsd, after.costUsd, why),
         {{"kind", how},
          {"steps", names},
          {"parts_finish_ms", fu.partsFinish},
          {"fused_finish_ms", fusedFinish},
          {"latency_ms_before", before.latencyMs},
          {"latency_ms_after", after.latencyMs},
          {"cost_usd_before", before.costUsd},
          {"cost_usd_after", after.costUsd}}});
    if (!warm.is_null()) report.changes.back().detail["warm_first"] = warm;
    profiled.annotate(ctx, fu.ts, report.changes.back());
  }

  // Merges `first` and `second` (in answer order) if the cost gate takes it; true if merged.
  bool merge(ir::Node& first, ir::Node& second, const char* how) {
    ir::PlanEstimate before = current();
    const ir::PlanEstimate beforeUnwarmed = cachedBeforeUnwarmed;
    std::optional<Fusion> fu = build(first, second);
    if (!fu) return false;
    fu->partsFinish = std::max(finishOf(before, first.index), finishOf(before, second.index));
    Saved saved = rewire({*fu});
    ir::PlanEstimate afterUnwarmed;
    ir::PlanEstimate after = gateEstimate(&afterUnwarmed);
    bool take = faster(*fu, after) && notWorse(before, after);
    // The same gate on the estimate without warm first: when it decides otherwise, the waits
    // decided it, and explain says so.
    double partsUnwarmed =
        std::max(finishOf(beforeUnwarmed, first.index), finishOf(beforeUnwarmed, second.index));
    bool takeUnwarmed =
        faster(*fu, partsUnwarmed, afterUnwarmed) && notWorse(beforeUnwarmed, afterUnwarmed);
    Json warm;
    if (take != takeUnwarmed)
      warm = {{"parts_finish_ms_unwarmed", partsUnwarmed},
              {"latency_ms_before_unwarmed", beforeUnwarmed.latencyMs},
              {"cost_usd_before_unwarmed", beforeUnwarmed.costUsd},
              {"latency_ms_after_unwarmed", afterUnwarmed.latencyMs},
              {"cost_usd_after_unwarmed", afterUnwarmed.costUsd}};
    if (!take) {
      ++rejected;
      unwire(saved);
      drop(*fu);
      if (!warm.is_null()) keptSeparate(*fu, how, before, after, warm);
      return false;
    }
    commit(*fu, how, before, after, warm);
    return true;
  }

  // A fusion the estimate alone would take but the warm-first waits make not pay: the
  // separate calls, the later ones reading the prefix the first one warmed, are cheaper or as
  // fast. Recorded so that explain says why the steps stay apart.
  void keptSeparate(const Fusion& fu, const char* how, const ir::PlanEstimate& before,
                    const ir::PlanEstimate& after, Json warm) {
    std::vector<std::string> names;
    for (const auto& t : fu.ts)
      names.push_back(t.name);
    warm["decided"] = "kept_separate";
    report.changes.push_back(
        {"",
         fmt::format("kept separate: {} ({} fusion) would pay on the estimate alone, but with "
                     "warm first the separate calls answer by {:.0f} ms (not {:.0f}) at "
                     "${:.6f} (not ${:.6f}), and fused the plan would be {:.0f} ms, ${:.6f}",
                     fmt::join(names, ", "), how, fu.partsFinish,
                     warm["parts_finish_ms_unwarmed"].get<double>(), before.costUsd,
                     warm["cost_usd_before_unwarmed"].get<double>(), after.latencyMs,
                     after.costUsd),
         {{"kind", "kept_separate"}, {"steps", names}, {"warm_first", warm}}});
  }

  bool vertical() {
    // Candidates first, cheaply: a model step reading a compatible model step.
    snapshot();
    std::vector<std::pair<ir::NodeIndex, ir::NodeIndex>> pairs; // (reader, read)
    for (ir::NodeIndex bi : flat.llm)
      for (uint32_t k = flat.depOff[bi]; k < flat.depOff[bi + 1]; ++k)
        if (flat.isLlm[flat.dep[k]] && compatible(*g.nodes[flat.dep[k]], *g.nodes[bi]))
          pairs.emplace_back(bi, flat.dep[k]);
    if (pairs.empty()) return false;
    positions();
    // In topological order of the reader, then the reader's deps in order (as they are sorted).
    std::stable_sort(pairs.begin(), pairs.end(), [&](const auto& x, const auto& y) {
      return flat.pos[x.first] < flat.pos[y.first];
    });
    for (auto [bi, ai] : pairs) {
      bool othersWait = true;
      for (uint32_t k = flat.userOff[ai]; k < flat.userOff[ai + 1] && othersWait; ++k)
        if (flat.user[k] != bi && !reaches(flat.user[k], bi)) othersWait = false;
      if (!othersWait) continue;
      if (merge(*g.nodes[ai], *g.nodes[bi], "vertical")) return true;
      if (rejected >= kMaxRejected) return false;
    }
    return false;
  }

  using Group = std::pair<const std::string*, std::vector<ir::NodeIndex>>; // model, members

  // Candidates share a model and exactly the same inputs (so neither can reach the other): the
  // groups of two or more, each in topological order (ties by source order, then index).
  std::vector<Group> horizontalGroups() {
    snapshot();
    std::vector<std::pair<const ir::Node*, ir::NodeIndex>> keyed; // sorted by (model, deps)
    for (ir::NodeIndex i : flat.llm) {
      const ir::Node& node = *g.nodes[i];
      if (!node.deps.empty() && !node.llm().flags.nofuse) keyed.emplace_back(&node, i);
    }
    auto key = [](const ir::Node* n) { return std::tie(n->llm().model, n->deps); };
    std::sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
      return key(x.first) < key(y.first) ||
             (key(x.first) == key(y.first) && std::pair(x.first->sourceOrder, x.second) <
                                                  std::pair(y.first->sourceOrder, y.second));
    });
    std::vector<Group> groups;
    for (size_t i = 0, j; i < keyed.size(); i = j) {
      for (j = i + 1; j < keyed.size() && key(keyed[j].first) == key(keyed[i].first); ++j) {
      }
      if (j - i < 2) continue;
      std::vector<ir::NodeIndex> members;
      for (size_t m = i; m < j; ++m)
        members.push_back(keyed[m].second);
      groups.emplace_back(&keyed[i].first->llm().model, std::move(members));
    }
    return groups;
  }

  bool horizontal() {
    if (rejected >= kMaxRejected) return false;
    std::vector<Group> groups = horizontalGroups();
    if (groups.empty()) return false;
    if (groups.size() > kGroupsOneByOne) return horizontalBatch(groups);
    for (const auto& [model, members] : groups) {
      const ir::PlanEstimate& before = current();
      std::optional<std::pair<size_t, size_t>> next;
      while ((next = nextPair(before, *model, members, next))) {
        if (merge(*g.nodes[members[next->first]], *g.nodes[members[next->second]], "horizontal"))
          return true;
        if (rejected >= kMaxRejected) return false;
      }
    }
    return false;
  }

  // Many groups: each round fuses one pair in every group at once and estimates the plan once;
  // the fusions whose answers do not come sooner are taken back, and the rest kept only if the
  // plan, estimated again, is not slower or costlier. Pairs turned down are not tried again.
  bool horizontalBatch(const std::vector<Group>& groups) {
    const ir::PlanEstimate before = current();
    std::vector<Fusion> batch;
    for (const auto& [model, members] : groups) {
      std::optional<std::pair<size_t, size_t>> next;
      while ((next = nextPair(before, *model, members, next))) {
        ir::Node& a = *g.nodes[members[next->first]];
        ir::Node& b = *g.nodes[members[next->second]];
        if (turnedDown.count({a.index, b.index})) continue;
        std::optional<Fusion> fu = build(a, b);
        if (!fu) continue;
        fu->partsFinish = std::max(finishOf(before, a.index), finishOf(before, b.index));
        batch.push_back(std::move(*fu));
        break;
      }
    }
    if (batch.empty()) return false;
    Saved saved = rewire(batch);
    ir::PlanEstimate after = gateEstimate();
    unwire(saved);
    std::vector<Fusion> kept;
    for (Fusion& fu : batch) {
      if (faster(fu, after)) {
        kept.push_back(std::move(fu));
        continue;
      }
      turnedDown.insert({fu.first->index, fu.second->index});
      drop(fu);
    }
    if (kept.empty()) return true; // all turned down: the next round tries their next pairs
    saved = rewire(kept);
    if (kept.size() < batch.size()) after = gateEstimate();
    if (!notWorse(before, after)) {
      unwire(saved);
      for (const Fusion& fu : kept)
        drop(fu);
      return false; // the plan as a whole did not gain: keep what earlier rounds found
    }
    for (const Fusion& fu : kept)
      commit(fu, "horizontal", before, after);
    return true;
  }
  std::set<std::pair<ir::NodeIndex, ir::NodeIndex>> turnedDown;

  // The pair of a group after `prev` (in order: x, then y > x) whose fused call could still end
  // before the later part and the plan's latency, by a lower bound on its time; none when no
  // pair can. Suffix minima of the parts' output bounds skip a whole row at once.
  std::optional<std::pair<size_t, size_t>> nextPair(const ir::PlanEstimate& before,
                                                    const std::string& modelId,
                                                    const std::vector<ir::NodeIndex>& members,
                                                    std::optional<std::pair<size_t, size_t>> prev) {
    const size_t k = members.size();
    if (!prev) bounds.clear(); // a new group
    if (bounds.size() != k) {
      bounds.resize(k);
      for (size_t i = 0; i < k; ++i)
        bounds[i] = outputBound(*g.nodes[members[i]]);
      minTokens.assign(k + 1, kNone);
      minCap.assign(k + 1, kNone);
      for (size_t i = k; i-- > 0;) {
        minTokens[i] = std::min(minTokens[i + 1], bounds[i].tokens);
        minCap[i] = std::min(minCap[i + 1], bounds[i].bounded ? bounds[i].cap : kNone);
      }
    }
    const double limit = before.latencyMs + 1e-9;
    double ready = 0; // every member starts when the last shared input is done
    for (ir::NodeIndex d : g.nodes[members[0]]->deps)
      ready = std::max(ready, finishOf(before, d));
    const ir::ModelInfo* model = ctx.module.model(modelId);
    size_t x = prev ? prev->first : 0, y = prev ? prev->second + 1 : 1;
    for (; x + 1 < k; ++x, y = x + 1) {
      const OutputBound& bx = bounds[x];
      if (y == x + 1 && ready + fusedLatencyLowerBound(model, bx.tokens + minTokens[x + 1],
                                                       bx.cap + minCap[x + 1],
                                                       bx.bounded && minCap[x + 1] < kNone) >
                            limit)
        continue;
      for (; y < k; ++y) {
        const OutputBound& by = bounds[y];
        // The fused call must end before the later of the two parts (and the plan).
        double local =
            std::min(limit, std::max(finishOf(before, members[x]), finishOf(before, members[y])));
        if (ready + fusedLatencyLowerBound(model, bx.tokens + by.tokens, bx.cap + by.cap,
                                           bx.bounded && by.bounded) >=
            local)
          continue;
        const ir::Node& a = *g.nodes[members[x]];
        const ir::Node& b = *g.nodes[members[y]];
        if (a.removed || b.removed || !compatible(a, b)) continue;
        return std::pair(x, y);
      }
    }
    return std::nullopt;
  }
  static constexpr int64_t kNone = std::numeric_limits<int64_t>::max() / 4;
  std::vector<OutputBound> bounds;
  std::vector<int64_t> minTokens, minCap;
};

} // namespace

namespace {

// Fuses within the module's current graph, then within each map/reduce body, each in turn
// swapped in as the module's graph so that the gate estimates that body alone.
void fuseGraph(PassContext& ctx, PassReport& report, int depth) {
  std::vector<ir::NodeIndex> maps;
  {
    Fuser fuser{ctx, ctx.module.graph, report};
    // Each successful fusion changes the graph; start over until nothing more fuses.
    for (int rounds = 0; rounds < 64 && fuser.rejected < kMaxRejected; ++rounds)
      if (!fuser.vertical() && !fuser.horizontal()) break;
    maps = std::move(fuser.flat.maps); // a round's snapshot found them
  }
  if (depth >= 8) return; // bodies nest as deep as the source does; this bounds the recursion
  ir::Graph& g = ctx.module.graph;
  for (ir::NodeIndex i : maps) {
    ir::Node& n = *g.nodes[i];
    if (n.removed || !n.map().body) continue;
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
