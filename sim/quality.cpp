// The quality model: task classes from answer schemas, disagreement rates per size class and
// model, the deterministic disagreement draw, and the profile file's quality fields.
#include "awc/sim/quality.h"

#include "awc/support/latency_model.h"
#include "awc/support/source.h"

#include <xxhash.h>

namespace awc::sim {
namespace {

using nlohmann::json;

// Illustrative rates (docs/simulator.md, Quality, says where their order of magnitude comes
// from). The large class is the reference, so it disagrees with itself never.
const DisagreementRates kSmall{0.03, 0.06, 0.15};
const DisagreementRates kMedium{0.015, 0.03, 0.075};
const DisagreementRates kLarge{0, 0, 0};

// Whether a schema holds free text anywhere: a plain string (no enum, const or format), or a
// part without a schema. Bounded depth: a schema is untrusted input.
bool hasFreeText(const json& s, int depth = 0) {
  if (depth > 32 || !s.is_object()) return false;
  if (s.contains("enum") || s.contains("const")) return false;
  for (const char* k : {"anyOf", "oneOf", "allOf"})
    if (auto a = s.find(k); a != s.end() && a->is_array())
      for (const auto& branch : *a)
        if (hasFreeText(branch, depth + 1)) return true;
  if (auto props = s.find("properties"); props != s.end() && props->is_object())
    for (const auto& p : *props)
      if (hasFreeText(p, depth + 1)) return true;
  if (auto items = s.find("items"); items != s.end() && hasFreeText(*items, depth + 1)) return true;
  auto type = s.find("type");
  bool isString = type != s.end() && (*type == "string" || (type->is_array() && [&] {
                    for (const auto& t : *type)
                      if (t == "string") return true;
                    return false;
                  }()));
  return isString && !s.contains("format");
}

std::optional<DisagreementRates> parseRates(const json& j, const DisagreementRates& base,
                                            const std::string& where, std::string& error) {
  if (!j.is_object()) {
    error = where + ": \"disagreement\" must be an object of task class rates";
    return std::nullopt;
  }
  DisagreementRates r = base;
  for (auto it = j.begin(); it != j.end(); ++it) {
    double* dst = it.key() == "classify"   ? &r.classify
                  : it.key() == "extract"  ? &r.extract
                  : it.key() == "generate" ? &r.generate
                                           : nullptr;
    if (!dst) {
      error = where + ": unknown task class '" + it.key() + "' (classify, extract, generate)";
      return std::nullopt;
    }
    if (!it->is_number() || it->get<double>() < 0 || it->get<double>() > 1) {
      error = where + ": disagreement rate '" + it.key() + "' must be a number from 0 to 1";
      return std::nullopt;
    }
    *dst = it->get<double>();
  }
  return r;
}

bool readClassTable(const json& table, QualityModel& q, std::string& error) {
  if (!table.is_object()) {
    error = "\"disagreement\" must map size classes to task class rates";
    return false;
  }
  for (auto it = table.begin(); it != table.end(); ++it) {
    if (it.key() != "small" && it.key() != "medium" && it.key() != "large") {
      error = "\"disagreement\": unknown size class '" + it.key() + "' (small, medium, large)";
      return false;
    }
    auto r = parseRates(*it, defaultDisagreement(it.key()), "class '" + it.key() + "'", error);
    if (!r) return false;
    q.classes[it.key()] = *r;
  }
  return true;
}

} // namespace

const char* taskClassName(TaskClass task) {
  switch (task) {
  case TaskClass::Classify:
    return "classify";
  case TaskClass::Extract:
    return "extract";
  case TaskClass::Generate:
    return "generate";
  }
  return "generate";
}

TaskClass taskClassOf(const json* schema) {
  if (!schema || !schema->is_object()) return TaskClass::Generate;
  const json* inner = schema;
  // The runtime sends an enum, bool or number answer wrapped as {"value": ...} (a strict JSON
  // Schema needs an object at the top): the task is what the one field holds.
  if (const json* props = schema->contains("properties") ? &(*schema)["properties"] : nullptr;
      props && props->is_object() && props->size() == 1 && props->contains("value"))
    inner = &(*props)["value"];
  if (!inner->is_object()) return TaskClass::Generate;
  const json& s = *inner;
  if (s.contains("enum") || s.contains("const") || s.value("type", json()) == "boolean")
    return TaskClass::Classify;
  return hasFreeText(s) ? TaskClass::Generate : TaskClass::Extract;
}

double DisagreementRates::of(TaskClass task) const {
  switch (task) {
  case TaskClass::Classify:
    return classify;
  case TaskClass::Extract:
    return extract;
  case TaskClass::Generate:
    return generate;
  }
  return generate;
}

const DisagreementRates& defaultDisagreement(std::string_view sizeClass) {
  if (sizeClass == "small") return kSmall;
  if (sizeClass == "medium") return kMedium;
  return kLarge;
}

DisagreementRates QualityModel::ratesFor(std::string_view model) const {
  if (auto it = models.find(model); it != models.end()) return it->second;
  std::string_view cls = sizeClassForModelName(model);
  if (auto it = classes.find(cls); it != classes.end()) return it->second;
  return defaultDisagreement(cls);
}

bool drawsDisagreement(const QualityModel& quality, std::string_view prompt, std::string_view model,
                       TaskClass task, uint64_t seed) {
  double rate = quality.ratesFor(model).of(task);
  if (rate <= 0) return false;
  // Hash the prompt, then the model on top: the draws of one model over many prompts are
  // independent, and so are two models' draws on one prompt.
  uint64_t h = XXH3_64bits_withSeed(prompt.data(), prompt.size(), seed ^ 0xd15a9ee5ULL);
  h = XXH3_64bits_withSeed(model.data(), model.size(), h);
  double u = static_cast<double>(h >> 11) * 0x1.0p-53; // uniform in [0, 1)
  return u < rate;
}

std::optional<QualityModel> parseQualityProfiles(std::string_view text, std::string& error) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("models") || !j["models"].is_array()) {
    error = "profile file must be an object with a \"models\" array";
    return std::nullopt;
  }
  QualityModel q;
  if (auto table = j.find("disagreement"); table != j.end() && !readClassTable(*table, q, error))
    return std::nullopt;
  for (const auto& m : j["models"]) {
    if (!m.is_object() || !m.contains("name") || !m["name"].is_string()) continue;
    std::string name = m["name"].get<std::string>();
    std::string cls = m.contains("class") && m["class"].is_string() ? m["class"].get<std::string>()
                                                                    : sizeClassForModelName(name);
    auto table = q.classes.find(cls);
    DisagreementRates base = table != q.classes.end() ? table->second : defaultDisagreement(cls);
    auto d = m.find("disagreement");
    if (d == m.end()) {
      q.models[name] = base;
      continue;
    }
    auto r = parseRates(*d, base, "profile '" + name + "'", error);
    if (!r) return std::nullopt;
    q.models[name] = *r;
  }
  return q;
}

std::optional<QualityModel> loadQualityProfiles(const std::string& path, std::string& error) {
  auto text = readFile(path, error, "profile file");
  if (!text) return std::nullopt;
  auto q = parseQualityProfiles(*text, error);
  if (!q) error = path + ": " + error;
  return q;
}

} // namespace awc::sim
