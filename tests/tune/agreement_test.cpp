// Tune's agreement rules and its samples reader: typed answers exactly (records field-wise),
// free text by length and format, truncated answers never; sample errors located, never quoted.
#include "awc/tune/tune.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

using awc::tune::answersAgree;
using awc::tune::outputsAgree;
using nlohmann::json;

TEST_CASE("typed answers agree exactly, records field by field", "[tune][agreement]") {
  CHECK(answersAgree(false, R"({"a":1,"b":"x"})", R"({"b":"x","a":1})", "stop"));
  CHECK_FALSE(answersAgree(false, R"({"a":1,"b":"x"})", R"({"a":1,"b":"y"})", "stop"));
  CHECK(answersAgree(false, "\"happy\"", "\"happy\"", "stop"));
  CHECK_FALSE(answersAgree(false, "\"happy\"", "\"sad\"", "stop"));
  // The reference agrees with itself.
  CHECK(answersAgree(false, "42", "42", "stop"));
  CHECK(answersAgree(true, "Thanks for writing.", "Thanks for writing.", "stop"));
}

TEST_CASE("a truncated answer never agrees", "[tune][agreement]") {
  CHECK_FALSE(answersAgree(false, "42", "42", "length"));
  CHECK_FALSE(answersAgree(true, "same text", "same text", "max_tokens"));
}

TEST_CASE("free text agrees by length and format only", "[tune][agreement]") {
  CHECK(answersAgree(true, "a reply of some length", "another reply, similar", "stop"));
  CHECK_FALSE(answersAgree(true, "a reply of some length", "no", "stop"));
  CHECK_FALSE(answersAgree(true, "short", std::string(40, 'x'), "stop"));
  // JSON where the reference is JSON.
  CHECK_FALSE(answersAgree(true, R"({"k": "v1"})", "k is v1 ok", "stop"));
}

TEST_CASE("workflow outputs agree by their schema", "[tune][agreement]") {
  json schema = {{"type", "object"},
                 {"properties",
                  {{"mood", {{"type", "string"}, {"enum", {"happy", "sad"}}}},
                   {"reply", {{"type", "string"}}}}}};
  json a = {{"mood", "happy"}, {"reply", "Thank you for your message!"}};
  json b = {{"mood", "happy"}, {"reply", "We are glad to hear this."}};
  json c = {{"mood", "sad"}, {"reply", "Thank you for your message!"}};
  CHECK(outputsAgree(schema, a, a));
  CHECK(outputsAgree(schema, a, b));       // free text: similar length
  CHECK_FALSE(outputsAgree(schema, a, c)); // the enum differs
}

TEST_CASE("a bad samples file is a located error that quotes nothing", "[tune][samples]") {
  awc::testing::TempDir dir("awc-tune-samples");
  std::vector<awc::tune::Sample> samples;
  std::string error;
  std::string bad = dir.write("s.jsonl", "{\"t\": 1}\n\n{\"t\": secretword}\n");
  CHECK_FALSE(awc::tune::readSamples(bad, samples, error));
  CHECK(error.rfind(bad + ":3:", 0) == 0);
  CHECK(error.find("not valid JSON") != std::string::npos);
  CHECK(error.find("secretword") == std::string::npos);

  samples.clear();
  std::string array = dir.write("a.jsonl", "{\"t\": 1}\n  [1, 2]\n");
  CHECK_FALSE(awc::tune::readSamples(array, samples, error));
  CHECK(error == array + ":2:3: error: a sample must be a JSON object of inputs, not array");

  samples.clear();
  std::string good = dir.write("g.jsonl", "{\"t\": 1}\n\n{\"t\": 2}\n");
  REQUIRE(awc::tune::readSamples(good, samples, error));
  CHECK(samples.size() == 2);
  CHECK(samples[1]["t"] == 2);

  CHECK_FALSE(awc::tune::readSamples(dir.file("missing.jsonl"), samples, error));
  CHECK(error.find("missing.jsonl") != std::string::npos);
}
