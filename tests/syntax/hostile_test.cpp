// Hostile input never crashes and always says why: empty and binary files, 10 MB lines,
// 10,000-deep nesting, long prefix-operator runs, invalid UTF-8, oversized files. Also
// recovery: separate errors are all reported, cascades are not.
#include "test_util.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <llvm/Support/Casting.h>
#include <random>

using namespace awc;

namespace {

std::string repeat(std::string_view s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i)
    out += s;
  return out;
}

std::string code(const test::Parsed& p, size_t i = 0) {
  std::string d = p.diag(i);
  return d == "none" ? d : d.substr(d.find(' ') + 1);
}

} // namespace

TEST_CASE("an empty file is an empty module", "[syntax][hostile]") {
  auto p = test::parse("");
  CHECK(p->diags.diagnostics().empty());
  CHECK(p->module->decls.empty());
  auto q = test::parse("  \n// only a comment\n/* and another */\n");
  CHECK(q->diags.diagnostics().empty());
}

TEST_CASE("random binary bytes are rejected as invalid UTF-8", "[syntax][hostile]") {
  std::mt19937 rng(12345);
  std::string bytes(64 * 1024, '\0');
  for (char& c : bytes)
    c = static_cast<char>(rng() & 0xFF);
  auto p = test::parse(bytes);
  CHECK(code(*p) == "AWC1004");
  CHECK(p->diags.diagnostics().size() == 1);
}

TEST_CASE("random printable garbage gets syntax diagnostics, bounded", "[syntax][hostile]") {
  std::mt19937 rng(777);
  const std::string alphabet = "abc xyz{}()[]<>=+-*/%\"'.,:;!@#$^&|\\\n\t0123456789_";
  for (int round = 0; round < 20; ++round) {
    std::string text(4096, ' ');
    for (char& c : text)
      c = alphabet[rng() % alphabet.size()];
    auto p = test::parse(text);
    INFO(text.substr(0, 200));
    REQUIRE(!p->diags.diagnostics().empty());
    std::string c = code(*p);
    CHECK((c == "AWC1001" || c == "AWC1002" || c == "AWC1003" || c == "AWC1005" || c == "AWC1006" ||
           c == "AWC1010"));
    CHECK(p->diags.diagnostics().size() <= 1000);
  }
}

TEST_CASE("a 10 MB string literal parses", "[syntax][hostile]") {
  std::string body(10 << 20, 'x');
  auto p = test::parse("const A = \"" + body + "\"\n");
  REQUIRE(p->diags.diagnostics().empty());
  auto* c = llvm::cast<ast::ConstDecl>(p->module->decls[0].get());
  CHECK(llvm::cast<ast::StringExpr>(c->value.get())->plainText().size() == body.size());
}

TEST_CASE("a 10 MB unterminated string is one diagnostic", "[syntax][hostile]") {
  auto p = test::parse("const A = \"" + std::string(10 << 20, 'x'));
  CHECK(p->diag() == "1:11 AWC1002");
  CHECK(p->diags.diagnostics().size() == 1);
}

TEST_CASE("a 10 MB line of 1+1+... is rejected before parsing", "[syntax][hostile]") {
  auto p = test::parse("const A = 1" + repeat("+1", 5 << 20) + "\n");
  CHECK(code(*p) == "AWC5002");
  CHECK(p->diags.diagnostics().size() == 1);
}

TEST_CASE("an operator chain deeper than maxExprDepth is reported, not recursed",
          "[syntax][hostile]") {
  // 1500 terms: under the pre-scan's run limit, over the AST depth limit.
  auto p = test::parse("const A = 1" + repeat(" + 1", 1500) + "\nconst B = 2\n");
  CHECK(code(*p) == "AWC5002");
  CHECK(p->diags.diagnostics().size() == 1);
  REQUIRE(p->module->decls.size() == 2); // the rest of the file is still there
  auto q = test::parse("const A = a" + repeat(".b", 1500) + "\n");
  CHECK(code(*q) == "AWC5002");
  auto ok = test::parse("const A = 1" + repeat(" + 1", 900) + "\n");
  CHECK(ok->diags.diagnostics().empty());
}

TEST_CASE("10,000-deep parentheses, brackets and braces hit the nesting limit",
          "[syntax][hostile]") {
  for (auto [open, close] : {std::pair{"(", ")"}, {"[", "]"}, {"{", "}"}}) {
    auto p = test::parse("const A = " + repeat(open, 10000) + "1" + repeat(close, 10000) + "\n");
    INFO(open);
    CHECK(p->diag() == "1:267 AWC1008"); // the 257th opener
    CHECK(p->diags.diagnostics().size() == 1);
  }
  // Unclosed, too.
  auto p = test::parse("const A = " + repeat("(", 10000));
  CHECK(code(*p) == "AWC1008");
}

TEST_CASE("nesting at the limit still parses", "[syntax][hostile]") {
  auto p = test::parse("const A = " + repeat("(", 255) + "1" + repeat(")", 255) + "\n");
  CHECK(p->diags.diagnostics().empty());
  syntax::ParseOptions tight;
  tight.maxNesting = 4;
  auto q = test::parse("const A = (((((1)))))\n", tight);
  CHECK(q->diag() == "1:15 AWC1008");
}

TEST_CASE("10,000 nested if blocks hit the nesting limit", "[syntax][hostile]") {
  std::string src = "workflow w(x: int) -> int {\n  a = " + repeat("if x > 1 { ", 10000) + "1" +
                    repeat(" } else { 2 }", 10000) + "\n  return a\n}\n";
  auto p = test::parse(src);
  CHECK(code(*p) == "AWC1008");
  CHECK(p->diags.diagnostics().size() == 1);
}

TEST_CASE("a 10,000-arm else-if chain is bounded", "[syntax][hostile]") {
  std::string src = "const A = if a { 0 }" + repeat(" else if a { 1 }", 10000) + " else { 2 }\n";
  auto p = test::parse(src);
  CHECK(code(*p) == "AWC5002");
  CHECK(p->diags.diagnostics().size() == 1);
}

TEST_CASE("10,000 prefix operators hit the limit", "[syntax][hostile]") {
  auto p = test::parse("const A = " + repeat("- ", 10000) + "1\n");
  CHECK(p->diag() == "1:523 AWC1008"); // the 257th '-'
  auto q = test::parse("const A = " + repeat("not ", 10000) + "true\n");
  CHECK(code(*q) == "AWC1008");
  auto r = test::parse("const A = " + repeat("-", 100) + "1\n");
  CHECK(r->diags.diagnostics().empty());
}

TEST_CASE("deeply nested generic types hit the limit", "[syntax][hostile]") {
  auto p =
      test::parse("const A: " + repeat("list<", 10000) + "int" + repeat(">", 10000) + " = 1\n");
  CHECK(code(*p) == "AWC1008");
}

TEST_CASE("invalid UTF-8 is reported at the first bad byte", "[syntax][hostile]") {
  auto inString = test::parse("const A = 1\nconst B = \"ab\xFF\xFE\"\n");
  CHECK(inString->diag() == "2:14 AWC1004");
  auto inIdent = test::parse("const A\xC3 = 1\n");
  CHECK(inIdent->diag() == "1:8 AWC1004");
  auto overlong = test::parse("const A = \"\xC0\xAF\"\n");
  CHECK(overlong->diag() == "1:12 AWC1004");
  auto surrogate = test::parse("const A = \"\xED\xA0\x80\"\n");
  CHECK(surrogate->diag() == "1:12 AWC1004");
  auto truncated = test::parse("const A = 1 // \xE2\x82");
  CHECK(truncated->diag() == "1:16 AWC1004");
}

TEST_CASE("files over maxFileBytes are rejected", "[syntax][hostile]") {
  syntax::ParseOptions small;
  small.maxFileBytes = 100;
  auto p = test::parse(std::string(101, ' '), small);
  CHECK(p->diag() == "1:1 AWC1009");
  auto q = test::parse(std::string(100, ' '), small);
  CHECK(q->diags.diagnostics().empty());
}

TEST_CASE("three separate errors are all reported", "[syntax][recovery]") {
  auto p = test::parse("workflow w(x: int) -> int {\n"
                       "  a = x * * 2\n" // 2:11: '*' where an operand belongs
                       "  b = [1, 2\n"   // 4:3: list not closed (found 'c')
                       "  c = 1\n"
                       "  d = llm m string { }\n" // 5:13: missing '->'
                       "  return a\n"
                       "}\n"
                       "const Z = 1\n");
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().size() == 3);
  CHECK(p->diag(0) == "2:11 AWC1001");
  CHECK(p->diag(1) == "4:3 AWC1001");
  CHECK(p->diag(2) == "5:13 AWC1001");
  // Recovery keeps the declarations around the errors.
  REQUIRE(p->module->decls.size() == 2);
  CHECK(p->module->decls[1]->name == "Z");
}

TEST_CASE("lexical and syntax errors in different places are all reported", "[syntax][recovery]") {
  auto p = test::parse("const A = \"bad \\q escape\"\n"
                       "const B = 1 @ 2\n"
                       "const C = \"open\n"
                       "const D = [1, 2\n"
                       "const E = 3\n");
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().size() >= 4);
  p->diags.sortByLocation();
  CHECK(p->diag(0) == "1:16 AWC1006");
  CHECK(p->diag(1) == "2:13 AWC1003");
  CHECK(p->diag(2) == "3:11 AWC1002");
  CHECK(p->diag(3) == "5:1 AWC1001");
}

TEST_CASE("one mistake gives one diagnostic", "[syntax][recovery]") {
  for (const char* src : {
           "workflow w() -> int {\n  a = llm -> string { user \"hi\" }\n  return 1\n}\n",
           "workflow w() { return 1 }\n",
           "workflow w() -> int {\n  a =\n  return a\n}\n",
           "workflow w() -> int {\n  a = (1 + 2\n  return a\n}\n",
       }) {
    auto p = test::parse(src);
    INFO(src << p->all());
    CHECK(p->diags.diagnostics().size() == 1);
  }
}

// Measurement, not a test: syntax_tests "[.bench]"
TEST_CASE("parse time of a 10k-step workflow", "[.bench]") {
  std::string src = "model fast = openai(\"m\")\nworkflow w(x: int) -> int {\n  s0 = x + 1\n";
  for (int i = 1; i < 10000; ++i) {
    if (i % 10 == 0)
      src += "  s" + std::to_string(i) +
             " = llm fast -> int { system \"Be exact.\" user \"Double {s" + std::to_string(i - 1) +
             "}\" temperature: 0 }\n";
    else
      src += "  s" + std::to_string(i) + " = s" + std::to_string(i - 1) + " * 2 + " +
             std::to_string(i) + "\n";
  }
  src += "  return s9999\n}\n";
  for (int run = 0; run < 5; ++run) {
    auto start = std::chrono::steady_clock::now();
    auto p = test::parse(src);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start);
    REQUIRE(p->diags.diagnostics().empty());
    std::cout << "10k-step workflow (" << src.size() << " bytes): parse " << ms.count()
              << " ms (run " << run + 1 << ")\n";
  }
}
