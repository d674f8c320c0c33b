// Semantic analysis end to end: imports, cycles, did-you-mean, warnings, annotations on
// the AST, recovery, and a clean run of every example flow.
#include "sema_test_util.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <llvm/Support/Casting.h>
#include <unistd.h>

using namespace awc;
using namespace awc::sema;
using namespace awc::sema::test;
using awc::testing::TempDir;
namespace fs = std::filesystem;

namespace {

const char* const kDecls = R"(
host "api.example.com"
model fast = sim("fast-1")
model smart = sim("smart-1")
type Order = { status: string, qty: int, price: float }
tool lookup(id: string) -> Order = http GET "https://api.example.com/orders/{id}"
tool notify(to: string, text: string) -> bool = host { effect: side_effect }
)";

} // namespace

TEST_CASE("unknown names come with did-you-mean and a fix", "[sema]") {
  auto c = checkSource("workflow w(query: string) -> string {\n  return qurey\n}", quiet());
  const Diagnostic* d = c->find(DiagCode::UnknownName);
  REQUIRE(d);
  CHECK(d->message == "unknown name 'qurey'; did you mean 'query'?");
  REQUIRE(d->fixes.size() == 1);
  CHECK(d->fixes[0].replacement == "query");

  auto f = checkSource(
      std::string("workflow w(id: string) -> string {\n  o = lookup(id)\n  return o.stauts\n}") +
          kDecls,
      quiet());
  const Diagnostic* fd = f->find(DiagCode::UnknownField);
  REQUIRE(fd);
  CHECK(fd->message.find("did you mean 'status'?") != std::string::npos);

  auto m = checkSource(
      "model fast = openai(\"x\") { prise_in: 1 }\nworkflow w() -> int { return 1 }", quiet());
  const Diagnostic* md = m->find(DiagCode::UnknownOption);
  REQUIRE(md);
  CHECK(md->message.find("did you mean 'price_in'?") != std::string::npos);
}

TEST_CASE("dependency cycles give the full path with a note per edge", "[sema]") {
  auto c = checkSource("workflow w(n: int) -> int {\n"
                       "  a = b + n\n"
                       "  b = c * 2\n"
                       "  c = a - 1\n"
                       "  return a\n"
                       "}",
                       quiet());
  INFO(c->summary());
  REQUIRE(c->count(DiagCode::DependencyCycle) == 1);
  CHECK(c->diags.errorCount() == 1);
  const Diagnostic* d = c->find(DiagCode::DependencyCycle);
  CHECK(d->message == "dependency cycle: a → b → c → a");
  REQUIRE(d->notes.size() == 3);
  CHECK(c->sources.lineCol(d->notes[0].range).line == 2); // a uses b
  CHECK(c->sources.lineCol(d->notes[1].range).line == 3); // b uses c
  CHECK(c->sources.lineCol(d->notes[2].range).line == 4); // c uses a
  CHECK(d->notes[2].message == "'c' uses 'a' here");
}

TEST_CASE("a type mismatch names what has the wrong type", "[sema]") {
  auto c = checkSource("workflow w(n: int) -> string {\n"
                       "  return n\n"
                       "}",
                       quiet());
  INFO(c->summary());
  const Diagnostic* d = c->find(DiagCode::TypeMismatch);
  REQUIRE(d);
  CHECK(d->message == "the result of workflow 'w' has type int, but string is expected");
}

TEST_CASE("steps may be written in any order", "[sema]") {
  auto c =
      checkSource(std::string("workflow w(id: string) -> string {\n"
                              "  reply = llm smart -> string { user \"{order.status} {total}\" }\n"
                              "  total = order.price * order.qty\n"
                              "  order = lookup(id)\n"
                              "  return reply\n"
                              "}") +
                      kDecls,
                  quiet());
  INFO(c->summary());
  CHECK(c->diags.diagnostics().empty());
  REQUIRE(c->program->workflow);
  const auto& steps = c->program->workflow->steps;
  REQUIRE(steps.size() == 3);
  CHECK(steps[0]->type == c->program->types.string());
  CHECK(steps[1]->type == c->program->types.floating());
  CHECK(steps[2]->type->name() == "Order");
  auto* call = llvm::cast<ast::CallExpr>(steps[2]->value.get());
  CHECK(call->target == ast::CallExpr::Target::Tool);
  CHECK(call->tool == c->program->tools.lookup("lookup"));
  auto* llm = llvm::cast<ast::LlmExpr>(steps[0]->value.get());
  CHECK(llm->modelDecl == c->program->models.lookup("smart"));
  auto* mul = llvm::cast<ast::BinaryExpr>(steps[1]->value.get());
  auto* base = llvm::cast<ast::NameExpr>(llvm::cast<ast::FieldExpr>(mul->lhs.get())->base.get());
  CHECK(base->binding == ast::Binding::Step);
  CHECK(base->target == steps[2].get());
  CHECK(mul->lhs->type == c->program->types.floating());
  CHECK(mul->rhs->type == c->program->types.integer());
  CHECK(c->program->workflow->params[0]->type == c->program->types.string());
  CHECK(c->program->hosts == std::vector<std::string>{"api.example.com"});
}

TEST_CASE("if, map and reduce are typed", "[sema]") {
  auto c = checkSource("workflow w(xs: list<int>, flag: bool) -> float {\n"
                       "  doubled = map x in xs { y = x * 2\n y }\n"
                       "  total = reduce x in doubled with acc = 0.0 { acc + x }\n"
                       "  pick = if flag { 1 } else { 2.5 }\n"
                       "  words = reduce x in xs with acc = [] { acc + [\"{x}\"] }\n"
                       "  return total + pick + len(words)\n"
                       "}",
                       quiet());
  INFO(c->summary());
  CHECK(c->diags.diagnostics().empty());
  REQUIRE(c->program->workflow);
  auto& tc = c->program->types;
  const auto& steps = c->program->workflow->steps;
  CHECK(steps[0]->type == tc.list(tc.integer()));
  CHECK(steps[1]->type == tc.floating());
  CHECK(steps[2]->type == tc.floating());
  CHECK(steps[3]->type == tc.list(tc.string()));
  auto* map = llvm::cast<ast::MapExpr>(steps[0]->value.get());
  CHECK(map->varType == tc.integer());
  auto* y = llvm::cast<ast::NameExpr>(map->body.value.get());
  CHECK(y->binding == ast::Binding::Step);
}

TEST_CASE("every error of a file is reported in one run", "[sema]") {
  auto c = checkSource(std::string("type T = { a: int, a: int }\n" // 3013
                                   "model m = opnai(\"x\")\n"      // 2010
                                   "workflow w(q: string) -> string {\n"
                                   "  a = qq\n"                                  // 2001
                                   "  b = q + 1\n"                               // 3002
                                   "  o = lookup(q, q)\n"                        // 3003
                                   "  z = llm nope -> string { user \"{b}\" }\n" // 2003
                                   "  d = a.x\n"                                 // poisoned: silent
                                   "  return z\n"
                                   "}") +
                           kDecls,
                       quiet());
  INFO(c->summary());
  std::vector<std::string> codes;
  for (const Diagnostic& d : c->diags.diagnostics())
    codes.push_back(diagId(d.code));
  CHECK(codes ==
        std::vector<std::string>{"AWC3013", "AWC2010", "AWC2001", "AWC3002", "AWC3003", "AWC2003"});
  CHECK(c->program->workflow == nullptr);
}

TEST_CASE("syntax errors leave partial ASTs that sema survives", "[sema]") {
  const char* broken[] = {
      "workflow w( -> { x = = }",
      "workflow w(q: string) -> string { a = llm -> { user } return }",
      "tool t(x: ) -> = http GET\nworkflow w() -> int { a = t( return a }",
      "const = \nmodel = (\"\") {\nladder x = [\nworkflow",
      "workflow w(q: string) -> string { a = map in { } b = reduce x in with = { } return if { } "
      "else { } }",
      "workflow w() -> T { a = {x: , y: 1} b = [1, , 2] c = a. return c[ }",
  };
  for (const char* text : broken) {
    auto c = checkSource(text, quiet());
    INFO(text << "\n" << c->summary());
    CHECK(c->diags.hasErrors());
    CHECK(c->program->workflow == nullptr);
  }
}

TEST_CASE("choosing the workflow", "[sema]") {
  auto one = checkSource("workflow only() -> int { return 1 }", quiet());
  REQUIRE(one->program->workflow);
  CHECK(one->program->workflow->name == "only");

  auto withMain =
      checkSource("workflow a() -> int { return 1 }\nworkflow main() -> int { return 2 }", quiet());
  REQUIRE(withMain->program->workflow);
  CHECK(withMain->program->workflow->name == "main");

  auto many =
      checkSource("workflow a() -> int { return 1 }\nworkflow b() -> int { return 2 }", quiet());
  const Diagnostic* d = many->find(DiagCode::NoWorkflow);
  REQUIRE(d);
  CHECK(d->message.find("'a' and 'b'") != std::string::npos);

  AnalyzeOptions pick = quiet();
  pick.workflow = "b";
  auto chosen =
      checkSource("workflow a() -> int { return 1 }\nworkflow b() -> int { return 2 }", pick);
  REQUIRE(chosen->program->workflow);
  CHECK(chosen->program->workflow->name == "b");
}

TEST_CASE("imports: relative files, diamonds and std modules", "[sema][imports]") {
  TempDir dir;
  dir.write("lib/common.flow", "import \"shared.flow\"\nconst GREETING = \"Hello\"\n");
  dir.write("lib/shared.flow", "type Mood = enum { happy, sad }\nconst SIGN = \"-- ACME\"\n");
  dir.write("other.flow", "import \"lib/shared.flow\"\nmodel fast = sim(\"f\")\n");
  std::string root =
      dir.write("main.flow", "import \"lib/common.flow\"\nimport \"other.flow\"\nimport std/types\n"
                             "workflow w(m: Mood) -> string {\n"
                             "  a = llm fast -> string { system GREETING user \"{m} {SIGN}\" }\n"
                             "  return a\n}\n");
  auto c = checkFile(root, quiet());
  INFO(c->summary());
  CHECK(c->diags.diagnostics().empty());
  REQUIRE(c->program);
  // shared.flow is read once although two files import it; the root comes last.
  CHECK(c->program->modules.size() == 5);
  CHECK(c->program->modules.back()->file == c->root);
  CHECK(c->program->typeAliases.count("Mood") == 1);
}

TEST_CASE("an import cycle across three files names the whole path", "[sema][imports]") {
  TempDir dir;
  std::string a = dir.write("a.flow", "import \"b.flow\"\nworkflow w() -> int { return 1 }\n");
  dir.write("b.flow", "import \"c.flow\"\n");
  dir.write("c.flow", "// the way back\nimport \"a.flow\"\n");
  auto c = checkFile(a, quiet());
  INFO(c->summary());
  REQUIRE(c->count(DiagCode::ImportCycle) == 1);
  const Diagnostic* d = c->find(DiagCode::ImportCycle);
  CHECK(d->message == "import cycle: a.flow → b.flow → c.flow → a.flow");
  CHECK(c->sources.name(d->range.file).find("c.flow") != std::string_view::npos);
  CHECK(c->sources.lineCol(d->range).line == 2);
  CHECK(c->diags.errorCount() == 1);
}

TEST_CASE("a missing import is reported at the import", "[sema][imports]") {
  TempDir dir;
  std::string a = dir.write(
      "a.flow",
      "// header\nimport \"nope.flow\"\nimport std/nope\nworkflow w() -> int { return 1 }\n");
  auto c = checkFile(a, quiet());
  INFO(c->summary());
  CHECK(c->count(DiagCode::ImportNotFound) == 2);
  CHECK(c->sources.lineCol(c->find(DiagCode::ImportNotFound)->range).line == 2);
}

TEST_CASE("redefinitions across files point at the first definition", "[sema][imports]") {
  TempDir dir;
  dir.write("lib.flow", "const LIMIT = 10\n");
  std::string a = dir.write(
      "a.flow", "import \"lib.flow\"\nconst LIMIT = 20\nworkflow w() -> int { return LIMIT }\n");
  auto c = checkFile(a, quiet());
  const Diagnostic* d = c->find(DiagCode::Redefinition);
  REQUIRE(d);
  CHECK(c->sources.lineCol(d->range).line == 2);
  REQUIRE(d->notes.size() == 1);
  CHECK(c->sources.name(d->notes[0].range.file).find("lib.flow") != std::string_view::npos);
}

TEST_CASE("warnings: unused steps, inputs and constants", "[sema][warnings]") {
  AnalyzeOptions o = quiet();
  o.warnings = true;
  auto c = checkSource(std::string("const USED = \"x\"\nconst UNUSED = 1\n"
                                   "workflow w(q: string, extra: int, _skip: int) -> string {\n"
                                   "  a = \"{q} {USED}\"\n"
                                   "  dead = len(q)\n"
                                   "  _ignored = 1\n"
                                   "  sent = notify(q, a)\n"
                                   "  return a\n"
                                   "}") +
                           kDecls,
                       o);
  INFO(c->summary());
  CHECK(c->diags.errorCount() == 0);
  CHECK(c->count(DiagCode::UnusedConst) == 1);
  CHECK(c->count(DiagCode::UnusedInput) == 1);
  CHECK(c->count(DiagCode::UnusedStep) == 1);
  CHECK(c->sources.lineCol(c->find(DiagCode::UnusedConst)->range).line == 2);
  CHECK(c->find(DiagCode::UnusedInput)->message == "input 'extra' is never used");
  CHECK(c->find(DiagCode::UnusedStep)->message == "step 'dead' is never used");
  REQUIRE(c->program->workflow); // warnings do not block compilation

  o.warnings = false;
  auto silent = checkSource("const UNUSED = 1\nworkflow w(x: int) -> int { a = 1\n return 2 }", o);
  CHECK(silent->diags.diagnostics().empty());
}

TEST_CASE("every example flow passes the checker", "[sema][examples]") {
  fs::path dir = fs::path(AWC_SOURCE_DIR) / "examples";
  std::vector<fs::path> files;
  for (auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".flow") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE_FALSE(files.empty());
  for (const fs::path& f : files) {
    AnalyzeOptions o = quiet();
    auto c = checkFile(f.string(), o);
    INFO(f.filename().string() << "\n" << renderAll(c->diags));
    CHECK(c->diags.errorCount() == 0);
    CHECK(c->program);
    if (c->program) CHECK(c->program->workflow);
  }
}
