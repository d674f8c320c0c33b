// Profile → JSON: the one place that writes the format's keys, in a fixed order (nlohmann's
// ordered_json keeps insertion order), so the same profile always gives the same bytes.
#include "awc/profile/profile.h"

namespace awc::profile {
namespace {

using Ordered = nlohmann::ordered_json;

Ordered agreementJson(const Agreement& a) {
  return Ordered{{"samples", a.samples}, {"agreed", a.agreed}};
}

Ordered statsJson(const CallStats& s) {
  Ordered o;
  o["calls"] = s.calls;
  o["ttft_ms"] = s.ttftMs;
  o["tokens_per_s"] = s.tokensPerS;
  o["latency_ms"] = s.latencyMs;
  o["cost_usd"] = s.costUsd;
  o["cached_prompt_share"] = s.cachedPromptShare;
  return o;
}

Ordered candidateJson(const Candidate& c) {
  Ordered o;
  o["kind"] = toString(c.kind);
  o["value"] = c.value;
  o["method"] = toString(c.method);
  o["agreement"] = agreementJson(c.agreement);
  o["stats"] = statsJson(c.stats);
  o["accepted"] = c.accepted;
  o["why"] = c.why;
  return o;
}

Ordered stepJson(const StepProfile& s) {
  Ordered o;
  o["id"] = s.id;
  o["hash"] = s.hash;
  o["model"] = s.model;
  o["task"] = s.task;
  o["reference"] = statsJson(s.reference);
  o["answer_tokens"] = Ordered{
      {"p50", s.answerTokens.p50}, {"p95", s.answerTokens.p95}, {"max", s.answerTokens.max}};
  Ordered cands = Ordered::array();
  for (const Candidate& c : s.candidates)
    cands.push_back(candidateJson(c));
  o["candidates"] = std::move(cands);
  return o;
}

Ordered frontJson(const FrontPoint& f) {
  Ordered o;
  o["label"] = f.label;
  o["latency_ms"] = f.latencyMs;
  o["cost_usd"] = f.costUsd;
  o["agreement"] = agreementJson(f.agreement);
  o["held_out"] = f.heldOut;
  return o;
}

Ordered toOrdered(const Profile& p) {
  Ordered o;
  o["awc_profile"] = p.version;
  o["flow"] = p.flow;
  o["workflow"] = p.workflow;
  o["source_hash"] = p.sourceHash;
  o["min_agreement"] = p.minAgreement;
  o["confidence"] = p.confidence;
  o["samples"] = Ordered{{"tuning", p.samples}, {"held_out", p.heldOutSamples}};
  Ordered models = Ordered::object();
  for (const auto& [name, stats] : p.models)
    models[name] = statsJson(stats); // std::map: sorted
  o["models"] = std::move(models);
  Ordered steps = Ordered::array();
  for (const StepProfile& s : p.steps)
    steps.push_back(stepJson(s));
  o["steps"] = std::move(steps);
  Ordered branches = Ordered::array();
  for (const BranchProfile& b : p.branches)
    branches.push_back(Ordered{{"id", b.id}, {"samples", b.samples}, {"taken", b.taken}});
  o["branches"] = std::move(branches);
  Ordered front = Ordered::array();
  for (const FrontPoint& f : p.front)
    front.push_back(frontJson(f));
  o["front"] = std::move(front);
  return o;
}

} // namespace

std::string_view toString(AgreementMethod m) {
  switch (m) {
  case AgreementMethod::Exact:
    return "exact";
  case AgreementMethod::FieldWise:
    return "field_wise";
  case AgreementMethod::Judge:
    return "judge";
  case AgreementMethod::LengthFormat:
    return "length_format";
  }
  return "exact";
}

std::string_view toString(CandidateKind k) {
  switch (k) {
  case CandidateKind::Model:
    return "model";
  case CandidateKind::MaxTokens:
    return "max_tokens";
  case CandidateKind::Native:
    return "native";
  case CandidateKind::Fused:
    return "fused";
  }
  return "model";
}

Json toJson(const Profile& p) {
  return Json::parse(toOrdered(p).dump());
}

std::string serialize(const Profile& p) {
  // Non-finite numbers would dump as null and then fail to parse: the writer keeps them finite
  // (parse refuses them), and two-space indentation keeps the file diffable.
  return toOrdered(p).dump(2) + "\n";
}

} // namespace awc::profile
