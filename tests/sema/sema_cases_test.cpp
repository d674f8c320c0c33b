// The table of ill-typed and malformed flows: each must produce exactly one error, with
// the given code, at the given line:col. A shared prelude of declarations follows each
// case's text, so line numbers count from the case's first line.
#include "sema_test_util.h"

#include <catch2/catch.hpp>

using namespace awc;
using namespace awc::sema::test;

namespace {

const char* const kPrelude = R"(

host "api.example.com"
model fast = sim("fast-1") { price_in: 0.1, price_out: 0.2 }
model smart = sim("smart-1")
ladder default = [fast, smart]
type Mood = enum { positive, neutral, negative }
type Order = { status: string, qty: int, price: float }
tool lookup(id: string, verbose: bool = false) -> Order = http GET "https://api.example.com/orders/{id}"
tool notify(to: string, text: string) -> bool = host { effect: side_effect }
workflow main() -> int { return 1 }
)";

// The inputs every workflow case may use.
#define W "workflow w(q: string, n: int, m: Mood, xs: list<int>, c: bool) -> string {\n"

struct Case {
  const char* name;
  const char* source;
  DiagCode code;
  uint32_t line, col;
  const char* workflow = "";
};

const Case kCases[] = {
    // Names and imports
    {"unknown name", W "  return qurey\n}", DiagCode::UnknownName, 2, 10},
    {"unknown name in a step", W "  a = len(qq)\n  return q\n}", DiagCode::UnknownName, 2, 11},
    {"keyword habit", W "  a = None\n  return q\n}", DiagCode::UnknownName, 2, 7},
    {"tool used as a value", W "  a = lookup\n  return q\n}", DiagCode::UnknownName, 2, 7},
    {"unknown type", "workflow w(q: strng) -> string { return q }", DiagCode::UnknownType, 1, 15},
    {"unknown generic", "workflow w(q: dict<string>) -> string { return \"\" }",
     DiagCode::UnknownType, 1, 15},
    {"unknown model", W "  a = llm fats -> string { user \"hi\" }\n  return a\n}",
     DiagCode::UnknownModel, 2, 11},
    {"ladder names unknown model", "ladder cheap = [fast, tiny]", DiagCode::UnknownModel, 1, 23},
    {"unknown tool", W "  o = lokup(q)\n  return q\n}", DiagCode::UnknownTool, 2, 7},
    {"model called like a function", W "  o = fast(q)\n  return q\n}", DiagCode::UnknownTool, 2, 7},
    {"redefinition", "const A = 1\nconst A = 2", DiagCode::Redefinition, 2, 7},
    {"redefinition across kinds", "const X = 1\nmodel X = sim(\"x\")", DiagCode::Redefinition, 2,
     7},
    {"import not found", "import \"missing_file_for_test.flow\"", DiagCode::ImportNotFound, 1, 1},
    {"unknown ladder", W "  a = llm auto(cheap) -> string { user \"hi\" }\n  return a\n}",
     DiagCode::UnknownLadder, 2, 11},
    {"unknown model option", "model m = sim(\"x\") { prise_in: 1 }", DiagCode::UnknownOption, 1,
     22},
    {"unknown llm option",
     W "  a = llm fast -> string { user \"hi\" tempreature: 0.5 }\n  return a\n}",
     DiagCode::UnknownOption, 2, 38},
    {"unknown llm flag", W "  a = llm fast -> string { user \"hi\" nofusee }\n  return a\n}",
     DiagCode::UnknownOption, 2, 38},
    {"unknown tool option", "tool t() -> string = host { retry: 2 }", DiagCode::UnknownOption, 1,
     29},
    {"unknown provider", "model m = opnai(\"x\")", DiagCode::UnknownProvider, 1, 11},
    {"unknown field", W "  o = lookup(q)\n  return o.stauts\n}", DiagCode::UnknownField, 3, 12},
    {"no such workflow", "const A = 1", DiagCode::NoWorkflow, 1, 1, "nope"},
    {"reserved type name", "type int = string", DiagCode::ReservedName, 1, 6},
    {"undeclared host", "tool t(x: string) -> string = http GET \"https://evil.example/{x}\"",
     DiagCode::UndeclaredHost, 1, 40},
    {"url hole names no parameter",
     "tool t(x: string) -> string = http GET \"https://api.example.com/{y}\"",
     DiagCode::UnknownName, 1, 65},
    // Types
    {"annotation mismatch", W "  a: int = \"seven\"\n  return q\n}", DiagCode::TypeMismatch, 2, 12},
    {"return type mismatch", W "  return n\n}", DiagCode::TypeMismatch, 2, 10},
    {"float to int", W "  a: int = n / 2\n  return \"{a}\"\n}", DiagCode::TypeMismatch, 2, 12},
    {"string plus int", W "  a = q + 1\n  return a\n}", DiagCode::BadOperands, 2, 9},
    {"modulo on floats", W "  a = 1.5 % 2\n  return \"{a}\"\n}", DiagCode::BadOperands, 2, 11},
    {"and on ints", W "  a = n and c\n  return \"{a}\"\n}", DiagCode::BadOperands, 2, 9},
    {"compare bool", W "  a = c < c\n  return \"{a}\"\n}", DiagCode::BadOperands, 2, 9},
    {"equality of incompatible types", W "  a = n == q\n  return \"{a}\"\n}", DiagCode::BadOperands,
     2, 9},
    {"negate a string", W "  a = -q\n  return a\n}", DiagCode::BadOperands, 2, 7},
    {"too many tool arguments", W "  o = lookup(q, true, 3)\n  return q\n}",
     DiagCode::WrongArgCount, 2, 23},
    {"stdlib arity", W "  a = len(q, q)\n  return \"{a}\"\n}", DiagCode::WrongArgCount, 2, 7},
    {"field of a string", W "  a = q.length\n  return \"{a}\"\n}", DiagCode::NotARecord, 2, 9},
    {"map over a string", W "  a = map x in q { x }\n  return \"{a}\"\n}", DiagCode::NotAList, 2,
     16},
    {"index a string", W "  a = q[0]\n  return a\n}", DiagCode::NotAList, 2, 7},
    {"interpolate a duration", W "  return \"wait {5m}\"\n}", DiagCode::NotInterpolable, 2, 17},
    {"enum member", W "  a = m == \"positve\"\n  return \"{a}\"\n}", DiagCode::UnknownEnumMember, 2,
     12},
    {"enum member in annotation", W "  a: Mood = \"happy\"\n  return \"{a}\"\n}",
     DiagCode::UnknownEnumMember, 2, 13},
    {"temperature out of range",
     W "  a = llm fast -> string { user \"hi\" temperature: 3 }\n  return a\n}",
     DiagCode::BadOptionValue, 2, 51},
    {"max_tokens not int",
     W "  a = llm fast -> string { user \"hi\" max_tokens: \"x\" }\n  return a\n}",
     DiagCode::BadOptionValue, 2, 50},
    {"bad effect", "tool t() -> string = host { effect: sometimes }", DiagCode::BadOptionValue, 1,
     37},
    {"model option type", "model m = sim(\"x\") { context: \"big\" }", DiagCode::BadOptionValue, 1,
     31},
    {"condition not bool", W "  a = if n { \"a\" } else { \"b\" }\n  return a\n}",
     DiagCode::ConditionNotBool, 2, 10},
    {"branches differ", W "  a = if c { \"a\" } else { 1 }\n  return \"{a}\"\n}",
     DiagCode::BranchTypeMismatch, 2, 7},
    {"prompt not a string", W "  a = llm fast -> string { user n }\n  return a\n}",
     DiagCode::NotAString, 2, 33},
    {"const calls a tool", "const A = lookup(\"1\")", DiagCode::ConstNotConstant, 1, 11},
    {"const contains llm", "const A = llm fast -> string { user \"hi\" }",
     DiagCode::ConstNotConstant, 1, 11},
    {"duplicate field", "type T = { a: int, a: string }", DiagCode::DuplicateField, 1, 20},
    {"duplicate record literal field", W "  a = { x: 1, x: 2 }\n  return \"{a}\"\n}",
     DiagCode::DuplicateField, 2, 15},
    {"duplicate enum member", "type E = enum { a, b, a }", DiagCode::DuplicateEnumMember, 1, 23},
    {"duration tool parameter", "tool t(d: duration) -> string = host", DiagCode::BadToolSignature,
     1, 11},
    {"no user prompt", W "  a = llm fast -> string { system \"x\" }\n  return a\n}",
     DiagCode::MissingPrompt, 2, 7},
    {"const division by zero", "const A = 1 / 0", DiagCode::DivisionByZero, 1, 15},
    {"missing argument", W "  o = lookup()\n  return q\n}", DiagCode::MissingArgument, 2, 7},
    {"bad argument name", W "  o = lookup(idd: q)\n  return q\n}", DiagCode::BadArgumentName, 2,
     14},
    {"argument type", W "  o = lookup(n)\n  return q\n}", DiagCode::TypeMismatch, 2, 14},
    {"probability above 1", W "  r = if likely(c, 1.5) { q } else { \"\" }\n  return r\n}",
     DiagCode::BadProbability, 2, 20},
    {"probability not a literal",
     W "  r = if likely(c, 0.5 * 1) { q } else { \"\" }\n  return r\n}", DiagCode::BadProbability,
     2, 20},
    {"probability from an input",
     W "  r = if likely(c, to_float(n)) { q } else { \"\" }\n  return r\n}",
     DiagCode::BadProbability, 2, 20},
    {"index not int", W "  a = xs[q]\n  return \"{a}\"\n}", DiagCode::TypeMismatch, 2, 10},
    {"list not homogeneous", W "  a = [1, \"x\"]\n  return \"{a}\"\n}", DiagCode::TypeMismatch, 2,
     11},
    {"reduce body type", W "  a = reduce x in xs with acc = 0 { acc + 0.5 }\n  return \"{a}\"\n}",
     DiagCode::TypeMismatch, 2, 37},
    {"type alias cycle", "type A = { next: B }\ntype B = list<A>", DiagCode::TypeAliasCycle, 1, 6},
    // Workflow structure
    {"reassignment", W "  a = 1\n  a = 2\n  return \"{a}\"\n}", DiagCode::Reassignment, 3, 3},
    {"dependency cycle", W "  a = b + 1\n  b = a + 1\n  return \"{a}\"\n}",
     DiagCode::DependencyCycle, 2, 3},
    {"const cycle", "const A = B\nconst B = A", DiagCode::DependencyCycle, 1, 7},
    {"llm nested in an expression",
     W "  a = len(llm fast -> string { user \"hi\" })\n  return \"{a}\"\n}",
     DiagCode::NotAtStepLevel, 2, 11},
    {"tool call in a list", W "  a = [lookup(q)]\n  return \"{a}\"\n}", DiagCode::NotAtStepLevel, 2,
     8},
    {"map in the return", W "  return \"{map x in xs { x }}\"\n}", DiagCode::NotAtStepLevel, 2, 12},
    {"self reference", W "  a = a + 1\n  return \"{a}\"\n}", DiagCode::SelfReference, 2, 7},
    {"shadowed name", W "  t = 1\n  a = map x in xs { t = x * 2\n t }\n  return \"{a}{t}\"\n}",
     DiagCode::ShadowedName, 3, 21},
    {"map variable shadows an input", W "  a = map q in xs { q }\n  return \"{a}\"\n}",
     DiagCode::ShadowedName, 2, 11},
};

} // namespace

TEST_CASE("ill-formed flows report one error with the exact code and place", "[sema][cases]") {
  REQUIRE(sizeof(kCases) / sizeof(kCases[0]) >= 40);
  for (const Case& c : kCases) {
    SECTION(c.name) {
      sema::AnalyzeOptions options;
      options.warnings = false;
      options.workflow = c.workflow;
      options.stdlibDir = AWC_SOURCE_DIR "/stdlib/flow";
      auto checked = checkSource(std::string(c.source) + kPrelude, options);
      INFO("case: " << c.name << "\n" << checked->summary());
      const Diagnostic* d = checked->first();
      REQUIRE(d != nullptr);
      CHECK(diagId(d->code) == diagId(c.code));
      LineCol lc = checked->sources.lineCol(d->range);
      CHECK(lc.line == c.line);
      CHECK(lc.col == c.col);
      CHECK(checked->diags.errorCount() == 1);
      CHECK(checked->program->workflow == nullptr);
    }
  }
}
