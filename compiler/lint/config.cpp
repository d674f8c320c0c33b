// `.awc-lint.toml`: rule levels and per-path overrides, parsed with toml++.
//   [rules]
//   AWL101 = "error"            # or the rule's name: deterministic-model-task = "error"
//   [[overrides]]
//   paths = ["flows/legacy/**"]
//   rules = { AWL502 = "off" }
//   exclude = ["generated/**"]   (top level)
#include <filesystem>

#define TOML_HEADER_ONLY 1
#define TOML_EXCEPTIONS 0
#include "awc/lint/lint.h"
#include "awc/support/source.h"

#include <fmt/format.h>
#include <toml++/toml.h>

namespace awc::lint {
namespace fs = std::filesystem;

namespace {

bool readRules(const toml::table& table, std::map<std::string, Level>& out, std::string& error) {
  for (const auto& [key, value] : table) {
    const RuleInfo* rule = findRule(key.str());
    if (!rule) {
      error = fmt::format("unknown rule '{}'", key.str());
      return false;
    }
    std::optional<std::string_view> text = value.value<std::string_view>();
    std::optional<Level> level = text ? parseLevel(*text) : std::nullopt;
    if (!level) {
      error = fmt::format("rule '{}': level must be \"error\", \"warning\", \"note\" or \"off\"",
                          key.str());
      return false;
    }
    out[std::string(rule->id)] = *level;
  }
  return true;
}

bool readStrings(const toml::node* node, std::vector<std::string>& out, const char* what,
                 std::string& error) {
  if (!node) return true;
  const toml::array* arr = node->as_array();
  if (!arr) {
    error = fmt::format("'{}' must be an array of strings", what);
    return false;
  }
  for (const auto& v : *arr) {
    auto s = v.value<std::string>();
    if (!s) {
      error = fmt::format("'{}' must be an array of strings", what);
      return false;
    }
    out.push_back(*s);
  }
  return true;
}

} // namespace

std::optional<Config> Config::parse(std::string_view text, const std::string& baseDir,
                                    std::string& error) {
  toml::parse_result parsed = toml::parse(text);
  if (!parsed) {
    const auto& e = parsed.error();
    error =
        fmt::format("{}:{}: {}", e.source().begin.line, e.source().begin.column, e.description());
    return std::nullopt;
  }
  const toml::table& t = parsed.table();
  Config config;
  config.baseDir = baseDir;
  for (const auto& [key, value] : t) {
    if (key != "rules" && key != "overrides" && key != "exclude") {
      error = fmt::format("unknown key '{}' (expected rules, overrides, exclude)", key.str());
      return std::nullopt;
    }
  }
  if (const toml::node* rules = t.get("rules")) {
    if (!rules->is_table()) {
      error = "'rules' must be a table";
      return std::nullopt;
    }
    if (!readRules(*rules->as_table(), config.rules, error)) return std::nullopt;
  }
  if (!readStrings(t.get("exclude"), config.exclude, "exclude", error)) return std::nullopt;
  if (const toml::node* overrides = t.get("overrides")) {
    const toml::array* arr = overrides->as_array();
    if (!arr) {
      error = "'overrides' must be an array of tables ([[overrides]])";
      return std::nullopt;
    }
    for (const auto& item : *arr) {
      const toml::table* o = item.as_table();
      if (!o) {
        error = "'overrides' must be an array of tables ([[overrides]])";
        return std::nullopt;
      }
      Override ov;
      if (!readStrings(o->get("paths"), ov.paths, "overrides.paths", error)) return std::nullopt;
      if (ov.paths.empty()) {
        error = "every [[overrides]] needs a non-empty 'paths'";
        return std::nullopt;
      }
      if (const toml::node* r = o->get("rules")) {
        if (!r->is_table()) {
          error = "'overrides.rules' must be a table";
          return std::nullopt;
        }
        if (!readRules(*r->as_table(), ov.rules, error)) return std::nullopt;
      }
      config.overrides.push_back(std::move(ov));
    }
  }
  return config;
}

std::optional<Config> Config::load(const std::string& path, std::string& error) {
  auto text = readFile(path, error, "lint config");
  if (!text) return std::nullopt;
  std::error_code ec;
  fs::path base = fs::absolute(fs::path(path), ec).parent_path();
  std::optional<Config> c = parse(*text, base.string(), error);
  if (!c) error = fmt::format("{}:{}", path, error);
  return c;
}

std::string Config::discover(const std::string& startDir) {
  std::error_code ec;
  fs::path dir = fs::absolute(fs::path(startDir), ec);
  while (true) {
    fs::path candidate = dir / ".awc-lint.toml";
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (!dir.has_parent_path() || dir.parent_path() == dir) return "";
    dir = dir.parent_path();
  }
}

namespace {
std::string relativeTo(const std::string& base, const std::string& path) {
  if (base.empty()) return path;
  std::error_code ec;
  fs::path rel = fs::absolute(fs::path(path), ec).lexically_normal().lexically_relative(base);
  std::string s = rel.generic_string();
  return s.empty() ? path : s;
}
} // namespace

Level Config::levelFor(const RuleInfo& rule, const std::string& path) const {
  Level level = rule.level;
  std::string id(rule.id);
  if (auto it = rules.find(id); it != rules.end()) level = it->second;
  if (overrides.empty()) return level;
  std::string rel = relativeTo(baseDir, path);
  for (const Override& o : overrides) {
    auto it = o.rules.find(id);
    if (it == o.rules.end()) continue;
    for (const std::string& pattern : o.paths)
      if (globMatch(pattern, rel)) {
        level = it->second; // later overrides win
        break;
      }
  }
  return level;
}

bool Config::excluded(const std::string& path) const {
  if (exclude.empty()) return false;
  std::string rel = relativeTo(baseDir, path);
  for (const std::string& pattern : exclude)
    if (globMatch(pattern, rel)) return true;
  return false;
}

bool globMatch(std::string_view pattern, std::string_view path) {
  // Iterative matcher with backtracking for the most recent star (and double star).
  if (pattern.rfind("./", 0) == 0) pattern.remove_prefix(2);
  if (path.rfind("./", 0) == 0) path.remove_prefix(2);
  if (pattern.empty()) return path.empty();
  if (pattern.substr(0, 3) == "**/") {
    // "**/x" also matches "x" at the top.
    if (globMatch(pattern.substr(3), path)) return true;
  }
  if (pattern[0] == '*' && pattern.size() >= 2 && pattern[1] == '*') {
    std::string_view rest = pattern.substr(2);
    if (!rest.empty() && rest[0] == '/') rest.remove_prefix(1);
    for (size_t i = 0; i <= path.size(); ++i)
      if (globMatch(rest, path.substr(i))) return true;
    return false;
  }
  if (pattern[0] == '*') {
    for (size_t i = 0; i <= path.size(); ++i) {
      if (globMatch(pattern.substr(1), path.substr(i))) return true;
      if (i < path.size() && path[i] == '/') break;
    }
    return false;
  }
  if (path.empty()) return false;
  if (pattern[0] == '?' ? path[0] != '/' : pattern[0] == path[0])
    return globMatch(pattern.substr(1), path.substr(1));
  return false;
}

} // namespace awc::lint
