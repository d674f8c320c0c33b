// The profile contract: a profile survives serialize → parse unchanged and byte for byte,
// matches docs/profile.schema.json, every kind of bad value gets an error naming its JSON
// pointer, and garbage of any shape is refused without a crash.
#include "awc/profile/profile.h"
#include "json_schema.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <random>

using namespace awc::profile;

namespace {

Profile sample() {
  Profile p;
  p.flow = "support_reply.flow";
  p.workflow = "support_reply";
  p.sourceHash = "fnv1a64:0123456789abcdef";
  p.minAgreement = 0.9;
  p.confidence = 0.9;
  p.samples = 50;
  p.heldOutSamples = 25;
  p.models["small"] = {50, 120.5, 80, 900, 0.0004, 0.25};
  p.models["large"] = {100, 400, 30, 3000, 0.002, 0};
  StepProfile s;
  s.id = "classify";
  s.hash = "fnv1a64:00000000000000aa";
  s.model = "large";
  s.task = "classify";
  s.reference = {50, 400, 30, 3000, 0.002, 0};
  s.answerTokens = {3, 5, 7};
  s.candidates.push_back({CandidateKind::Model,
                          "small",
                          AgreementMethod::Exact,
                          {50, 49},
                          {50, 120, 80, 800, 0.0004, 0},
                          true,
                          "98 % agreement"});
  s.candidates.push_back({CandidateKind::MaxTokens,
                          "8",
                          AgreementMethod::LengthFormat,
                          {50, 50},
                          {},
                          true,
                          "p95 5 tokens"});
  p.steps.push_back(s);
  p.branches.push_back({"escalate", 50, 10});
  p.front.push_back({"-O2", 4100, 0.021, {50, 50}, false});
  p.front.push_back({"-O2 +profile", 1200, 0.006, {25, 24}, true});
  return p;
}

std::string errorOf(const std::string& text) {
  std::string error;
  auto p = parse(text, error);
  CHECK_FALSE(p.has_value());
  return error;
}

// The sample's JSON with one value replaced at `pointer`.
std::string with(const std::string& pointer, const Json& value) {
  Json j = Json::parse(serialize(sample()));
  j[Json::json_pointer(pointer)] = value;
  return j.dump();
}

} // namespace

TEST_CASE("a profile survives serialize and parse byte for byte", "[profile]") {
  std::string text = serialize(sample());
  std::string error;
  auto back = parse(text, error);
  REQUIRE(back);
  CHECK(error.empty());
  CHECK(serialize(*back) == text);
  CHECK(back->steps.at(0).candidates.at(0).agreement.rate() == Approx(0.98));
  CHECK(back->models.at("small").ttftMs == 120.5);
  CHECK(back->front.at(1).heldOut);
  CHECK(back->confidence == 0.9);
  // Keys in the documented order, not sorted.
  CHECK(text.find("\"awc_profile\"") < text.find("\"flow\""));
  CHECK(text.find("\"source_hash\"") < text.find("\"min_agreement\""));
  CHECK(text.find("\"min_agreement\"") < text.find("\"confidence\""));
}

TEST_CASE("toJson and serialize agree with the schema", "[profile]") {
  std::string schema = std::string(AWC_SOURCE_DIR) + "/docs/profile.schema.json";
  CHECK(awc::testing::validateAgainstSchema(toJson(sample()), schema).empty());
  CHECK(awc::testing::validateAgainstSchema(Json::parse(serialize(Profile{})), schema).empty());
  CHECK(toJson(sample()) == Json::parse(serialize(sample())));
}

TEST_CASE("the schema's enums are the contract's spellings", "[profile]") {
  std::ifstream in(std::string(AWC_SOURCE_DIR) + "/docs/profile.schema.json");
  Json schema = Json::parse(in);
  std::vector<std::string> kinds, methods;
  for (auto k : {CandidateKind::Model, CandidateKind::MaxTokens, CandidateKind::Native,
                 CandidateKind::Fused})
    kinds.emplace_back(toString(k));
  for (auto m : {AgreementMethod::Exact, AgreementMethod::FieldWise, AgreementMethod::Judge,
                 AgreementMethod::LengthFormat})
    methods.emplace_back(toString(m));
  const Json& candidate = schema["definitions"]["candidate"]["properties"];
  CHECK(candidate["kind"]["enum"].get<std::vector<std::string>>() == kinds);
  CHECK(candidate["method"]["enum"].get<std::vector<std::string>>() == methods);
  // Every key serialize writes is described in the schema.
  Json written = Json::parse(serialize(sample()));
  for (const auto& item : written.items())
    CHECK(schema["properties"].contains(item.key()));
  for (const auto& item : written["steps"][0].items())
    CHECK(schema["definitions"]["step"]["properties"].contains(item.key()));
  for (const auto& item : written["steps"][0]["candidates"][0].items())
    CHECK(candidate.contains(item.key()));
}

TEST_CASE("a minimal profile reads with defaults", "[profile]") {
  std::string error;
  auto p = parse(R"({"awc_profile":1,"workflow":"w","source_hash":"h"})", error);
  REQUIRE(p);
  CHECK(p->minAgreement == 0.95);
  CHECK(p->confidence == 0.5); // profiles from before the key were held to the observed rate
  CHECK(p->steps.empty());
}

TEST_CASE("each kind of bad value is refused with its JSON pointer", "[profile]") {
  CHECK(errorOf("{").find("not valid JSON") != std::string::npos);
  CHECK(errorOf("[]").find("must be an object") != std::string::npos);
  CHECK(errorOf("{}").find("missing 'awc_profile'") != std::string::npos);
  CHECK(errorOf(with("/awc_profile", 2)).rfind("/awc_profile: unsupported profile version 2", 0) ==
        0);
  CHECK(errorOf(with("/min_agreement", 1.5))
            .rfind("/min_agreement: must be a number from 0 to 1", 0) == 0);
  CHECK(errorOf(with("/min_agreement", "high")).rfind("/min_agreement: must be a number", 0) == 0);
  CHECK(errorOf(with("/confidence", 0.4)).rfind("/confidence: must be a number from 0.5 to 1", 0) ==
        0);
  CHECK(errorOf(with("/confidence", 1)) ==
        "/confidence: must be a number from 0.5 to below 1, got 1");
  CHECK(
      errorOf(with("/samples/tuning", -1)).rfind("/samples/tuning: must be an integer from 0", 0) ==
      0);
  CHECK(errorOf(with("/samples/tuning", 1.5)).rfind("/samples/tuning: must be an integer", 0) == 0);
  CHECK(errorOf(with("/models/small/ttft_ms", -3))
            .rfind("/models/small/ttft_ms: must be a number at least 0", 0) == 0);
  CHECK(errorOf(with("/models/small/cached_prompt_share", 2))
            .rfind("/models/small/cached_prompt_share:", 0) == 0);
  CHECK(errorOf(with("/steps/0/candidates/0/kind", "bigger"))
            .rfind("/steps/0/candidates/0/kind: unknown value \"bigger\" (known: model, "
                   "max_tokens, native, fused)",
                   0) == 0);
  CHECK(errorOf(with("/steps/0/candidates/1/method", "vibes"))
            .rfind("/steps/0/candidates/1/method: unknown value", 0) == 0);
  CHECK(errorOf(with("/steps/0/candidates/0/agreement/agreed", 51))
            .rfind("/steps/0/candidates/0/agreement/agreed: more agreed (51) than samples (50)",
                   0) == 0);
  CHECK(errorOf(with("/steps/0/candidates/1/value", "lots"))
            .rfind("/steps/0/candidates/1/value:", 0) == 0);
  CHECK(
      errorOf(with("/steps/0/candidates/1/value", "0")).rfind("/steps/0/candidates/1/value:", 0) ==
      0);
  CHECK(errorOf(with("/steps/0/candidates/0/accepted", "yes"))
            .rfind("/steps/0/candidates/0/accepted: must be true or false", 0) == 0);
  CHECK(errorOf(with("/steps/0/id", 7)).rfind("/steps/0/id: must be a string", 0) == 0);
  CHECK(errorOf(with("/steps/0/candidates", Json::object()))
            .rfind("/steps/0/candidates: must be an array", 0) == 0);
  CHECK(errorOf(with("/branches/0/taken", 60)).rfind("/branches/0/taken: more taken", 0) == 0);
  CHECK(errorOf(with("/front/0/latency_ms", -1)).rfind("/front/0/latency_ms:", 0) == 0);
  Json twice = Json::parse(serialize(sample()));
  twice["steps"].push_back(twice["steps"][0]);
  CHECK(errorOf(twice.dump()).rfind("/steps/1/id: step \"classify\" appears twice", 0) == 0);
  Json noHash = Json::parse(serialize(sample()));
  noHash["steps"][0].erase("hash");
  CHECK(errorOf(noHash.dump()).rfind("/steps/0/hash: missing (required)", 0) == 0);
}

TEST_CASE("a model name with a slash is escaped in the pointer", "[profile]") {
  Json j = Json::parse(serialize(sample()));
  j["models"]["org/model"] = Json::array();
  CHECK(errorOf(j.dump()).rfind("/models/org~1model: must be an object", 0) == 0);
}

TEST_CASE("hostile nesting and size are refused before parsing", "[profile]") {
  std::string deep(100000, '[');
  CHECK(errorOf(deep).find("nested deeper than 64") != std::string::npos);
  std::string deepInString =
      R"({"awc_profile":1,"workflow":"w","source_hash":")" + std::string(1000, '[') + R"("})";
  std::string error;
  CHECK(parse(deepInString, error)); // brackets inside a string are text, not nesting
}

TEST_CASE("a number too large for a double is refused, not thrown", "[profile]") {
  // Found by fuzz/profile.cpp: nlohmann throws out_of_range, not parse_error, for "1E999".
  CHECK(errorOf("88621E3838").find("number out of range") != std::string::npos);
  CHECK(errorOf(R"({"awc_profile":1,"samples":1E999})").find("number out of range") !=
        std::string::npos);
}

TEST_CASE("garbage never crashes the parser", "[profile]") {
  std::mt19937 rng(16);
  std::string base = serialize(sample());
  const std::string alphabet = "{}[]\":,0123456789.-eE truefalsnl\\\x01\xff";
  for (int round = 0; round < 2000; ++round) {
    std::string text = base;
    int edits = 1 + int(rng() % 8);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      std::size_t at = rng() % text.size();
      switch (rng() % 3) {
      case 0:
        text[at] = alphabet[rng() % alphabet.size()];
        break;
      case 1:
        text.erase(at, 1 + rng() % 16);
        break;
      default:
        text.insert(at, 1, alphabet[rng() % alphabet.size()]);
      }
    }
    std::string error;
    auto p = parse(text, error);
    // Either a profile that serializes back to something parseable, or a located error.
    if (p) {
      std::string again;
      CHECK(parse(serialize(*p), again));
    } else {
      CHECK_FALSE(error.empty());
    }
  }
}

TEST_CASE("locate finds a pointer's value in the text", "[profile]") {
  std::string text = R"({ "a": [1, {"b~c": "x", "d/e": [true, null]}], "f": {"g": 2} })";
  CHECK(locate(text, "") == 0u);
  CHECK(locate(text, "/a") == text.find('['));
  CHECK(locate(text, "/a/1/b~0c") == text.find("\"x\""));
  CHECK(locate(text, "/a/1/d~1e/1") == text.find("null"));
  CHECK(locate(text, "/f/g") == text.find('2'));
  // A missing member: its deepest existing ancestor.
  CHECK(locate(text, "/f/missing") == text.find("{\"g\""));
  CHECK(locate(text, "/a/7") == text.find('['));
  CHECK_FALSE(locate("", "/a"));
}

TEST_CASE("locate never crashes on garbage", "[profile]") {
  std::mt19937 rng(7);
  std::string base = serialize(sample());
  const char* pointers[] = {"/steps/0/candidates/0/kind", "/models/small/ttft_ms", "/front/1",
                            "/x/y/z", "/steps/99"};
  for (int round = 0; round < 1000; ++round) {
    std::string text = base;
    for (int e = 0; e < 4; ++e)
      text[rng() % text.size()] = "{}[]\":,\\x"[rng() % 9];
    text.resize(rng() % text.size());
    for (const char* p : pointers) {
      auto at = locate(text, p);
      if (at) CHECK(*at <= text.size());
    }
  }
}
