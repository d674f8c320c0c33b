// Malformed inputs: each row is source text and the exact first diagnostic
// ("line:col AWCnnnn"). Also recovery (several errors in one run, no cascades) and hints.
#include "test_util.h"

#include <catch2/catch.hpp>
#include <iostream>

using namespace awc;

namespace {

struct Case {
  const char* name;
  const char* source;
  const char* expected; // first diagnostic
};

// A workflow wrapper keeps most rows short: W("body") puts the body inside a workflow.
#define WF_OPEN "workflow w(x: int) -> int {\n"

const Case kCases[] = {
    {"missing closing brace", WF_OPEN "  a = x + 1\n  return a\n", "4:1 AWC1001"},
    {"missing = in a step", WF_OPEN "  a x + 1\n  return a\n}\n", "2:5 AWC1001"},
    {"bad token", WF_OPEN "  a = x @ 1\n  return a\n}\n", "2:9 AWC1003"},
    {"hash comment", "# comment\n", "1:1 AWC1003"},
    {"unterminated string", WF_OPEN "  a = \"hello\n  return a\n}\n", "2:7 AWC1002"},
    {"unterminated single-quoted string", "const A = 'abc\n", "1:11 AWC1002"},
    {"unterminated triple string", "const A = \"\"\"abc\n\nworkflow w() -> int { return 1 }\n",
     "1:11 AWC1002"},
    {"unterminated raw string", "const A = r\"abc\n", "1:11 AWC1002"},
    {"unterminated raw triple string", "const A = r\"\"\"abc\n", "1:11 AWC1002"},
    {"unterminated comment", "const A = 1\n/* never closed\nconst B = 2\n", "2:1 AWC1010"},
    {"unknown escape", "const A = \"a\\qb\"\n", "1:13 AWC1006"},
    {"bad unicode escape", "const A = \"\\u12G4\"\n", "1:12 AWC1006"},
    {"unclosed interpolation", "const A = \"value {x\"\n", "1:18 AWC1005"},
    {"unmatched closing brace in string", "const A = \"a } b\"\n", "1:14 AWC1005"},
    {"empty interpolation", "const A = \"a {} b\"\n", "1:14 AWC1005"},
    {"blank interpolation", "const A = \"a {  } b\"\n", "1:14 AWC1005"},
    {"error inside a hole", "const A = \"sum {1 + } done\"\n", "1:21 AWC1001"},
    {"stray character inside a hole", "const A = \"v {x $ y}\"\n", "1:17 AWC1003"},
    {"error inside a hole of a triple string", "const A = \"\"\"\n  line\n  {a +* b}\n  \"\"\"\n",
     "3:7 AWC1001"},
    {"int overflow", "const A = 9223372036854775808\n", "1:11 AWC1007"},
    {"int overflow with separators", "const A = 9_223_372_036_854_775_808\n", "1:11 AWC1007"},
    {"duration overflow", "const A = 9223372036854775807h\n", "1:11 AWC1007"},
    {"float overflow", "const A = 1e999\n", "1:11 AWC1007"},
    {"keyword as step name", WF_OPEN "  user = \"hi\"\n  return 1\n}\n", "2:3 AWC1001"},
    {"keyword as param name", "workflow w(map: int) -> int { return 1 }\n", "1:12 AWC1001"},
    {"return missing", WF_OPEN "  a = x + 1\n}\n", "3:1 AWC1001"},
    {"llm without arrow", WF_OPEN "  a = llm fast string { user \"hi\" }\n  return 1\n}\n",
     "2:16 AWC1001"},
    {"llm without model", WF_OPEN "  a = llm -> string { user \"hi\" }\n  return 1\n}\n",
     "2:11 AWC1001"},
    {"workflow without result type", "workflow w(x: int) { return x }\n", "1:20 AWC1001"},
    {"missing expression after =", WF_OPEN "  a =\n  return a\n}\n", "3:3 AWC1001"},
    {"binary operator without right operand", "const A = 1 +\n", "2:1 AWC1001"},
    {"unclosed parenthesis", "const A = (1 + 2\nconst B = 3\n", "2:1 AWC1001"},
    {"extra closing parenthesis", "const A = (1 + 2))\n", "1:18 AWC1001"},
    {"if without else", WF_OPEN "  a = if x > 1 { 1 }\n  return a\n}\n", "3:3 AWC1001"},
    {"if block without value", WF_OPEN "  a = if x > 1 { } else { 2 }\n  return a\n}\n",
     "2:18 AWC1001"},
    {"map without in", WF_OPEN "  a = map v [1, 2] { v }\n  return 1\n}\n", "2:13 AWC1001"},
    {"reduce without with", WF_OPEN "  a = reduce v in [1] acc = 0 { acc + v }\n  return 1\n}\n",
     "2:23 AWC1001"},
    {"model without provider call", "model fast = \"llama\"\n", "1:14 AWC1001"},
    {"ladder with no models", "ladder default = []\n", "1:19 AWC1001"},
    {"type with empty enum", "type Mood = enum { }\n", "1:20 AWC1001"},
    {"tool without implementation", "tool t(x: int) -> int\n", "2:1 AWC1001"},
    {"http tool without method", "tool t(x: int) -> int = http \"https://a\"\n", "1:30 AWC1001"},
    {"stray top-level expression", "1 + 2\n", "1:1 AWC1001"},
    {"statement outside workflow", "a = 1\n", "1:1 AWC1001"},
    {"semicolon", "const A = 1;\n", "1:12 AWC1003"},
    {"non-ascii character", "const A = 1 \xC3\xA9\n", "1:13 AWC1003"},
    {"unexpected end in record", "const A = { a: 1,\n", "2:1 AWC1001"},
    {"option without value", "model m = openai(\"x\") { price_in: }\n", "1:35 AWC1001"},
    {"generic type not closed", "const A: list<int = 1\n", "1:19 AWC1001"},
};

} // namespace

TEST_CASE("malformed inputs report the exact first diagnostic", "[syntax][diagnostics]") {
  for (const Case& c : kCases) {
    auto p = test::parse(c.source);
    INFO(c.name << "\n--- source ---\n" << c.source << "--- diagnostics ---\n" << p->all());
    CHECK(p->diag(0) == c.expected);
  }
}

// Manual aid for reviewing message wording: syntax_tests "[.print]"
TEST_CASE("print the rendered diagnostics of every malformed input", "[.print]") {
  for (const Case& c : kCases) {
    auto p = test::parse(c.source);
    std::cout << "== " << c.name << "\n" << renderAll(p->diags) << "\n";
  }
}
