// The rule registry (rules.def) and level names.
#include "awc/lint/lint.h"

#include <algorithm>

namespace awc::lint {

const char* levelName(Level level) {
  switch (level) {
  case Level::Off:
    return "off";
  case Level::Note:
    return "note";
  case Level::Warning:
    return "warning";
  case Level::Error:
    return "error";
  }
  return "off";
}

std::optional<Level> parseLevel(std::string_view text) {
  if (text == "off" || text == "none") return Level::Off;
  if (text == "note" || text == "info") return Level::Note;
  if (text == "warning" || text == "warn") return Level::Warning;
  if (text == "error") return Level::Error;
  return std::nullopt;
}

const std::vector<RuleInfo>& allRules() {
  static const std::vector<RuleInfo> rules = {
#define AWC_LINT_RULE(Id, Name, Lvl, Category, Short, Rationale, Help)                             \
  RuleInfo{#Id, Name, Level::Lvl, Category, Short, Rationale, Help},
#include "awc/lint/rules.def"
  };
  return rules;
}

const RuleInfo* findRule(std::string_view idOrName) {
  for (const RuleInfo& r : allRules())
    if (r.id == idOrName || r.name == idOrName) return &r;
  return nullptr;
}

} // namespace awc::lint
