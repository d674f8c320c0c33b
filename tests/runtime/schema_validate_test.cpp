// Tests for the JSON Schema validator and the tolerant JSON answer parser.
#include "awc/runtime/schema_validate.h"

#include <catch2/catch.hpp>

using namespace awc::runtime;
using nlohmann::json;

namespace {
std::string errorsOf(const json& value, const json& schema) {
  return formatSchemaErrors(validateSchema(value, schema));
}

const json kOrderSchema = json::parse(R"({
  "type": "object",
  "description": "an order",
  "properties": {
    "status": {"type": "string", "enum": ["open", "shipped"]},
    "items": {"type": "array", "items": {
      "type": "object",
      "properties": {"name": {"type": "string"}, "score": {"type": "integer"}},
      "required": ["name", "score"], "additionalProperties": false}},
    "price": {"type": "number"},
    "gift": {"type": "boolean"},
    "note": {"type": ["string", "null"]}
  },
  "required": ["status", "items", "price", "gift", "note"],
  "additionalProperties": false
})");
} // namespace

TEST_CASE("a valid value has no errors", "[schema]") {
  json ok = json::parse(R"({"status":"open","items":[{"name":"a","score":3}],"price":2,
                            "gift":false,"note":null})");
  CHECK(errorsOf(ok, kOrderSchema).empty());
  ok["items"][0]["score"] = 3.0; // integral floats are integers in JSON Schema
  CHECK(errorsOf(ok, kOrderSchema).empty());
}

TEST_CASE("errors name the path and what was expected", "[schema]") {
  json bad = json::parse(R"({"status":"lost","items":[{"name":"a","score":1},{"name":"b","score":2},
                             {"name":"c","score":"high"}],"price":"9","gift":1,"extra":true})");
  CHECK(errorsOf(bad, kOrderSchema) == "$.note: missing required property; "
                                       "$.extra: unexpected property; "
                                       "$.gift: expected boolean; "
                                       "$.items[2].score: expected integer; "
                                       "$.price: expected number; "
                                       "$.status: \"lost\" is not one of \"open\", \"shipped\"");
  CHECK(errorsOf(json::array(), kOrderSchema) == "$: expected object");
  CHECK(validateSchema(bad, kOrderSchema, 2).size() == 2);
}

TEST_CASE("odd keys are quoted in paths; anyOf, const and bounds work", "[schema]") {
  json schema = {{"type", "object"},
                 {"additionalProperties", {{"type", "integer"}, {"minimum", 0}, {"maximum", 9}}}};
  CHECK(errorsOf({{"a b", 12}}, schema) == "$[\"a b\"]: expected a value <= 9");
  json list = {
      {"type", "array"}, {"minItems", 2}, {"items", {{"type", "string"}, {"maxLength", 2}}}};
  CHECK(errorsOf(json::array({"abc"}), list) ==
        "$: expected at least 2 items, got 1; $[0]: expected at most 2 characters");
  CHECK(errorsOf("é", {{"type", "string"}, {"maxLength", 1}}).empty()); // code points, not bytes
  json any = {{"anyOf", json::array({{{"type", "integer"}}, {{"const", "none"}}})}};
  CHECK(errorsOf(4, any).empty());
  CHECK(errorsOf("none", any).empty());
  CHECK(errorsOf("some", any) == "$: \"some\" matches none of the allowed alternatives");
}

TEST_CASE("model answers parse through fences and prose", "[schema]") {
  json out;
  std::string error;
  CHECK(parseModelJson(R"({"a":1})", out, error));
  CHECK(out == json{{"a", 1}});
  CHECK(parseModelJson("```json\n{\"a\": 2}\n```", out, error));
  CHECK(out == json{{"a", 2}});
  CHECK(parseModelJson("Sure! Here it is: [1, 2] Hope that helps.", out, error));
  CHECK(out == json::array({1, 2}));
  CHECK_FALSE(parseModelJson("I cannot answer that", out, error));
  CHECK(error.rfind("answer is not valid JSON (", 0) == 0);
}
