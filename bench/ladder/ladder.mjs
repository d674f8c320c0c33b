// ladder.mjs — the measured ladder: every example at -O0/-O1/-O2 (cold and warm result cache),
// -O2 with one pass off at a time, -O2 with `--speculate all` where the plan has steps that only
// that policy starts early, and the LangGraph.js peer, against one `awc sim`, with the
// variants interleaved; then a zero-latency simulator for orchestration overhead alone.
// The first-version corpus (bench/flows/first-version) runs in the same session against the same
// simulator: -O0/-O1/-O2 (cold), -O2 with one pass off at a time, the A/A control, and -O2 with
// right-sizing opted in ("O2+rightsize": the flows' classify/extract steps may move to the cheaper
// models their model declarations list, docs/optimizations.md "rightsize"), and -O2 with the
// profile `awc tune` measured on tuning samples against the same simulator ("O2+profile", tune.mjs).
// Writes bench/results/ladder.json (examples) and bench/results/ladder-first-version.json (corpus);
// bench/ladder/report.mjs turns them into docs/benchmarks.md.
//
//   node bench/ladder/ladder.mjs --build DIR [--reps 7] [--speed 5] [--examples a,b|none]
//        [--corpus a,b|none] [--examples-only] [--corpus-only] [--no-peer] [--no-passes]
//        [--zero-reps N] [--out FILE] [--corpus-out FILE] [--awc BINARY]
//        [--no-tune] [--tune-samples 40] [--tune-holdout 30]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { setMaxListeners } from "node:events";
import { fileURLToPath, pathToFileURL } from "node:url";
import { compactJson } from "./json.mjs";
import { loadavg, machine, sourceTree } from "../run_info.mjs";
import { setPath, startSim as startSimAt } from "./sim.mjs";
import { TUNED, tuneCorpus, tuneRecord } from "./tune.mjs";

setMaxListeners(1000); // LangChain adds one abort listener per in-flight call

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const ALL = ["customer_support", "doc_review", "intent_router", "invoice", "rag_answer", "research", "ticket_triage"];
// The first-version corpus: every flow listed in its manifest (bench/flows/first-version/README.md).
const CORPUS_DIR = path.join(root, "bench/flows/first-version");
const CORPUS = JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, "corpus.json"), "utf8")).flows;
const ALL_CORPUS = Object.keys(CORPUS).sort();
const list = (v, all) => (v === "none" ? [] : v === "all" ? all : v.split(","));

function parseArgs(argv) {
  const a = { build: "build", reps: 7, speed: 5, examples: ALL, corpus: ALL_CORPUS, peer: true, passes: true, zeroReps: null,
    tune: true, tuneSamples: 40, tuneHoldout: 30,
    out: path.join(root, "bench/results/ladder.json"), corpusOut: path.join(root, "bench/results/ladder-first-version.json") };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === "--build") a.build = v();
    else if (k === "--awc") a.awc = path.resolve(v());
    else if (k === "--reps") a.reps = Number(v());
    else if (k === "--speed") a.speed = Number(v());
    else if (k === "--examples") a.examples = list(v(), ALL);
    else if (k === "--corpus") a.corpus = list(v(), ALL_CORPUS);
    else if (k === "--examples-only") a.corpus = [];
    else if (k === "--corpus-only") a.examples = [];
    else if (k === "--corpus-out") a.corpusOut = path.resolve(v());
    else if (k === "--no-peer") a.peer = false;
    else if (k === "--no-passes") a.passes = false;
    else if (k === "--no-tune") a.tune = false;
    else if (k === "--tune-samples") a.tuneSamples = Number(v());
    else if (k === "--tune-holdout") a.tuneHoldout = Number(v());
    else if (k === "--zero-reps") a.zeroReps = Number(v());
    else if (k === "--out") a.out = path.resolve(v());
    else if (k === "--estimates-only") a.estimatesOnly = true;
    else throw new Error(`unknown argument ${k}`);
  }
  a.build = path.resolve(root, a.build);
  for (const ex of a.examples) if (!ALL.includes(ex)) throw new Error(`unknown example ${ex}`);
  for (const f of a.corpus) if (!CORPUS[f]) throw new Error(`unknown corpus flow ${f} (bench/flows/first-version/corpus.json)`);
  for (const f of a.corpus) if (ALL.includes(f)) throw new Error(`corpus flow ${f} has an example's name`);
  if (a.zeroReps === null) a.zeroReps = 3 * a.reps; // runs of a few ms: cheap, and noisier
  return a;
}

// Importing this file must not start a benchmark.
if (process.argv[1] !== fileURLToPath(import.meta.url)) throw new Error("ladder.mjs is a program: run it with node, do not import it");
const args = parseArgs(process.argv.slice(2));
const awc = args.awc ?? path.join(args.build, "awc");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "awc-ladder-"));
const toolLatencyMs = Math.round(150 / args.speed); // the compiler's 150 ms per tool call, scaled like the sim
const log = (...m) => process.stderr.write(m.join(" ") + "\n");
// The tree is read now: a commit made while the ladder runs is not what it measures.
const measuredVersion = awcVersion();

// Every measured case: its flow file, where its inputs come from, and whether it also gets warm
// runs and the peer (the examples) or only the cold -O levels and pass variants (the corpus).
const CASES = {};
for (const ex of args.examples) {
  const spec = JSON.parse(fs.readFileSync(path.join(here, "inputs", ex + ".json"), "utf8"));
  CASES[ex] = { group: "examples", flow: path.join(root, "examples", ex + ".flow"), inputs: spec.inputs, vary: [spec.vary],
    stubsFile: path.join(root, spec.stubs), warm: true };
}
for (const f of args.corpus) {
  const file = (ext) => path.join(CORPUS_DIR, `${f}.${ext}`);
  CASES[f] = { group: "first-version", flow: file("flow"), inputs: JSON.parse(fs.readFileSync(file("inputs.json"), "utf8")),
    vary: CORPUS[f].vary, stubsFile: file("stubs.json"), warm: false };
}
const KEYS = Object.keys(CASES);
// The corpus's right-sizing variant: the author's consent given on the command line.
const RIGHTSIZE = "O2+rightsize";
const RIGHTSIZE_FLAGS = ["-O2", "-frightsize=classify,extract"];
const isExample = (k) => CASES[k].group === "examples";

// ---------------------------------------------------------------------------------------------
// Plans.

function build(example, flags) {
  const out = path.join(work, `${example}${flags.join("")}.plan.json`);
  const r = spawnSync(awc, ["build", CASES[example].flow, ...flags, "-w", "-o", out], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`awc build ${example} ${flags.join(" ")}: ${r.stderr}`);
  return out;
}

function passNames() {
  const r = spawnSync(awc, ["build", path.join(root, "examples/invoice.flow"), "-fno-?", "-o", "/dev/null"], { encoding: "utf8" });
  return [...r.stderr.matchAll(/-fno-([a-z_]+)/g)].map((m) => m[1]).filter((p) => p !== "?");
}

const flowOf = (ex) => CASES[ex]?.flow ?? (CORPUS[ex] ? path.join(CORPUS_DIR, ex + ".flow") : path.join(root, "examples", ex + ".flow"));
const explainJson = (ex, flags = []) => {
  const r = spawnSync(awc, ["explain", "--json", ...flags, flowOf(ex)], { encoding: "utf8" });
  return r.status === 0 ? JSON.parse(r.stdout) : null;
};
const estimateOf = (L) => ({ latency_ms: +L.latency_ms.toFixed(1), model_calls: L.model_calls, cost_usd: +L.cost_usd.toPrecision(4) });

// The compiler's own estimate (same latency model as the simulator, docs/plan-format.md) per level;
// for the corpus also -O2 with right-sizing opted in.
function estimates(examples) {
  const out = {};
  for (const ex of examples) {
    const e = explainJson(ex);
    if (!e) continue;
    out[ex] = Object.fromEntries(["O0", "O1", "O2"].map((k) => [k, estimateOf(e.levels[k])]));
    const rs = CORPUS[ex] ? explainJson(ex, RIGHTSIZE_FLAGS.slice(1)) : null;
    if (rs) out[ex][RIGHTSIZE] = estimateOf(rs.levels.O2);
  }
  return out;
}

// What right-sizing did per flow, from `awc explain --json -frightsize=...` (its rightsize pass):
// the steps that moved to a cheaper model, and those it kept with the reason, by task class.
function rightsized(flows) {
  const out = {};
  for (const f of flows) {
    const e = explainJson(f, RIGHTSIZE_FLAGS.slice(1));
    const changes = e?.passes.find((p) => p.pass === "rightsize")?.changes ?? [];
    const consented = changes.filter((c) => c.detail?.consent && c.detail?.previous);
    out[f] = {
      moved: consented.filter((c) => c.detail.model !== c.detail.previous).map((c) => ({ step: c.node, task: c.detail.task, from: c.detail.previous, to: c.detail.model })),
      kept: consented.filter((c) => c.detail.model === c.detail.previous).map((c) => ({ step: c.node, task: c.detail.task, model: c.detail.model, why: c.message })),
    };
  }
  return out;
}

// A plan's behaviour: its nodes without the annotations the runtime does not read (`task`, the
// estimates), so a pass that only annotates counts as "no effect". `hints` stay: the runtime acts
// on `wait_for_warm` and `speculate` (awc run's default `--speculate free`).
const nodesOf = (file) => JSON.stringify(JSON.parse(fs.readFileSync(file, "utf8")).nodes, (k, v) =>
  k === "task" || k === "est_ms" || k === "est_prompt_tokens" || k === "est_output_tokens" ? undefined : v);

// ---------------------------------------------------------------------------------------------
// The simulator.

function startSim(extra) {
  return startSimAt(awc, extra);
}

// ---------------------------------------------------------------------------------------------
// Runs.


// Every run gets its own inputs (a reference appended to its text inputs), as every production
// run has its own customer text: static prompt prefixes still match across runs, dynamic text does
// not, so no variant rides on the simulator prefix cache another variant warmed with the same text.
let nonce = 0;
function inputsFor(example) {
  const c = CASES[example];
  const inputs = structuredClone(c.inputs);
  ++nonce;
  for (const p of c.vary) setPath(inputs, p, (s) => `${s} (ref R${nonce})`);
  const file = path.join(work, `inputs-${nonce}.json`);
  fs.writeFileSync(file, JSON.stringify(inputs));
  return { inputs, file, stubsFile: c.stubsFile };
}

// One fixtures file for the one simulator: the examples' and the corpus's, examples first.
function fixturesFile() {
  const all = [...JSON.parse(fs.readFileSync(path.join(here, "sim_fixtures.json"), "utf8")),
    ...JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, "sim_fixtures.json"), "utf8"))];
  const f = path.join(work, "sim_fixtures.json");
  fs.writeFileSync(f, JSON.stringify(all));
  return f;
}

const METRICS = ["wall_ms", "critical_path_ms", "model_calls", "tool_calls", "prompt_tokens", "cached_tokens", "output_tokens", "cost_usd",
  "speculated", "speculation_wasted_usd"];
const pick = (m) => Object.fromEntries(METRICS.map((k) => [k, m["run." + k] ?? null]));

function runAwc(plan, inp, { url, cache, toolMs, flags = [] }) {
  const metrics = path.join(work, "metrics.json");
  fs.rmSync(metrics, { force: true });
  const cacheArgs = cache ? ["--cache", cache] : ["--no-cache"];
  const r = spawnSync(awc, ["run", plan, "--backend", "sim", "--endpoint", url + "/v1", "--inputs", inp.file, "--tool-stubs", inp.stubsFile,
    "--tool-stub-latency", String(toolMs), ...cacheArgs, "--metrics", metrics, ...flags, "-q"], { encoding: "utf8" });
  if (r.status !== 0 || !fs.existsSync(metrics)) return { error: (r.stdout + r.stderr).slice(0, 300) };
  const m = JSON.parse(fs.readFileSync(metrics, "utf8"));
  if (m["run.error"]) return { error: m["run.error"] };
  return pick(m);
}

async function runPeer(graph, inp) {
  try {
    const r = await graph.run(inp.inputs);
    return pick(r.metrics);
  } catch (e) {
    return { error: String(e.message || e).slice(0, 300) };
  }
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number").sort((a, b) => a - b);
  if (!s.length) return null;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

function summarise(runs) {
  const ok = runs.filter((r) => !r.error);
  const med = Object.fromEntries(METRICS.map((k) => [k, median(ok.map((r) => r[k]))]));
  med.wall_over_critical = median(ok.filter((r) => r.critical_path_ms).map((r) => r.wall_ms / r.critical_path_ms));
  for (const k of Object.keys(med)) if (typeof med[k] === "number") med[k] = +med[k].toPrecision(5);
  return { n: ok.length, errors: runs.filter((r) => r.error).map((r) => r.error), median: med,
    wall_ms: ok.map((r) => +r.wall_ms.toPrecision(4)), cost_usd: ok.map((r) => +r.cost_usd.toPrecision(3)) };
}

// ---------------------------------------------------------------------------------------------

async function loadPeer() {
  const dir = path.join(args.build, "peer");
  fs.mkdirSync(dir, { recursive: true });
  const lock = fs.readFileSync(path.join(root, "bench/peer/package-lock.json"));
  const stamp = path.join(dir, ".lock-stamp");
  if (!fs.existsSync(stamp) || !fs.readFileSync(stamp).equals(lock)) {
    for (const f of ["package.json", "package-lock.json"]) fs.copyFileSync(path.join(root, "bench/peer", f), path.join(dir, f));
    log("npm ci (bench/peer) into", dir);
    const r = spawnSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir, stdio: "inherit" });
    if (r.status !== 0) throw new Error("npm ci failed for bench/peer");
    fs.writeFileSync(stamp, lock);
  }
  fs.copyFileSync(path.join(root, "bench/peer/peer.mjs"), path.join(dir, "peer.mjs"));
  return import(pathToFileURL(path.join(dir, "peer.mjs")).href);
}

async function main() {
  const started = new Date().toISOString();
  const info = machine();
  const peerMod = args.peer && args.examples.length ? await loadPeer() : null;
  const passes = args.passes ? passNames() : [];
  log(`ladder: ${args.examples.length} examples, ${args.corpus.length} first-version flows, ${args.reps} reps, speed ${args.speed}, tool stub ${toolLatencyMs} ms, passes: ${passes.join(" ")}`);

  // Plans, and which -fno-<pass> variants change anything (the others are -O2 byte for byte).
  const plans = {};
  const runFlags = {}; // variant -> extra `awc run` flags
  const noEffect = {};
  const offIsO2 = {}; // corpus flow -> is `-O2 -frightsize=... -fno-rightsize` the -O2 plan?
  for (const ex of KEYS) {
    // "O2 A/A" runs the -O2 plan again as its own variant: the noise floor of a comparison.
    plans[ex] = { O0: build(ex, ["-O0"]), O1: build(ex, ["-O1"]), O2: build(ex, ["-O2"]) };
    plans[ex]["O2 A/A"] = plans[ex].O2;
    noEffect[ex] = [];
    const o2 = nodesOf(plans[ex].O2);
    for (const p of passes) {
      const f = build(ex, ["-O2", `-fno-${p}`]);
      if (nodesOf(f) === o2) noEffect[ex].push(p);
      else plans[ex][`O2 -fno-${p}`] = f;
    }
    // Right-sizing with consent (the corpus only: its model declarations list cheaper models).
    // With the opt-in, `-fno-rightsize` should give the -O2 plan: then -O2 vs O2+rightsize is
    // "one pass off" for rightsize, and the report counts it in the pass table.
    if (!isExample(ex)) {
      plans[ex][RIGHTSIZE] = build(ex, RIGHTSIZE_FLAGS);
      offIsO2[ex] = nodesOf(build(ex, [...RIGHTSIZE_FLAGS, "-fno-rightsize"])) === o2;
    }
    // The runtime's default starts only hinted steps that cost nothing extra; `--speculate all`
    // also starts the paid ones (docs/runtime.md). Measured where that changes what starts.
    const paid = JSON.parse(fs.readFileSync(plans[ex].O2, "utf8")).nodes.some((n) => n.hints?.speculate?.extra_cost_usd > 0);
    if (paid) {
      plans[ex]["O2 speculate all"] = plans[ex].O2;
      runFlags["O2 speculate all"] = ["--speculate", "all"];
    }
  }

  const fixtures = fixturesFile();
  const sim = await startSim(["--speed", String(args.speed), "--fixtures", fixtures]);
  log("sim at", sim.url);
  // The corpus's O2+profile variant: tune each flow against this simulator before the timed runs.
  const tuned = args.tune && args.corpus.length
    ? tuneCorpus({ awc, cases: CASES, flows: args.corpus, simUrl: sim.url, work, samples: args.tuneSamples, heldOut: args.tuneHoldout, log })
    : null;
  if (tuned) for (const f of args.corpus) if (tuned[f].ok) plans[f][TUNED] = tuned[f].plan;
  const graphs = {};
  if (peerMod) for (const ex of args.examples) {
    const stubs = JSON.parse(fs.readFileSync(CASES[ex].stubsFile, "utf8"));
    graphs[ex] = peerMod.buildGraph(JSON.parse(fs.readFileSync(plans[ex].O0, "utf8")), { endpoint: sim.url + "/v1", stubs, toolLatencyMs });
  }

  // One repetition of every variant of one example, in a rotated order (interleaving).
  let cacheN = 0;
  async function round(ex, rep, sink) {
    const variants = Object.keys(plans[ex]);
    if (peerMod && isExample(ex)) variants.push("LangGraph.js");
    const rot = rep % variants.length;
    for (const v of [...variants.slice(rot), ...variants.slice(0, rot)]) {
      const inp = inputsFor(ex);
      if (v === "LangGraph.js") {
        (sink[v] ??= []).push(await runPeer(graphs[ex], inp));
        continue;
      }
      const warmable = CASES[ex].warm && (v === "O0" || v === "O1" || v === "O2");
      const cache = path.join(work, `cache-${++cacheN}.sqlite`);
      (sink[v] ??= []).push(runAwc(plans[ex][v], inp, { url: sim.url, cache, toolMs: toolLatencyMs, flags: runFlags[v] }));
      if (warmable) (sink[v + " warm"] ??= []).push(runAwc(plans[ex][v], inp, { url: sim.url, cache, toolMs: toolLatencyMs }));
      fs.rmSync(cache, { force: true });
    }
  }

  // Warm-up (discarded): every static prefix reaches the simulator's prefix cache once, and
  // node's JIT warms up, so repetition 1 is not special.
  for (const ex of KEYS) await round(ex, 0, {});
  const raw = Object.fromEntries(KEYS.map((ex) => [ex, {}]));
  for (let rep = 0; rep < args.reps; ++rep) {
    for (const ex of KEYS) await round(ex, rep, raw[ex]);
    log(`rep ${rep + 1}/${args.reps} done`);
  }
  sim.kill("SIGTERM");

  // Orchestration overhead alone: a zero-latency profile for every model, instant tool stubs.
  const zero = {};
  if (args.zeroReps > 0 && args.examples.length) {
    const names = new Set();
    for (const ex of args.examples) for (const m of JSON.parse(fs.readFileSync(plans[ex].O0, "utf8")).models) names.add(m.name);
    const profiles = path.join(work, "zero_profiles.json");
    fs.writeFileSync(profiles, JSON.stringify({ models: [...names].map((name) => ({ name, ttft_base_ms: 0, prefill_ms_per_token: 0, decode_tokens_per_sec: 1e9, concurrency_slowdown: 0 })) }));
    const zsim = await startSim(["--profiles", profiles, "--fixtures", fixtures]);
    const zgraphs = {};
    if (peerMod) for (const ex of args.examples) {
      zgraphs[ex] = peerMod.buildGraph(JSON.parse(fs.readFileSync(plans[ex].O0, "utf8")), { endpoint: zsim.url + "/v1", stubs: JSON.parse(fs.readFileSync(CASES[ex].stubsFile, "utf8")), toolLatencyMs: 0 });
    }
    for (let rep = -1; rep < args.zeroReps; ++rep) {
      for (const ex of args.examples) {
        const variants = ["O0", "O1", "O2", ...(peerMod ? ["LangGraph.js"] : [])];
        const rot = (rep + 1) % variants.length;
        for (const v of [...variants.slice(rot), ...variants.slice(0, rot)]) {
          const inp = inputsFor(ex);
          const r = v === "LangGraph.js" ? await runPeer(zgraphs[ex], inp) : runAwc(plans[ex][v], inp, { url: zsim.url, cache: null, toolMs: 0 });
          if (rep >= 0) ((zero[ex] ??= {})[v] ??= []).push(r);
        }
      }
    }
    zsim.kill("SIGTERM");
  }

  // One results file per group, from this one session; a group not run keeps its old file.
  const finished = new Date().toISOString();
  const machineEnd = { ...info, loadavg_end: loadavg() };
  const version = measuredVersion;
  const summed = (keys) => Object.fromEntries(keys.map((ex) => [ex, Object.fromEntries(Object.entries(raw[ex]).map(([v, runs]) => [v, summarise(runs)]))]));
  const pickKeys = (obj, keys) => Object.fromEntries(keys.map((k) => [k, obj[k]]));
  const groups = [
    { keys: args.examples, out: args.out, fixtures: "bench/ladder/sim_fixtures.json", peer: peerMod ? peerVersions() : null, zeroReps: args.zeroReps },
    { keys: args.corpus, out: args.corpusOut, fixtures: "bench/flows/first-version/sim_fixtures.json", peer: null, zeroReps: 0,
      group: "first-version", flows: "bench/flows/first-version" },
  ];
  for (const g of groups) {
    if (!g.keys.length) continue;
    const result = {
      version: 1,
      started,
      finished,
      machine: machineEnd,
      config: { awc: version, passes, speed: args.speed, reps: args.reps, zero_reps: g.zeroReps, tool_stub_latency_ms: toolLatencyMs, examples: g.keys,
        ...(g.group ? { group: g.group, flows: g.flows, session: { examples: args.examples, corpus: args.corpus } } : {}),
        profiles: "awc sim defaults (docs/simulator.md)", fixtures: g.fixtures, peer: g.peer },
      no_effect: pickKeys(noEffect, g.keys),
      estimates: estimates(g.keys),
      ...(g.group ? { rightsize: { variant: RIGHTSIZE, flags: RIGHTSIZE_FLAGS, steps: rightsized(g.keys), off_is_O2: pickKeys(offIsO2, g.keys) } } : {}),
      ...(g.group && tuned ? { tune: tuneRecord(tuned, { samples: args.tuneSamples, heldOut: args.tuneHoldout }) } : {}),
      cases: summed(g.keys),
      zero: g.group ? {} : Object.fromEntries(Object.entries(zero).map(([ex, vs]) => [ex, Object.fromEntries(Object.entries(vs).map(([v, runs]) => [v, summarise(runs)]))])),
    };
    fs.mkdirSync(path.dirname(g.out), { recursive: true });
    fs.writeFileSync(g.out, compactJson(result));
    log("wrote", g.out);
  }
  fs.rmSync(work, { recursive: true, force: true });
}

// Which awc was measured: its version and the source tree's commit.
function awcVersion() {
  const v = spawnSync(awc, ["--version"], { encoding: "utf8" }).stdout.trim();
  return `${v} (tree ${sourceTree(root)})`;
}

function peerVersions() {
  const lock = JSON.parse(fs.readFileSync(path.join(root, "bench/peer/package-lock.json"), "utf8"));
  const v = (n) => lock.packages[`node_modules/${n}`]?.version;
  return { "@langchain/langgraph": v("@langchain/langgraph"), "@langchain/openai": v("@langchain/openai"), "@langchain/core": v("@langchain/core"), openai: v("openai") };
}

// --estimates-only: add the compiler's estimates to the existing results files (no runs).
if (args.estimatesOnly) {
  for (const out of [args.out, args.corpusOut]) {
    if (!fs.existsSync(out)) continue;
    const r = JSON.parse(fs.readFileSync(out, "utf8"));
    r.estimates = estimates(r.config.examples);
    if (r.config.group) r.rightsize = { variant: RIGHTSIZE, flags: RIGHTSIZE_FLAGS, steps: rightsized(r.config.examples) };
    fs.writeFileSync(out, compactJson(r));
  }
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  log("ladder:", e.stack || e);
  process.exit(1);
});
