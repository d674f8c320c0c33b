// Prefix hoisting. The algorithm, per model step (unless `nohoist`):
//  1. Split each message into its parts (the author's `system`/`user` items). Fully static
//     parts move before parts with interpolated values, keeping their relative order; text
//     inside a part is never reordered (its wording may refer to what precedes it).
//  2. Static parts lose leading and trailing whitespace, and static parts shared by several
//     steps go first, most-shared first — so steps that share instructions, schemas or
//     examples send byte-identical prefixes.
//  3. The end of the leading static text of each message gets a cache breakpoint (at most
//     4 per call, for providers with explicit cache control), and the step gets a stable
//     prompt_cache_key derived from its model and static prefix.
//  4. Steps on one model with the same static prefix form a prefix group (the schedule pass
//     may then let one of them warm the cache first, see schedule.cpp).
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

void joinParts(ir::Message& m, const std::vector<Part>& parts) {
  m.segments.clear();
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) m.segments.push_back(ir::separatorSegment());
    for (const auto& s : parts[i])
      m.segments.push_back(s);
  }
}

std::string staticPrefix(const ir::Node& n) {
  std::string prefix;
  for (const auto& m : n.llm().messages)
    for (const auto& s : m.segments) {
      if (!s.isStatic) return prefix;
      prefix += s.text;
    }
  return prefix;
}

} // namespace

PassReport runHoist(PassContext& ctx) {
  PassReport report;
  ir::Graph& g = ctx.module.graph;
  std::vector<ir::Node*> steps;
  for (auto& np : g.nodes)
    if (!np->removed && np->kind() == ir::NodeKind::Llm && !np->llm().flags.nohoist)
      steps.push_back(np.get());

  // How many steps share each static part (after trimming), for ordering.
  std::map<std::string, int> sharedBy;
  for (ir::Node* n : steps) {
    std::set<std::string> seen;
    for (const auto& m : n->llm().messages)
      for (const auto& p : splitParts(m))
        if (isStaticPart(p)) seen.insert(trim(partText(p)));
    for (const auto& t : seen)
      ++sharedBy[t];
  }

  for (ir::Node* n : steps) {
    bool reordered = false;
    // A fused call's prompt is built by the fusion pass in task order; keep it.
    for (auto& m : n->llm().messages) {
      if (!n->llm().fused.empty()) break;
      std::vector<Part> parts = splitParts(m);
      std::vector<Part> statics, dynamics;
      for (auto& p : parts) {
        if (isStaticPart(p)) {
          std::string text = trim(partText(p));
          if (text.empty()) continue;
          std::string origin = p.size() == 1 ? p.front().origin : "literal";
          statics.push_back({ir::staticSegment(text, origin)});
        } else {
          dynamics.push_back(p);
        }
      }
      std::stable_sort(statics.begin(), statics.end(), [&](const Part& a, const Part& b) {
        return sharedBy[a.front().text] > sharedBy[b.front().text];
      });
      std::vector<Part> result = statics;
      result.insert(result.end(), dynamics.begin(), dynamics.end());
      std::vector<std::string> before, after;
      for (const auto& p : parts)
        before.push_back(isStaticPart(p) ? trim(partText(p)) : "<dynamic>");
      for (const auto& p : result)
        after.push_back(isStaticPart(p) ? partText(p) : "<dynamic>");
      if (before != after) reordered = true;
      joinParts(m, result);
    }
    // Breakpoints at the end of each message's leading static run (≤ 4 per call).
    int breakpoints = 0;
    for (auto& m : n->llm().messages) {
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
    std::string prefix = staticPrefix(*n);
    int64_t prefixTokens = static_cast<int64_t>(approxTokenCount(prefix));
    if (prefixTokens >= ctx.assumptions.cacheBlockTokens)
      n->llm().options.promptCacheKey = "awc-" + Hasher().add(n->llm().model).add(prefix).hex();
    if (reordered)
      report.changes.push_back(
          {n->id,
           fmt::format("prompt reordered static-first; {} static prefix tokens", prefixTokens),
           {{"static_prefix_tokens", prefixTokens}}});
  }

  // Prefix groups.
  std::map<std::string, std::vector<ir::Node*>> groups;
  for (ir::Node* n : steps)
    if (!n->llm().options.promptCacheKey.empty())
      groups[n->llm().options.promptCacheKey].push_back(n);
  for (auto& [key, members] : groups) {
    if (members.size() < 2) continue;
    std::string group = "pg-" + key.substr(4, 8);
    std::vector<std::string> ids;
    for (ir::Node* n : members) {
      n->hints.prefixGroup = group;
      ids.push_back(n->id);
    }
    int64_t tokens = static_cast<int64_t>(approxTokenCount(staticPrefix(*members.front())));
    report.changes.push_back(
        {"",
         fmt::format("prefix group {}: {} steps share a {}-token static prefix on {}", group,
                     members.size(), tokens, members.front()->llm().model),
         {{"group", group}, {"steps", ids}, {"prefix_tokens", tokens}}});
  }
  return report;
}

} // namespace awc::passes
