// The fused call's prompt: one user message asking every task in order under its JSON key,
// the values several tasks share given once after the tasks, the tasks' system prompts merged.
#include "awc/ir/expr.h"
#include "awc/passes/deterministic.h"
#include "awc/stdlib/eval.h"
#include "fuse_internal.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <set>

namespace awc::passes::fusion {
namespace {

using Json = nlohmann::json;

std::string fieldName(size_t index, const std::string& name) {
  std::string safe;
  for (char c : name)
    safe += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return fmt::format("s{:02}_{}", index + 1, safe);
}

std::string render(const std::vector<ir::Segment>& segments) {
  std::string key;
  for (const auto& s : segments)
    key += s.isStatic ? s.text : s.expr.dump();
  return key;
}

} // namespace

// Rewrites references to earlier tasks in `messages` into words; false if a reference is
// more than the whole value or one field of it.
bool replaceTaskRefs(std::vector<ir::Message>& messages,
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

} // namespace awc::passes::fusion
