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
  const char* phase =
      "reference"; ///< "reference", "candidates", "fused", "judge", "tuned", "held-out"
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
  /// `awc run --record` files (or directories of them) of this flow: their runs are reference
  /// runs (samples whose answers need no call), after `samples` (docs/tune.md, --from-record).
  std::vector<std::string> fromRecord;
  std::string backend; ///< openai | anthropic | sim; empty: each model's own
  std::string endpoint;
  std::map<std::string, nlohmann::json> toolStubs;
  double minAgreement = 0.95;
  /// A candidate (and the tuned flow) meets `minAgreement` when the Wilson lower bound of its
  /// agreement at this confidence does (`--confidence`, in [0.5, 0.999]; 0.5: the observed rate).
  double confidence = 0.9;
  /// The flow's name of a declared model that compares free-text answers (`--judge`); empty:
  /// free text is compared by length and format only.
  std::string judge;
  /// What "the same answer" means to the judge; empty: the default rubric (docs/tune.md).
  std::string rubric;
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
  int64_t recordedRuns = 0; ///< reference runs taken from --from-record files
  int64_t judgeCalls = 0;   ///< of `calls`: the judge's (a cost of tuning, not of a candidate)
  double judgeUsd = 0;      ///< of `spentUsd`: the judge's
  /// Milliseconds from the start of tune (compiling included) to its end.
  double wallMs = 0;
  /// Milliseconds during which at least one of tune's model calls was in flight (the union of
  /// the calls' intervals): the rest of wallMs is tune's own work and waiting between phases.
  double callsBusyMs = 0;
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

/// A comparison of two free-text strings (reference, candidate): the verdict, or unset when
/// none could be had (a judge call failed).
using FreeTextCompare =
    std::function<std::optional<bool>(const std::string& reference, const std::string& candidate)>;

/// outputsAgree with the free-text strings compared by `freeText`: false as soon as any part
/// differs, unset when no part differs but one got no verdict.
std::optional<bool> outputsAgree(const nlohmann::json& schema, const nlohmann::json& reference,
                                 const nlohmann::json& candidate, const FreeTextCompare& freeText);

} // namespace awc::tune
