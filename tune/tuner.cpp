// `awc tune`: compile at -O2 (fusion off, so every model step keeps its own call), run the
// samples (the reference), measure each step's candidates by replaying its recorded requests,
// then the workflow-level front on the tuning and held-out samples.
#include "awc/compiler/driver.h"
#include "awc/tune/tune.h"
#include "tune_candidates.h"

#include <algorithm>
#include <fstream>
#include <sstream>

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

void collectSteps(const json& nodes, bool inMap, const ir::Module& module,
                  std::vector<StepInfo>& out) {
  for (const json& n : nodes) {
    if (n.value("kind", "") == "map" && n.contains("body"))
      collectSteps(n["body"].value("nodes", json::array()), true, module, out);
    if (n.value("kind", "") != "llm") continue;
    StepInfo s;
    s.id = n.value("id", "");
    s.node = n;
    s.modelId = n.value("model", "");
    const json& schema = n.value("schema", json::object());
    s.freeText = schema.value("type", json()) == "string" && !schema.contains("enum");
    s.record = schema.value("type", json()) == "object";
    s.inMap = inMap;
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

// The -O2 plan with the accepted candidates applied (the best model, the limit, the rewrite).
json applyChoices(json plan,
                  const std::map<std::string, std::vector<const profile::Candidate*>>& chosen,
                  const std::map<std::string, json>& nativeExprs) {
  std::function<void(json&)> walk = [&](json& nodes) {
    for (json& n : nodes) {
      if (n.contains("body") && n["body"].contains("nodes")) walk(n["body"]["nodes"]);
      auto it = chosen.find(n.value("id", ""));
      if (it == chosen.end()) continue;
      for (const profile::Candidate* c : it->second) {
        if (c->kind == profile::CandidateKind::Model) n["model"] = c->value;
        if (c->kind == profile::CandidateKind::MaxTokens)
          n["options"]["max_tokens"] = std::stoll(c->value);
        if (c->kind == profile::CandidateKind::Native) {
          n["kind"] = "native";
          n["expr"] = nativeExprs.at(n["id"].get<std::string>());
          for (const char* key : {"model", "messages", "options", "task", "est_prompt_tokens",
                                  "est_output_tokens", "rightsized_from", "auto_ladder"})
            n.erase(key);
        }
      }
    }
  };
  walk(plan["nodes"]);
  return plan;
}

double medianOf(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// A front point: the runs' median wall time, mean cost, and how many final outputs equal the
// reference's (`reference` null: the runs are the reference).
profile::FrontPoint frontPoint(std::string label, const std::vector<SampleRun>& runs,
                               const std::vector<SampleRun>* reference, bool heldOut,
                               const json& outputSchema) {
  profile::FrontPoint p;
  p.label = std::move(label);
  p.heldOut = heldOut;
  std::vector<double> wall;
  double cost = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!runs[i].started) continue;
    const auto& r = runs[i].result;
    if (reference && !(i < reference->size() && (*reference)[i].result.ok)) continue;
    ++p.agreement.samples;
    wall.push_back(r.metrics.wallMs);
    cost += r.metrics.costUsd;
    if (r.ok && (!reference || outputsAgree(outputSchema, (*reference)[i].result.output, r.output)))
      ++p.agreement.agreed;
  }
  p.latencyMs = medianOf(wall);
  p.costUsd = wall.empty() ? 0 : cost / double(wall.size());
  return p;
}

} // namespace

TuneResult tune(const TuneOptions& o) {
  TuneResult out;
  std::string text;
  {
    std::ifstream in(o.flowPath, std::ios::binary);
    std::stringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  CompileOptions co;
  co.optLevel = 2;
  co.workflow = o.workflow;
  co.disabledPasses = {"fuse"}; // one call per step: each step's requests can be replayed alone
  Compilation c = compileFile(o.flowPath, co);
  out.diagnostics = renderAll(*c.diags);
  if (!c.ok()) {
    out.error = o.flowPath + " did not compile";
    return out;
  }
  std::string error;
  auto plan = runtime::loadPlan(c.plan, error);
  if (!plan) {
    out.error = error;
    return out;
  }
  runtime::RuntimeOptions ro;
  if (!o.backend.empty()) ro.backend = runtime::parseProvider(o.backend);
  ro.endpoint = o.endpoint;
  ro.toolStubs = o.toolStubs;
  runtime::Runtime rt(std::move(ro));
  runtime::CurlTransport transport;
  Budget budget(o.maxUsd, o.maxCalls);

  Progress progress;
  auto report = [&](const char* phase, int64_t done, int64_t total) {
    progress.phase = phase;
    progress.samplesDone = done;
    progress.samples = total;
    progress.calls = budget.calls();
    progress.spentUsd = budget.spentUsd();
    if (o.onProgress) o.onProgress(progress);
  };
  const json& est = c.plan.value("estimate", json::object());
  RunEstimate first{est.value("model_calls", int64_t(1)), est.value("cost_usd", 0.0)};
  auto n = int64_t(o.samples.size());
  auto ref = runSamples(rt, plan, o.samples, first, o.concurrency, budget,
                        [&](int64_t d) { report("reference", d, n); });

  profile::Profile& p = out.profile;
  p.flow = o.flowPath;
  p.workflow = c.plan.value("workflow", "");
  p.sourceHash = tuneSourceHash(text);
  p.minAgreement = o.minAgreement;
  std::vector<const json*> values;
  for (const SampleRun& s : ref)
    if (s.started && s.result.ok) values.push_back(&s.result.values);
  p.samples = int64_t(values.size());

  std::vector<StepInfo> steps;
  collectSteps(c.plan["nodes"], false, *c.module, steps);
  for (StepInfo& s : steps)
    for (const SampleRun& r : ref)
      if (r.started && r.result.ok)
        for (const auto& [id, x] : r.exchanges)
          if (stepOf(id) == s.id) s.instances.push_back(&x);
  auto routes = routesOf(c.plan, o);
  auto irNodes = llmNodes(*c.module);

  // Every candidate's calls go out together, so tune takes about as long as the calls do.
  std::vector<std::vector<PendingCandidate>> pending;
  std::vector<ReplayJob> jobs;
  for (const StepInfo& s : steps)
    pending.push_back(planCandidates(s, routes));
  for (auto& cands : pending)
    for (PendingCandidate& pc : cands) {
      pc.results.resize(pc.jobs.size());
      for (std::size_t i = 0; i < pc.jobs.size(); ++i) {
        pc.jobs[i].out = &pc.results[i];
        jobs.push_back(pc.jobs[i]);
      }
    }
  int64_t jobsDone = 0;
  replayAll(transport, jobs, o.concurrency, budget,
            [&] { report("candidates", ++jobsDone, int64_t(jobs.size())); });

  std::map<std::string, std::vector<const profile::Candidate*>> chosen;
  std::map<std::string, json> nativeExprs;
  std::map<std::string, std::vector<const Exchange*>> perModel;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const StepInfo& s = steps[i];
    profile::StepProfile sp;
    sp.id = s.id;
    sp.hash = tuneStepHash(s.node);
    sp.model = s.modelId;
    sp.task = s.node.value("task", "");
    sp.reference = statsOf(s.instances);
    sp.answerTokens = lengthsOf(s.instances);
    for (const Exchange* x : s.instances)
      perModel[s.modelId].push_back(x);
    for (PendingCandidate& pc : pending[i]) {
      scoreCandidate(pc, s, o.minAgreement, sp.reference);
      sp.candidates.push_back(pc.c);
    }
    auto it = irNodes.find(s.id);
    std::optional<passes::DeterministicTask> task;
    if (it != irNodes.end()) task = passes::recognizeDeterministicTask(*it->second);
    if (auto nc = nativeCandidate(s, task, values, o.minAgreement, sp.reference)) {
      sp.candidates.push_back(*nc);
      if (nc->accepted) nativeExprs[s.id] = task->expr;
    }
    p.steps.push_back(std::move(sp));
  }
  for (const auto& [model, calls] : perModel)
    p.models[model] = statsOf(calls);
  for (const json& node : c.plan["nodes"]) {
    if (node.value("kind", "") != "branch") continue;
    profile::BranchProfile b;
    b.id = node.value("id", "");
    for (const json* v : values)
      if (auto f = v->find(b.id); f != v->end()) {
        ++b.samples;
        b.taken += *f == true;
      }
    p.branches.push_back(b);
  }
  // Per step: the cheapest accepted model, the accepted limit, an accepted native rewrite.
  for (const profile::StepProfile& sp : p.steps) {
    const profile::Candidate* bestModel = nullptr;
    for (const profile::Candidate& cand : sp.candidates) {
      if (!cand.accepted) continue;
      if (cand.kind != profile::CandidateKind::Model)
        chosen[sp.id].push_back(&cand);
      else if (!bestModel || cand.stats.costUsd < bestModel->stats.costUsd)
        bestModel = &cand;
    }
    if (bestModel) chosen[sp.id].push_back(bestModel);
  }

  // The front: -O2 as written and -O2 with the chosen changes.
  json outSchema = c.plan.value("output", json::object()).value("schema", json::object());
  p.front.push_back(frontPoint("-O2", ref, nullptr, false, outSchema));
  std::shared_ptr<const runtime::Plan> tuned = plan;
  if (!chosen.empty()) {
    tuned = runtime::loadPlan(applyChoices(c.plan, chosen, nativeExprs), error);
    if (!tuned) tuned = plan; // cannot happen for a plan the compiler emitted; stay safe
    auto runs = runSamples(rt, tuned, o.samples, first, o.concurrency, budget,
                           [&](int64_t d) { report("tuned", d, n); });
    p.front.push_back(frontPoint("-O2 +profile", runs, &ref, false, outSchema));
  } else {
    profile::FrontPoint same = p.front.front();
    same.label = "-O2 +profile";
    p.front.push_back(same);
  }
  if (!o.holdout.empty()) {
    auto h = int64_t(o.holdout.size());
    auto base = runSamples(rt, plan, o.holdout, first, o.concurrency, budget,
                           [&](int64_t d) { report("held-out", d, h); });
    auto runs = runSamples(rt, tuned, o.holdout, first, o.concurrency, budget,
                           [&](int64_t d) { report("held-out", d, h); });
    p.front.push_back(frontPoint("-O2", base, nullptr, true, outSchema));
    p.front.push_back(frontPoint("-O2 +profile", runs, &base, true, outSchema));
    p.heldOutSamples = p.front.back().agreement.samples;
  }
  out.budgetStopped = budget.stopped();
  out.calls = budget.calls();
  out.spentUsd = budget.spentUsd();
  out.ok = true;
  return out;
}

} // namespace awc::tune
