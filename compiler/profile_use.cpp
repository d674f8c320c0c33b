// `--profile`: step and flow hashes, and the profile read, checked and matched to the flow
// before the passes run. A whole-flow match applies everything; otherwise only the steps
// whose own hash still matches, with a warning; a profile of another flow is an error.
#include "awc/compiler/profile_use.h"

#include "awc/ir/cost_model.h"
#include "awc/profile/hash.h"
#include "awc/sema/type.h"

#include <cmath>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace awc {
namespace {

constexpr std::uintmax_t kMaxProfileBytes = 64u << 20;

nlohmann::json optionsJson(const ir::LlmOptions& o) {
  nlohmann::json j = nlohmann::json::object();
  if (o.temperature) j["temperature"] = *o.temperature;
  if (o.maxTokens) j["max_tokens"] = *o.maxTokens;
  if (o.retries) j["retries"] = *o.retries;
  if (o.timeoutMs) j["timeout_ms"] = *o.timeoutMs;
  if (o.cacheTtlMs) j["cache_ttl_ms"] = *o.cacheTtlMs;
  if (o.cacheDisabled) j["cache_disabled"] = true;
  return j;
}

nlohmann::json flagsJson(const ir::StepFlags& f) {
  return {f.nofuse, f.nocache, f.nohoist, f.nolower, f.nospeculate, f.rightsize, f.norightsize};
}

// Node ids are already unique across bodies ("map_id/step"): the profile uses them as they are.
void collectSteps(const ir::Graph& g, ProfileHashes& out) {
  for (const auto& np : g.nodes) {
    const ir::Node& n = *np;
    if (n.removed) continue;
    if (n.kind() == ir::NodeKind::Llm)
      out.steps[n.id] = stepHash(n);
    else if (n.kind() == ir::NodeKind::Map && n.map().body)
      collectSteps(*n.map().body, out);
  }
}

// A place for diagnostics about the profile as a whole: its name, never its text (it may not
// be a profile at all), so the empty buffer stands in for it.
SourceRange fileRange(const std::string& path, SourceManager& sources) {
  return SourceRange{sources.addBuffer(path, ""), 0, 0};
}

// Reads the file, bounded; "" and an error message when it cannot.
std::optional<std::string> readBounded(const std::string& path, std::string& error) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    error = "cannot read the profile: not a file";
    return std::nullopt;
  }
  if (std::filesystem::file_size(path, ec) > kMaxProfileBytes || ec) {
    error = "the profile is larger than 64 MB";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) {
    error = "cannot read the profile";
    return std::nullopt;
  }
  return text.str();
}

// Parses the profile; a bad one is reported at its bad value when the file is a profile, and
// by name only when it is not (its text is not quoted: it may be anything).
} // namespace

std::optional<profile::Profile> loadProfile(const std::string& path, SourceManager& sources,
                                            DiagnosticEngine& diags, std::string& textOut) {
  std::string error;
  std::optional<std::string> text = readBounded(path, error);
  if (!text) {
    diags.report(DiagCode::BadProfile, fileRange(path, sources), error);
    return std::nullopt;
  }
  profile::ParseError bad;
  std::optional<profile::Profile> p = profile::parse(*text, bad);
  if (p) {
    textOut = std::move(*text);
    return p;
  }
  bool looksLikeProfile = text->find("\"awc_profile\"") != std::string::npos;
  if (!looksLikeProfile) {
    diags.report(DiagCode::BadProfile, fileRange(path, sources),
                 fmt::format("not an awc profile ({})", bad.message));
    return std::nullopt;
  }
  std::size_t at = std::min(bad.byte.value_or(0), text->size());
  FileId file = sources.addBuffer(path, std::move(*text));
  Diagnostic& d =
      diags.report(DiagCode::BadProfile, SourceRange{file, uint32_t(at), uint32_t(at + 1)},
                   "invalid profile: " + bad.text());
  d.hints.push_back("docs/tune.md describes the format; `awc tune` writes it");
  return std::nullopt;
}

namespace {

// The profile's measured latency replaces the estimate's for the models it names.
void calibrate(const profile::Profile& p, ir::Module& module, std::vector<std::string>& out) {
  for (ir::ModelInfo& m : module.models) {
    auto it = p.models.find(m.id);
    if (it == p.models.end() || it->second.calls == 0) continue;
    // The medians are over all the model's calls, typed or not, prefill included: they replace
    // the profile's parts rather than adding to them.
    if (it->second.ttftMs > 0) {
      m.latency.ttftBaseMs = it->second.ttftMs;
      m.latency.prefillMsPerToken = 0;
      m.latency.structuredTtftMs = 0;
    }
    if (it->second.tokensPerS > 0) {
      m.latency.decodeTokensPerSec = it->second.tokensPerS;
      m.latency.structuredDecodeTokensPerSec = 0;
    }
    out.push_back(m.id);
  }
}

double percent(const profile::Agreement& a) {
  return std::round(a.rate() * 1000) / 10;
}

// What the passes' reports say about this candidate of this step: the change's profile detail
// ({applied: false, reason} when a pass refused it), or null when no pass mentioned it.
const nlohmann::json* passVerdict(const std::vector<passes::PassReport>& reports,
                                  const std::string& step, const profile::Candidate& c) {
  for (const passes::PassReport& r : reports)
    for (const passes::Change& ch : r.changes)
      // A fusion's change is on the fused node ("a+b"); its candidate is on its first step.
      if ((ch.node == step || (ch.detail.contains("steps") && !ch.detail["steps"].empty() &&
                               ch.detail["steps"][0] == step)) &&
          ch.detail.contains("profile") &&
          ch.detail["profile"]["kind"] == profile::toString(c.kind) &&
          ch.detail["profile"]["value"] == c.value)
        return &ch.detail["profile"];
  return nullptr;
}

std::string notTakenWhy(const ProfileUse& use, const profile::Candidate& c, bool stepMatched,
                        const nlohmann::json* verdict) {
  if (!stepMatched) return "the step changed since tune measured it";
  if (!c.accepted) return c.why.empty() ? "not accepted by tune" : "not accepted: " + c.why;
  if (c.agreement.rate() < use.profile.minAgreement)
    return fmt::format("{:g} % agreement is below the bar of {:g} %", percent(c.agreement),
                       std::round(use.profile.minAgreement * 1000) / 10);
  if (verdict && verdict->contains("reason")) return (*verdict)["reason"].get<std::string>();
  if (c.kind == profile::CandidateKind::Fused) // a profile only ever keeps steps apart
    return "the fuse pass's cost gate did not fuse these steps";
  return "another candidate of the step was taken, or a pass changed the step first";
}

nlohmann::json frontJson(const profile::Profile& p) {
  nlohmann::json front = nlohmann::json::array();
  for (const profile::FrontPoint& f : p.front)
    front.push_back({{"label", f.label},
                     {"latency_ms", ir::roundMs(f.latencyMs)},
                     {"cost_usd", ir::roundUsd(f.costUsd)},
                     {"agreement", std::round(f.agreement.rate() * 1e4) / 1e4},
                     {"samples", f.agreement.samples},
                     {"held_out", f.heldOut}});
  return front;
}

} // namespace

nlohmann::json profileExplainJson(const ProfileUse& use, const std::string& path,
                                  const std::vector<passes::PassReport>& reports) {
  nlohmann::json steps = nlohmann::json::array();
  for (const profile::StepProfile& s : use.loaded.steps) {
    bool matched = false;
    for (const profile::StepProfile& m : use.profile.steps)
      matched = matched || m.id == s.id;
    nlohmann::json candidates = nlohmann::json::array();
    for (const profile::Candidate& c : s.candidates) {
      const nlohmann::json* verdict = matched ? passVerdict(reports, s.id, c) : nullptr;
      bool took = verdict && !verdict->contains("applied");
      nlohmann::json j = {{"kind", std::string(profile::toString(c.kind))},
                          {"value", c.value},
                          {"agreement", std::round(c.agreement.rate() * 1e4) / 1e4},
                          {"samples", c.agreement.samples},
                          {"method", std::string(profile::toString(c.method))},
                          {"accepted", c.accepted},
                          {"taken", took}};
      if (!took) j["why"] = notTakenWhy(use, c, matched, verdict);
      candidates.push_back(std::move(j));
    }
    steps.push_back({{"id", s.id}, {"matched", matched}, {"candidates", std::move(candidates)}});
  }
  return {{"file", path},
          {"workflow", use.loaded.workflow},
          {"match", use.wholeMatch ? "whole" : "partial"},
          {"steps_matched", use.stepsMatched},
          {"steps_total", use.stepsTotal},
          {"min_agreement", use.loaded.minAgreement},
          {"confidence", use.loaded.confidence},
          {"samples", use.loaded.samples},
          {"held_out_samples", use.loaded.heldOutSamples},
          {"calibrated_models", use.calibrated},
          {"front", frontJson(use.loaded)},
          {"steps", std::move(steps)}};
}

std::string stepHash(const ir::Node& n) {
  const ir::LlmData& llm = n.llm();
  nlohmann::json messages = nlohmann::json::array();
  for (const ir::Message& m : llm.messages) {
    nlohmann::json segments = nlohmann::json::array();
    for (const ir::Segment& s : m.segments)
      segments.push_back(s.isStatic ? nlohmann::json(s.text) : nlohmann::json{{"expr", s.expr}});
    messages.push_back({{"role", m.role}, {"segments", std::move(segments)}});
  }
  nlohmann::json canonical = {
      {"model", llm.autoLadder.empty() ? llm.model : "auto:" + llm.autoLadder},
      {"messages", std::move(messages)},
      {"type", n.type ? n.type->str() : std::string()},
      {"schema", n.schema},
      {"options", optionsJson(llm.options)},
      {"flags", flagsJson(llm.flags)}};
  return profile::hashBytes(canonical.dump());
}

ProfileHashes profileHashes(const ir::Module& module, std::string_view sourceText) {
  ProfileHashes out;
  out.source = profile::flowHash(sourceText);
  collectSteps(module.graph, out);
  return out;
}

std::optional<ProfileUse> useProfile(const std::string& path, ir::Module& module,
                                     const ProfileHashes& hashes, SourceManager& sources,
                                     DiagnosticEngine& diags) {
  std::string text;
  std::optional<profile::Profile> loaded = loadProfile(path, sources, diags, text);
  if (!loaded) return std::nullopt;
  // A valid profile may be quoted: diagnostics point at the value they are about.
  FileId file = sources.addBuffer(path, text);
  auto at = [&](const char* pointer) {
    uint32_t offset = uint32_t(profile::locate(text, pointer).value_or(0));
    return SourceRange{file, offset, offset + 1};
  };
  ProfileUse use;
  use.loaded = *loaded;
  use.profile = *loaded;
  use.stepsTotal = loaded->steps.size();
  if (loaded->workflow != module.workflow) {
    diags
        .report(
            DiagCode::ProfileMismatch, at("/workflow"),
            fmt::format("profile of workflow '{}', not '{}'", loaded->workflow, module.workflow))
        .hints.push_back("run `awc tune` on this flow, or pick the workflow with --workflow");
    return std::nullopt;
  }
  use.wholeMatch = loaded->sourceHash == hashes.source;
  std::vector<profile::StepProfile> kept;
  for (const profile::StepProfile& s : loaded->steps) {
    auto it = hashes.steps.find(s.id);
    if (use.wholeMatch || (it != hashes.steps.end() && it->second == s.hash)) kept.push_back(s);
  }
  use.stepsMatched = kept.size();
  if (!use.wholeMatch) {
    if (kept.empty()) {
      diags
          .report(DiagCode::ProfileMismatch, at("/source_hash"),
                  "profile matches no model step of this flow")
          .hints.push_back("the flow changed since `awc tune` measured it: run it again");
      return std::nullopt;
    }
    Diagnostic& d =
        diags.report(DiagCode::ProfilePartial, at("/source_hash"),
                     fmt::format("profile from another version of the flow: {} of {} steps applied",
                                 kept.size(), use.stepsTotal));
    d.hints.push_back("branch frequencies are applied only to the flow tune measured; run "
                      "`awc tune` again to measure the changed steps");
    use.profile.branches.clear();
    use.profile.steps = std::move(kept);
  }
  calibrate(use.profile, module, use.calibrated);
  return use;
}

} // namespace awc
