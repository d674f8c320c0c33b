// The four output formats of `awc lint`: text (gcc-style, the compiler's snippet renderer),
// JSON, SARIF 2.1.0 for code-scanning upload, and GitHub Actions workflow commands.
#include "awc/lint/lint.h"

#include <filesystem>
#include <fmt/format.h>
#include <set>

namespace awc::lint {
namespace {

std::string ruleLabel(const std::string& id) {
  const RuleInfo* r = findRule(id);
  return r ? fmt::format("{}/{}", id, r->name) : id;
}

SourceRange displayRange(const Finding& f) {
  return f.range;
}

std::string fixSummary(const Finding& f, const SourceManager& sm) {
  if (f.fixes.empty()) return "";
  if (f.fixIsSafe) return "fixable with `awc lint --fix`";
  const FixIt& x = f.fixes.front();
  std::string_view old = sm.text(x.range.file).substr(x.range.begin, x.range.end - x.range.begin);
  (void)old;
  return fmt::format("suggested fix (not applied by --fix): replace with `{}`", x.replacement);
}

struct Counts {
  size_t errors = 0, warnings = 0, notes = 0;
};

Counts countAll(const std::vector<FileResult>& results) {
  Counts c;
  for (const auto& r : results) {
    c.errors += r.count(Level::Error);
    c.warnings += r.count(Level::Warning);
    c.notes += r.count(Level::Note);
  }
  return c;
}

} // namespace

std::string renderText(const std::vector<FileResult>& results, const TextOptions& options) {
  std::string out;
  const char* bold = options.color ? "\x1b[1m" : "";
  const char* reset = options.color ? "\x1b[0m" : "";
  for (const FileResult& r : results) {
    if (r.ioError) {
      out += fmt::format("{}{}: {}error{}: {}\n", bold, r.path, options.color ? "\x1b[31m" : "",
                         reset, r.error);
      continue;
    }
    const SourceManager& sm = *r.compilation.sources;
    for (const Finding& f : r.findings) {
      Diagnostic d;
      d.severity = f.level == Level::Error     ? Severity::Error
                   : f.level == Level::Warning ? Severity::Warning
                                               : Severity::Note;
      d.range = displayRange(f);
      d.message = f.message;
      d.notes = f.notes;
      d.hints = f.hints;
      std::string fix = fixSummary(f, sm);
      if (!fix.empty()) d.hints.push_back(fix);
      std::string body = awc::renderText(d, sm, RenderOptions{options.color});
      size_t nl = body.find('\n');
      body = nl == std::string::npos ? std::string() : body.substr(nl + 1);
      const char* color = !options.color              ? ""
                          : f.level == Level::Error   ? "\x1b[31m"
                          : f.level == Level::Warning ? "\x1b[35m"
                                                      : "\x1b[36m";
      std::string where = f.range.valid() ? sm.describe(f.range) : r.path;
      out += fmt::format("{}{}: {}{}{}: {}{} [{}]{}\n", bold, where, color, levelName(f.level),
                         reset, bold, f.message, ruleLabel(f.ruleId), reset);
      out += body;
    }
  }
  Counts c = countAll(results);
  if (c.errors || c.warnings || c.notes)
    out += fmt::format("{} error{}, {} warning{}, {} note{} in {} file{}\n", c.errors,
                       c.errors == 1 ? "" : "s", c.warnings, c.warnings == 1 ? "" : "s", c.notes,
                       c.notes == 1 ? "" : "s", results.size(), results.size() == 1 ? "" : "s");
  return out;
}

nlohmann::json renderJson(const std::vector<FileResult>& results) {
  nlohmann::json findings = nlohmann::json::array();
  nlohmann::json errors = nlohmann::json::array();
  for (const FileResult& r : results) {
    if (r.ioError) {
      errors.push_back({{"file", r.path}, {"error", r.error}});
      continue;
    }
    const SourceManager& sm = *r.compilation.sources;
    for (const Finding& f : r.findings) {
      nlohmann::json j;
      j["ruleId"] = f.ruleId;
      const RuleInfo* rule = findRule(f.ruleId);
      j["rule"] = rule ? std::string(rule->name) : std::string("compile-error");
      j["level"] = levelName(f.level);
      j["message"] = f.message;
      if (f.range.valid()) {
        LineCol b = sm.lineCol(f.range.file, f.range.begin),
                e = sm.lineCol(f.range.file, f.range.end);
        j["file"] = std::string(sm.name(f.range.file));
        j["line"] = b.line;
        j["column"] = b.col;
        j["endLine"] = e.line;
        j["endColumn"] = e.col;
      } else {
        j["file"] = r.path;
      }
      nlohmann::json notes = nlohmann::json::array();
      for (const auto& n : f.notes) {
        nlohmann::json nj{{"message", n.message}};
        if (n.range.valid()) {
          LineCol lc = sm.lineCol(n.range);
          nj["file"] = std::string(sm.name(n.range.file));
          nj["line"] = lc.line;
          nj["column"] = lc.col;
        }
        notes.push_back(nj);
      }
      j["notes"] = notes;
      j["hints"] = f.hints;
      if (!f.fixes.empty()) {
        nlohmann::json edits = nlohmann::json::array();
        for (const FixIt& x : f.fixes)
          edits.push_back({{"offset", x.range.begin},
                           {"length", x.range.end - x.range.begin},
                           {"replacement", x.replacement}});
        j["fix"] = {{"safe", f.fixIsSafe}, {"edits", edits}};
      }
      findings.push_back(std::move(j));
    }
  }
  Counts c = countAll(results);
  return {{"version", 1},
          {"files", results.size()},
          {"findings", findings},
          {"ioErrors", errors},
          {"summary", {{"errors", c.errors}, {"warnings", c.warnings}, {"notes", c.notes}}}};
}

namespace {
std::string sarifLevel(Level l) {
  return l == Level::Error ? "error" : l == Level::Warning ? "warning" : "note";
}

std::string uriFor(std::string_view name, const std::string& baseDir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p(name);
  std::string s;
  if (!baseDir.empty()) {
    fs::path rel = fs::absolute(p, ec).lexically_normal().lexically_relative(
        fs::path(baseDir).lexically_normal());
    s = rel.generic_string();
    if (s.empty() || s.rfind("..", 0) == 0)
      s = fs::absolute(p, ec).lexically_normal().generic_string();
  } else {
    s = p.generic_string();
  }
  std::string out;
  for (char ch : s) {
    unsigned char u = static_cast<unsigned char>(ch);
    if (std::isalnum(u) || std::string_view("/-._~").find(ch) != std::string_view::npos)
      out += ch;
    else
      out += fmt::format("%{:02X}", u);
  }
  return s.rfind('/', 0) == 0 ? "file://" + out : out;
}
} // namespace

nlohmann::json renderSarif(const std::vector<FileResult>& results, const std::string& baseDir,
                           const std::string& toolVersion) {
  using nlohmann::json;
  json rules = json::array();
  std::map<std::string, size_t> ruleIndex;
  for (const RuleInfo& r : allRules()) {
    ruleIndex[std::string(r.id)] = rules.size();
    rules.push_back(
        {{"id", r.id},
         {"name", r.name},
         {"shortDescription", {{"text", r.shortDescription}}},
         {"fullDescription", {{"text", r.rationale}}},
         {"help", {{"text", r.help}}},
         {"helpUri", fmt::format("https://github.com/awc/awc/blob/main/docs/lint-rules.md#{}",
                                 std::string(r.id) + "-" + std::string(r.name))},
         {"defaultConfiguration",
          {{"level", r.level == Level::Off ? "none" : sarifLevel(r.level)}}},
         {"properties", {{"category", r.category}}}});
  }
  json out = json::array();
  json notifications = json::array();
  for (const FileResult& r : results) {
    if (r.ioError) {
      notifications.push_back(
          {{"level", "error"}, {"message", {{"text", r.path + ": " + r.error}}}});
      continue;
    }
    const SourceManager& sm = *r.compilation.sources;
    for (const Finding& f : r.findings) {
      if (!ruleIndex.count(f.ruleId)) {
        // Compile errors: one rule per AWC code, added on first use.
        ruleIndex[f.ruleId] = rules.size();
        rules.push_back(
            {{"id", f.ruleId},
             {"name", "compile-error"},
             {"shortDescription", {{"text", "the flow does not compile"}}},
             {"fullDescription",
              {{"text", "A compile error reported by the awc compiler (docs/diagnostics.md)."}}},
             {"help", {{"text", "Fix the error; `awc check FILE` shows the same diagnostic."}}},
             {"defaultConfiguration", {{"level", "error"}}}});
      }
      json res{{"ruleId", f.ruleId},
               {"ruleIndex", ruleIndex[f.ruleId]},
               {"level", sarifLevel(f.level)},
               {"message", {{"text", f.message}}}};
      json phys;
      std::string_view fileName =
          f.range.valid() ? sm.name(f.range.file) : std::string_view(r.path);
      phys["artifactLocation"] = {{"uri", uriFor(fileName, baseDir)}};
      if (f.range.valid()) {
        LineCol b = sm.lineCol(f.range.file, f.range.begin),
                e = sm.lineCol(f.range.file, f.range.end);
        json region{{"startLine", b.line}, {"startColumn", b.col}};
        if (e.line >= b.line && (e.line > b.line || e.col > b.col)) {
          region["endLine"] = e.line;
          region["endColumn"] = e.col;
        }
        phys["region"] = region;
      } else {
        phys["region"] = {{"startLine", 1}};
      }
      res["locations"] = json::array({{{"physicalLocation", phys}}});
      if (!f.fixes.empty() && f.range.valid()) {
        json reps = json::array();
        for (const FixIt& x : f.fixes) {
          LineCol b = sm.lineCol(x.range.file, x.range.begin),
                  e = sm.lineCol(x.range.file, x.range.end);
          reps.push_back({{"deletedRegion",
                           {{"startLine", b.line},
                            {"startColumn", b.col},
                            {"endLine", e.line},
                            {"endColumn", e.col}}},
                          {"insertedContent", {{"text", x.replacement}}}});
        }
        res["fixes"] = json::array(
            {{{"description", {{"text", f.fixIsSafe ? "safe fix" : "suggested rewrite"}}},
              {"artifactChanges", json::array({{{"artifactLocation", phys["artifactLocation"]},
                                                {"replacements", reps}}})}}});
      }
      out.push_back(std::move(res));
    }
  }
  json run{{"tool",
            {{"driver",
              {{"name", "awc-lint"},
               {"version", toolVersion},
               {"informationUri", "https://github.com/awc/awc/blob/main/docs/lint-rules.md"},
               {"rules", rules}}}}},
           {"results", out},
           {"columnKind", "unicodeCodePoints"}};
  if (!notifications.empty())
    run["invocations"] = json::array(
        {{{"executionSuccessful", false}, {"toolExecutionNotifications", notifications}}});
  return {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
          {"version", "2.1.0"},
          {"runs", json::array({run})}};
}

std::string githubEscapeData(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '%')
      out += "%25";
    else if (c == '\r')
      out += "%0D";
    else if (c == '\n')
      out += "%0A";
    else
      out += c;
  }
  return out;
}

std::string githubEscapeProperty(std::string_view text) {
  std::string out;
  for (char c : githubEscapeData(text)) {
    if (c == ':')
      out += "%3A";
    else if (c == ',')
      out += "%2C";
    else
      out += c;
  }
  return out;
}

std::string renderGithub(const std::vector<FileResult>& results) {
  std::string out;
  for (const FileResult& r : results) {
    if (r.ioError) {
      out += fmt::format("::error file={}::{}\n", githubEscapeProperty(r.path),
                         githubEscapeData(r.error));
      continue;
    }
    const SourceManager& sm = *r.compilation.sources;
    for (const Finding& f : r.findings) {
      const char* cmd = f.level == Level::Error     ? "error"
                        : f.level == Level::Warning ? "warning"
                                                    : "notice";
      std::string props =
          "file=" + githubEscapeProperty(f.range.valid() ? sm.name(f.range.file) : r.path);
      if (f.range.valid()) {
        LineCol b = sm.lineCol(f.range.file, f.range.begin),
                e = sm.lineCol(f.range.file, f.range.end);
        props += fmt::format(",line={},col={}", b.line, b.col);
        if (e.line > b.line || (e.line == b.line && e.col > b.col))
          props += fmt::format(",endLine={},endColumn={}", e.line, e.col);
      }
      props += ",title=" + githubEscapeProperty(ruleLabel(f.ruleId));
      std::string msg = f.message;
      for (const auto& h : f.hints)
        msg += "\nhint: " + h;
      out += fmt::format("::{} {}::{}\n", cmd, props, githubEscapeData(msg));
    }
  }
  return out;
}

} // namespace awc::lint
