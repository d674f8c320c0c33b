// Semantic types: printing, interning, assignability, JSON Schema, did-you-mean.
#include "awc/sema/sema.h"

#include <catch2/catch.hpp>

using namespace awc::sema;

TEST_CASE("types are interned and printed", "[sema][types]") {
  TypeContext tc;
  CHECK(tc.list(tc.integer()) == tc.list(tc.integer()));
  CHECK(tc.list(tc.integer()) != tc.list(tc.floating()));
  CHECK(tc.list(tc.integer())->str() == "list<int>");
  const Type* e = tc.enumeration({"a", "b"});
  CHECK(e->str() == "enum { a, b }");
  CHECK(tc.enumeration({"a", "b"}, "Mood")->str() == "Mood");
  CHECK(tc.enumeration({"a", "b"}, "Mood") != e);
  const Type* r = tc.record({{"x", tc.integer(), ""}, {"y", tc.list(tc.string()), ""}});
  CHECK(r->str() == "{ x: int, y: list<string> }");
  CHECK(r->field("y")->type == tc.list(tc.string()));
  CHECK(r->field("z") == nullptr);
  CHECK(tc.duration()->str() == "duration");
}

TEST_CASE("assignability: widening, error, structure", "[sema][types]") {
  TypeContext tc;
  CHECK(isAssignable(tc.integer(), tc.floating()));
  CHECK_FALSE(isAssignable(tc.floating(), tc.integer()));
  CHECK(isAssignable(tc.error(), tc.string()));
  CHECK(isAssignable(tc.string(), tc.error()));
  CHECK_FALSE(isAssignable(tc.string(), tc.integer()));
  CHECK(isAssignable(tc.list(tc.integer()), tc.list(tc.floating())));
  CHECK_FALSE(isAssignable(tc.list(tc.string()), tc.list(tc.integer())));
  // Named and anonymous types with the same structure are interchangeable.
  CHECK(isAssignable(tc.enumeration({"a", "b"}, "E"), tc.enumeration({"a", "b"})));
  CHECK_FALSE(isAssignable(tc.enumeration({"a", "b"}), tc.enumeration({"a", "c"})));
  const Type* r1 = tc.record({{"x", tc.integer(), ""}}, "R");
  const Type* r2 = tc.record({{"x", tc.floating(), "doc"}});
  CHECK(isAssignable(r1, r2));
  CHECK_FALSE(isAssignable(r2, r1));
  CHECK_FALSE(isAssignable(r1, tc.record({{"y", tc.integer(), ""}})));
}

TEST_CASE("JSON Schema of result types", "[sema][types]") {
  TypeContext tc;
  CHECK(tc.string()->jsonSchema() == nlohmann::json{{"type", "string"}});
  CHECK(tc.integer()->jsonSchema() == nlohmann::json{{"type", "integer"}});
  CHECK(tc.floating()->jsonSchema() == nlohmann::json{{"type", "number"}});
  CHECK(tc.boolean()->jsonSchema() == nlohmann::json{{"type", "boolean"}});
  auto e = tc.enumeration({"pos", "neg"})->jsonSchema();
  CHECK(e["type"] == "string");
  CHECK(e["enum"] == nlohmann::json::array({"pos", "neg"}));
  auto r = tc.record({{"status", tc.string(), "order status"}, {"tags", tc.list(tc.string()), ""}})
               ->jsonSchema();
  CHECK(r["type"] == "object");
  CHECK(r["additionalProperties"] == false);
  CHECK(r["required"] == nlohmann::json::array({"status", "tags"}));
  CHECK(r["properties"]["status"]["description"] == "order status");
  CHECK(r["properties"]["tags"]["type"] == "array");
  CHECK(r["properties"]["tags"]["items"]["type"] == "string");
  CHECK_FALSE(r["properties"]["tags"].contains("description"));
}

TEST_CASE("closestName suggests within a small edit distance", "[sema]") {
  std::vector<std::string> names = {"query", "order_id", "total", "mood"};
  CHECK(closestName("qurey", names) == "query");
  CHECK(closestName("ordr_id", names) == "order_id");
  CHECK(closestName("totl", names) == "total");
  CHECK(closestName("xyzzy", names).empty());
  CHECK(closestName("query", names).empty()); // an exact match is not a suggestion
  CHECK(closestName("moo", names) == "mood");
  CHECK(closestName("ab", {"xy"}).empty());
}
