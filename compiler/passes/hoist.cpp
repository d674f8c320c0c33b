// Prefix hoisting. The algorithm, per model step (unless `nohoist`), in every graph (map and
// reduce bodies too):
//  1. Split each message into its parts (the author's `system`/`user` items); text inside a
//     part is never reordered (its wording may refer to what precedes it), only whole parts
//     move — the part boundaries are what the language lets hoisting reorder.
//  2. Order each message's parts: static parts shared with other steps (most-shared first),
//     then dynamic parts shared with sibling steps — the same text and the same interpolated
//     values, on the same model in the same graph, so the same bytes at run time (most-shared
//     first) — then what is the step's own: its static parts, then its dynamic parts. Static
//     parts lose leading and trailing whitespace. Without shared dynamic parts this is
//     "static first". So steps that ask several questions about one document send the
//     instructions they share, then the document, then their question: one prefix a server's
//     cache computes once per run.
//  3. The end of the leading static text of each message gets a cache breakpoint (at most
//     4 per call, for providers with explicit cache control), and the step gets a stable
//     prompt_cache_key derived from its model and its cacheable prefix: the leading static
//     text, extended through its shared dynamic parts when it has some.
//  4. Steps of one graph with the same key form a prefix group (the schedule pass may then
//     let one of them warm the cache first, see schedule.cpp).
#include "awc/ir/cost_model.h"
#include "awc/stdlib/eval.h"
#include "awc/support/hash.h"
#include "awc/support/tokenizer.h"
#include "pass_list.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

namespace awc::passes {
namespace {

using Part = std::vector<ir::Segment>;

std::vector<Part> splitParts(const ir::Message& m) {
  std::vector<Part> parts(1);
  for (const auto& s : m.segments) {
    if (s.origin == "separator")
      parts.emplace_back();
    else
      parts.back().push_back(s);
  }
  parts.erase(std::remove_if(parts.begin(), parts.end(), [](const Part& p) { return p.empty(); }),
              parts.end());
  return parts;
}

bool isStaticPart(const Part& p) {
  return std::all_of(p.begin(), p.end(), [](const ir::Segment& s) { return s.isStatic; });
}

std::string partText(const Part& p) {
  std::string t;
  for (const auto& s : p)
    t += s.text;
  return t;
}

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

/// A dynamic part as the server receives it, with each value as its marker
/// (ir::promptValueMarker); "" when a value may differ between two evaluations (`now()`).
std::string valueText(const Part& p) {
  std::string t;
  for (const auto& s : p) {
    if (s.isStatic) {
      t += s.text;
    } else {
      if (!stdlib::isDeterministic(s.expr)) return "";
      t += ir::promptValueMarker(s);
    }
  }
  return t;
}

void joinParts(ir::Message& m, const std::vector<Part>& parts) {
  m.segments.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) m.segments.push_back(ir::separatorSegment());
    for (const auto& s : parts[i])
      m.segments.push_back(s);
  }
}

/// A model step to hoist and the graph it is in (steps share dynamic parts within one graph:
/// a map body's values differ between its elements and from the enclosing graph's).
struct Step {
  ir::Node* node;
  size_t graph;
};

/// How many steps share each part: static parts by their trimmed text (anywhere), dynamic
/// parts by graph, model and valueText.
struct Sharing {
  std::map<std::string, int> statics;
  std::map<std::string, int> dynamics;

  static std::string dynamicKey(const Step& s, const std::string& text) {
    return fmt::format("{}\n{}\n{}", s.graph, s.node->llm().model, text);
  }
  int dynamic(const Step& s, const Part& p) const {
    std::string text = valueText(p);
    if (text.empty()) return 0;
    auto it = dynamics.find(dynamicKey(s, text));
    return it == dynamics.end() ? 0 : it->second;
  }
};

Sharing countSharing(const std::vector<Step>& steps) {
  Sharing sharing;
  for (const Step& step : steps) {
    std::set<std::string> statics, dynamics;
    for (const auto& m : step.node->llm().messages)
      for (const auto& p : splitParts(m))
        if (isStaticPart(p))
          statics.insert(trim(partText(p)));
        else if (std::string text = valueText(p); !text.empty())
          dynamics.insert(Sharing::dynamicKey(step, text));
    for (const auto& t : statics)
      ++sharing.statics[t];
    for (const auto& t : dynamics)
      ++sharing.dynamics[t];
  }
  return sharing;
}

/// One message's parts in hoisted order (step 2 above); `sharedValues` counts the dynamic parts
/// shared with siblings.
std::vector<Part> hoistMessage(const Step& step, const ir::Message& m, const Sharing& sharing,
                               int& sharedValues) {
  std::vector<Part> statics, shared, own;
  for (auto& p : splitParts(m)) {
    if (isStaticPart(p)) {
      std::string text = trim(partText(p));
      if (text.empty()) continue;
      std::string origin = p.size() == 1 ? p.front().origin : "literal";
      statics.push_back({ir::staticSegment(text, origin)});
    } else {
      (sharing.dynamic(step, p) > 1 ? shared : own).push_back(p);
    }
  }
  auto staticCount = [&](const Part& p) { return sharing.statics.at(p.front().text); };
  std::stable_sort(statics.begin(), statics.end(),
                   [&](const Part& a, const Part& b) { return staticCount(a) > staticCount(b); });
  std::stable_sort(shared.begin(), shared.end(), [&](const Part& a, const Part& b) {
    return sharing.dynamic(step, a) > sharing.dynamic(step, b);
  });
  sharedValues += static_cast<int>(shared.size());
  std::vector<Part> result;
  if (shared.empty()) {
    result = std::move(statics);
  } else {
    auto firstOwn = std::find_if(statics.begin(), statics.end(),
                                 [&](const Part& p) { return staticCount(p) < 2; });
    result.assign(statics.begin(), firstOwn);
    result.insert(result.end(), shared.begin(), shared.end());
    result.insert(result.end(), firstOwn, statics.end());
  }
  result.insert(result.end(), own.begin(), own.end());
  return result;
}

/// The prefix the step's prompt_cache_key covers: its leading static text, extended through
/// the dynamic parts it shares with siblings (values as markers), up to its first own part
/// after those.
std::string cacheablePrefix(const Step& step, const Sharing& sharing) {
  std::string prefix;
  bool sawShared = false;
  for (const auto& m : step.node->llm().messages) {
    std::vector<Part> parts = splitParts(m);
    for (size_t i = 0; i < parts.size(); ++i) {
      const Part& p = parts[i];
      bool isShared = !isStaticPart(p) && sharing.dynamic(step, p) > 1;
      if (sawShared && !isShared) return prefix;
      if (i) prefix += ir::separatorSegment().text;
      if (isShared) {
        prefix += valueText(p);
        sawShared = true;
        continue;
      }
      for (const auto& s : p) {
        if (!s.isStatic) return prefix;
        prefix += s.text;
      }
    }
  }
  return prefix;
}

/// Step 3: cache breakpoints at the end of each message's leading static run (≤ 4 per call).
void setBreakpoints(ir::Node& n) {
  int breakpoints = 0;
  for (auto& m : n.llm().messages) {
    ir::Segment* lastStatic = nullptr;
    for (auto& s : m.segments) {
      if (!s.isStatic) break;
      if (s.origin != "separator") lastStatic = &s;
    }
    if (lastStatic && breakpoints < 4) {
      lastStatic->cacheBreakpoint = true;
      ++breakpoints;
    }
  }
}

/// Steps 1–3 for one step; returns its cacheable prefix.
std::string hoistStep(const Step& step, const Sharing& sharing, PassContext& ctx,
                      PassReport& report) {
  ir::Node& n = *step.node;
  bool reordered = false;
  int sharedValues = 0;
  // A fused call's prompt is built by the fusion pass in task order; keep it.
  for (auto& m : n.llm().messages) {
    if (!n.llm().fused.empty()) break;
    std::vector<Part> parts = splitParts(m);
    std::vector<Part> result = hoistMessage(step, m, sharing, sharedValues);
    std::vector<std::string> before, after;
    for (const auto& p : parts)
      before.push_back(isStaticPart(p) ? trim(partText(p)) : "<dynamic>" + valueText(p));
    for (const auto& p : result)
      after.push_back(isStaticPart(p) ? partText(p) : "<dynamic>" + valueText(p));
    if (before != after) reordered = true;
    joinParts(m, result);
  }
  setBreakpoints(n);
  std::string prefix = cacheablePrefix(step, sharing);
  int64_t prefixTokens = ir::prefixTokenCount(prefix);
  if (prefixTokens >= ctx.assumptions.cacheBlockTokens)
    n.llm().options.promptCacheKey = "awc-" + Hasher().add(n.llm().model).add(prefix).hex();
  if (!reordered && sharedValues == 0) return prefix;
  if (sharedValues == 0) {
    report.changes.push_back(
        {n.id,
         fmt::format("prompt reordered static-first; {} static prefix tokens", prefixTokens),
         {{"static_prefix_tokens", prefixTokens}}});
  } else {
    int64_t staticTokens = static_cast<int64_t>(approxTokenCount(ir::staticPromptPrefix(n)));
    report.changes.push_back(
        {n.id,
         fmt::format("prompt {}: shared static text, then {} part{} with values shared with "
                     "sibling steps, then its own; {}-token shared prefix",
                     reordered ? "reordered" : "already in order", sharedValues,
                     sharedValues == 1 ? "" : "s", prefixTokens),
         {{"static_prefix_tokens", staticTokens},
          {"shared_prefix_tokens", prefixTokens},
          {"shared_value_parts", sharedValues}}});
  }
  return prefix;
}

} // namespace

PassReport runHoist(PassContext& ctx) {
  PassReport report;
  std::vector<Step> steps;
  size_t graphs = 0;
  ir::forEachGraph(ctx.module.graph, [&](ir::Graph& g) {
    for (auto& np : g.nodes)
      if (!np->removed && np->kind() == ir::NodeKind::Llm && !np->llm().flags.nohoist)
        steps.push_back({np.get(), graphs});
    ++graphs;
  });
  Sharing sharing = countSharing(steps);

  // Prefix groups: steps of one graph with the same key.
  std::map<std::pair<size_t, std::string>, std::vector<ir::Node*>> groups;
  std::map<std::string, std::string> prefixOfKey;
  for (const Step& step : steps) {
    std::string prefix = hoistStep(step, sharing, ctx, report);
    const std::string& key = step.node->llm().options.promptCacheKey;
    if (key.empty()) continue;
    groups[{step.graph, key}].push_back(step.node);
    prefixOfKey.try_emplace(key, std::move(prefix));
  }
  for (auto& [where, members] : groups) {
    if (members.size() < 2) continue;
    const std::string& key = where.second;
    std::string group = "pg-" + key.substr(4, 8);
    std::vector<std::string> ids;
    for (ir::Node* n : members) {
      n->hints.prefixGroup = group;
      ids.push_back(n->id);
    }
    const std::string& prefix = prefixOfKey.at(key);
    int64_t tokens = ir::prefixTokenCount(prefix);
    bool dynamic = prefix != ir::staticPromptPrefix(*members.front());
    report.changes.push_back(
        {"",
         fmt::format("prefix group {}: {} steps share a {}-token {} prefix on {}", group,
                     members.size(), tokens, dynamic ? "static and run-time" : "static",
                     members.front()->llm().model),
         {{"group", group}, {"steps", ids}, {"prefix_tokens", tokens}}});
  }
  return report;
}

} // namespace awc::passes
