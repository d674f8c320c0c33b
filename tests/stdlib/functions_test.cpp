// Tests for the native function library: one table of normal cases and one of error cases, and
// coverage checks that every registered function appears in both and in docs/stdlib.md.
#include "awc/stdlib/functions.h"
#include "test_util.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

using namespace awc::stdlib;
using namespace awc::stdlib::test;

namespace {

struct Case {
  const char* fn;
  const char* args;     // JSON array of literal arguments
  const char* expected; // JSON value, or for errors a substring of the message
};

// Expected values are compared as JSON, and int vs float matters (checked via dump()).
const Case kOk[] = {
    // math
    {"abs", "[-3]", "3"},
    {"abs", "[-2.5]", "2.5"},
    {"min", "[3, 2]", "2"},
    {"min", "[3, 2.5]", "2.5"},
    {"max", "[3, 7]", "7"},
    {"max", "[1.0, 2]", "2.0"},
    {"round", "[2.567, 2]", "2.57"},
    {"round", "[2.5]", "3.0"},
    {"round", "[-2.5]", "-3.0"},
    {"round", "[7]", "7"},
    {"floor", "[2.7]", "2"},
    {"floor", "[-2.5]", "-3"},
    {"ceil", "[2.1]", "3"},
    {"ceil", "[5]", "5"},
    {"to_int", "[-2.9]", "-2"},
    {"to_float", "[3]", "3.0"},
    {"sqrt", "[16]", "4.0"},
    {"pow", "[2, 10]", "1024.0"},
    {"pow", "[4, 0.5]", "2.0"},
    {"clamp", "[15, 0, 10]", "10"},
    {"clamp", "[0.5, 1, 2]", "1.0"},
    {"percent", "[200, 15]", "30.0"},
    {"likely", "[true, 0.8]", "true"},
    {"likely", "[false, 1]", "false"},
    // lists
    {"len", "[[1, 2, 3]]", "3"},
    {"len", "[\"héllo\"]", "5"},
    {"len", "[{\"a\": 1}]", "1"},
    {"sum", "[[1, 2, 3]]", "6"},
    {"sum", "[[1, 2.5]]", "3.5"},
    {"sum", "[[]]", "0"},
    {"avg", "[[1, 2]]", "1.5"},
    {"count", "[[1, 2, 1, \"1\"], 1]", "2"},
    {"sort", "[[3, 1.5, 2]]", "[1.5, 2, 3]"},
    {"sort", "[[\"b\", \"a\", \"c\"]]", "[\"a\", \"b\", \"c\"]"},
    {"sort_desc", "[[3, 1, 2]]", "[3, 2, 1]"},
    {"reverse", "[[1, \"a\", true]]", "[true, \"a\", 1]"},
    {"unique", "[[3, 1, 3, 2, 1]]", "[3, 1, 2]"},
    {"first", "[[4, 5]]", "4"},
    {"last", "[[4, 5]]", "5"},
    {"join", "[[\"a\", 1, 2.0, true], \", \"]", "\"a, 1, 2.0, true\""},
    {"contains", "[[1, 2], 2]", "true"},
    {"contains", "[\"hello\", \"ell\"]", "true"},
    {"contains", "[{\"k\": 1}, \"j\"]", "false"},
    {"slice", "[[0, 1, 2, 3, 4], 1, 3]", "[1, 2]"},
    {"slice", "[[0, 1, 2, 3, 4], -2]", "[3, 4]"},
    {"slice", "[[0, 1], 5, 9]", "[]"},
    {"top", "[[5, 1, 9, 3], 2]", "[9, 5]"},
    {"top", "[[5], 3]", "[5]"},
    {"range", "[3]", "[0, 1, 2]"},
    {"range", "[2, 5]", "[2, 3, 4]"},
    {"range", "[-1]", "[]"},
    {"min_of", "[[3, 1, 2]]", "1"},
    {"max_of", "[[\"pear\", \"apple\"]]", "\"pear\""},
    {"keys", "[{\"b\": 1, \"a\": 2}]", "[\"a\", \"b\"]"},
    // strings
    {"upper", "[\"abc-é\"]", "\"ABC-é\""},
    {"lower", "[\"ABC\"]", "\"abc\""},
    {"trim", "[\"  x y \\n\"]", "\"x y\""},
    {"split", "[\"a,b,,c\", \",\"]", "[\"a\", \"b\", \"\", \"c\"]"},
    {"split", "[\"  two  words \"]", "[\"two\", \"words\"]"},
    {"replace", "[\"a-b-c\", \"-\", \"+\"]", "\"a+b+c\""},
    {"starts_with", "[\"hello\", \"he\"]", "true"},
    {"ends_with", "[\"hello\", \"lo\"]", "true"},
    {"ends_with", "[\"hello\", \"he\"]", "false"},
    {"substr", "[\"héllo\", 1, 3]", "\"éll\""},
    {"substr", "[\"hello\", 3]", "\"lo\""},
    {"substr", "[\"hello\", 3, 99]", "\"lo\""},
    {"find", "[\"héllo\", \"l\"]", "2"},
    {"find", "[\"hello\", \"z\"]", "-1"},
    {"word_count", "[\" one two\\tthree \"]", "3"},
    {"char_count", "[\"日本\"]", "2"},
    {"to_string", "[12.0]", "\"12.0\""},
    {"to_string", "[[1, \"a\"]]", "\"[1,\\\"a\\\"]\""},
    {"parse_int", "[\" -42 \"]", "-42"},
    {"parse_int", "[\"+7\"]", "7"},
    {"parse_float", "[\"2.5e3\"]", "2500.0"},
    {"parse_float", "[\"3\"]", "3.0"},
    {"format_number", "[1234567.891, 2]", "\"1,234,567.89\""},
    {"format_number", "[-1234]", "\"-1,234\""},
    {"format_number", "[-0.001, 2]", "\"0.00\""},
    {"format_number", "[999]", "\"999\""},
    {"format_money", "[1234.5]", "\"$1,234.50\""},
    {"format_money", "[-3, \"EUR\"]", "\"-€3.00\""},
    {"format_money", "[1234.5, \"JPY\"]", "\"¥1,235\""},
    {"format_money", "[10, \"CHF\"]", "\"10.00 CHF\""},
    // json
    {"parse_json", "[\"{\\\"a\\\": [1, 2]}\"]", "{\"a\": [1, 2]}"},
    {"json_get", "[{\"a\": {\"b\": [5, 6]}}, \"a.b[1]\"]", "6"},
    {"json_get", "[\"{\\\"a\\\": [{\\\"c\\\": true}]}\", \"a[0].c\"]", "true"},
    {"json_get", "[[1, 2], \"[0]\"]", "1"},
    {"json_get", "[{\"a\": 1}, \"\"]", "{\"a\": 1}"},
    {"json_get", "[{\"a\": 1}, \"b\", \"none\"]", "\"none\""},
    {"to_json", "[{\"b\": 1, \"a\": \"x\"}]", "\"{\\\"a\\\":\\\"x\\\",\\\"b\\\":1}\""},
    // dates
    {"date_add", "[\"2024-02-28\", 1]", "\"2024-02-29\""},
    {"date_add", "[\"2023-12-31\", 1]", "\"2024-01-01\""},
    {"date_add", "[\"2024-03-01\", -1]", "\"2024-02-29\""},
    {"date_add", "[\"1900-02-28\", 1]", "\"1900-03-01\""},
    {"date_add_months", "[\"2024-01-31\", 1]", "\"2024-02-29\""},
    {"date_add_months", "[\"2023-01-31\", 1]", "\"2023-02-28\""},
    {"date_add_months", "[\"2024-11-15\", 3]", "\"2025-02-15\""},
    {"date_add_months", "[\"2024-03-31\", -1]", "\"2024-02-29\""},
    {"date_add_months", "[\"2024-05-10\", -17]", "\"2022-12-10\""},
    {"date_add_months", "[\"2024-05-10\", 0]", "\"2024-05-10\""},
    {"days_between", "[\"2024-01-01\", \"2024-12-31\"]", "365"},
    {"days_between", "[\"2024-01-10\", \"2024-01-01\"]", "-9"},
    {"months_between", "[\"2025-01-31\", \"2026-03-15\"]", "13"},
    {"months_between", "[\"2024-01-31\", \"2024-02-29\"]", "1"},
    {"months_between", "[\"2024-03-15\", \"2024-03-14\"]", "0"},
    {"months_between", "[\"2024-05-10\", \"2024-02-10\"]", "-3"},
    {"years_between", "[\"1990-06-15\", \"2026-06-14\"]", "35"},
    {"years_between", "[\"1990-06-15\", \"2026-06-15\"]", "36"},
    {"years_between", "[\"2000-02-29\", \"2001-02-28\"]", "1"},
    {"years_between", "[\"2026-06-15\", \"1990-06-15\"]", "-36"},
    {"weekday", "[\"2024-01-01\"]", "\"Monday\""},
    {"weekday", "[\"2000-02-29\"]", "\"Tuesday\""},
    {"weekday", "[\"0001-01-01\"]", "\"Monday\""},
    {"format_date", "[\"2024-03-05\", \"dddd, MMMM D, YYYY\"]", "\"Tuesday, March 5, 2024\""},
    {"format_date", "[\"2024-03-05\", \"DD/MM/YY 'at' ddd MMM\"]", "\"05/03/24 at Tue Mar\""},
    // units
    {"convert", "[1, \"km\", \"m\"]", "1000.0"},
    {"convert", "[1, \"mi\", \"km\"]", "1.609344"},
    {"convert", "[100, \"C\", \"F\"]", "212.0"},
    {"convert", "[32, \"F\", \"C\"]", "0.0"},
    {"convert", "[0, \"C\", \"K\"]", "273.15"},
    {"convert", "[1, \"lb\", \"g\"]", "453.59237"},
    {"convert", "[1, \"gal\", \"ml\"]", "3785.411784"},
    {"convert", "[90, \"min\", \"h\"]", "1.5"},
    // regex
    {"matches", "[\"order #123\", \"#[0-9]+\"]", "true"},
    {"matches", "[\"order\", \"^rder\"]", "false"},
    {"extract", "[\"order #123 ok\", \"#([0-9]+)\"]", "\"123\""},
    {"extract", "[\"order #123 ok\", \"[a-z]+\"]", "\"order\""},
    {"extract", "[\"none\", \"[0-9]+\"]", "\"\""},
};

const Case kErr[] = {
    {"likely", "[true, 1.5]", "likely: probability 1.5 is outside 0 to 1"},
    {"abs", "[-9223372036854775808]", "abs: integer overflow"},
    {"min", "[\"a\", 1]", "argument 'a' must be number, got string"},
    {"max", "[1]", "max() takes 2 arguments, got 1"},
    {"round", "[1.5, 20]", "digits must be between 0 and 15"},
    {"floor", "[1e300]", "does not fit an int"},
    {"ceil", "[-1e300]", "does not fit an int"},
    {"to_int", "[1e19]", "does not fit an int"},
    {"to_float", "[\"1\"]", "must be number"},
    {"sqrt", "[-1]", "sqrt: argument is negative"},
    {"pow", "[0, -1]", "zero to a negative power"},
    {"pow", "[10, 400]", "not a finite number"},
    {"clamp", "[1, 5, 0]", "lower bound is above upper bound"},
    {"percent", "[1e308, 1e10]", "not a finite number"},
    {"len", "[5]", "len: needs a list, string or record, got int"},
    {"sum", "[[9223372036854775807, 1]]", "sum: integer overflow"},
    {"avg", "[[]]", "avg: the list is empty"},
    {"count", "[\"abc\", \"a\"]", "argument 'list' must be list, got string"},
    {"sort", "[[1, \"a\"]]", "elements must be all numbers or all strings"},
    {"sort_desc", "[[true]]", "elements must be all numbers or all strings"},
    {"reverse", "[\"abc\"]", "must be list"},
    {"unique", "[1]", "must be list"},
    {"first", "[[]]", "first: the list is empty"},
    {"last", "[[]]", "last: the list is empty"},
    {"join", "[[1], 0]", "argument 'sep' must be string"},
    {"contains", "[\"abc\", 1]", "searching a string needs a string"},
    {"slice", "[[1], 0.5]", "argument 'from' must be int, got float"},
    {"top", "[[1], -1]", "top: n must not be negative"},
    {"range", "[10000000]", "more than 1000000 elements"},
    {"min_of", "[[]]", "min_of: the list is empty"},
    {"max_of", "[[1, \"a\"]]", "all numbers or all strings"},
    {"keys", "[[1]]", "must be record"},
    {"upper", "[1]", "argument 'text' must be string, got int"},
    {"lower", "[null]", "got null"},
    {"trim", "[[]]", "got list"},
    {"split", "[\"a\", \"\"]", "split: separator is empty"},
    {"replace", "[\"a\", \"\", \"b\"]", "the text to replace is empty"},
    {"starts_with", "[\"a\"]", "takes 2 arguments, got 1"},
    {"ends_with", "[\"a\", 1]", "must be string"},
    {"substr", "[\"abc\", 4]", "start 4 out of range for a string of 3 characters"},
    {"find", "[\"abc\"]", "takes 2 arguments"},
    {"word_count", "[3]", "must be string"},
    {"char_count", "[3]", "must be string"},
    {"to_string", "[]", "takes 1 argument, got 0"},
    {"parse_int", "[\"12abc\"]", "parse_int: '12abc' is not an int"},
    {"parse_int", "[\"99999999999999999999\"]", "is not an int"},
    {"parse_float", "[\"inf\"]", "parse_float: 'inf' is not a number"},
    {"parse_float", "[\"1.5x\"]", "is not a number"},
    {"format_number", "[1, 13]", "decimals must be between 0 and 12"},
    {"format_money", "[1, \"usd\"]", "'usd' is not a 3-letter ISO 4217 currency code"},
    {"parse_json", "[\"{bad\"]", "parse_json: invalid JSON"},
    {"json_get", "[{\"a\": 1}, \"a.b\"]", "json_get: field 'b' of a int in path 'a.b'"},
    {"json_get", "[[1], \"[3]\"]", "index 3 out of range"},
    {"to_json", "[1, 2]", "takes 1 argument, got 2"},
    {"date_add", "[\"2023-02-29\", 1]", "'2023-02-29' is not a date"},
    {"date_add_months", "[\"9999-12-01\", 1]", "outside years 1-9999"},
    {"date_add_months", "[\"0001-01-01\", -1]", "outside years 1-9999"},
    {"date_add_months", "[\"2024-1-01\", 1]", "is not a date"},
    {"date_add", "[\"9999-12-31\", 1]", "outside years 1-9999"},
    {"days_between", "[\"2024-1-1\", \"2024-01-02\"]", "is not a date"},
    {"years_between", "[\"2024-02-30\", \"2024-03-01\"]", "is not a date"},
    {"months_between", "[\"2024-03-01\", \"March 5\"]", "is not a date"},
    {"weekday", "[\"2024-13-01\"]", "is not a date"},
    {"format_date", "[\"2024-01-01\", \"'oops\"]", "unclosed quote"},
    {"convert", "[1, \"km\", \"kg\"]", "cannot convert km (length) to kg (mass)"},
    {"convert", "[1, \"parsec\", \"m\"]", "unknown unit 'parsec'"},
    {"convert", "[-500, \"C\", \"K\"]", "below absolute zero"},
    {"matches", "[\"a\", \"(\"]", "invalid regular expression"},
    {"extract", "[\"a\", \"[\"]", "invalid regular expression"},
    {"now", "[1]", "now() takes 0 arguments, got 1"},
    {"today", "[1]", "today() takes 0 arguments, got 1"},
};

} // namespace

TEST_CASE("every function computes its documented examples", "[stdlib][functions]") {
  for (const Case& c : kOk) {
    INFO(c.fn << c.args);
    json got = callOk(c.fn, json::parse(c.args));
    json want = json::parse(c.expected);
    CHECK(got.dump() == want.dump()); // dump() tells 2 from 2.0
  }
}

TEST_CASE("every function reports bad input as an error", "[stdlib][functions]") {
  for (const Case& c : kErr) {
    INFO(c.fn << c.args);
    std::string err = callErr(c.fn, json::parse(c.args));
    CHECK_THAT(err, Catch::Contains(c.expected));
  }
}

TEST_CASE("every registered function is tested and documented", "[stdlib][functions]") {
  std::set<std::string> ok, bad;
  for (const Case& c : kOk)
    ok.insert(c.fn);
  for (const Case& c : kErr)
    bad.insert(c.fn);
  std::ifstream docFile(AWC_SOURCE_DIR "/docs/stdlib.md");
  REQUIRE(docFile);
  std::stringstream doc;
  doc << docFile.rdbuf();
  for (const Function& f : allFunctions()) {
    INFO(f.name);
    CHECK((ok.count(std::string(f.name)) || !f.deterministic));
    CHECK(bad.count(std::string(f.name)));
    CHECK(doc.str().find("`" + std::string(f.name) + "(") != std::string::npos);
    CHECK(findFunction(f.name) == &f);
    CHECK_FALSE(f.doc.empty());
  }
  CHECK(findFunction("no_such_function") == nullptr);
}

TEST_CASE("now and today are non-deterministic and well formed", "[stdlib][functions]") {
  CHECK_FALSE(findFunction("now")->deterministic);
  CHECK_FALSE(findFunction("today")->deterministic);
  CHECK(findFunction("round")->deterministic);
  json today = callOk("today", json::array());
  REQUIRE(today.is_string());
  CHECK(callOk("weekday", json::array({today})).is_string()); // a valid date
  json now = callOk("now", json::array());
  REQUIRE(now.is_string());
  CHECK(now.get<std::string>().size() == 20);
  CHECK(now.get<std::string>().substr(0, 10) >= today.get<std::string>().substr(0, 10));
}

TEST_CASE("signatures expose result typing links", "[stdlib][functions]") {
  CHECK(findFunction("sort")->result.sameAsArg == 0);
  CHECK(findFunction("first")->result.elemOfArg == 0);
  CHECK(findFunction("range")->result.kind == Kind::List);
  CHECK(findFunction("range")->result.elem == Kind::Int);
  CHECK(findFunction("round")->minArgs() == 1);
  CHECK(findFunction("round")->maxArgs() == 2);
  CHECK(findFunction("len")->params[0].type.kind == Kind::Any);
  CHECK(kindName(findFunction("sum")->params[0].type) == "list<number>");
}

TEST_CASE("date arithmetic round-trips across the whole range", "[stdlib][functions]") {
  // days_between(d, date_add(d, n)) == n for dates spread over the calendar.
  for (const char* d : {"0001-01-01", "1582-10-04", "1969-12-31", "2000-02-29", "9999-01-01"}) {
    for (int64_t n : {0, 1, 59, 365, 366, 1461, 146097}) {
      json later = callOk("date_add", json::array({d, n}));
      if (later.contains("ERROR")) continue; // beyond 9999
      CHECK(callOk("days_between", json::array({d, later})) == n);
    }
  }
}

TEST_CASE("regex refuses oversized input", "[stdlib][functions]") {
  std::string big(100 * 1024 + 1, 'a');
  CHECK_THAT(callErr("matches", json::array({big, "a"})), Catch::Contains("longer than 100 KB"));
  std::string longPattern(2000, 'a');
  CHECK_THAT(callErr("extract", json::array({"a", longPattern})),
             Catch::Contains("longer than 1 KB"));
  // The largest accepted text must not overflow the stack with a backtracking pattern.
  std::string edge(100 * 1024, 'a');
  CHECK(callOk("matches", json::array({edge, "^(a|b)*$"})) == true);
  CHECK(callOk("matches", json::array({edge.substr(1) + "c", "^((a)|(b))*$"})) == false);
  CHECK(callOk("extract", json::array({edge.substr(1) + "7", "([0-9])$"})) == "7");
  // RE2 does not recurse per group: deep nesting is fine (std::regex needed a limit of 8).
  CHECK(callOk("matches", json::array({"a", "(((((((((a)))))))))"})) == true);
  CHECK(callOk("matches", json::array({"(", "[(((((((((]"})) == true); // brackets in a class
}

TEST_CASE("regex is RE2: linear time, same results, clear errors for what it lacks",
          "[stdlib][functions]") {
  // Exponential for a backtracking matcher (std::regex took 4 s on 26 characters).
  std::string as(5000, 'a');
  CHECK(callOk("matches", json::array({as + "b", "^(a+)+$"})) == false);
  CHECK(callOk("matches", json::array({as, "^(a+)+$"})) == true);
  CHECK(callOk("matches", json::array({as + "c", "(a*)*c"})) == true);
  // Group 1 when the pattern has one, even when it did not take part; else the whole match.
  CHECK(callOk("extract", json::array({"b", "(a)?b"})) == "");
  CHECK(callOk("extract", json::array({"id=42;", "id=(\\d+)"})) == "42");
  CHECK(callOk("extract", json::array({"Hello World", "(?i)world"})) == "World");
  CHECK(callOk("matches", json::array({"a\nb", "^b$"})) == false); // ^ $ anchor the text
  CHECK_THAT(callErr("matches", json::array({"aa", "(a)\\1"})), Catch::Contains("backreferences"));
  CHECK_THAT(callErr("matches", json::array({"ab", "a(?=b)"})), Catch::Contains("lookahead"));
  CHECK_THAT(callErr("matches", json::array({"a", "a{1000}{1000}"})),
             Catch::Contains("invalid regular expression"));
}

TEST_CASE("parse_json refuses deeply nested text", "[stdlib][functions]") {
  std::string deep(100000, '[');
  CHECK_THAT(callErr("parse_json", json::array({deep})), Catch::Contains("deeper than 256"));
}
