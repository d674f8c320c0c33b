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
//  4. Every fusion is gated by the cost model: the whole plan's estimated latency may not
//     grow by more than 1 % and its cost must not grow; otherwise it is undone. Steps marked
//     `nofuse` are never fused; tools are never fused, so no fusion crosses a side effect.
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "pass_list.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::passes {
namespace {

using Json = nlohmann::json;

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

  std::vector<Task> tasksOf(const ir::Node& n) {
    auto it = tasks.find(n.index);
    if (it != tasks.end()) return it->second;
    return {Task{n.id, n.type, n.messages, n.options.maxTokens}};
  }

  static bool compatible(const ir::Node& a, const ir::Node& b) {
    auto same = [](const auto& x, const auto& y) { return x == y; };
    return a.model == b.model && !a.flags.nofuse && !b.flags.nofuse &&
           same(a.options.temperature, b.options.temperature) &&
           a.options.cacheDisabled == b.options.cacheDisabled &&
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
        const Json* inner = &s.expr;
        if (inner->contains("text") && (*inner)["text"].size() == 1) inner = &(*inner)["text"][0];
        std::string words;
        if (inner->contains("ref") && earlier.count((*inner)["ref"].get<std::string>())) {
          words = fmt::format("(your answer to task {})",
                              earlier.at((*inner)["ref"].get<std::string>()));
        } else if (inner->contains("field") && (*inner)["of"].contains("ref") &&
                   earlier.count((*inner)["of"]["ref"].get<std::string>())) {
          words = fmt::format("(the \"{}\" of your answer to task {})",
                              (*inner)["field"].get<std::string>(),
                              earlier.at((*inner)["of"]["ref"].get<std::string>()));
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
    f.messages.clear();
    f.fused.clear();
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
      f.fused.push_back(ir::FusedPart{ts[i].name, field, ts[i].type, ts[i].maxTokens});
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
      std::string name = exprToFlow(seg->expr.contains("text") && seg->expr["text"].size() == 1
                                        ? seg->expr["text"][0]
                                        : seg->expr);
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
    if (!system.segments.empty()) f.messages.push_back(std::move(system));
    f.messages.push_back(std::move(user));
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

    ir::PlanEstimate before = ir::estimate(ctx.module, ctx.assumptions);
    std::string id;
    for (const auto& t : ts)
      id += (id.empty() ? "" : "+") + t.name;
    ir::Node& f = g.add(id, ir::NodeKind::Llm, first.loc);
    f.sourceOrder = std::min(first.sourceOrder, second.sourceOrder);
    f.model = first.model;
    f.options = first.options;
    f.flags = first.flags;
    f.guard = first.guard;
    f.taskClass = first.taskClass == second.taskClass ? first.taskClass : "generate";
    // Bounded when every part is: its explicit max_tokens, or the bound its type allows.
    f.options.maxTokens.reset();
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
    if (bounded) f.options.maxTokens = total;
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
    bool better = after.latencyMs <= before.latencyMs * 1.01 + 1e-9 &&
                  after.costUsd <= before.costUsd + 1e-12;
    if (!better) {
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
    std::vector<std::string> names;
    for (const auto& t : ts)
      names.push_back(t.name);
    report.changes.push_back(
        {f.id,
         fmt::format(
             "{} fusion of {} steps into one call: est. {:.0f} → {:.0f} ms, ${:.6f} → ${:.6f}", how,
             ts.size(), before.latencyMs, after.latencyMs, before.costUsd, after.costUsd),
         {{"kind", how},
          {"steps", names},
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
      if (b.removed || b.kind != ir::NodeKind::Llm) continue;
      for (ir::NodeIndex ai : b.deps) {
        ir::Node& a = *g.nodes[ai];
        if (a.removed || a.kind != ir::NodeKind::Llm || !compatible(a, b)) continue;
        bool othersWait = true;
        for (ir::NodeIndex u : users[ai])
          if (u != bi && !reaches(u, bi)) othersWait = false;
        if (!othersWait) continue;
        if (merge(a, b, "vertical")) return true;
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
      if (n.kind == ir::NodeKind::Llm && !n.deps.empty() && !n.flags.nofuse)
        groups[{n.model, n.deps}].push_back(i);
    }
    for (auto& [key, members] : groups)
      for (size_t x = 0; x < members.size(); ++x)
        for (size_t y = x + 1; y < members.size(); ++y) {
          ir::Node& a = *g.nodes[members[x]];
          ir::Node& b = *g.nodes[members[y]];
          if (a.removed || b.removed || !compatible(a, b)) continue;
          if (reaches(b.index, a.index) || reaches(a.index, b.index)) continue;
          if (merge(a, b, "horizontal")) return true;
        }
    return false;
  }
};

} // namespace

PassReport runFuse(PassContext& ctx) {
  PassReport report;
  Fuser fuser{ctx, ctx.module.graph, report, {}, {}, {}, 0};
  // Each successful fusion changes the graph; start over until nothing more fuses.
  for (int rounds = 0; rounds < 64; ++rounds)
    if (!fuser.vertical() && !fuser.horizontal()) break;
  return report;
}

} // namespace awc::passes
