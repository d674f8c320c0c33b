// Tests for the expression evaluator: every node kind and operator, promotion, overflow,
// laziness, interpolation, the depth bound, refs, and the structural helpers.
#include "test_util.h"

#include <catch2/catch.hpp>

using namespace awc::stdlib;
using namespace awc::stdlib::test;

namespace {
json value(const EvalResult& r) {
  INFO(r.error());
  REQUIRE(r.ok());
  return r.value();
}
json lit(const json& v) {
  return {{"lit", v}};
}
} // namespace

TEST_CASE("literals and refs through the resolver", "[stdlib][eval]") {
  std::map<std::string, json> env{{"order", {{"status", "shipped"}, {"items", {10, 20, 30}}}},
                                  {"input.query", "where is it"}};
  CHECK(value(run(R"({"lit": {"a": [1, 2]}})")) == json{{"a", {1, 2}}});
  CHECK(value(run(R"({"ref": "input.query"})", env)) == "where is it");
  CHECK(value(run(R"({"field": "status", "of": {"ref": "order"}})", env)) == "shipped");
  CHECK(value(run(R"({"index": {"lit": 2}, "of": {"field": "items", "of": {"ref": "order"}}})",
                  env)) == 30);
  CHECK(value(run(R"({"index": {"lit": "status"}, "of": {"ref": "order"}})", env)) == "shipped");
  // Field of a computed (non-ref) record.
  CHECK(value(run(R"({"field": "k", "of": {"record": {"k": {"lit": 5}}}})")) == 5);
  CHECK(value(run(R"({"index": {"lit": 1}, "of": {"list": [{"lit": 7}, {"lit": 8}]}})")) == 8);

  CHECK(run(R"({"ref": "missing"})", env).error() == "unknown name 'missing'");
  CHECK(run(R"({"field": "eta", "of": {"ref": "order"}})", env).error() ==
        "record has no field 'eta'");
  CHECK(run(R"({"field": "x", "of": {"lit": 3}})").error() == "cannot read field 'x' of a int");
  CHECK(run(R"({"index": {"lit": 3}, "of": {"field": "items", "of": {"ref": "order"}}})", env)
            .error() == "index 3 out of range for a list of 3 elements");
  CHECK(run(R"({"index": {"lit": -1}, "of": {"lit": [1]}})").error() ==
        "index -1 out of range for a list of 1 elements");
  CHECK(run(R"({"index": {"lit": 1.0}, "of": {"lit": [1, 2]}})").error() ==
        "list index must be an int, got float");
  CHECK(run(R"({"index": {"lit": 0}, "of": {"lit": "abc"}})").error() == "cannot index a string");
}

TEST_CASE("evaluateConstant rejects refs", "[stdlib][eval]") {
  CHECK(evaluateConstant(json::parse(R"({"ref": "x"})")).error() == "'x' is not a constant");
  CHECK(evaluateConstant(json::parse(R"({"op": "+", "args": [{"lit": 1}, {"lit": 2}]})")).value() ==
        3);
}

TEST_CASE("arithmetic with int/float promotion", "[stdlib][eval]") {
  CHECK(value(op("+", 2, 3)) == 5);
  CHECK(value(op("+", 2, 3)).is_number_integer());
  CHECK(value(op("+", 2, 0.5)) == 2.5);
  CHECK(value(op("+", 2, 1.0)).is_number_float());
  CHECK(value(op("-", 2, 5)) == -3);
  CHECK(value(op("-", 2.5, 1)) == 1.5);
  CHECK(value(op("*", 4, 5)) == 20);
  CHECK(value(op("*", 4, 0.25)) == 1.0);
  CHECK(value(op("/", 7, 2)) == 3.5);
  CHECK(value(op("/", 6, 3)).is_number_float());
  CHECK(value(op("%", 7, 3)) == 1);
  CHECK(value(op("%", -7, 3)) == -1); // truncated, like C
  CHECK(value(op("%", INT64_MIN, -1)) == 0);
  CHECK(value(op("+", json::parse("5"), 1)) == 6); // unsigned JSON ints are ints
}

TEST_CASE("arithmetic errors: overflow, division by zero, types", "[stdlib][eval]") {
  CHECK(op("+", INT64_MAX, 1).error() == "integer overflow in '+'");
  CHECK(op("-", INT64_MIN, 1).error() == "integer overflow in '-'");
  CHECK(op("*", INT64_MAX / 2, 3).error() == "integer overflow in '*'");
  CHECK(op("*", 1e308, 10.0).error() == "float overflow in '*'");
  CHECK(op("/", 1, 0).error() == "division by zero");
  CHECK(op("/", 1.0, 0.0).error() == "division by zero");
  CHECK(op("%", 1, 0).error() == "division by zero in '%'");
  CHECK(op("%", 5.0, 2).error() == "'%' needs int operands, got float and int");
  CHECK(op("+", "a", 1).error() == "cannot apply '+' to string and int");
  CHECK(op("-", "a", "b").error() == "cannot apply '-' to string and string");
  CHECK(op("+", true, true).error() == "cannot apply '+' to bool and bool");
  CHECK(evaluateConstant({{"op", "neg"}, {"args", {lit(INT64_MIN)}}}).error() ==
        "integer overflow in negation");
  CHECK(evaluateConstant({{"op", "neg"}, {"args", {lit("x")}}}).error() ==
        "cannot negate a string");
  CHECK(evaluateConstant({{"op", "^"}, {"args", {lit(1), lit(2)}}}).error() ==
        "unknown operator '^'");
}

TEST_CASE("string and list concatenation", "[stdlib][eval]") {
  CHECK(value(op("+", "ab", "cd")) == "abcd");
  CHECK(value(op("+", json{1, 2}, json{3})) == json{1, 2, 3});
  CHECK(op("+", json{1}, "x").error() == "cannot apply '+' to list and string");
}

TEST_CASE("comparison and deep equality", "[stdlib][eval]") {
  CHECK(value(op("<", 1, 2)) == true);
  CHECK(value(op("<=", 2, 2)) == true);
  CHECK(value(op(">", 2, 1.5)) == true);
  CHECK(value(op(">=", 1.5, 2)) == false);
  CHECK(value(op("<", "apple", "banana")) == true);
  CHECK(value(op(">", "b", "a")) == true);
  CHECK(value(op("<", INT64_MAX - 1, INT64_MAX)) == true); // exact for ints
  CHECK(op("<", "a", 1).error() == "cannot apply '<' to string and int");
  CHECK(op("<", json{1}, json{2}).error() == "cannot apply '<' to list and list");
  CHECK(value(op("==", json{{"a", {1, 2}}}, json{{"a", {1, 2}}})) == true);
  CHECK(value(op("!=", json{{"a", {1, 2}}}, json{{"a", {1, 3}}})) == true);
  CHECK(value(op("==", 1, 1.0)) == true);
  CHECK(value(op("==", "1", 1)) == false);
}

TEST_CASE("logic: not, and/or short-circuit", "[stdlib][eval]") {
  CHECK(value(evaluateConstant({{"op", "not"}, {"args", {lit(false)}}})) == true);
  CHECK(evaluateConstant({{"op", "not"}, {"args", {lit(1)}}}).error() ==
        "'not' needs a bool, got int");
  // The right side would fail (unknown name); short-circuit must not evaluate it.
  json boom = {{"ref", "boom"}};
  CHECK(value(run(json{{"op", "and"}, {"args", {lit(false), boom}}}.dump())) == false);
  CHECK(value(run(json{{"op", "or"}, {"args", {lit(true), boom}}}.dump())) == true);
  CHECK(run(json{{"op", "and"}, {"args", {lit(true), boom}}}.dump()).error() ==
        "unknown name 'boom'");
  CHECK(value(op("and", true, true)) == true);
  CHECK(value(op("or", false, false)) == false);
  CHECK(value(evaluateConstant({{"op", "and"}, {"args", {lit(true), lit(true), lit(false)}}})) ==
        false);
  CHECK(op("and", 1, true).error() == "'and' needs bool operands, got int");
  CHECK(op("or", false, "x").error() == "'or' needs bool operands, got string");
}

TEST_CASE("if is lazy and needs a bool condition", "[stdlib][eval]") {
  json boom = {{"op", "/"}, {"args", {lit(1), lit(0)}}};
  CHECK(value(evaluateConstant({{"if", lit(true)}, {"then", lit("yes")}, {"else", boom}})) ==
        "yes");
  CHECK(value(evaluateConstant({{"if", lit(false)}, {"then", boom}, {"else", lit("no")}})) == "no");
  CHECK(evaluateConstant({{"if", lit(true)}, {"then", boom}, {"else", lit(0)}}).error() ==
        "division by zero");
  CHECK(evaluateConstant({{"if", lit(1)}, {"then", lit(1)}, {"else", lit(0)}}).error() ==
        "condition must be a bool, got int");
  CHECK(evaluateConstant({{"if", lit(true)}, {"then", lit(1)}}).error() ==
        "malformed expression: if node needs if, then and else");
}

TEST_CASE("list, record and text construction", "[stdlib][eval]") {
  std::map<std::string, json> env{{"total", 12.0}, {"n", 3}, {"mood", "positive"}, {"ok", true}};
  CHECK(value(run(R"({"list": [{"lit": 1}, {"ref": "n"}]})", env)) == json{1, 3});
  CHECK(value(run(R"({"record": {"b": {"ref": "n"}, "a": {"lit": "x"}}})", env)) ==
        json{{"a", "x"}, {"b", 3}});
  CHECK(value(run(R"({"text": [{"lit": "Total "}, {"ref": "total"}, {"lit": " for "}, {"ref": "n"},
      {"lit": " items, mood "}, {"ref": "mood"}, {"lit": ", ok="}, {"ref": "ok"},
      {"lit": ", data="}, {"lit": {"z": 1, "a": [0.5]}}]})",
                  env)) ==
        R"(Total 12.0 for 3 items, mood positive, ok=true, data={"a":[0.5],"z":1})");
  CHECK(value(run(R"({"text": []})")) == "");
  CHECK(run(R"({"text": [{"ref": "nope"}]})").error() == "unknown name 'nope'");
}

TEST_CASE("calls check names, arity and argument kinds", "[stdlib][eval]") {
  CHECK(value(run(R"({"call": "round", "args": [{"lit": 2.567}, {"lit": 2}]})")) == 2.57);
  CHECK(value(run(R"({"call": "len", "args": [{"ref": "xs"}]})", {{"xs", {1, 2, 3}}})) == 3);
  CHECK(run(R"({"call": "nosuch", "args": []})").error() == "unknown function 'nosuch'");
  CHECK(run(R"({"call": "sqrt", "args": []})").error() == "sqrt() takes 1 argument, got 0");
  CHECK(run(R"({"call": "round", "args": [{"lit": 1}, {"lit": 1}, {"lit": 1}]})").error() ==
        "round() takes 1 to 2 arguments, got 3");
  CHECK(run(R"({"call": "sqrt", "args": [{"lit": "4"}]})").error() ==
        "sqrt(): argument 'x' must be number, got string");
  CHECK(run(R"({"call": "sum", "args": [{"lit": [1, "a"]}]})").error() ==
        "sum(): argument 'list' must be list<number>, got list");
  // An argument error propagates before the call happens.
  CHECK(run(R"({"call": "abs", "args": [{"ref": "x"}]})").error() == "unknown name 'x'");
}

TEST_CASE("malformed trees are errors, not crashes", "[stdlib][eval]") {
  CHECK(evaluateConstant(json(5)).error() == "malformed expression: 5");
  CHECK(evaluateConstant(json::object()).error() == "malformed expression: {}");
  CHECK(evaluateConstant(json::parse(R"({"what": 1})")).error() ==
        R"(malformed expression: {"what":1})");
  CHECK(evaluateConstant(json::parse(R"({"ref": 1})")).error() ==
        "malformed expression: ref name must be a string");
  CHECK(evaluateConstant(json::parse(R"({"op": "+", "args": [{"lit": 1}]})")).error() ==
        "malformed expression: binary operator needs two arguments");
  CHECK(evaluateConstant(json::parse(R"({"list": 3})")).error() ==
        "malformed expression: list node needs an array");
}

TEST_CASE("deep expressions hit the depth bound instead of the stack", "[stdlib][eval]") {
  auto nested = [](int depth) {
    json e = lit(1);
    for (int i = 0; i < depth; ++i)
      e = json{{"op", "neg"}, {"args", {std::move(e)}}};
    return e;
  };
  CHECK(value(evaluateConstant(nested(kMaxExprDepth - 1))) == -1); // odd count of negations
  json deep = nested(100000);
  CHECK(evaluateConstant(deep).error() == "expression nested deeper than 512 levels");
  CHECK(validate(deep) == "expression nested deeper than 512 levels");
  std::vector<std::string> refs;
  collectRefs(deep, refs); // must return, not overflow
  CHECK(refs.empty());
  CHECK(isDeterministic(deep));
}

TEST_CASE("collectRefs lists every ref once, in tree order", "[stdlib][eval]") {
  json e = json::parse(R"({"text": [{"ref": "b"}, {"if": {"ref": "a"}, "then": {"ref": "b"},
      "else": {"call": "len", "args": [{"field": "x", "of": {"ref": "c"}}]}},
      {"record": {"k": {"index": {"ref": "i"}, "of": {"list": [{"ref": "d"}]}}}}]})");
  std::vector<std::string> refs;
  collectRefs(e, refs);
  CHECK(refs == std::vector<std::string>{"b", "a", "c", "d", "i"});
}

TEST_CASE("validate reports structural problems without evaluating", "[stdlib][eval]") {
  CHECK(validate(json::parse(R"({"op": "/", "args": [{"lit": 1}, {"lit": 0}]})")) == "");
  CHECK(validate(json::parse(R"({"call": "nosuch", "args": []})")) == "unknown function 'nosuch'");
  CHECK(validate(json::parse(R"({"call": "abs", "args": []})")) == "abs() takes 1 argument, got 0");
  CHECK(validate(json::parse(R"({"op": "**", "args": []})")) == "unknown operator '**'");
  CHECK(validate(json::parse(R"({"text": [{"bad": 1}]})")) == R"(malformed expression: {"bad":1})");
  CHECK(validate(json::parse(R"({"if": {"lit": true}, "then": {"lit": 1}})")) ==
        "malformed expression: if node needs if, then and else");
}

TEST_CASE("isDeterministic flags now() and today()", "[stdlib][eval]") {
  CHECK(isDeterministic(json::parse(R"({"call": "upper", "args": [{"ref": "x"}]})")));
  CHECK_FALSE(isDeterministic(json::parse(R"({"text": [{"call": "today"}]})")));
  CHECK_FALSE(isDeterministic(json::parse(R"({"call": "now", "args": []})")));
}

TEST_CASE("evaluation budgets: doubling values fail with overLimit, never exhaust memory",
          "[stdlib][eval]") {
  // Two lists of 2.2 million ints (about 35 MB each by approxValueBytes): their `+` is over
  // the 64 MB default and fails before the copy.
  json big = json(std::vector<int>(2'200'000, 1));
  EvalResult r = evaluateConstant({{"op", "+"}, {"args", {{{"lit", big}}, {{"lit", big}}}}});
  REQUIRE(!r.ok());
  CHECK(r.overLimit());
  CHECK_THAT(r.error(), Catch::Contains("'+' of two lists would be larger than 64 MB"));
  // Under the folding budget the limit is hit sooner, with the size in the message.
  EvalResult folded = evaluateConstant(
      {{"op", "+"},
       {"args", {{{"lit", json::array()}}, {{"lit", json(std::vector<int>(70000, 1))}}}}},
      kFoldLimits);
  REQUIRE(!folded.ok());
  CHECK(folded.overLimit());
  CHECK_THAT(folded.error(), Catch::Contains("larger than 1 MB"));
  // Strings: checked before the allocation.
  std::string half(40u << 20, 'x');
  EvalResult s = evaluateConstant({{"op", "+"}, {"args", {{{"lit", half}}, {{"lit", half}}}}});
  REQUIRE(!s.ok());
  CHECK(s.overLimit());
  CHECK_THAT(s.error(), Catch::Contains("longer than 64 MB"));
  // Text interpolation and list literals of big parts.
  std::string mb(600 * 1024, 'y');
  json parts = json::array({{{"lit", mb}}, {{"lit", mb}}});
  CHECK(evaluateConstant({{"text", parts}}, kFoldLimits).overLimit());
  CHECK(evaluateConstant({{"list", parts}}, kFoldLimits).overLimit());
  CHECK(
      evaluateConstant({{"record", {{"a", parts[0]}, {"b", parts[1]}}}}, kFoldLimits).overLimit());
  // Ordinary errors are not budget errors.
  CHECK(!evaluateConstant({{"op", "/"}, {"args", {{{"lit", 1}}, {{"lit", 0}}}}}).overLimit());
}

TEST_CASE("evaluation budgets: a step budget bounds the work", "[stdlib][eval]") {
  json e = {{"lit", 1}};
  for (int i = 0; i < 400; ++i)
    e = {{"op", "+"}, {"args", {e, {{"lit", 1}}}}};
  EvalLimits tight;
  tight.maxSteps = 100;
  EvalResult r = evaluateConstant(e, tight);
  REQUIRE(!r.ok());
  CHECK(r.overLimit());
  CHECK_THAT(r.error(), Catch::Contains("more than 100 steps"));
  CHECK(evaluateConstant(e).value() == 401);
}

TEST_CASE("functions that grow text check the 64 MB bound while building", "[stdlib][eval]") {
  std::string mb(1u << 20, 'a');
  EvalResult r = evaluateConstant(
      {{"call", "replace"},
       {"args",
        {{{"lit", mb}},
         {{"lit", "a"}},
         {{"lit", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}}});
  REQUIRE(!r.ok());
  CHECK(r.overLimit());
  CHECK_THAT(r.error(), Catch::Contains("replace: result larger than 64 MB"));
  std::string commas(3u << 20, ',');
  EvalResult sp =
      evaluateConstant({{"call", "split"}, {"args", {{{"lit", commas}}, {{"lit", ","}}}}});
  REQUIRE(!sp.ok());
  CHECK(sp.overLimit());
  json many = json::array();
  for (int i = 0; i < 70; ++i)
    many.push_back(mb);
  EvalResult j = evaluateConstant({{"call", "join"}, {"args", {{{"lit", many}}, {{"lit", ""}}}}});
  REQUIRE(!j.ok());
  CHECK_THAT(j.error(), Catch::Contains("join: result larger than 64 MB"));
}
