// The simulator's quality model: every model gives the reference answer to a request, except
// that it disagrees with a probability set by its size class and the request's task class,
// drawn deterministically from the prompt and the model (docs/simulator.md, Quality).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace awc::sim {

/// The task a request asks for, inferred from its answer schema as compiler/passes/rightsize.cpp
/// infers it from the step's result type.
enum class TaskClass { Classify, Extract, Generate };

/// "classify", "extract" or "generate".
const char* taskClassName(TaskClass task);

/// enum, const or boolean at the top → classify; a schema without free text (a plain string:
/// no enum, const or format) → extract; free text, or no schema → generate.
TaskClass taskClassOf(const nlohmann::json* schema);

/// How often a model answers differently from the reference (the largest model), per task.
struct DisagreementRates {
  double classify = 0;
  double extract = 0;
  double generate = 0;
  double of(TaskClass task) const;
};

/// Documented defaults for "small", "medium" and "large" (0: the reference by definition).
/// Unknown class names give "large".
const DisagreementRates& defaultDisagreement(std::string_view sizeClass);

/// Which models disagree how often. Default-constructed: on, class defaults by model name.
struct QualityModel {
  /// false restores the simulator without a quality model: every model its own answers.
  bool enabled = true;
  /// Per size class, overriding defaultDisagreement (a profile file's top-level table).
  std::map<std::string, DisagreementRates, std::less<>> classes;
  /// Per exact model name (a profile file's models, with their class and override applied).
  std::map<std::string, DisagreementRates, std::less<>> models;

  /// The rates of `model`: its own entry, else its size class's (profileForModelName's
  /// heuristic).
  DisagreementRates ratesFor(std::string_view model) const;
};

/// Whether `model` disagrees with the reference on `prompt`: a uniform draw from a hash of
/// (prompt, model, seed) below the model's rate for `task`. Same inputs, same verdict.
bool drawsDisagreement(const QualityModel& quality, std::string_view prompt, std::string_view model,
                       TaskClass task, uint64_t seed);

/// Reads the quality part of a model profile file ({"models": [...]}, docs/simulator.md):
/// each model's `class` (or name heuristic) and optional `"disagreement": {"classify": r,
/// "extract": r, "generate": r}`, and an optional top-level `"disagreement": {"small": {...},
/// ...}` per class. Rates are numbers in [0, 1]; absent ones come from the class.
std::optional<QualityModel> parseQualityProfiles(std::string_view text, std::string& error);
std::optional<QualityModel> loadQualityProfiles(const std::string& path, std::string& error);

} // namespace awc::sim
