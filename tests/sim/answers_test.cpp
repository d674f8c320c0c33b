// Deterministic answers: text honours max_tokens, schema answers validate (checked with
// valijson, an independent validator), fixtures script answers and get coerced.
#include "awc/sim/answers.h"
#include "awc/support/tokenizer.h"

#include <catch2/catch.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

using namespace awc::sim;
using nlohmann::json;

namespace {
bool validates(const json& schemaJson, const json& doc) {
  valijson::Schema schema;
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter schemaAdapter(schemaJson);
  parser.populateSchema(schemaAdapter, schema);
  valijson::Validator validator;
  valijson::adapters::NlohmannJsonAdapter docAdapter(doc);
  return validator.validate(schema, docAdapter, nullptr);
}

const json kTicket = json::parse(R"({
  "type": "object",
  "properties": {
    "category": {"type": "string", "enum": ["billing", "bug", "feature", "other"]},
    "priority": {"type": "integer", "minimum": 1, "maximum": 5},
    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
    "summary": {"type": "string", "minLength": 10, "maxLength": 80},
    "urgent": {"type": "boolean"},
    "customer": {
      "type": "object",
      "properties": {"name": {"type": "string"}, "email": {"type": "string", "format": "email"},
                     "tier": {"$ref": "#/$defs/tier"}},
      "required": ["name", "tier"],
      "additionalProperties": false
    },
    "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "minItems": 2, "maxItems": 4},
    "steps": {"type": "array", "items": {"type": "object",
              "properties": {"n": {"type": "integer", "exclusiveMinimum": 0}, "text": {"type": "string"}},
              "required": ["n", "text"]}},
    "note": {"type": ["string", "null"]},
    "kind": {"const": "ticket"}
  },
  "required": ["category", "priority", "confidence", "summary", "customer", "tags", "steps", "kind"],
  "additionalProperties": false,
  "$defs": {"tier": {"type": "string", "enum": ["free", "pro", "enterprise"]}}
})");
} // namespace

TEST_CASE("generated answers are valid for enums, numbers, strings, records and arrays",
          "[answers]") {
  for (uint64_t seed = 0; seed < 200; ++seed) {
    json v = generateFromSchema(kTicket, seed);
    INFO(v.dump());
    REQUIRE(validates(kTicket, v));
  }
  // Seeds vary the answer.
  CHECK(generateFromSchema(kTicket, 1) != generateFromSchema(kTicket, 2));
}

TEST_CASE("answers are deterministic and honour max_tokens", "[answers]") {
  Answer a = generateAnswer(AnswerRequest{123});
  Answer b = generateAnswer(AnswerRequest{123});
  CHECK(a.text == b.text);
  CHECK(a.tokens == awc::approxTokenCount(a.text));
  CHECK(a.tokens >= 12);
  CHECK_FALSE(a.truncated);
  Answer c = generateAnswer(AnswerRequest{123, nullptr, 5});
  CHECK(c.tokens == 5);
  CHECK(c.truncated);
  CHECK(a.text.rfind(c.text, 0) == 0); // a prefix of the full answer
  CHECK(generateAnswer(AnswerRequest{124}).text != a.text);

  Answer s = generateAnswer(AnswerRequest{9, &kTicket});
  CHECK(validates(kTicket, json::parse(s.text)));
}

TEST_CASE("fixtures script answers by substring, regex and model", "[answers]") {
  std::string error;
  auto fx = parseFixtures(R"([
    {"match": "refund", "answer": "We will refund you."},
    {"regex": "^order #[0-9]+$", "model": "mini", "answer": {"category": "billing", "priority": 9}},
    {"match": "", "model": "big", "answer": "catch-all for big"}
  ])",
                          error);
  REQUIRE(fx);
  REQUIRE(findFixture(*fx, "please refund me", "any"));
  CHECK(findFixture(*fx, "please refund me", "any")->answer == "We will refund you.");
  CHECK(findFixture(*fx, "order #42", "gpt-4o-mini") == &(*fx)[1]);
  CHECK(findFixture(*fx, "order #42", "gpt-4o") == nullptr);
  CHECK(findFixture(*fx, "anything", "big-model") == &(*fx)[2]);

  Answer text = generateAnswer(AnswerRequest{1, nullptr, 0, &(*fx)[0]});
  CHECK(text.text == "We will refund you.");
  // A structured fixture is coerced into the schema: kept where valid, filled elsewhere.
  Answer structured = generateAnswer(AnswerRequest{1, &kTicket, 0, &(*fx)[1]});
  json v = json::parse(structured.text);
  CHECK(v["category"] == "billing");
  CHECK(v["priority"].get<int>() <= 5);
  CHECK(validates(kTicket, v));

  CHECK_FALSE(parseFixtures("[{\"answer\": 1}]", error));
  CHECK_FALSE(parseFixtures("[{\"regex\": \"(\", \"answer\": 1}]", error));
  CHECK_FALSE(parseFixtures("{}", error));
}

// Fixture regexes are RE2: matching is linear in the message, so a pattern that makes a
// backtracking engine take exponential time (std::regex: seconds at 26 characters) answers at
// once here, and constructs RE2 cannot run in linear time are refused when the file is read.
TEST_CASE("fixture regexes cannot backtrack exponentially", "[answers]") {
  std::string error;
  auto fx = parseFixtures(R"([{"regex": "^(a+)+$", "answer": "a"}])", error);
  REQUIRE(fx);
  CHECK(findFixture(*fx, std::string(100000, 'a') + "!", "m") == nullptr);
  CHECK(findFixture(*fx, std::string(100000, 'a'), "m") == &(*fx)[0]);
  CHECK_FALSE(parseFixtures(R"([{"regex": "(a)\\1", "answer": 1}])", error));
  CHECK(error.find("fixture 0: bad regex") != std::string::npos);
}

TEST_CASE("the schema fault gives well-formed JSON that fails validation", "[answers]") {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    Answer bad = generateAnswer(AnswerRequest{seed, &kTicket, 0, nullptr, true});
    json v = json::parse(bad.text, nullptr, false);
    REQUIRE_FALSE(v.is_discarded());
    CHECK_FALSE(validates(kTicket, v));
  }
  json str = {{"type", "string"}};
  CHECK_FALSE(validates(str, violateSchema(str, 1)));
  json en = {{"enum", {"a", "b"}}};
  CHECK_FALSE(validates(en, violateSchema(en, 1)));
}
