// Latency model arithmetic, the name heuristic and the profile file round trip.
#include "awc/support/latency_model.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

using namespace awc;

TEST_CASE("latency = base + prefill, then decode, stretched by concurrency", "[latency]") {
  ModelProfile p{"m", 100.0, 0.5, 50.0, 0.1};
  CHECK(estimateTtftMs(p, 0) == Approx(100.0));
  CHECK(estimateTtftMs(p, 200) == Approx(200.0));
  CHECK(estimateDecodeMsPerToken(p) == Approx(20.0));
  // TTFT covers the first token; the other 10 come at 20 ms each.
  CHECK(estimateLatencyMs(p, 200, 11) == Approx(200.0 + 10 * 20.0));
  CHECK(estimateLatencyMs(p, 200, 0) == Approx(200.0));
  CHECK(concurrencyFactor(p, 1) == Approx(1.0));
  CHECK(concurrencyFactor(p, 11) == Approx(2.0));
  CHECK(estimateTtftMs(p, 200, 11) == Approx(100.0 + 200 * 0.5 * 2.0));
  CHECK(estimateLatencyMs(p, 200, 11, 11) == Approx(300.0 + 10 * 40.0));
}

TEST_CASE("prefill grows with the position of each uncached token", "[latency]") {
  ModelProfile p{"m", 100.0, 0.5, 50.0, 0.0};
  p.prefillMsPerTokenPer1kContext = 0.2;
  // 2,000 fresh tokens: 1,000 ms linear + (2000²/2)/1000 × 0.2 = 400 ms for attention.
  CHECK(estimateTtftMs(p, 2000) == Approx(100.0 + 1000.0 + 400.0));
  // The same 2,000 after 1,000 cached tokens attend to those too: + 2000 × 1000 / 1000 × 0.2.
  CHECK(estimateTtftMs(p, 2000, 1, 1000) == Approx(100.0 + 1000.0 + 400.0 + 400.0));
  // Decoding slows with the context the same way.
  p.decodeMsPerTokenPer1kContext = 5;
  CHECK(estimateDecodeMsPerToken(p) == Approx(20.0));
  CHECK(estimateDecodeMsPerToken(p, 1, 3000) == Approx(35.0));
  CHECK(estimateLatencyMs(p, 2000, 2, 1, 1000) == Approx(1900.0 + 35.0));
  // A schema-constrained answer decodes at its own speed when the profile has one.
  p.decodeMsPerTokenPer1kContext = 0;
  CHECK(estimateDecodeMsPerToken(p, 1, 0, true) == Approx(20.0));
  p.structuredDecodeTokensPerSec = 25;
  CHECK(estimateDecodeMsPerToken(p, 1, 0, true) == Approx(40.0));
  CHECK(estimateDecodeMsPerToken(p, 1, 0, false) == Approx(20.0));
  // The grammar's setup lengthens a schema-constrained call's TTFT, stretched under load.
  p.structuredTtftMs = 150;
  CHECK(estimateTtftMs(p, 2000, 1, 1000, true) - estimateTtftMs(p, 2000, 1, 1000) == Approx(150.0));
  CHECK(estimateTtftMs(p, 2000, 3, 1000, true) - estimateTtftMs(p, 2000, 3, 1000) ==
        Approx(150.0 * concurrencyFactor(p, 3)));
  p.structuredTtftMs = 0;
  // Cached tokens cost nothing when the term is off.
  p.prefillMsPerTokenPer1kContext = 0;
  CHECK(estimateTtftMs(p, 2000, 1, 1000) == Approx(1100.0));

  std::string error;
  auto parsed = parseProfileFile(
      R"({"models":[{"name":"cpu","prefill_ms_per_token_per_1k_context":0.25}]})", error);
  REQUIRE(parsed);
  CHECK((*parsed)[0].prefillMsPerTokenPer1kContext == 0.25);
  CHECK(profileToJson((*parsed)[0])["prefill_ms_per_token_per_1k_context"] == 0.25);
  CHECK_FALSE(
      profileToJson(defaultProfile("small")).contains("prefill_ms_per_token_per_1k_context"));
  CHECK_FALSE(parseProfileFile(
      R"({"models":[{"name":"cpu","prefill_ms_per_token_per_1k_context":-1}]})", error));

  // A model routed to a named engine; the fields round-trip and stay out of the defaults.
  auto routed = parseProfileFile(
      R"({"models":[{"name":"alias","engine":"gpu-0","structured_ttft_ms":120}]})", error);
  REQUIRE(routed);
  CHECK((*routed)[0].engineName() == "gpu-0");
  CHECK((*routed)[0].structuredTtftMs == 120);
  CHECK(profileToJson((*routed)[0])["engine"] == "gpu-0");
  CHECK(profileToJson((*routed)[0])["structured_ttft_ms"] == 120);
  CHECK(defaultProfile("small").engineName() == "small");
  CHECK_FALSE(profileToJson(defaultProfile("small")).contains("engine"));
  CHECK_FALSE(profileToJson(defaultProfile("small")).contains("structured_ttft_ms"));
  CHECK_FALSE(parseProfileFile(R"({"models":[{"name":"alias","engine":7}]})", error));
  CHECK(error.find("engine") != std::string::npos);

  // llama-server's slots: an integer, written only when set.
  auto slotted = parseProfileFile(R"({"models":[{"name":"cpu","cache_slots":4}]})", error);
  REQUIRE(slotted);
  CHECK((*slotted)[0].cacheSlots == 4);
  CHECK(profileToJson((*slotted)[0])["cache_slots"] == 4);
  CHECK_FALSE(profileToJson(defaultProfile("small")).contains("cache_slots"));
  CHECK_FALSE(parseProfileFile(R"({"models":[{"name":"cpu","cache_slots":1.5}]})", error));
  CHECK(error.find("cache_slots") != std::string::npos);
  CHECK_FALSE(parseProfileFile(R"({"models":[{"name":"cpu","cache_slots":-1}]})", error));
}

TEST_CASE("size classes are ordered and model names map to them", "[latency]") {
  const auto& s = defaultProfile("small");
  const auto& m = defaultProfile("medium");
  const auto& l = defaultProfile("large");
  CHECK(s.ttftBaseMs < m.ttftBaseMs);
  CHECK(m.ttftBaseMs < l.ttftBaseMs);
  CHECK(s.decodeTokensPerSec > m.decodeTokensPerSec);
  CHECK(m.decodeTokensPerSec > l.decodeTokensPerSec);
  CHECK(profileForModelName("llama-3.1-8b-instruct").ttftBaseMs == s.ttftBaseMs);
  CHECK(profileForModelName("gpt-4o-mini").ttftBaseMs == s.ttftBaseMs);
  CHECK(profileForModelName("claude-3-5-haiku").ttftBaseMs == s.ttftBaseMs);
  CHECK(profileForModelName("Llama-3.3-70B").ttftBaseMs == m.ttftBaseMs);
  CHECK(profileForModelName("claude-sonnet-4").ttftBaseMs == m.ttftBaseMs);
  CHECK(profileForModelName("gpt-5").ttftBaseMs == l.ttftBaseMs);
  CHECK(profileForModelName("gpt-5").name == "gpt-5");
  CHECK(estimateCostUsd(l, 1000000, 0, 0) == Approx(l.inputCostPerMTok));
}

TEST_CASE("profile files round-trip and reject bad fields", "[latency]") {
  std::string error;
  auto ok =
      parseProfileFile(R"({"models":[{"name":"fast","class":"small","decode_tokens_per_sec":500},
                                          {"name":"big-70b"}]})",
                       error);
  REQUIRE(ok);
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].decodeTokensPerSec == 500);
  CHECK((*ok)[0].ttftBaseMs == defaultProfile("small").ttftBaseMs);
  CHECK((*ok)[1].ttftBaseMs == defaultProfile("medium").ttftBaseMs);

  std::string path = std::string(AWC_BINARY_DIR) + "/sim_profiles_roundtrip.json";
  REQUIRE(saveProfileFile(path, *ok, error));
  auto back = loadProfileFile(path, error);
  REQUIRE(back);
  CHECK((*back)[0].name == "fast");
  CHECK((*back)[0].decodeTokensPerSec == 500);
  std::remove(path.c_str());

  CHECK_FALSE(parseProfileFile("{", error));
  CHECK_FALSE(parseProfileFile(R"({"models":[{"name":"x","decode_tokens_per_sec":0}]})", error));
  CHECK(error.find("decode_tokens_per_sec") != std::string::npos);
  CHECK_FALSE(parseProfileFile(R"({"models":[{"name":"x","class":"huge"}]})", error));
  CHECK_FALSE(loadProfileFile("/nonexistent/profiles.json", error));
}
