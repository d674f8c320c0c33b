// `awc tune` as a library: run a flow as written over sample inputs (the reference), try each
// model step's candidate changes by re-sending its recorded requests, and measure them into a
// profile (docs/tune.md, "Running awc tune").
#pragma once

#include "awc/profile/profile.h"

#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace awc::tune {

/// One sample: a JSON object of workflow inputs.
using Sample = nlohmann::json;

/// Reads a JSON-lines file of input objects (blank lines skipped). On failure returns false and
/// sets `error` to "FILE:LINE:COL: error: <the JSON problem>" — never the line's content.
bool readSamples(const std::string& path, std::vector<Sample>& out, std::string& error);

/// Where tune is (for the progress line).
struct Progress {
  const char* phase = "reference"; ///< "reference", "candidates", "fused", "tuned", "held-out"
  int64_t samplesDone = 0;
  int64_t samples = 0;
  int64_t calls = 0;
  double spentUsd = 0;
};

struct TuneOptions {
  std::string flowPath;
  std::string workflow;
  std::vector<Sample> samples;
  std::vector<Sample> holdout;
  std::string backend; ///< openai | anthropic | sim; empty: each model's own
  std::string endpoint;
  std::map<std::string, nlohmann::json> toolStubs;
  double minAgreement = 0.95;
  std::optional<double> maxUsd;
  std::optional<int64_t> maxCalls;
  /// Model calls (or runs) in flight at once.
  int concurrency = 16;
  /// Called from tune's own thread whenever a figure changes; must be quick.
  std::function<void(const Progress&)> onProgress;
};

struct TuneResult {
  bool ok = false;
  std::string error;       ///< why tune could not run (compile errors are in `diagnostics`)
  std::string diagnostics; ///< rendered compiler diagnostics of the flow
  profile::Profile profile;
  bool budgetStopped = false;        ///< a budget stopped it before every call was made
  std::vector<std::string> warnings; ///< e.g. the flow did not build with the profile
  int64_t calls = 0;
  double spentUsd = 0;
};

/// Runs the whole tune. Deterministic in structure (steps and candidates in plan order);
/// measured figures vary with the endpoint.
TuneResult tune(const TuneOptions& options);

/// Whether a candidate answer agrees with the reference answer of a step: typed answers exactly
/// (records: every field equal), free text by length and format only; a truncated answer
/// (finish reason "length" / "max_tokens") never agrees.
bool answersAgree(bool freeText, const std::string& reference, const std::string& candidate,
                  const std::string& candidateFinishReason);

/// Whether two workflow results agree, guided by the result's JSON Schema: free-text strings
/// (no enum) by answersAgree's length/format rule, everything else exactly, field by field.
bool outputsAgree(const nlohmann::json& schema, const nlohmann::json& reference,
                  const nlohmann::json& candidate);

} // namespace awc::tune
