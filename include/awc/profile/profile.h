// The profile contract: what `awc tune` measured about a flow on sample inputs (docs/tune.md),
// written as FLOW.profile.json and read by `awc build --profile` and `awc explain --profile`.
// One definition shared by the tuner (writer) and the compiler (reader); depends on
// nlohmann_json only, like the plan contract, so neither side reaches into the other.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::profile {

using Json = nlohmann::json;

/// The profile format version this contract reads and writes.
inline constexpr int kProfileVersion = 1;

/// How many samples a candidate was checked on and how many of its answers agreed with the
/// reference (the flow as written) — exact for typed answers, field-wise for records, by the
/// declared judge or by length/format for free text (`AgreementMethod`).
struct Agreement {
  int64_t samples = 0;
  int64_t agreed = 0;
  double rate() const { return samples ? double(agreed) / double(samples) : 0.0; }
};

enum class AgreementMethod { Exact, FieldWise, Judge, LengthFormat };

/// A change `awc tune` tried on one model step.
enum class CandidateKind {
  Model,     ///< a cheaper model the declaration allows (`cheaper: [...]`); value: model name
  MaxTokens, ///< a max_tokens from the observed answer lengths; value: the limit
  Native,    ///< a native rewrite the lowering recogniser suggested; value: the expression source
  Fused,     ///< fused with other steps; value: the steps, comma-separated
};

/// Measured figures of a set of model calls (medians over the calls).
struct CallStats {
  int64_t calls = 0;
  double ttftMs = 0;            ///< time to first token
  double tokensPerS = 0;        ///< decode speed after the first token
  double latencyMs = 0;         ///< whole call
  double costUsd = 0;           ///< mean cost per call
  double cachedPromptShare = 0; ///< cached prompt tokens / prompt tokens
};

/// Observed answer lengths in output tokens.
struct LengthStats {
  int64_t p50 = 0;
  int64_t p95 = 0;
  int64_t max = 0;
};

struct Candidate {
  CandidateKind kind = CandidateKind::Model;
  std::string value;
  AgreementMethod method = AgreementMethod::Exact;
  Agreement agreement;
  CallStats stats;
  bool accepted = false; ///< met the agreement bar and was no slower and no costlier
  std::string why;       ///< one line: why accepted or not (explain prints it)
};

/// One model step of the flow as written.
struct StepProfile {
  std::string id;   ///< the step's name in the flow (a map body's step: "map_id/step")
  std::string hash; ///< of its model, messages, type and settings: a changed step is not applied
  std::string model;
  std::string task; ///< classify, extract, generate, ... (the rightsize task class)
  CallStats reference;
  LengthStats answerTokens;
  std::vector<Candidate> candidates;
};

/// How often a branch took its `then` arm on the samples.
struct BranchProfile {
  std::string id;
  int64_t samples = 0;
  int64_t taken = 0; ///< runs where the condition was true
};

/// One point of the workflow-level front: a plan and what it measured on the samples.
struct FrontPoint {
  std::string label; ///< e.g. "-O2", "-O2 +profile"
  double latencyMs = 0;
  double costUsd = 0;
  Agreement agreement;
  bool heldOut = false; ///< measured on the held-back samples, not the tuning ones
};

struct Profile {
  int version = kProfileVersion;
  std::string flow;       ///< the flow file's name as given to tune (no directories are read)
  std::string workflow;   ///< which workflow of the file
  std::string sourceHash; ///< of the whole flow's text: a match applies everything
  double minAgreement = 0.95;
  /// The confidence of the lower bound tune held to `minAgreement` (0.5: the observed rate, as
  /// profiles without the key were tuned).
  double confidence = 0.5;
  int64_t samples = 0;
  int64_t heldOutSamples = 0;
  std::map<std::string, CallStats> models; ///< per model name: calibrated latency and price
  std::vector<StepProfile> steps;
  std::vector<BranchProfile> branches;
  std::vector<FrontPoint> front;
};

/// Spelling of the enums in the JSON form.
std::string_view toString(AgreementMethod m);
std::string_view toString(CandidateKind k);

/// The JSON form (docs/tune.md) as a value (nlohmann::json: its keys come out sorted).
Json toJson(const Profile& p);
/// The file's text: keys in the documented order, two-space indented, a final newline; the same
/// profile always gives the same bytes.
std::string serialize(const Profile& p);

/// Where and why a profile was refused: `pointer` names the bad value ("" for the whole
/// document), `byte` its offset in the text when known (a syntax error's, or the value's).
struct ParseError {
  std::string pointer;
  std::string message;
  std::optional<std::size_t> byte;
  /// "pointer: message", or "(top level): message".
  std::string text() const;
};

/// Parses a profile; on failure returns nullopt and fills `error` (the value's byte offset is
/// found with locate()).
std::optional<Profile> parse(std::string_view text, ParseError& error);

/// Byte offset in `text` (a JSON document) of the value `pointer` names, or of its deepest
/// ancestor that exists; nullopt when the text is not JSON. Bounded like parse.
std::optional<std::size_t> locate(std::string_view text, std::string_view pointer);

/// Parses a profile. On failure returns nullopt and sets `error` to a message that names the
/// JSON pointer of the bad value ("/steps/2/candidates/0/kind: unknown candidate kind 'x'").
/// Bounded: refuses input deeper than 64 levels or larger than 64 MB. Every value is checked
/// (rates in [0,1], counts and figures >= 0 and finite, agreed <= samples, taken <= samples,
/// known enum spellings, step ids unique); unknown keys are ignored.
std::optional<Profile> parse(std::string_view text, std::string& error);

} // namespace awc::profile
