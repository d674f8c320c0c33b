// Hostile input for sema: long definition chains and cycles (constants, steps, type aliases)
// end in a located error instead of a stack overflow; "did you mean" stays bounded for huge
// and numerous misspellings; imports cannot leave their folder or read non-flow files; the
// host allow-list and HTTP tool URLs are parsed by libcurl. Big inputs are generated here.
#include "sema_test_util.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <unistd.h>

using namespace awc;
using namespace awc::sema;
using namespace awc::sema::test;
using awc::testing::TempDir;
namespace fs = std::filesystem;

namespace {

/// `const C1 = C2 + 1` ... `const Cn = 0` (or `= C1 + 1` for a cycle).
std::string constChain(size_t n, bool cycle, bool reversed = false) {
  std::string s;
  for (size_t k = 0; k < n; ++k) {
    size_t i = reversed ? n - k : k + 1;
    if (i < n)
      s += fmt::format("const C{} = C{} + 1\n", i, i + 1);
    else
      s += cycle ? fmt::format("const C{} = C1 + 1\n", i) : fmt::format("const C{} = 0\n", i);
  }
  return s + "workflow w() -> int { return C1 }\n";
}

/// A workflow whose step sI uses s(I+1) (declared first: the deep order) or s(I-1).
std::string stepChain(size_t n, bool cycle, bool natural = false) {
  std::string s = "workflow w(x: int) -> int {\n";
  for (size_t i = 1; i <= n; ++i) {
    if (natural)
      s += i == 1 ? "  s1 = x\n" : fmt::format("  s{} = s{} + 1\n", i, i - 1);
    else if (i < n)
      s += fmt::format("  s{} = s{} + 1\n", i, i + 1);
    else
      s += cycle ? fmt::format("  s{} = s1 + 1\n", i) : fmt::format("  s{} = x\n", i);
  }
  return s + fmt::format("  return s{}\n}}\n", natural ? n : 1);
}

std::string aliasChain(size_t n, bool cycle) {
  std::string s;
  for (size_t i = 1; i < n; ++i)
    s += fmt::format("type T{} = T{}\n", i, i + 1);
  s += cycle ? fmt::format("type T{} = T1\n", n) : fmt::format("type T{} = int\n", n);
  return s + "workflow w(x: T1) -> int { return 1 }\n";
}

} // namespace

TEST_CASE("5,000 chained constants end in a located error", "[sema][hostile]") {
  for (bool cycle : {false, true}) {
    auto c = checkSource(constChain(5000, cycle), quiet());
    const Diagnostic* d = c->find(DiagCode::ChainTooDeep);
    REQUIRE(d);
    CHECK(d->range.valid());
    CHECK(d->message.find("chain too deep") != std::string::npos);
    CHECK(c->count(DiagCode::ChainTooDeep) == 1);
    CHECK(c->program->workflow == nullptr);
  }
  // The tail of a chain cut short is not reported as thousands of unused constants.
  AnalyzeOptions loud = quiet();
  loud.warnings = true;
  auto c = checkSource(constChain(5000, false), loud);
  CHECK(c->diags.diagnostics().size() < 5);
}

TEST_CASE("constants in dependency order are checked without deep recursion", "[sema][hostile]") {
  // Declared leaf first, each check is shallow; the expansion depth still has a limit,
  // because lowering expands constants recursively.
  auto c = checkSource(constChain(5000, false, true), quiet());
  const Diagnostic* d = c->find(DiagCode::ChainTooDeep);
  REQUIRE(d);
  CHECK(d->message.find("expanded") != std::string::npos);
  CHECK(c->count(DiagCode::ChainTooDeep) == 1);
  // A short chain is fine either way.
  auto ok = checkSource(constChain(100, false), quiet());
  INFO(ok->summary());
  CHECK(!ok->diags.hasErrors());
}

TEST_CASE("a 5,000-step chain or cycle of steps ends in a located error", "[sema][hostile]") {
  for (bool cycle : {false, true}) {
    auto c = checkSource(stepChain(5000, cycle), quiet());
    const Diagnostic* d = c->find(DiagCode::ChainTooDeep);
    REQUIRE(d);
    CHECK(c->sources.lineCol(d->range).line > 1);
    REQUIRE(!d->notes.empty());
    CHECK(d->notes[0].message.find("'s1'") != std::string::npos);
  }
}

TEST_CASE("a 5,000-step chain written in order is fine", "[sema][hostile]") {
  auto c = checkSource(stepChain(5000, false, true), quiet());
  INFO(c->summary().substr(0, 2000));
  CHECK(!c->diags.hasErrors());
  CHECK(c->program->workflow != nullptr);
}

TEST_CASE("20,000 type aliases in a chain or a cycle end in a located error", "[sema][hostile]") {
  for (bool cycle : {false, true}) {
    auto c = checkSource(aliasChain(20000, cycle), quiet());
    const Diagnostic* d = c->find(DiagCode::ChainTooDeep);
    REQUIRE(d);
    CHECK(d->range.valid());
  }
  auto ok = checkSource(aliasChain(200, false), quiet());
  INFO(ok->summary());
  CHECK(!ok->diags.hasErrors());
}

TEST_CASE("types nested through aliases are bounded", "[sema][hostile]") {
  std::string s;
  for (int i = 1; i < 300; ++i)
    s += fmt::format("type T{} = list<T{}>\n", i, i + 1);
  s += "type T300 = int\nworkflow w(x: T1) -> int { return 1 }\n";
  auto c = checkSource(s, quiet());
  CHECK(c->count(DiagCode::TypeTooDeep) == 1);
}

TEST_CASE("did-you-mean on a 100k-character name is bounded", "[sema][hostile][suggest]") {
  std::string longName(100000, 'q');
  auto c = checkSource(
      "const " + longName + "x = 1\nworkflow w() -> int { return " + longName + "y }\n", quiet());
  const Diagnostic* d = c->find(DiagCode::UnknownName);
  REQUIRE(d);
  CHECK(d->message.find("did you mean") == std::string::npos);
  CHECK(closestName(longName, {longName + "x"}).empty());
}

TEST_CASE("200 misspelled long names against 2,000 names are bounded", "[sema][hostile][suggest]") {
  // Names just under the suggestion length cap, so every comparison is a real one until the
  // compilation's budget runs out; and names far over it, which are skipped outright.
  for (size_t stemLength : {size_t(58), size_t(5000)}) {
    std::string stem(stemLength, 'n');
    std::string s;
    for (int i = 0; i < 2000; ++i)
      s += fmt::format("const {}{:04} = {}\n", stem, i, i);
    s += "workflow w() -> int {\n";
    for (int i = 0; i < 200; ++i)
      s += fmt::format("  _s{} = {}{:04}zz\n", i, stem, i * 7);
    s += "  return 1\n}\n";
    auto c = checkSource(s, quiet());
    const Diagnostic* d = c->find(DiagCode::UnknownName);
    REQUIRE(d);
    if (stemLength < 64) CHECK(d->message.find("did you mean") != std::string::npos);
  }
}

TEST_CASE("did-you-mean still finds close names", "[sema][suggest]") {
  CHECK(closestName("qurey", {"query", "other"}) == "query");
  CHECK(closestName("abc", {"abd", "xyz"}) == "abd");
  CHECK(closestName("customer_name", {"customer_nmae", "customer"}) == "customer_nmae");
  CHECK(closestName("a", {"bcd"}).empty());
  CHECK(closestName("counter", {"count"}) == "count");
  CHECK(closestName("counter", {"cnt"}).empty());
}

// ---------------------------------------------------------------------------
// Imports

TEST_CASE("import \"\" is an error", "[sema][imports][hostile]") {
  auto c = checkSource("import \"\"\nworkflow w() -> int { return 1 }\n", quiet());
  CHECK(c->count(DiagCode::ImportNotAllowed) == 1);
}

TEST_CASE("importing a non-flow file is refused without reading it", "[sema][imports][hostile]") {
  TempDir dir;
  dir.write("secret.txt", "API_KEY=sk-super-secret\n");
  std::string root = dir.write("main.flow", "import \"/proc/self/environ\"\nimport \"secret.txt\"\n"
                                            "workflow w() -> int { return 1 }\n");
  auto c = checkFile(root, quiet());
  INFO(c->summary());
  CHECK(c->count(DiagCode::ImportNotAllowed) == 2);
  CHECK(c->sources.fileCount() == 1); // nothing but the root was read
  CHECK(c->summary().find("sk-super-secret") == std::string::npos);
}

TEST_CASE("imports cannot climb out of the importing file's folder", "[sema][imports][hostile]") {
  TempDir dir;
  dir.write("outside.flow", "const SECRET = \"x\"\n");
  dir.write("secret.txt", "API_KEY=sk-super-secret\n");
  std::string root = dir.write("proj/main.flow", "import \"../outside.flow\"\n"
                                                 "workflow w() -> int { return 1 }\n");
  auto c = checkFile(root, quiet());
  INFO(c->summary());
  CHECK(c->count(DiagCode::ImportNotAllowed) == 1);
  CHECK(c->sources.fileCount() == 1);

  // A root given on the command line allows it.
  AnalyzeOptions o = quiet();
  o.importRoots.push_back(dir.path.string());
  auto allowed = checkFile(root, o);
  INFO(allowed->summary());
  CHECK(!allowed->diags.hasErrors());
}

TEST_CASE("a .flow symlink to a file outside is refused", "[sema][imports][hostile]") {
  TempDir dir;
  dir.write("secret.txt", "API_KEY=sk-super-secret\n");
  dir.write("elsewhere/real.flow", "const X = 1\n");
  std::string root = dir.write("proj/main.flow", "import \"link.flow\"\nimport \"sub.flow\"\n"
                                                 "workflow w() -> int { return 1 }\n");
  fs::create_symlink(dir.file("secret.txt"), dir.file("proj/link.flow"));
  fs::create_symlink(dir.file("elsewhere/real.flow"), dir.file("proj/sub.flow"));
  auto c = checkFile(root, quiet());
  INFO(c->summary());
  CHECK(c->count(DiagCode::ImportNotAllowed) == 2);
  CHECK(c->sources.fileCount() == 1);
  CHECK(c->summary().find("sk-super-secret") == std::string::npos);
}

// ---------------------------------------------------------------------------
// Hosts and HTTP tool URLs

namespace {

std::string toolFlow(const std::string& hosts, const std::string& url) {
  return hosts + "\ntool t(id: string) -> string = http GET \"" + url +
         "\"\nworkflow w() -> int { return 1 }\n";
}

} // namespace

TEST_CASE("host entries with a port are accepted, garbage is a located error", "[sema][hosts]") {
  auto ok = checkSource(
      toolFlow("host \"localhost:8080\", \"[::1]:8443\"", "http://localhost:8080/orders/{id}"),
      quiet());
  INFO(ok->summary());
  CHECK(!ok->diags.hasErrors());
  for (const char* bad : {"https://x.example/", "a b", "user@host", "host:99999", ""}) {
    auto c =
        checkSource(fmt::format("host \"{}\"\nworkflow w() -> int {{ return 1 }}\n", bad), quiet());
    INFO(bad << "\n" << c->summary());
    const Diagnostic* d = c->find(DiagCode::BadHost);
    REQUIRE(d);
    CHECK(c->sources.lineCol(d->range).line == 1);
  }
}

TEST_CASE("user info in a tool URL is an error", "[sema][hosts][hostile]") {
  auto c = checkSource(toolFlow("host \"orders.internal\"", "https://orders.internal:x@evil.com/"),
                       quiet());
  INFO(c->summary());
  CHECK(c->count(DiagCode::BadUrl) == 1);
  CHECK(c->find(DiagCode::BadUrl)->message.find("evil.com") != std::string::npos);
}

TEST_CASE("ports are checked against the allow-list", "[sema][hosts]") {
  // A bare host allows only the scheme's default port.
  auto c = checkSource(toolFlow("host \"api.example.com\"", "https://api.example.com:8443/{id}"),
                       quiet());
  CHECK(c->count(DiagCode::UndeclaredHost) == 1);
  CHECK(c->find(DiagCode::UndeclaredHost)->message.find("api.example.com:8443") !=
        std::string::npos);
  auto d = checkSource(toolFlow("host \"api.example.com\"", "https://API.example.com:443/{id}"),
                       quiet());
  CHECK(!d->diags.hasErrors());
  auto e = checkSource(toolFlow("host \"localhost:8080\"", "http://localhost:9090/{id}"), quiet());
  CHECK(e->count(DiagCode::UndeclaredHost) == 1);
}

TEST_CASE("holes may not be in the host part of a tool URL", "[sema][hosts][hostile]") {
  for (const char* url :
       {"https://{id}/x", "https://api.{id}.com/", "https://a.com:{id}/", "https://{id}@a.com/"}) {
    auto c = checkSource(toolFlow("host \"a.com\", \"api.x.com\"", url), quiet());
    INFO(url << "\n" << c->summary());
    CHECK(c->count(DiagCode::BadUrl) == 1);
  }
  auto ok =
      checkSource(toolFlow("host \"a.com\"", "https://a.com/items/{id}?q={id}#frag"), quiet());
  INFO(ok->summary());
  CHECK(!ok->diags.hasErrors());
}

TEST_CASE("expressions at the parser's limits check without trouble", "[sema][hostile]") {
  std::string sum = "1";
  for (int i = 0; i < 900; ++i)
    sum += " + 1";
  auto c = checkSource("const A = " + sum + "\nworkflow w() -> int { return A }\n", quiet());
  INFO(c->summary().substr(0, 1000));
  CHECK(!c->diags.hasErrors());

  // 200 nested list brackets parse (the parser allows 256) but make a type deeper than 100.
  std::string list = std::string(200, '[') + "1" + std::string(200, ']');
  auto d = checkSource("const L = " + list + "\nworkflow w() -> int { return 1 }\n", quiet());
  CHECK(d->count(DiagCode::TypeTooDeep) == 1);
  CHECK(d->find(DiagCode::TypeTooDeep)->range.valid());
}
