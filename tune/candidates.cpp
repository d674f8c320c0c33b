// Tune's candidates for one model step — cheaper models, a max_tokens from observed lengths, a
// native rewrite — measured against the reference answers (free text by a judge's verdicts when
// one is declared), and the accept rule.
#include "awc/stdlib/eval.h"
#include "confidence.h"
#include "tune_candidates.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace awc::tune::detail {

using nlohmann::json;

namespace {

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// The field a request body limits the answer with ("max_tokens" for Anthropic and bodies that
// already use it).
std::string maxTokensKey(const json& body, runtime::Provider provider) {
  if (body.contains("max_completion_tokens")) return "max_completion_tokens";
  if (body.contains("max_tokens") || provider == runtime::Provider::Anthropic) return "max_tokens";
  return "max_completion_tokens";
}

bool isCut(const std::string& finishReason) {
  return finishReason == "length" || finishReason == "max_tokens";
}

// The agreement of one replayed call: unset when it says nothing (no verdict from the judge, or
// the budget stopped the judge first: `why` gets the reason).
std::optional<bool> callAgrees(const PendingCandidate& pc, const StepInfo& step, std::size_t i,
                               int64_t& judgeFailed, std::string& judgeError) {
  const CallResult& r = pc.results[i];
  if (pc.c.method != profile::AgreementMethod::Judge)
    return answersAgree(step.freeText, step.instances[i]->answer, r.answer, r.finishReason);
  if (isCut(r.finishReason)) return false; // a cut answer never agrees
  const JudgeItem& item = pc.judged.at(i);
  if (!item.asked) return std::nullopt; // the budget stopped tune first: decide() says so
  if (!item.verdict && judgeFailed++ == 0) judgeError = item.error;
  return item.verdict;
}

std::string trimmed(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  auto e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

} // namespace

profile::CallStats statsOf(const std::vector<const Exchange*>& calls) {
  profile::CallStats s;
  std::vector<double> ttft, tps, lat;
  double cost = 0, prompt = 0, cached = 0;
  for (const Exchange* e : calls) {
    ttft.push_back(e->ttftMs);
    tps.push_back(e->tokensPerS);
    lat.push_back(e->latencyMs);
    cost += e->costUsd;
    prompt += double(e->usage.promptTokens);
    cached += double(e->usage.cachedTokens);
  }
  s.calls = int64_t(calls.size());
  s.ttftMs = median(ttft);
  s.tokensPerS = median(tps);
  s.latencyMs = median(lat);
  s.costUsd = calls.empty() ? 0 : cost / double(calls.size());
  s.cachedPromptShare = prompt > 0 ? cached / prompt : 0;
  return s;
}

profile::LengthStats lengthsOf(const std::vector<const Exchange*>& calls) {
  std::vector<int64_t> n;
  for (const Exchange* e : calls)
    n.push_back(e->usage.outputTokens);
  std::sort(n.begin(), n.end());
  profile::LengthStats s;
  if (n.empty()) return s;
  s.p50 = n[(n.size() - 1) / 2];
  s.p95 = n[std::size_t(std::ceil(0.95 * double(n.size()))) - 1];
  s.max = n.back();
  return s;
}

std::vector<PendingCandidate>
planCandidates(const StepInfo& step, const std::map<std::string, Route>& routes, bool judged) {
  std::vector<PendingCandidate> out;
  const Route& ref = routes.at(step.modelId);
  if (!step.instances.empty()) {
    PendingCandidate b;
    b.baseline = true;
    b.route = &ref;
    for (const Exchange* e : step.instances)
      b.jobs.push_back({e->request, b.route, e->costUsd, nullptr});
    out.push_back(std::move(b));
  }
  auto method = step.freeText ? (judged ? profile::AgreementMethod::Judge
                                        : profile::AgreementMethod::LengthFormat)
                : step.record ? profile::AgreementMethod::FieldWise
                              : profile::AgreementMethod::Exact;
  for (const std::string& cheaper : step.cheaper) {
    PendingCandidate c;
    c.c.kind = profile::CandidateKind::Model;
    c.c.value = cheaper;
    c.c.method = method;
    auto it = routes.find(cheaper);
    if (it == routes.end() || it->second.provider != ref.provider) {
      c.c.why = "not measured: another wire protocol than the step's model";
      out.push_back(std::move(c));
      continue;
    }
    c.route = &it->second;
    for (const Exchange* e : step.instances) {
      json body = e->request;
      body["model"] = it->second.name;
      c.jobs.push_back({std::move(body), c.route, callCost(*c.route, e->usage), nullptr});
    }
    out.push_back(std::move(c));
  }
  int64_t longest = 0;
  for (const Exchange* e : step.instances)
    longest = std::max(longest, e->usage.outputTokens);
  int64_t limit = int64_t(std::ceil(double(longest) * 1.2));
  if (longest > 0 && (!step.maxTokens || *step.maxTokens > limit)) {
    PendingCandidate c;
    c.c.kind = profile::CandidateKind::MaxTokens;
    c.c.value = std::to_string(limit);
    c.c.method = method;
    c.route = &ref;
    for (const Exchange* e : step.instances) {
      json body = e->request;
      body[maxTokensKey(body, ref.provider)] = limit;
      c.jobs.push_back({std::move(body), c.route, e->costUsd, nullptr});
    }
    out.push_back(std::move(c));
  }
  return out;
}

void judgeItems(PendingCandidate& pc, const StepInfo& step, std::vector<JudgeItem*>& out) {
  if (pc.c.method != profile::AgreementMethod::Judge || pc.route == nullptr) return;
  pc.judged.assign(pc.results.size(), JudgeItem{});
  for (std::size_t i = 0; i < pc.results.size(); ++i) {
    const CallResult& r = pc.results[i];
    if (!r.done || !r.ok || isCut(r.finishReason)) continue; // nothing to judge
    JudgeItem& item = pc.judged[i];
    item.task = taskText(step.instances[i]->request);
    item.reference = step.instances[i]->answer;
    item.candidate = r.answer;
    out.push_back(&item);
  }
}

Baseline baselineOf(const PendingCandidate* replay, const StepInfo& step, const Route& route) {
  Baseline b;
  std::vector<double> latencies;
  for (const Exchange* e : step.instances) {
    latencies.push_back(e->latencyMs);
    b.listCostUsd += listCost(route, e->usage) / double(step.instances.size());
  }
  bool complete = replay && !replay->results.empty();
  if (replay)
    for (const CallResult& r : replay->results)
      complete = complete && r.done && r.ok;
  if (complete) {
    latencies.clear();
    for (const CallResult& r : replay->results)
      latencies.push_back(r.latencyMs);
  }
  b.latencyMs = median(latencies);
  return b;
}

void scoreCandidate(PendingCandidate& pc, const StepInfo& step, double minAgreement,
                    double confidence, const Baseline& reference) {
  profile::Candidate& c = pc.c;
  if (pc.route == nullptr) return; // not measured; `why` says so
  double list = 0;
  std::vector<Exchange> measured;
  int64_t failed = 0, judgeFailed = 0, judgeCalls = 0;
  double judgeUsd = 0;
  std::string firstError, judgeError;
  for (std::size_t i = 0; i < pc.results.size(); ++i) {
    const CallResult& r = pc.results[i];
    if (!r.done) continue;
    if (!r.ok) { // a failed call says nothing about agreement: it is reported, not counted
      if (failed++ == 0) firstError = r.error;
      continue;
    }
    if (i < pc.judged.size() && pc.judged[i].called) {
      ++judgeCalls;
      judgeUsd += pc.judged[i].costUsd;
    }
    // Without a verdict the call is measured (its speed and cost) but not counted.
    if (auto agrees = callAgrees(pc, step, i, judgeFailed, judgeError)) {
      ++c.agreement.samples;
      c.agreement.agreed += *agrees;
    }
    Exchange x;
    x.usage = r.usage;
    x.ttftMs = r.ttftMs;
    x.latencyMs = r.latencyMs;
    x.tokensPerS = r.tokensPerS;
    x.costUsd = r.costUsd;
    list += listCost(*pc.route, r.usage);
    measured.push_back(std::move(x));
  }
  std::vector<const Exchange*> ptrs;
  for (const Exchange& x : measured)
    ptrs.push_back(&x);
  c.stats = statsOf(ptrs);
  decide(c, int64_t(step.instances.size()), minAgreement, confidence, reference,
         measured.empty() ? 0 : list / double(measured.size()));
  if (c.kind == profile::CandidateKind::Model &&
      c.method == profile::AgreementMethod::LengthFormat) { // whatever else decide() found
    // Length and format say a free-text answer is the right shape, not that it says the same:
    // another model for it needs a judge that compares meaning (`--judge`).
    c.accepted = false;
    c.why = fmt::format("free text compared by length and format only ({:.1f} % on {} calls): "
                        "another model needs a judge to compare meaning",
                        100 * c.agreement.rate(), c.agreement.samples);
  }
  if (judgeFailed > 0) { // like a failed call: not a disagreement, but no evidence either
    c.accepted = false;
    c.why = fmt::format("the judge gave no verdict on {} of {} calls (first: {}); not measured",
                        judgeFailed, step.instances.size(), judgeError);
  }
  if (failed > 0) {
    c.accepted = false;
    c.why = fmt::format("{} of {} calls failed (first: {}); not measured", failed,
                        step.instances.size(), firstError.empty() ? "no answer" : firstError);
  }
  if (c.method == profile::AgreementMethod::Judge) // the judge's cost is tuning's, not the step's
    c.why += fmt::format(" (judge: {} calls, ${:.6f})", judgeCalls, judgeUsd);
}

void decide(profile::Candidate& c, int64_t instances, double minAgreement, double confidence,
            const Baseline& reference, double listCostUsd) {
  // Two medians of the same requests still differ by a few percent: 10 % is noise.
  bool faster = c.stats.latencyMs <= reference.latencyMs * 1.10;
  bool cheaper = listCostUsd <= reference.listCostUsd * (1 + 1e-9) + 1e-12;
  // At confidence 0.5 the bound is the observed rate: nothing more to say.
  std::string bound =
      confidence > 0.5 ? ", " + describeBound(c.agreement.agreed, c.agreement.samples, confidence)
                       : std::string();
  if (c.agreement.samples < instances)
    c.why = fmt::format("measured on {} of {} calls before the budget stopped tune",
                        c.agreement.samples, instances);
  else if (!meetsBar(c.agreement.agreed, c.agreement.samples, minAgreement, confidence))
    c.why = fmt::format("agreement {:.1f} % on {} calls{}, below the bar {:.1f} %",
                        100 * c.agreement.rate(), c.agreement.samples, bound, 100 * minAgreement);
  else if (!faster)
    c.why = fmt::format("slower: {:.0f} ms vs {:.0f} ms", c.stats.latencyMs, reference.latencyMs);
  else if (!cheaper)
    c.why = fmt::format("costlier: ${:.6f} vs ${:.6f} per call at list prices", listCostUsd,
                        reference.listCostUsd);
  else {
    c.accepted = true;
    c.why = fmt::format("agreement {:.1f} % on {} calls{}, {:.0f} ms vs {:.0f} ms, ${:.6f} vs "
                        "${:.6f}",
                        100 * c.agreement.rate(), c.agreement.samples, bound, c.stats.latencyMs,
                        reference.latencyMs, listCostUsd, reference.listCostUsd);
  }
}

namespace {

// The rewrite's value agrees with the reference's: equal, or the same text once the model's
// surrounding blanks are trimmed.
bool nativeAgrees(const stdlib::EvalResult& result, const json& ref) {
  if (!result.ok()) return false;
  return result.value() == ref ||
         (ref.is_string() && result.value().is_string() &&
          result.value().get<std::string>() == trimmed(ref.get<std::string>()));
}

// One element per call of a map body step: the element (the map's variable), the instance's
// other body values ("map/x[k]" read as "map/x"), then the top-level values.
void scoreElements(const StepInfo& step, const json& expr, const json& top, const json& instances,
                   profile::Candidate& c) {
  auto topValue = [&](std::string_view name) -> const json* {
    auto it = top.find(std::string(name));
    return it == top.end() ? nullptr : &*it;
  };
  auto items = stdlib::evaluate(step.map.value("over", json()), topValue);
  if (!items.ok() || !items.value().is_array()) return;
  const std::string var = step.map.value("var", "");
  for (std::size_t k = 0; k < items.value().size(); ++k) {
    const std::string suffix = "[" + std::to_string(k) + "]";
    auto ref = instances.find(step.id + suffix);
    if (ref == instances.end()) continue; // the step did not run for this element
    ++c.agreement.samples;
    auto result = stdlib::evaluate(expr, [&](std::string_view name) -> const json* {
      if (name == var) return &items.value()[k];
      if (auto it = instances.find(std::string(name) + suffix); it != instances.end()) return &*it;
      return topValue(name);
    });
    c.agreement.agreed += nativeAgrees(result, *ref);
  }
}

} // namespace

std::optional<profile::Candidate>
nativeCandidate(const StepInfo& step, const std::optional<passes::DeterministicTask>& task,
                const std::vector<const json*>& sampleValues,
                const std::vector<const json*>& instanceValues, double minAgreement,
                double confidence, const Baseline& reference) {
  if (!task) return std::nullopt;
  profile::Candidate c;
  c.kind = profile::CandidateKind::Native;
  c.value = task->rewrite;
  c.method = profile::AgreementMethod::Exact;
  const json& expr = task->expr;
  if (step.inMap && step.map.is_null()) {
    c.why = "not measured: a step of a map nested in another map";
    return c;
  }
  for (std::size_t i = 0; i < sampleValues.size(); ++i) {
    const json* values = sampleValues[i];
    if (step.inMap) {
      if (i < instanceValues.size()) scoreElements(step, expr, *values, *instanceValues[i], c);
      continue;
    }
    auto ref = values->find(step.id);
    if (ref == values->end()) continue;
    ++c.agreement.samples;
    auto result = stdlib::evaluate(expr, [&](std::string_view name) -> const json* {
      auto it = values->find(std::string(name));
      return it == values->end() ? nullptr : &*it;
    });
    c.agreement.agreed += nativeAgrees(result, *ref);
  }
  c.stats.calls = c.agreement.samples; // no model call: no latency, no cost
  decide(c, c.agreement.samples, minAgreement, confidence, reference, 0);
  return c;
}

} // namespace awc::tune::detail
