// Tests for value helpers: type names, number access and the text form of values.
#include "awc/stdlib/value.h"

#include <catch2/catch.hpp>

using namespace awc::stdlib;
using nlohmann::json;

TEST_CASE("toText formats each kind deterministically", "[stdlib][value]") {
  CHECK(toText(json("héllo")) == "héllo");
  CHECK(toText(json(42)) == "42");
  CHECK(toText(json(-7)) == "-7");
  CHECK(toText(json::parse("18446744073709551615")) == "18446744073709551615");
  CHECK(toText(json(12.0)) == "12.0");
  CHECK(toText(json(0.1)) == "0.1");
  CHECK(toText(json(2.5)) == "2.5");
  CHECK(toText(json(-0.0)) == "-0.0");
  CHECK(toText(json(1e20)) == "1e+20");
  CHECK(toText(json(1.0 / 3)) == "0.3333333333333333");
  CHECK(toText(json(true)) == "true");
  CHECK(toText(json(false)) == "false");
  CHECK(toText(json(nullptr)) == "null");
  CHECK(toText(json::parse(R"({"b":1,"a":[1,2.0,"x"]})")) == R"({"a":[1,2.0,"x"],"b":1})");
}

TEST_CASE("toText is stable across insertion order and never throws on bad UTF-8",
          "[stdlib][value]") {
  json a, b;
  a["z"] = 1;
  a["a"] = 2;
  b["a"] = 2;
  b["z"] = 1;
  CHECK(toText(a) == toText(b));
  json bad = json::array({std::string("ok\xff")});
  CHECK(toText(bad) == "[\"ok\xEF\xBF\xBD\"]");
  CHECK(toText(json(std::string("raw\xff"))) == "raw\xff"); // strings interpolate as is
}

TEST_CASE("typeName and int detection", "[stdlib][value]") {
  CHECK(typeName(json(1)) == "int");
  CHECK(typeName(json::parse("5")) == "int"); // parsed non-negative ints are unsigned in JSON
  CHECK(typeName(json::parse("18446744073709551615")) == "float");
  CHECK(typeName(json(1.5)) == "float");
  CHECK(typeName(json("s")) == "string");
  CHECK(typeName(json(true)) == "bool");
  CHECK(typeName(json::array()) == "list");
  CHECK(typeName(json::object()) == "record");
  CHECK(typeName(json()) == "null");
  CHECK(isInt(json::parse("9223372036854775807")));
  CHECK_FALSE(isInt(json::parse("9223372036854775808")));
  CHECK(asInt(json::parse("9223372036854775807")) == INT64_MAX);
  CHECK(asDouble(json(3)) == 3.0);
}

TEST_CASE("EvalResult holds a value or an error", "[stdlib][value]") {
  EvalResult ok(json(3));
  CHECK(ok.ok());
  CHECK(ok.value() == 3);
  CHECK(ok.error().empty());
  EvalResult bad = fail("nope");
  CHECK_FALSE(bad);
  CHECK(bad.error() == "nope");
}
