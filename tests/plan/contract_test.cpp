// The plan contract: docs/plan.schema.json and the contract's tables agree key for key, type
// for type and enum for enum; emitted plans survive fromJson/toJson unchanged; bad plans get
// errors located by JSON pointer; hostile nesting is refused without recursion.
#include "awc/plan/contract.h"
#include "awc/plan/emit.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

using namespace awc::testing;
using awc::plan::FieldType;
using awc::plan::PlanObject;
using nlohmann::json;

namespace {

json loadSchema() {
  std::ifstream in(std::string(AWC_SOURCE_DIR) + "/docs/plan.schema.json");
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// Where each contract object is described in the schema.
const char* schemaPointer(PlanObject o) {
  switch (o) {
  case PlanObject::Plan:
    return "";
  case PlanObject::Input:
    return "/properties/inputs/items";
  case PlanObject::Output:
    return "/properties/output";
  case PlanObject::Model:
    return "/definitions/model";
  case PlanObject::Profile:
    return "/definitions/model/properties/profile";
  case PlanObject::Limits:
    return "/definitions/model/properties/limits";
  case PlanObject::Tool:
    return "/definitions/tool";
  case PlanObject::Param:
    return "/definitions/tool/properties/params/items";
  case PlanObject::Estimate:
    return "/properties/estimate";
  case PlanObject::Pass:
    return "/properties/passes/items";
  case PlanObject::Change:
    return "/properties/passes/items/properties/changes/items";
  case PlanObject::Node:
    return "/definitions/node";
  case PlanObject::Guard:
    return "/definitions/node/properties/guard";
  case PlanObject::Cache:
    return "/definitions/node/properties/cache";
  case PlanObject::Hints:
    return "/definitions/node/properties/hints";
  case PlanObject::Speculate:
    return "/definitions/node/properties/hints/properties/speculate";
  case PlanObject::Message:
    return "/definitions/node/properties/messages/items";
  case PlanObject::Segment:
    return "/definitions/segment";
  case PlanObject::Options:
    return "/definitions/node/properties/options";
  case PlanObject::Fused:
    return "/definitions/node/properties/fused/items";
  case PlanObject::Body:
    return "/definitions/node/properties/body";
  case PlanObject::Reduce:
    return "/definitions/node/properties/reduce";
  }
  return "?";
}

const PlanObject kObjects[] = {
    PlanObject::Plan,     PlanObject::Input,   PlanObject::Output,  PlanObject::Model,
    PlanObject::Profile,  PlanObject::Limits,  PlanObject::Tool,    PlanObject::Param,
    PlanObject::Estimate, PlanObject::Pass,    PlanObject::Change,  PlanObject::Node,
    PlanObject::Guard,    PlanObject::Cache,   PlanObject::Hints,   PlanObject::Speculate,
    PlanObject::Message,  PlanObject::Segment, PlanObject::Options, PlanObject::Fused,
    PlanObject::Body,     PlanObject::Reduce};

// The contract's FieldType a schema property describes.
std::string schemaType(const json& p) {
  if (auto r = p.find("$ref"); r != p.end()) {
    if (*r == "#/definitions/expr") return "expr";
    if (*r == "#/definitions/schema") return "schema";
    if (*r == "#/definitions/nodes") return "array";
    return "ref " + r->dump();
  }
  if (p.contains("enum")) return "enum";
  if (auto c = p.find("const"); c != p.end()) return c->is_number_integer() ? "integer" : "const";
  if (auto t = p.find("type"); t != p.end()) return t->get<std::string>();
  return p.empty() ? "any" : "?";
}

std::string contractType(FieldType t) {
  const char* names[] = {"string", "integer", "number", "boolean", "object",
                         "array",  "enum",    "expr",   "schema",  "any"};
  return names[static_cast<int>(t)];
}

} // namespace

TEST_CASE("contract: the schema has every contract field with its type, and no other") {
  json schema = loadSchema();
  for (PlanObject o : kObjects) {
    INFO(awc::plan::objectName(o));
    const json& props = schema.at(json::json_pointer(schemaPointer(o))).at("properties");
    std::set<std::string> inSchema, inContract;
    for (const auto& [key, prop] : props.items()) {
      inSchema.insert(key);
    }
    for (const auto& f : awc::plan::allFields()) {
      if (f.object != o) continue;
      inContract.insert(f.key);
      INFO(f.key);
      REQUIRE(props.contains(f.key));
      CHECK(schemaType(props[f.key]) == contractType(f.type));
    }
    CHECK(inSchema == inContract);
  }
}

TEST_CASE("contract: the schema's enums are the contract's enums") {
  json schema = loadSchema();
  auto enumAt = [&](const char* pointer) {
    std::vector<std::string_view> out;
    for (const json& v : schema.at(json::json_pointer(pointer)).at("enum"))
      out.push_back(v.get_ref<const std::string&>());
    return out;
  };
  using namespace awc::plan;
  CHECK(enumAt("/definitions/node/properties/kind") == enumSpellings<NodeKind>());
  CHECK(enumAt("/properties/mode") == enumSpellings<ExecMode>());
  CHECK(enumAt("/definitions/model/properties/provider") == enumSpellings<Provider>());
  CHECK(enumAt("/definitions/model/properties/size") == enumSpellings<SizeClass>());
  CHECK(enumAt("/definitions/tool/properties/impl") == enumSpellings<ToolImpl>());
  CHECK(enumAt("/definitions/tool/properties/effect") == enumSpellings<Effect>());
  CHECK(enumAt("/definitions/node/properties/task") == enumSpellings<TaskClass>());
  CHECK(enumAt("/definitions/node/properties/messages/items/properties/role") ==
        enumSpellings<Role>());
  // Those are all the enum-typed fields of the contract: a new one needs a line above.
  std::set<std::string> enumFields;
  for (const auto& f : allFields())
    if (f.type == FieldType::Enum)
      enumFields.insert(std::string(objectName(f.object)) + "." + f.key);
  CHECK(enumFields == std::set<std::string>{"node.kind", "plan.mode", "model.provider",
                                            "model.size", "tool.impl", "tool.effect", "node.task",
                                            "message.role"});
}

TEST_CASE("contract: enum names and parsing are inverse") {
  using namespace awc::plan;
  CHECK(std::string(name(NodeKind::Map)) == "map");
  CHECK(std::string(name(Effect::SideEffect)) == "side_effect");
  CHECK(parseEnum<Provider>("anthropic") == Provider::Anthropic);
  CHECK_FALSE(parseEnum<Provider>("Anthropic").has_value());
  CHECK(std::string(key::Options::kMaxTokens) == "max_tokens");
}

namespace {
const char* kRoundTripFlow = R"F(
host "x.example"
tool fetch_n(q: string) -> int = http GET "https://x.example/{q}" { cache: 5m }
workflow main(q: string, xs: list<int>) -> string {
  k = lookup(q)
  f = fetch_n(q)
  end = llm small -> string { user "Say \"hi\" to {q} ({k})" max_tokens: 10 retries: 1 }
  m = map x in xs { y = x * 2 y }
  s = reduce x in xs with acc = 0 { acc + x }
  r = if k > 1 { z = llm small -> string { user "Z {q}" max_tokens: 5 } z } else { end }
  return r + "{m}{s}{f}"
})F";
}

TEST_CASE("contract: an emitted plan reads back into the same plan") {
  for (int level : {0, 1, 2}) {
    auto c = compileFlow(kRoundTripFlow, level);
    REQUIRE(c.ok());
    std::vector<awc::plan::PlanError> errors;
    json copy = c.plan;
    awc::plan::Document doc = awc::plan::fromJson(std::move(copy), errors);
    INFO((errors.empty() ? "" : errors[0].render()));
    CHECK(errors.empty());
    CHECK(awc::plan::toJson(std::move(doc)) == c.plan);
  }
}

TEST_CASE("contract: every problem is collected with its JSON pointer") {
  auto c = compileFlow(kRoundTripFlow, 1);
  REQUIRE(c.ok());
  json plan = c.plan;
  plan["opt_level"] = "high";
  plan["models"][0]["provider"] = "bard";
  size_t llm = 0;
  while (plan["nodes"][llm]["kind"] != "llm")
    ++llm;
  plan["nodes"][llm]["options"]["max_tokens"] = -3;
  plan["nodes"][llm]["hints"] = {{"warm_first", "yes"}};
  std::vector<awc::plan::PlanError> errors;
  awc::plan::fromJson(std::move(plan), errors);
  REQUIRE(errors.size() == 4);
  CHECK(errors[0].render() == "plan: /opt_level: must be an integer, got string");
  CHECK(errors[1].pointer == "/models/0/provider");
  CHECK(errors[1].message == "unknown provider \"bard\" (known: openai, anthropic, sim)");
  std::string at = "/nodes/" + std::to_string(llm);
  CHECK(errors[2].pointer == at + "/hints/warm_first");
  CHECK(errors[2].context.rfind("node '", 0) == 0);
  CHECK(errors[3].pointer == at + "/options/max_tokens");
  CHECK(errors[3].message.rfind("must be an integer from 1 to", 0) == 0);
}

TEST_CASE("contract: schemas are checked, hostile nesting refused without recursion") {
  using awc::plan::checkSchema;
  CHECK(checkSchema({{"type", "string"}}) == "");
  CHECK(checkSchema({{"type", json::array({"string", "null"})}}) == "");
  CHECK(checkSchema({{"type", "quantum"}}) == "/type: unknown type \"quantum\"");
  CHECK(checkSchema({{"properties", {{"a", {{"items", {{"type", 3}}}}}}}}) ==
        "/properties/a/items/type: unknown type 3");
  CHECK(checkSchema({{"required", json::array({1})}}) == "/required must be an array of strings");
  std::string deep(50000, '[');
  deep += std::string(50000, ']');
  std::string error;
  CHECK(awc::plan::parseBounded(deep, error).is_discarded());
  CHECK(error == "plan: JSON nested deeper than 1200 levels");
  json parsed = json::parse(deep); // nlohmann parses iteratively and destroys iteratively
  CHECK(awc::plan::deeperThan(parsed, 1200));
  CHECK_FALSE(awc::plan::deeperThan(json::parse("[[[1]]]"), 3));
  CHECK(awc::plan::deeperThan(json::parse("[[[1]]]"), 2));
  CHECK(awc::plan::parseBounded("{\"a\": [1, 2", error).is_discarded());
  CHECK(error == "plan: not valid JSON");
}
