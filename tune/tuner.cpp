// `awc tune`: compile at -O2 (fusion off, so every model step keeps its own call), run the
// samples (the reference), measure each step's candidates by replaying its recorded requests,
// then the workflow-level front on the tuning and held-out samples.
#include "awc/compiler/driver.h"
#include "awc/tune/tune.h"
#include "tune_backoff.h"
#include "tune_candidates.h"
#include "tune_flow_bound.h"
#include "tune_fused.h"
#include "tune_recorded.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace awc::tune {

using nlohmann::json;
using namespace detail;

namespace {

std::map<std::string, Route> routesOf(const json& plan, const TuneOptions& o) {
  std::map<std::string, Route> routes;
  for (const json& m : plan.value("models", json::array())) {
    Route r;
    auto provider =
        runtime::parseProvider(o.backend.empty() ? m.value("provider", "openai") : o.backend);
    r.provider = provider.value_or(runtime::Provider::OpenAI);
    r.endpoint = o.endpoint.empty() ? m.value("endpoint", "") : o.endpoint;
    r.name = m.value("name", "");
    r.keyEnv = m.value("key_env", "");
    r.priceIn = m.value("price_in", 0.0);
    r.priceOut = m.value("price_out", 0.0);
    r.cachedPriceIn = m.value("cached_price_in", r.priceIn / 10);
    routes[m.value("id", "")] = r;
  }
  return routes;
}

// `map`: the enclosing map node (null at the top level); `inMap`: inside any map.
void collectSteps(const json& nodes, bool inMap, const json* map, const ir::Module& module,
                  std::vector<StepInfo>& out) {
  for (const json& n : nodes) {
    if (n.value("kind", "") == "map" && n.contains("body"))
      collectSteps(n["body"].value("nodes", json::array()), true, inMap ? nullptr : &n, module,
                   out);
    if (n.value("kind", "") != "llm") continue;
    StepInfo s;
    s.id = n.value("id", "");
    s.node = n;
    s.modelId = n.value("model", "");
    const json& schema = n.value("schema", json::object());
    s.freeText = schema.value("type", json()) == "string" && !schema.contains("enum");
    s.record = schema.value("type", json()) == "object";
    s.inMap = inMap;
    if (map) s.map = *map;
    if (auto opts = n.value("options", json::object()); opts.contains("max_tokens"))
      s.maxTokens = opts["max_tokens"].get<int64_t>();
    if (const ir::ModelInfo* m = module.model(s.modelId)) s.cheaper = m->cheaper;
    out.push_back(std::move(s));
  }
}

std::map<std::string, const ir::Node*> llmNodes(ir::Module& module) {
  std::map<std::string, const ir::Node*> out;
  ir::forEachGraph(module.graph, [&](ir::Graph& g) {
    for (const auto& n : g.nodes)
      if (!n->removed && n->kind() == ir::NodeKind::Llm) out[n->id] = n.get();
  });
  return out;
}

double medianOf(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Whether run i is compared with the reference's run i (both ran; the reference answered).
bool comparable(const std::vector<SampleRun>& runs, const std::vector<SampleRun>* reference,
                std::size_t i) {
  return runs[i].started && (!reference || (i < reference->size() && (*reference)[i].result.ok));
}

// A front point: the runs' median wall time, mean cost, and how many final outputs equal the
// reference's (`reference` null: the runs are the reference). With a judge, free-text parts
// are compared by it (all samples' in one batch first); a sample it gave no verdict on is left
// out of the agreement, as a failed call is.
profile::FrontPoint frontPoint(std::string label, const std::vector<SampleRun>& runs,
                               const std::vector<SampleRun>* reference, bool heldOut,
                               const json& outputSchema, FrontJudge* judge = nullptr) {
  profile::FrontPoint p;
  p.label = std::move(label);
  p.heldOut = heldOut;
  if (judge && reference) {
    for (std::size_t i = 0; i < runs.size(); ++i)
      if (comparable(runs, reference, i) && runs[i].result.ok)
        judge->collect(outputSchema, (*reference)[i].result.output, runs[i].result.output);
    judge->run();
  }
  std::vector<double> wall;
  double cost = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!comparable(runs, reference, i)) continue;
    const auto& r = runs[i].result;
    wall.push_back(r.metrics.wallMs);
    cost += r.metrics.costUsd;
    std::optional<bool> agrees = r.ok;
    if (r.ok && reference)
      agrees = judge ? judge->agree(outputSchema, (*reference)[i].result.output, r.output)
                     : outputsAgree(outputSchema, (*reference)[i].result.output, r.output);
    if (!agrees) continue;
    ++p.agreement.samples;
    p.agreement.agreed += *agrees;
  }
  p.latencyMs = medianOf(wall);
  p.costUsd = wall.empty() ? 0 : cost / double(wall.size());
  return p;
}

// One tune: the state shared by its phases, each a method that fits a screen.
class Tuner {
public:
  explicit Tuner(const TuneOptions& o) : o_(o), budget_(o.maxUsd, o.maxCalls) {}

  TuneResult run() {
    if (!compile() || !declareJudge()) return std::move(out_);
    runtime::RuntimeOptions ro;
    if (!o_.backend.empty()) ro.backend = runtime::parseProvider(o_.backend);
    ro.endpoint = o_.endpoint;
    ro.toolStubs = o_.toolStubs;
    rt_ = std::make_unique<runtime::Runtime>(std::move(ro));
    const json& est = c_.plan.value("estimate", json::object());
    first_ = {est.value("model_calls", int64_t(1)), est.value("cost_usd", 0.0)};
    if (!readRecorded()) return std::move(out_); // before any call: a bad recording costs nothing
    ref_ = runAll(plan_, o_.samples, "reference");
    useRecorded();
    collect();
    measure();
    assemble();
    addFusedCandidates({o_, *rt_, budget_, ref_, routes_,
                        [this](const char* phase, int64_t d, int64_t n) { report(phase, d, n); }},
                       out_.profile, out_.warnings);
    front();
    rt_.reset();
    out_.budgetStopped = budget_.stopped();
    out_.calls = budget_.calls();
    out_.spentUsd = budget_.spentUsd();
    if (judge_) {
      out_.judgeCalls = judge_->calls();
      out_.judgeUsd = judge_->costUsd();
    }
    out_.callsBusyMs = budget_.busy().busyMs();
    out_.wallMs = budget_.busy().elapsedMs();
    out_.ok = true;
    return std::move(out_);
  }

private:
  // -O2 without fusion: the other passes keep the flow's meaning, and every model step keeps
  // its own call, so each step's requests can be replayed alone.
  bool compile() {
    std::ifstream in(o_.flowPath, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    CompileOptions co;
    co.optLevel = 2;
    co.workflow = o_.workflow;
    co.disabledPasses = {"fuse"};
    c_ = compileFile(o_.flowPath, co);
    out_.diagnostics = renderAll(*c_.diags);
    if (!c_.ok()) {
      out_.error = o_.flowPath + " did not compile";
      return false;
    }
    std::string error;
    plan_ = runtime::loadPlan(c_.plan, error);
    if (!plan_) out_.error = error;
    profile::Profile& p = out_.profile;
    p.flow = o_.flowPath;
    p.workflow = c_.plan.value("workflow", "");
    p.sourceHash = c_.profileHashes.source;
    p.minAgreement = o_.minAgreement;
    p.confidence = o_.confidence;
    routes_ = routesOf(c_.plan, o_);
    return plan_ != nullptr;
  }

  // `--from-record`: the recorded runs of this flow, to join the reference runs.
  bool readRecorded() {
    if (o_.fromRecord.empty()) return true;
    std::string diagnostics;
    bool ok = readRecordedRuns(o_.fromRecord, recordTarget(c_.plan, c_.profileHashes.source),
                               recorded_, diagnostics);
    out_.diagnostics += diagnostics;
    out_.warnings.insert(out_.warnings.end(), recorded_.warnings.begin(), recorded_.warnings.end());
    if (!ok) out_.error = "the recorded runs cannot be used";
    if (ok && o_.samples.empty() && recorded_.runs.empty())
      out_.error = "no finished run in the recordings, and no --samples";
    return out_.error.empty();
  }

  // Recorded runs are reference runs that cost nothing; their inputs join the samples, at the
  // same places, so the front runs them like the others.
  void useRecorded() {
    out_.recordedRuns = int64_t(recorded_.runs.size());
    for (SampleRun& r : recorded_.runs)
      ref_.push_back(std::move(r));
    o_.samples.insert(o_.samples.end(), recorded_.inputs.begin(), recorded_.inputs.end());
  }

  // `--judge`: a model the flow declares (checked before any call), with its rubric.
  bool declareJudge() {
    if (o_.judge.empty()) return true;
    auto it = routes_.find(o_.judge);
    if (it == routes_.end()) {
      std::string names;
      for (const auto& [name, route] : routes_)
        names += (names.empty() ? "" : ", ") + name;
      out_.error =
          "--judge '" + o_.judge + "' is not a model the flow declares (declared: " + names + ")";
      return false;
    }
    judge_ = std::make_unique<Judge>(
        it->second, o_.rubric.empty() ? std::string(kDefaultRubric) : o_.rubric, o_.concurrency,
        budget_, [this](int64_t done, int64_t total) { report("judge", done, total); });
    return true;
  }

  // With a judge, free-text candidates' answers are compared by it: all of them in one batch
  // after the replays, at most -j in flight.
  void judgeCandidates() {
    if (!judge_) return;
    std::vector<JudgeItem*> items;
    for (std::size_t i = 0; i < steps_.size(); ++i)
      for (PendingCandidate& pc : pending_[i])
        if (!pc.baseline) judgeItems(pc, steps_[i], items);
    judge_->judgeAll(items);
  }

  // The front point, the free-text outputs compared by the judge when one is declared.
  profile::FrontPoint frontPoint(std::string label, const std::vector<SampleRun>& runs,
                                 const std::vector<SampleRun>* reference, bool heldOut,
                                 const json& outputSchema) {
    if (!judge_ || !reference)
      return tune::frontPoint(std::move(label), runs, reference, heldOut, outputSchema);
    lastFront_ = std::make_unique<FrontJudge>(*judge_, "the final output of workflow " +
                                                           out_.profile.workflow);
    FrontJudge& fj = *lastFront_;
    profile::FrontPoint p =
        tune::frontPoint(std::move(label), runs, reference, heldOut, outputSchema, &fj);
    if (fj.failures() > 0)
      out_.warnings.push_back(
          p.label + ": the judge gave no verdict on " + std::to_string(fj.failures()) +
          " outputs (first: " + fj.firstError() + "); those samples are left out of its agreement");
    return p;
  }

  std::vector<SampleRun> runAll(std::shared_ptr<const runtime::Plan> plan,
                                const std::vector<json>& samples, const char* phase) {
    auto n = int64_t(samples.size());
    return runSamples(*rt_, std::move(plan), samples, first_, o_.concurrency, budget_,
                      [&](int64_t done) { report(phase, done, n); });
  }

  void report(const char* phase, int64_t done, int64_t total) {
    if (!o_.onProgress) return;
    Progress progress{phase, done, total, budget_.calls(), budget_.spentUsd()};
    o_.onProgress(progress);
  }

  // The model steps and their reference exchanges (finished runs only).
  void collect() {
    for (const SampleRun& s : ref_)
      if (s.started && s.result.ok) {
        values_.push_back(&s.result.values);
        instanceValues_.push_back(&s.instanceValues);
      }
    out_.profile.samples = int64_t(values_.size());
    collectSteps(c_.plan["nodes"], false, nullptr, *c_.module, steps_);
    for (StepInfo& s : steps_)
      for (const SampleRun& r : ref_)
        if (r.started && r.result.ok)
          for (const auto& [id, x] : r.exchanges)
            if (stepOf(id) == s.id) s.instances.push_back(&x);
  }

  // Every candidate's calls go out together, so tune takes about as long as the calls do.
  void measure() {
    std::vector<ReplayJob> jobs;
    for (const StepInfo& s : steps_)
      pending_.push_back(planCandidates(s, routes_, judge_ != nullptr));
    for (auto& cands : pending_)
      for (PendingCandidate& pc : cands) {
        pc.results.resize(pc.jobs.size());
        for (std::size_t i = 0; i < pc.jobs.size(); ++i) {
          pc.jobs[i].out = &pc.results[i];
          jobs.push_back(pc.jobs[i]);
        }
      }
    int64_t done = 0;
    runtime::CurlTransport transport;
    replayAll(transport, jobs, o_.concurrency, budget_,
              [&] { report("candidates", ++done, int64_t(jobs.size())); });
    judgeCandidates();
  }

  // Steps with their scored candidates, per-model figures, branch frequencies, the choices.
  void assemble() {
    profile::Profile& p = out_.profile;
    auto irNodes = llmNodes(*c_.module);
    std::map<std::string, std::vector<const Exchange*>> perModel;
    std::deque<Exchange> candidateCalls; // cheaper models' replays: their speed is measured too
    for (std::size_t i = 0; i < steps_.size(); ++i) {
      const StepInfo& s = steps_[i];
      profile::StepProfile sp;
      sp.id = s.id;
      sp.hash = c_.profileHashes.steps[s.id];
      sp.model = s.modelId;
      sp.task = s.node.value("task", "");
      sp.reference = statsOf(s.instances);
      sp.answerTokens = lengthsOf(s.instances);
      perModel[s.modelId].insert(perModel[s.modelId].end(), s.instances.begin(), s.instances.end());
      const PendingCandidate* replay = nullptr;
      for (const PendingCandidate& pc : pending_[i])
        if (pc.baseline) replay = &pc;
      Baseline base = baselineOf(replay, s, routes_.at(s.modelId));
      for (PendingCandidate& pc : pending_[i]) {
        if (pc.baseline) continue;
        scoreCandidate(pc, s, o_.minAgreement, o_.confidence, base);
        sp.candidates.push_back(pc.c);
        if (pc.c.kind != profile::CandidateKind::Model) continue;
        for (const CallResult& r : pc.results) {
          if (!r.done || !r.ok) continue;
          Exchange& x = candidateCalls.emplace_back();
          x.usage = r.usage;
          x.ttftMs = r.ttftMs;
          x.latencyMs = r.latencyMs;
          x.tokensPerS = r.tokensPerS;
          x.costUsd = r.costUsd;
          perModel[pc.c.value].push_back(&x);
        }
      }
      auto it = irNodes.find(s.id);
      std::optional<passes::DeterministicTask> task;
      if (it != irNodes.end()) task = passes::recognizeDeterministicTask(*it->second);
      if (auto nc = nativeCandidate(s, task, values_, instanceValues_, o_.minAgreement,
                                    o_.confidence, base))
        sp.candidates.push_back(*nc);
      p.steps.push_back(std::move(sp));
    }
    for (const auto& [model, calls] : perModel)
      p.models[model] = statsOf(calls);
    branches();
  }

  void branches() {
    for (const json& node : c_.plan["nodes"]) {
      if (node.value("kind", "") != "branch") continue;
      profile::BranchProfile b;
      b.id = node.value("id", "");
      for (const json* v : values_)
        if (auto f = v->find(b.id); f != v->end()) {
          ++b.samples;
          b.taken += *f == true;
        }
      out_.profile.branches.push_back(b);
    }
  }

  // The flow built as `awc build -O2 --profile` builds it with what was accepted so far —
  // fusion on, as the user's build has it, so the front measures the plan that will run; null
  // when nothing was accepted or it did not compile.
  std::shared_ptr<const runtime::Plan> tunedPlan() {
    bool any = false;
    for (const profile::StepProfile& sp : out_.profile.steps)
      for (const profile::Candidate& cand : sp.candidates)
        any = any || cand.accepted;
    if (!any) return nullptr;
    namespace fs = std::filesystem;
    fs::path file = fs::temp_directory_path() /
                    ("awc-tune-" + std::to_string(::getpid()) + "-" +
                     std::to_string(reinterpret_cast<std::uintptr_t>(this)) + ".profile.json");
    std::ofstream(file, std::ios::binary) << profile::serialize(out_.profile);
    CompileOptions co;
    co.optLevel = 2;
    co.workflow = o_.workflow;
    co.profilePath = file.string();
    Compilation tuned = compileFile(o_.flowPath, co);
    std::error_code ec;
    fs::remove(file, ec);
    std::string error = tuned.ok() ? std::string() : renderAll(*tuned.diags);
    auto plan = tuned.ok() ? runtime::loadPlan(tuned.plan, error) : nullptr;
    if (!plan) out_.warnings.push_back("the flow did not build with the profile: " + error);
    return plan;
  }

  // -O2 as written and -O2 with the chosen changes, on the tuning and the held-out samples.
  // The chosen changes are what the back-off left accepted: the flow built with them meets the
  // bar on the tuning samples. The held-out samples run once, with the final choice.
  void front() {
    profile::Profile& p = out_.profile;
    json schema = c_.plan.value("output", json::object()).value("schema", json::object());
    p.front.push_back(frontPoint("-O2", ref_, nullptr, false, schema));
    BackoffHooks hooks;
    hooks.build = [&] { return tunedPlan(); };
    hooks.run = [&](std::shared_ptr<const runtime::Plan> plan) {
      return runAll(std::move(plan), o_.samples, "tuned");
    };
    hooks.point = [&](const std::vector<SampleRun>& runs) {
      return frontPoint("-O2 +profile", runs, &ref_, false, schema);
    };
    // The same comparison as the point just computed: with a judge, its verdicts (a sample it
    // gave none on is not counted against a candidate).
    hooks.agrees = [&](const SampleRun& reference, const SampleRun& tuned) {
      if (!tuned.result.ok) return false;
      if (lastFront_)
        return lastFront_->agree(schema, reference.result.output, tuned.result.output)
            .value_or(true);
      return outputsAgree(schema, reference.result.output, tuned.result.output);
    };
    // First the bound that needs no run: the sum of the applied candidates' risks must fit the
    // bar. The run below then catches what bounds cannot (fusion, interactions).
    fitFlowBound(p);
    BackoffResult chosen = backOff(p, c_.plan["nodes"], ref_, hooks);
    std::shared_ptr<const runtime::Plan> tuned = chosen.plan;
    if (chosen.point) {
      p.front.push_back(*chosen.point);
    } else {
      tuned = plan_; // nothing (left) to apply, or it did not build: the same plan
      profile::FrontPoint same = p.front.front();
      same.label = "-O2 +profile";
      p.front.push_back(same);
    }
    if (o_.holdout.empty()) return;
    auto base = runAll(plan_, o_.holdout, "held-out");
    auto runs = runAll(tuned, o_.holdout, "held-out");
    p.front.push_back(frontPoint("-O2", base, nullptr, true, schema));
    p.front.push_back(frontPoint("-O2 +profile", runs, &base, true, schema));
    p.heldOutSamples = p.front.back().agreement.samples;
  }

  TuneOptions o_; // a copy: the recorded runs' inputs join its samples
  Budget budget_;
  TuneResult out_;
  Compilation c_;
  std::shared_ptr<const runtime::Plan> plan_;
  std::unique_ptr<runtime::Runtime> rt_;
  RunEstimate first_;
  std::vector<SampleRun> ref_;
  RecordedRuns recorded_;
  std::vector<const json*> values_;
  std::vector<const json*> instanceValues_; ///< parallel to values_: map body instances' values
  std::vector<StepInfo> steps_;
  std::map<std::string, Route> routes_;
  std::vector<std::vector<PendingCandidate>> pending_;
  std::unique_ptr<Judge> judge_; ///< `--judge`, else null
  /// The verdicts behind the last judged front point: the back-off reads which samples disagreed.
  std::unique_ptr<FrontJudge> lastFront_;
};

} // namespace

TuneResult tune(const TuneOptions& o) {
  return Tuner(o).run();
}

} // namespace awc::tune
