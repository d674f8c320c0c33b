// Tune's fused-vs-separate candidates: the plan `awc build -O2` makes (fusion on) run over the
// samples; a fused group agrees on a sample when every member's value equals (typed: exactly,
// records field by field; free text: length and format) its value in the reference run.
#include "awc/compiler/driver.h"
#include "confidence.h"
#include "tune_candidates.h"
#include "tune_fused.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::tune::detail {

using nlohmann::json;

namespace {

/// One fused call of the fused plan, and the steps it answers.
struct FusedGroup {
  std::string node, model;
  std::vector<std::string> members;
  std::vector<json> schemas; ///< each member's value schema
  bool inMap = false;
};

void collectGroups(const json& nodes, bool inMap, std::vector<FusedGroup>& out) {
  for (const json& n : nodes) {
    if (n.value("kind", "") == "map" && n.contains("body"))
      collectGroups(n["body"].value("nodes", json::array()), true, out);
    if (n.value("kind", "") != "llm" || !n.contains("fused")) continue;
    FusedGroup g{n.value("id", ""), n.value("model", ""), {}, {}, inMap};
    for (const json& part : n["fused"]) {
      g.members.push_back(part.value("name", ""));
      g.schemas.push_back(part.value("schema", json::object()));
    }
    out.push_back(std::move(g));
  }
}

const runtime::NodeMetrics* metricsOf(const SampleRun& run, const std::string& id) {
  for (const runtime::NodeMetrics& n : run.result.metrics.nodes)
    if (n.id == id) return &n;
  return nullptr;
}

double readyMs(const runtime::NodeMetrics& n) {
  return n.queuedMs >= 0 ? n.queuedMs : n.startMs;
}

double spanMedian(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

/// What one group measured over the samples.
struct FusedMeasured {
  profile::Candidate c;
  int64_t failed = 0;
  std::string firstError;
  std::vector<double> fusedSpan, separateSpan; ///< per compared sample, ms
  double fusedUsd = 0, separateUsd = 0;        ///< summed at list prices
  std::vector<const Exchange*> calls;          ///< the fused calls
};

// The members' values of one sample compared, and the time and list cost of the separate calls
// (reference) and of the fused call. The span is from the moment the first member could start
// to the last member's answer: what a reader of the group waits for.
void compareSample(const FusedGroup& g, const Route& route, const SampleRun& ref,
                   const SampleRun& run, FusedMeasured& m) {
  bool answered = std::all_of(g.members.begin(), g.members.end(),
                              [&](const std::string& s) { return run.result.values.contains(s); });
  auto x = run.exchanges.find(g.node);
  const runtime::NodeMetrics* fm = metricsOf(run, g.node);
  if (!answered || x == run.exchanges.end() || !fm) {
    if (m.failed++ == 0) m.firstError = run.result.error.empty() ? "no answer" : run.result.error;
    return;
  }
  ++m.c.agreement.samples;
  bool cut = x->second.finishReason == "length" || x->second.finishReason == "max_tokens";
  bool agree = !cut;
  double first = -1, last = 0, usd = 0;
  for (size_t k = 0; k < g.members.size(); ++k) {
    const std::string& s = g.members[k];
    agree = agree && ref.result.values.contains(s) &&
            outputsAgree(g.schemas[k], ref.result.values[s], run.result.values[s]);
    if (const runtime::NodeMetrics* n = metricsOf(ref, s)) {
      first = first < 0 ? readyMs(*n) : std::min(first, readyMs(*n));
      last = std::max(last, n->endMs);
    }
    if (auto e = ref.exchanges.find(s); e != ref.exchanges.end())
      usd += listCost(route, e->second.usage);
  }
  m.c.agreement.agreed += agree;
  m.separateSpan.push_back(std::max(0.0, last - std::max(first, 0.0)));
  m.fusedSpan.push_back(std::max(0.0, fm->endMs - readyMs(*fm)));
  m.separateUsd += usd;
  m.fusedUsd += listCost(route, x->second.usage);
  m.calls.push_back(&x->second);
}

// The accept rule (docs/tune.md): measured on every reference sample without a failed run, at
// or above the bar, the group's answers no later (median span within 10 %, the noise of two
// medians of the same calls) and no costlier at list prices than the separate calls.
void decideFused(FusedMeasured& m, int64_t samples, double bar, double confidence) {
  profile::Candidate& c = m.c;
  int64_t n = std::max<int64_t>(c.agreement.samples, 1);
  double fused = spanMedian(m.fusedSpan), separate = spanMedian(m.separateSpan);
  double fusedUsd = m.fusedUsd / double(n), separateUsd = m.separateUsd / double(n);
  std::string agreed =
      fmt::format("fused answers agreed on {} of {} samples ({:.1f} %)", c.agreement.agreed,
                  c.agreement.samples, 100 * c.agreement.rate());
  if (confidence > 0.5) // at 0.5 the bound is the observed rate
    agreed += ", " + describeBound(c.agreement.agreed, c.agreement.samples, confidence);
  c.accepted = false;
  if (m.failed > 0)
    c.why = fmt::format("{} of {} fused runs gave no answer for these steps (first: {}); not "
                        "measured",
                        m.failed, samples, m.firstError);
  else if (c.agreement.samples < samples)
    c.why = fmt::format("measured on {} of {} samples before the budget stopped tune",
                        c.agreement.samples, samples);
  else if (!meetsBar(c.agreement.agreed, c.agreement.samples, bar, confidence))
    c.why = fmt::format("{}, below the bar {:.1f} %", agreed, 100 * bar);
  else if (fused > separate * 1.10)
    c.why = fmt::format("slower: the fused call answers in {:.0f} ms, the separate calls in "
                        "{:.0f} ms (medians, from the first step's start to the last answer)",
                        fused, separate);
  else if (fusedUsd > separateUsd * (1 + 1e-9) + 1e-12)
    c.why = fmt::format("costlier: ${:.6f} vs ${:.6f} per sample at list prices", fusedUsd,
                        separateUsd);
  else {
    c.accepted = true;
    c.why = fmt::format("{}; answers in {:.0f} ms vs {:.0f} ms, ${:.6f} vs ${:.6f} per sample",
                        agreed, fused, separate, fusedUsd, separateUsd);
  }
}

profile::AgreementMethod fusedMethodOf(const FusedGroup& g) {
  auto method = profile::AgreementMethod::Exact;
  for (const json& s : g.schemas) {
    std::string type = s.is_object() ? s.value("type", "") : "";
    if (type == "string" && !s.contains("enum")) return profile::AgreementMethod::LengthFormat;
    if (type == "object") method = profile::AgreementMethod::FieldWise;
  }
  return method;
}

std::string joinedSteps(const std::vector<std::string>& v) {
  std::string out;
  for (const std::string& s : v)
    out += (out.empty() ? "" : ",") + s;
  return out;
}

} // namespace

void addFusedCandidates(const FusedInputs& in, profile::Profile& p,
                        std::vector<std::string>& warnings) {
  CompileOptions co; // as `awc build -O2` compiles it: fusion on
  co.optLevel = 2;
  co.workflow = in.options.workflow;
  Compilation c = compileFile(in.options.flowPath, co);
  std::string error;
  auto plan = c.ok() ? runtime::loadPlan(c.plan, error) : nullptr;
  if (!plan) {
    warnings.push_back("fused candidates not measured: the flow did not build with fusion" +
                       (error.empty() ? std::string() : ": " + error));
    return;
  }
  std::vector<FusedGroup> groups;
  collectGroups(c.plan.value("nodes", json::array()), false, groups);
  bool anyTop =
      std::any_of(groups.begin(), groups.end(), [](const FusedGroup& g) { return !g.inMap; });
  std::vector<SampleRun> runs;
  if (anyTop) {
    const json& est = c.plan.value("estimate", json::object());
    RunEstimate first{est.value("model_calls", int64_t(1)), est.value("cost_usd", 0.0)};
    auto n = int64_t(in.options.samples.size());
    runs = runSamples(in.rt, plan, in.options.samples, first, in.options.concurrency, in.budget,
                      [&](int64_t done) { in.progress("fused", done, n); });
  }
  int64_t samples = 0;
  for (const SampleRun& r : in.reference)
    samples += r.started && r.result.ok;
  for (const FusedGroup& g : groups) {
    auto step = std::find_if(p.steps.begin(), p.steps.end(),
                             [&](const profile::StepProfile& s) { return s.id == g.members[0]; });
    auto route = in.routes.find(g.model);
    if (step == p.steps.end() || route == in.routes.end()) continue;
    FusedMeasured m;
    m.c.kind = profile::CandidateKind::Fused;
    m.c.value = joinedSteps(g.members);
    m.c.method = fusedMethodOf(g);
    if (g.inMap) {
      m.c.why = "not measured: a map body's fused call (its values are per element)";
      step->candidates.push_back(m.c);
      continue;
    }
    for (size_t i = 0; i < in.reference.size() && i < runs.size(); ++i)
      if (in.reference[i].started && in.reference[i].result.ok && runs[i].started)
        compareSample(g, route->second, in.reference[i], runs[i], m);
    m.c.stats = statsOf(m.calls);
    decideFused(m, samples, p.minAgreement, p.confidence);
    step->candidates.push_back(m.c);
  }
}

} // namespace awc::tune::detail
