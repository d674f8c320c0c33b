// awc lint as a library: rules (one bad and one good case each), the docs catalogue, the
// output formats (SARIF checked against the 2.1.0 schema), configuration, suppressions and
// the safe fixes.
#include "awc/lint/lint.h"
#include "common/json_schema.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

using namespace awc;
using namespace awc::lint;
namespace fs = std::filesystem;

namespace {

const std::string kCases = AWC_SOURCE_DIR "/tests/lint/cases";

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool hasRule(const FileResult& r, std::string_view id) {
  for (const auto& f : r.findings)
    if (f.ruleId == id) return true;
  return false;
}

std::string describe(const FileResult& r) {
  std::string out;
  for (const auto& f : r.findings)
    out += f.ruleId + " " + f.message + "\n";
  return out;
}

FileResult lintText(const std::string& text, const Config& config = {}) {
  return lintSource("test.flow", text, config);
}

const char* kModel = R"(model small = openai("llama-3.1-8b") {
  key_env: "OPENAI_API_KEY",
  price_in: 0.05, price_out: 0.08,
  context: 8192, size: "small",
}
)";

// Plans compared across a fix: source positions and the fixed property may differ.
void scrub(nlohmann::json& j) {
  if (j.is_object()) {
    for (const char* k : {"loc", "source", "max_tokens_inferred", "source_file", "passes"})
      j.erase(k);
    for (auto& [k, v] : j.items())
      scrub(v);
  } else if (j.is_array()) {
    for (auto& v : j)
      scrub(v);
  }
}

} // namespace

TEST_CASE("every rule has a bad and a good case that behave", "[lint][rules]") {
  for (const RuleInfo& rule : allRules()) {
    std::string dir = kCases + "/" + std::string(rule.name);
    INFO("rule " << rule.id << " " << rule.name);
    REQUIRE(fs::exists(dir + "/bad.flow"));
    REQUIRE(fs::exists(dir + "/good.flow"));
    FileResult bad = lintFile(dir + "/bad.flow", Config{});
    FileResult good = lintFile(dir + "/good.flow", Config{});
    INFO("bad:\n" << describe(bad) << "good:\n" << describe(good));
    CHECK(hasRule(bad, rule.id));
    CHECK_FALSE(hasRule(good, rule.id));
    CHECK_FALSE(good.hasCompileErrors());
    if (rule.id != "AWL403") CHECK_FALSE(bad.hasCompileErrors());
  }
}

TEST_CASE("every rule is documented in docs/lint-rules.md with bad and good examples",
          "[lint][docs]") {
  std::string doc = readText(AWC_SOURCE_DIR "/docs/lint-rules.md");
  REQUIRE_FALSE(doc.empty());
  for (const RuleInfo& rule : allRules()) {
    std::string heading = fmt::format("## {} {}", rule.id, rule.name);
    INFO(heading);
    size_t at = doc.find(heading);
    REQUIRE(at != std::string::npos);
    size_t next = doc.find("\n## ", at + 1);
    std::string section = doc.substr(at, next == std::string::npos ? std::string::npos : next - at);
    CHECK(section.find(fmt::format("Default level: {}", levelName(rule.level))) !=
          std::string::npos);
    CHECK(section.find("Bad:") != std::string::npos);
    CHECK(section.find("Good:") != std::string::npos);
    CHECK(section.find("```flow") != std::string::npos);
  }
}

TEST_CASE("rule registry: ids unique, names kebab-case, lookup by either", "[lint][rules]") {
  std::set<std::string_view> ids, names;
  for (const RuleInfo& r : allRules()) {
    CHECK(ids.insert(r.id).second);
    CHECK(names.insert(r.name).second);
    CHECK(r.id.size() == 6);
    CHECK(r.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string_view::npos);
    CHECK(findRule(r.id) == &r);
    CHECK(findRule(r.name) == &r);
  }
  CHECK(findRule("AWL999") == nullptr);
}

TEST_CASE("compile errors are reported with their AWC code as errors", "[lint]") {
  FileResult r = lintText(std::string(kModel) + "workflow w(a: int) -> int {\n  return b\n}\n");
  REQUIRE(r.hasCompileErrors());
  bool found = false;
  for (const auto& f : r.findings)
    if (f.ruleId == "AWC2001") found = f.level == Level::Error;
  CHECK(found);
}

TEST_CASE("the examples compile and lint", "[lint][examples]") {
  std::vector<std::string> missing;
  std::vector<std::string> files = expandPaths({AWC_SOURCE_DIR "/examples"}, missing);
  REQUIRE(files.size() >= 7);
  size_t deterministic = 0;
  for (const auto& f : files) {
    FileResult r = lintFile(f, Config{});
    INFO(f << "\n" << describe(r));
    CHECK_FALSE(r.hasCompileErrors());
    for (const auto& x : r.findings)
      deterministic += x.ruleId == "AWL101";
  }
  CHECK(deterministic >= 5); // invoice.flow's arithmetic steps
}

TEST_CASE("SARIF output validates against the SARIF 2.1.0 schema", "[lint][sarif]") {
  std::string schema = AWC_SOURCE_DIR "/tests/lint/schemas/sarif-schema-2.1.0.json";
  INFO("schema vendored at " << schema);
  REQUIRE(fs::exists(schema));
  std::vector<FileResult> results;
  results.push_back(lintFile(kCases + "/deterministic-model-task/bad.flow", Config{}));
  results.push_back(lintFile(kCases + "/cache-hostile-prompt/bad.flow", Config{}));
  results.push_back(lintFile(kCases + "/undeclared-http-host/bad.flow", Config{}));
  nlohmann::json sarif = renderSarif(results, AWC_SOURCE_DIR, "0.1.0");
  CHECK(testing::validateAgainstSchema(sarif, schema) == "");
  const auto& run = sarif["runs"][0];
  CHECK(run["tool"]["driver"]["rules"].size() >= allRules().size());
  for (const auto& rule : run["tool"]["driver"]["rules"]) {
    CHECK(rule.contains("id"));
    CHECK(rule.contains("name"));
    CHECK(rule["shortDescription"].contains("text"));
    CHECK(rule["fullDescription"].contains("text"));
    CHECK(rule["help"].contains("text"));
    CHECK(rule["defaultConfiguration"].contains("level"));
  }
  REQUIRE_FALSE(run["results"].empty());
  for (const auto& res : run["results"]) {
    std::string uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"];
    CHECK(uri.rfind("tests/lint/cases/", 0) == 0); // repository-relative
    CHECK(res["locations"][0]["physicalLocation"]["region"]["startLine"].get<int>() >= 1);
    CHECK(res["locations"][0]["physicalLocation"]["region"]["startColumn"].get<int>() >= 1);
  }
  bool sawCompileError = false;
  for (const auto& res : run["results"])
    sawCompileError |= res["ruleId"] == "AWL403";
  CHECK(sawCompileError);
}

TEST_CASE("JSON output carries rule, level, position and fix", "[lint][json]") {
  std::vector<FileResult> results;
  results.push_back(lintFile(kCases + "/cache-hostile-prompt/bad.flow", Config{}));
  nlohmann::json j = renderJson(results);
  CHECK(j["version"] == 1);
  REQUIRE_FALSE(j["findings"].empty());
  bool found = false;
  for (const auto& f : j["findings"])
    if (f["ruleId"] == "AWL102") {
      found = true;
      CHECK(f["rule"] == "cache-hostile-prompt");
      CHECK(f["level"] == "warning");
      CHECK(f["line"].get<int>() == 11);
      CHECK(f["fix"]["safe"] == true);
    }
  CHECK(found);
  CHECK(j["summary"]["warnings"].get<int>() >= 1);
}

TEST_CASE("text output is gcc-style with the source line and a caret", "[lint][text]") {
  std::vector<FileResult> results;
  results.push_back(lintFile(kCases + "/unbounded-output/bad.flow", Config{}));
  std::string text = renderText(results);
  CHECK(text.find("unbounded-output/bad.flow:8:3: warning: ") != std::string::npos);
  CHECK(text.find("[AWL103/unbounded-output]") != std::string::npos);
  CHECK(text.find("  s = llm small -> string {") != std::string::npos);
  CHECK(text.find("^") != std::string::npos);
  CHECK(text.find("\x1b[") == std::string::npos);
  CHECK(renderText(results, {true}).find("\x1b[") != std::string::npos);
}

TEST_CASE("GitHub annotations escape data and properties", "[lint][github]") {
  CHECK(githubEscapeData("50%\r\nnext") == "50%25%0D%0Anext");
  CHECK(githubEscapeProperty("a:b,c%") == "a%3Ab%2Cc%25");
  std::vector<FileResult> results;
  results.push_back(lintFile(kCases + "/unbounded-output/bad.flow", Config{}));
  std::string out = renderGithub(results);
  CHECK(out.rfind("::warning file=", 0) == 0);
  CHECK(out.find(",line=8,col=3,") != std::string::npos);
  CHECK(out.find("title=AWL103/unbounded-output::") != std::string::npos);
  CHECK(out.find("%0Ahint: ") != std::string::npos);
}

TEST_CASE("configuration: levels, overrides per path, errors", "[lint][config]") {
  std::string error;
  auto c = Config::parse(R"(
exclude = ["generated/**"]
[rules]
AWL103 = "error"
tool-without-timeout = "off"
[[overrides]]
paths = ["legacy/**"]
rules = { unbounded-output = "note" }
)",
                         "/repo", error);
  REQUIRE(c);
  const RuleInfo& r103 = *findRule("AWL103");
  CHECK(c->levelFor(r103, "/repo/flows/a.flow") == Level::Error);
  CHECK(c->levelFor(r103, "/repo/legacy/x/a.flow") == Level::Note);
  CHECK(c->levelFor(*findRule("AWL502"), "/repo/a.flow") == Level::Off);
  CHECK(c->levelFor(*findRule("AWL101"), "/repo/a.flow") == Level::Warning);
  CHECK(c->excluded("/repo/generated/a/b.flow"));
  CHECK_FALSE(c->excluded("/repo/src/b.flow"));

  CHECK_FALSE(Config::parse("[rules]\nAWL999 = \"error\"\n", "/", error));
  CHECK(error.find("AWL999") != std::string::npos);
  CHECK_FALSE(Config::parse("[rules]\nAWL101 = \"loud\"\n", "/", error));
  CHECK_FALSE(Config::parse("[rules\n", "/", error));
  CHECK_FALSE(Config::parse("colour = 1\n", "/", error));

  // Applied while linting: the rule becomes an error; an override turns it off.
  std::string bad = kCases + "/unbounded-output/bad.flow";
  FileResult asError = lintFile(bad, *c);
  bool isError = false;
  for (const auto& f : asError.findings)
    isError |= f.ruleId == "AWL103" && f.level == Level::Error;
  CHECK(isError);
  auto off = Config::parse("[rules]\nunbounded-output = \"off\"\n", "/", error);
  REQUIRE(off);
  CHECK_FALSE(hasRule(lintFile(bad, *off), "AWL103"));
}

TEST_CASE("glob matching", "[lint][config]") {
  CHECK(globMatch("flows/legacy/**", "flows/legacy/a.flow"));
  CHECK(globMatch("flows/legacy/**", "flows/legacy/x/y/a.flow"));
  CHECK_FALSE(globMatch("flows/legacy/**", "flows/new/a.flow"));
  CHECK(globMatch("*.flow", "a.flow"));
  CHECK_FALSE(globMatch("*.flow", "dir/a.flow"));
  CHECK(globMatch("**/*.flow", "a.flow"));
  CHECK(globMatch("**/*.flow", "d/e/a.flow"));
  CHECK(globMatch("a?c", "abc"));
  CHECK_FALSE(globMatch("a?c", "a/c"));
}

TEST_CASE("suppressions: line, step, file", "[lint][suppress]") {
  std::string base = std::string(kModel) + R"(workflow w(q: string) -> string {
  s = llm small -> string {
    user "Answer: {q}"
    temperature: 0
  }
  return s
}
)";
  FileResult plain = lintText(base);
  REQUIRE(hasRule(plain, "AWL103"));

  std::string line = base;
  line.replace(line.find("  s = llm small -> string {"), 27,
               "  s = llm small -> string { // awc-lint: disable=AWL103");
  FileResult l = lintText(line);
  CHECK_FALSE(hasRule(l, "AWL103"));
  CHECK(l.suppressed == 1);

  std::string step = base;
  step.insert(step.find("  s = llm"), "  // awc-lint: disable=unbounded-output\n");
  CHECK_FALSE(hasRule(lintText(step), "AWL103"));

  std::string other = base;
  other.insert(other.find("  s = llm"), "  // awc-lint: disable=AWL101\n");
  CHECK(hasRule(lintText(other), "AWL103")); // a different rule named: still reported

  std::string file = "// awc-lint: disable-file=AWL103\n" + base;
  CHECK_FALSE(hasRule(lintText(file), "AWL103"));

  // A suppression inside the step body applies to that line only.
  std::string inner = base;
  inner.insert(inner.find("    temperature"), "    // awc-lint: disable=AWL103\n");
  CHECK(hasRule(lintText(inner), "AWL103"));
}

TEST_CASE("secret detection: prefixes, boundaries, randomness", "[lint][security]") {
  auto kinds = [](std::string_view t) { return findSecrets(t).size(); };
  CHECK(kinds("key sk-proj-4f9A8b7C6d5E4f3G2h1J0kLmNoPq end") == 1);
  CHECK(kinds("AKIAIOSFODNN7EXAMPLE") == 1);
  CHECK(kinds("ghp_0123456789abcdefghijABCDEFGHIJ0123456789") == 1);
  CHECK(kinds("-----BEGIN RSA PRIVATE KEY-----") == 1);
  CHECK(kinds("task-oriented-dialogue-system-design") == 0);
  CHECK(kinds("sk-short1") == 0);
  CHECK(kinds("sk-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") == 0); // no digits: not random
}

namespace {
// Applies --fix to a case file's text and returns the fixed result.
std::string fixText(const std::string& path, size_t& applied) {
  FileResult r = lintFile(path, Config{});
  std::vector<std::string> changes;
  return applySafeFixes(r, applied, changes);
}

nlohmann::json planOf(const std::string& name, const std::string& text) {
  Compilation c = compileSource(name, text);
  REQUIRE(c.ok());
  nlohmann::json p = c.plan;
  scrub(p);
  return p;
}
} // namespace

TEST_CASE("fix mode reorders prompts static-first without changing the plan", "[lint][fix]") {
  std::string path = kCases + "/cache-hostile-prompt/bad.flow";
  size_t applied = 0;
  std::string fixed = fixText(path, applied);
  CHECK(applied == 1);
  std::string original = readText(path);
  CHECK(fixed != original);
  CHECK(fixed.find("user RULES\n    user \"Question: {q}\"") != std::string::npos);
  FileResult again = lintSource(path, fixed, Config{});
  CHECK_FALSE(again.hasCompileErrors());
  CHECK_FALSE(hasRule(again, "AWL102"));
  CHECK(planOf(path, original) == planOf(path, fixed));
}

TEST_CASE("fix mode writes inferred max_tokens without changing the plan", "[lint][fix]") {
  std::string path = kCases + "/inferred-output-bound/bad.flow";
  size_t applied = 0;
  std::string fixed = fixText(path, applied);
  CHECK(applied == 1);
  CHECK(fixed.find("    temperature: 0\n    max_tokens: ") != std::string::npos);
  FileResult again = lintSource(path, fixed, Config{});
  CHECK_FALSE(again.hasCompileErrors());
  CHECK_FALSE(hasRule(again, "AWL105"));
  CHECK(planOf(path, readText(path)) == planOf(path, fixed));
}

TEST_CASE("fix mode leaves unsafe rewrites and broken files alone", "[lint][fix]") {
  size_t applied = 0;
  std::string path = kCases + "/deterministic-model-task/bad.flow";
  CHECK(fixText(path, applied) == readText(path));
  CHECK(applied == 0);
  FileResult r = lintFile(path, Config{});
  bool suggested = false;
  for (const auto& f : r.findings)
    suggested |= f.ruleId == "AWL101" && !f.fixes.empty() && !f.fixIsSafe;
  CHECK(suggested);
  FileResult broken = lintText("workflow w( {");
  std::vector<std::string> changes;
  CHECK(applySafeFixes(broken, applied, changes) == "workflow w( {");
  CHECK(applied == 0);
}

TEST_CASE("paths: directories recurse, globs expand, order is stable", "[lint][paths]") {
  std::vector<std::string> missing;
  auto files = expandPaths({kCases}, missing);
  CHECK(missing.empty());
  CHECK(files.size() == 2 * allRules().size());
  CHECK(std::is_sorted(files.begin(), files.end()));
  auto globbed = expandPaths({kCases + "/unused-*/bad.flow"}, missing);
  CHECK(globbed.size() == 4);
  expandPaths({kCases + "/nope.flow", kCases + "/zz*"}, missing);
  CHECK(missing.size() == 2);
}

TEST_CASE("a tool URL with user info is an error in lint too", "[lint][security]") {
  FileResult r = lintText(std::string(kModel) + R"(host "orders.internal"
tool get(id: string) -> string = http GET "https://orders.internal:x@evil.com/{id}"
workflow w(id: string) -> string {
  o = get(id)
  return o
}
)");
  INFO(describe(r));
  CHECK(r.hasCompileErrors());
  REQUIRE(hasRule(r, "AWL403"));
  for (const auto& f : r.findings)
    if (f.ruleId == "AWL403") CHECK(f.level == Level::Error);
}

TEST_CASE("a 3,000-step chain into a system prompt is followed without recursion",
          "[lint][security][hostile]") {
  std::string text = std::string(kModel) + "workflow w(q: string) -> string {\n  s1 = q\n";
  for (int i = 2; i <= 3000; ++i)
    text += fmt::format("  s{} = \"{{s{}}}!\"\n", i, i - 1);
  text += "  a = llm small -> string { system \"{s3000}\" user \"hi\" max_tokens: 10 }\n"
          "  return a\n}\n";
  FileResult r = lintText(text);
  INFO(describe(r).substr(0, 2000));
  CHECK_FALSE(r.hasCompileErrors());
  CHECK(hasRule(r, "AWL401"));
}

TEST_CASE("AWL102 leaves a document shared by sibling steps before their questions", "[lint]") {
  // Static after dynamic, but the dynamic part is the same document in both steps: the compiler
  // keeps it first so the siblings share it; only the step whose document is its own is told.
  std::string flow = std::string(kModel) + R"(
workflow w(doc: string, other: string) -> bool {
  a = llm small -> bool { user "Document:\n{doc}" user "Does the document mention a price?" nofuse }
  b = llm small -> bool { user "Document:\n{doc}" user "Does the document name a person?" nofuse }
  c = llm small -> bool { user "Text:\n{other}" user "Is the text signed?" nofuse }
  return a and b and c
}
)";
  FileResult r = lintText(flow);
  INFO(describe(r));
  size_t order = 0;
  for (const auto& f : r.findings)
    if (f.ruleId == "AWL102") {
      ++order;
      CHECK(f.message.find("'c'") != std::string::npos);
    }
  CHECK(order == 1);
}
