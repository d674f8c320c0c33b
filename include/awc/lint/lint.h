// awc lint: rules over a compiled flow (checked AST, -O2 IR and pass reports), per-path
// configuration, inline suppressions, safe mechanical fixes, and the text / JSON / SARIF /
// GitHub renderings that CI systems consume.
#pragma once

#include "awc/compiler/driver.h"
#include "awc/support/diagnostics.h"

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::lint {

/// How a finding is reported. `Off` disables a rule.
enum class Level : uint8_t { Off, Note, Warning, Error };
const char* levelName(Level level); // "off", "note", "warning", "error"
std::optional<Level> parseLevel(std::string_view text);

/// Static facts about one rule, from rules.def.
struct RuleInfo {
  std::string_view id;   // "AWL101"
  std::string_view name; // "deterministic-model-task"
  Level level;           // default level
  std::string_view category;
  std::string_view shortDescription;
  std::string_view rationale;
  std::string_view help;
};
/// Every rule, in id order.
const std::vector<RuleInfo>& allRules();
/// A rule by id ("AWL101") or name ("deterministic-model-task"); null when unknown.
const RuleInfo* findRule(std::string_view idOrName);

/// One problem found in a file. `ruleId` is an AWL rule or, for compile errors, the AWC code.
struct Finding {
  std::string ruleId;
  Level level = Level::Warning;
  SourceRange range;
  std::string message;
  std::vector<DiagNote> notes;
  std::vector<std::string> hints;
  std::vector<FixIt> fixes;
  bool fixIsSafe = false; // --fix applies only safe, meaning-preserving fixes
};

/// `.awc-lint.toml`: rule levels, and per-path overrides (globs relative to the file's dir).
struct Config {
  struct Override {
    std::vector<std::string> paths;
    std::map<std::string, Level> rules; // rule id → level
  };
  std::string baseDir; // directory of the config file; paths are matched relative to it
  std::map<std::string, Level> rules;
  std::vector<Override> overrides;
  std::vector<std::string> exclude; // globs of files never linted

  /// Parses TOML text; returns nullopt and sets `error` on bad syntax, unknown rules or levels.
  static std::optional<Config> parse(std::string_view text, const std::string& baseDir,
                                     std::string& error);
  /// Loads a file; nullopt + error when it cannot be read or parsed.
  static std::optional<Config> load(const std::string& path, std::string& error);
  /// `.awc-lint.toml` in `startDir` or the nearest parent; "" when there is none.
  static std::string discover(const std::string& startDir);

  /// The level of `rule` for a file at `path` (any form; made relative to baseDir).
  Level levelFor(const RuleInfo& rule, const std::string& path) const;
  bool excluded(const std::string& path) const;
};

/// Glob match with `*` (not `/`), `**` (anything, `/` included) and `?`.
bool globMatch(std::string_view pattern, std::string_view path);

struct LintOptions {
  CompileOptions compile; // -O2 with warnings by default
};

/// Everything linting one file produced. Owns the compilation (and so the source text).
struct FileResult {
  std::string path;     // as given / found
  bool ioError = false; // the file could not be read
  std::string error;
  Compilation compilation;
  std::vector<Finding> findings; // enabled, unsuppressed, sorted by position
  size_t suppressed = 0;

  size_t count(Level level) const;
  bool hasCompileErrors() const { return compilation.diags->hasErrors(); }
};

/// Lints one file from disk (compiled once at -O2).
FileResult lintFile(const std::string& path, const Config& config, const LintOptions& options = {});
/// Lints in-memory text under a display name.
FileResult lintSource(const std::string& name, std::string text, const Config& config,
                      const LintOptions& options = {});

/// Expands files, directories (recursive *.flow, hidden dirs skipped) and glob patterns
/// into a sorted, de-duplicated list. Paths that match nothing go to `missing`.
std::vector<std::string> expandPaths(const std::vector<std::string>& args,
                                     std::vector<std::string>& missing);

/// Applies the safe fixes of `result` to its source text; returns the new text and how many
/// edits were made (overlapping edits are skipped). Never called for files with errors.
std::string applySafeFixes(const FileResult& result, size_t& applied,
                           std::vector<std::string>& changes);

/// A secret-looking literal: byte range in the text and what it looks like.
struct SecretHit {
  uint32_t begin = 0, end = 0;
  std::string kind;
};
/// Well-known credential prefixes followed by a long random-looking run (AWL402).
std::vector<SecretHit> findSecrets(std::string_view text);

// Renderings -------------------------------------------------------------------------

struct TextOptions {
  bool color = false;
};
/// gcc-style: `file:line:col: warning: message [AWL101/deterministic-model-task]`, the
/// source line with a caret and underline, notes, hints, and the suggested fix.
std::string renderText(const std::vector<FileResult>& results, const TextOptions& options = {});
/// `{"version":1,"findings":[...],"summary":{...}}` (docs/lint-rules.md, "JSON output").
nlohmann::json renderJson(const std::vector<FileResult>& results);
/// A SARIF 2.1.0 log with one run; rules carry ids, names and help; uris are relative to
/// `baseDir` (normally the current directory).
nlohmann::json renderSarif(const std::vector<FileResult>& results, const std::string& baseDir,
                           const std::string& toolVersion);
/// GitHub Actions workflow commands (`::warning file=…,line=…,col=…::message`).
std::string renderGithub(const std::vector<FileResult>& results);

/// Escaping for GitHub workflow commands: data (message) and property values.
std::string githubEscapeData(std::string_view text);
std::string githubEscapeProperty(std::string_view text);

} // namespace awc::lint
