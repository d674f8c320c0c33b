// Latency model arithmetic, default size-class profiles and the profile file format.
#include "awc/support/latency_model.h"

#include "awc/support/source.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

namespace awc {
namespace {

// Illustrative figures, rounded from public provider dashboards and benchmark sites
// (e.g. Artificial Analysis' TTFT/output-speed leaderboards, vLLM/TGI benchmark posts)
// for hosted models of each size; see docs/simulator.md. They set realistic ratios,
// not a promise about any provider.
const ModelProfile kSmall{"small", 200.0, 0.05, 150.0, 0.02, 0.15, 0.60, 0.1};
const ModelProfile kMedium{"medium", 400.0, 0.15, 70.0, 0.03, 3.00, 15.00, 0.1};
const ModelProfile kLarge{"large", 800.0, 0.30, 40.0, 0.04, 15.00, 75.00, 0.1};

bool containsToken(const std::string& lower, std::string_view needle) {
  return lower.find(needle) != std::string::npos;
}

} // namespace

const ModelProfile& defaultProfile(std::string_view sizeClass) {
  if (sizeClass == "small") return kSmall;
  if (sizeClass == "medium") return kMedium;
  return kLarge;
}

const char* sizeClassForModelName(std::string_view modelName) {
  std::string lower(modelName);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "small" || containsToken(lower, "8b") || containsToken(lower, "mini") ||
      containsToken(lower, "small") || containsToken(lower, "haiku") ||
      containsToken(lower, "nano") || containsToken(lower, "flash") || containsToken(lower, "7b") ||
      containsToken(lower, "3b") || containsToken(lower, "1b"))
    return "small";
  if (lower == "medium" || containsToken(lower, "70b") || containsToken(lower, "sonnet") ||
      containsToken(lower, "medium") || containsToken(lower, "32b"))
    return "medium";
  return "large";
}

ModelProfile profileForModelName(std::string_view modelName) {
  ModelProfile p = defaultProfile(sizeClassForModelName(modelName));
  p.name = std::string(modelName);
  return p;
}

double concurrencyFactor(double slowdown, size_t inFlight) {
  size_t extra = inFlight > 1 ? inFlight - 1 : 0;
  return 1.0 + slowdown * static_cast<double>(extra);
}

double concurrencyFactor(const ModelProfile& profile, size_t inFlight) {
  return concurrencyFactor(profile.concurrencySlowdown, inFlight);
}

double estimateTtftMs(const ModelProfile& profile, size_t uncachedPromptTokens, size_t inFlight,
                      size_t cachedPromptTokens, bool structured) {
  double n = static_cast<double>(uncachedPromptTokens);
  double before = static_cast<double>(cachedPromptTokens);
  double prefill = n * profile.prefillMsPerToken +
                   (n * before + n * n / 2) / 1000.0 * profile.prefillMsPerTokenPer1kContext;
  // The grammar is server work like the prefill, so it stretches the same way under load.
  if (structured) prefill += profile.structuredTtftMs;
  return profile.ttftBaseMs + prefill * concurrencyFactor(profile, inFlight);
}

double estimateDecodeMsPerToken(const ModelProfile& profile, size_t inFlight, size_t contextTokens,
                                bool structured) {
  double speed = structured && profile.structuredDecodeTokensPerSec > 0
                     ? profile.structuredDecodeTokensPerSec
                     : profile.decodeTokensPerSec;
  if (speed <= 0) return 0;
  double perToken = 1000.0 / speed + static_cast<double>(contextTokens) / 1000.0 *
                                         profile.decodeMsPerTokenPer1kContext;
  return perToken * concurrencyFactor(profile, inFlight);
}

double estimateLatencyMs(const ModelProfile& profile, size_t uncachedPromptTokens,
                         size_t outputTokens, size_t inFlight, size_t cachedPromptTokens,
                         bool structured) {
  double ttft =
      estimateTtftMs(profile, uncachedPromptTokens, inFlight, cachedPromptTokens, structured);
  size_t after = outputTokens > 0 ? outputTokens - 1 : 0;
  return ttft + static_cast<double>(after) *
                    estimateDecodeMsPerToken(profile, inFlight,
                                             uncachedPromptTokens + cachedPromptTokens, structured);
}

double estimateCostUsd(const ModelProfile& profile, size_t uncachedPromptTokens,
                       size_t cachedPromptTokens, size_t outputTokens) {
  double in = static_cast<double>(uncachedPromptTokens) * profile.inputCostPerMTok;
  double cached = static_cast<double>(cachedPromptTokens) * profile.inputCostPerMTok *
                  profile.cachedInputCostFactor;
  double out = static_cast<double>(outputTokens) * profile.outputCostPerMTok;
  return (in + cached + out) / 1e6;
}

nlohmann::json profileToJson(const ModelProfile& p) {
  nlohmann::json out{{"name", p.name},
                     {"ttft_base_ms", p.ttftBaseMs},
                     {"prefill_ms_per_token", p.prefillMsPerToken},
                     {"decode_tokens_per_sec", p.decodeTokensPerSec},
                     {"concurrency_slowdown", p.concurrencySlowdown},
                     {"input_cost_per_mtok", p.inputCostPerMTok},
                     {"output_cost_per_mtok", p.outputCostPerMTok},
                     {"cached_input_cost_factor", p.cachedInputCostFactor}};
  // Written only when set, so files and `--help` output for the class defaults stay as they were.
  if (p.prefillMsPerTokenPer1kContext != 0)
    out["prefill_ms_per_token_per_1k_context"] = p.prefillMsPerTokenPer1kContext;
  if (p.decodeMsPerTokenPer1kContext != 0)
    out["decode_ms_per_token_per_1k_context"] = p.decodeMsPerTokenPer1kContext;
  if (p.structuredDecodeTokensPerSec != 0)
    out["structured_decode_tokens_per_sec"] = p.structuredDecodeTokensPerSec;
  if (p.structuredTtftMs != 0) out["structured_ttft_ms"] = p.structuredTtftMs;
  if (!p.engine.empty()) out["engine"] = p.engine;
  if (p.cacheSlots != 0) out["cache_slots"] = p.cacheSlots;
  return out;
}

std::optional<ModelProfile> profileFromJson(const nlohmann::json& j, std::string& error) {
  if (!j.is_object()) {
    error = "a model profile must be a JSON object";
    return std::nullopt;
  }
  auto name = j.find("name");
  if (name == j.end() || !name->is_string() || name->get<std::string>().empty()) {
    error = "a model profile needs a non-empty string \"name\"";
    return std::nullopt;
  }
  ModelProfile p;
  if (auto cls = j.find("class"); cls != j.end()) {
    if (!cls->is_string() || (*cls != "small" && *cls != "medium" && *cls != "large")) {
      error =
          "profile '" + name->get<std::string>() + "': \"class\" must be small, medium or large";
      return std::nullopt;
    }
    p = defaultProfile(cls->get<std::string>());
  } else {
    p = profileForModelName(name->get<std::string>());
  }
  p.name = name->get<std::string>();
  struct Field {
    const char* key;
    double* dst;
    bool positive;
  };
  const Field fields[] = {
      {"ttft_base_ms", &p.ttftBaseMs, false},
      {"prefill_ms_per_token", &p.prefillMsPerToken, false},
      {"decode_tokens_per_sec", &p.decodeTokensPerSec, true},
      {"concurrency_slowdown", &p.concurrencySlowdown, false},
      {"input_cost_per_mtok", &p.inputCostPerMTok, false},
      {"output_cost_per_mtok", &p.outputCostPerMTok, false},
      {"cached_input_cost_factor", &p.cachedInputCostFactor, false},
      {"prefill_ms_per_token_per_1k_context", &p.prefillMsPerTokenPer1kContext, false},
      {"decode_ms_per_token_per_1k_context", &p.decodeMsPerTokenPer1kContext, false},
      {"structured_decode_tokens_per_sec", &p.structuredDecodeTokensPerSec, false},
      {"structured_ttft_ms", &p.structuredTtftMs, false}};
  for (const Field& f : fields) {
    auto it = j.find(f.key);
    if (it == j.end()) continue;
    if (!it->is_number() || it->get<double>() < 0 || (f.positive && it->get<double>() <= 0)) {
      error = "profile '" + p.name + "': \"" + f.key + "\" must be a " +
              (f.positive ? "positive" : "non-negative") + " number";
      return std::nullopt;
    }
    *f.dst = it->get<double>();
  }
  if (auto engine = j.find("engine"); engine != j.end()) {
    if (!engine->is_string()) {
      error = "profile '" + p.name + "': \"engine\" must be a string";
      return std::nullopt;
    }
    p.engine = engine->get<std::string>();
  }
  if (auto slots = j.find("cache_slots"); slots != j.end()) {
    if (!slots->is_number_unsigned()) {
      error = "profile '" + p.name + "': \"cache_slots\" must be a non-negative integer";
      return std::nullopt;
    }
    p.cacheSlots = slots->get<size_t>();
  }
  return p;
}

std::optional<std::vector<ModelProfile>> parseProfileFile(std::string_view text,
                                                          std::string& error) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    error = "profile file is not valid JSON";
    return std::nullopt;
  }
  if (!j.is_object() || !j.contains("models") || !j["models"].is_array()) {
    error = "profile file must be an object with a \"models\" array";
    return std::nullopt;
  }
  std::vector<ModelProfile> out;
  for (const auto& m : j["models"]) {
    auto p = profileFromJson(m, error);
    if (!p) return std::nullopt;
    out.push_back(std::move(*p));
  }
  return out;
}

std::optional<std::vector<ModelProfile>> loadProfileFile(const std::string& path,
                                                         std::string& error) {
  auto text = readFile(path, error, "profile file");
  if (!text) return std::nullopt;
  auto r = parseProfileFile(*text, error);
  if (!r) error = path + ": " + error;
  return r;
}

bool saveProfileFile(const std::string& path, const std::vector<ModelProfile>& profiles,
                     std::string& error) {
  nlohmann::json models = nlohmann::json::array();
  for (const auto& p : profiles)
    models.push_back(profileToJson(p));
  std::ofstream out(path, std::ios::binary);
  if (!out) {
    error = "cannot write profile file '" + path + "'";
    return false;
  }
  out << nlohmann::json{{"models", models}}.dump(2) << "\n";
  return static_cast<bool>(out);
}

} // namespace awc
