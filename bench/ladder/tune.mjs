// tune.mjs — the ladder's "O2+profile" variant for the first-version corpus (issue 16): before the
// timed repetitions, `awc tune` runs each flow over a tuning sample set and checks the chosen plan
// on a disjoint held-out set, against the ladder's own simulator (quality model on, its default);
// then `awc build -O2 --profile` gives the plan the repetitions measure like every other variant.
// What tune did per flow (wall time, calls, dollars, accepted candidates, the profile's front) goes
// into the corpus results under `tune` (bench/ladder/README.md).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { setPath } from "./sim.mjs";

/// The variant's name in the results' `cases`.
export const TUNED = "O2+profile";

// Each set's text inputs get their own tag, and the timed repetitions use "(ref R<n>)"
// (ladder.mjs inputsFor): no sample of one set is a sample, or a timed run's input, of another.
const TAGS = { tuning: "tune T", held_out: "held-out H" };

/// `n` sample inputs for one flow: its inputs with every `vary` path given "(<tag><i>)".
export function sampleSet(inputs, vary, tag, n) {
  return Array.from({ length: n }, (_, i) => {
    const s = structuredClone(inputs);
    for (const p of vary) setPath(s, p, (v) => `${v} (${tag}${i + 1})`);
    return s;
  });
}

// The summary line's figures ("… · 840 calls · $0.123456 · 9123 ms, calls in flight 8700 ms → …").
function summaryOf(stderr) {
  const line = stderr.split("\n").filter((l) => l.startsWith("awc tune: ") && l.includes(" → ")).at(-1) ?? "";
  const num = (re) => (line.match(re) ? Number(line.match(re)[1]) : null);
  return { calls: num(/· (\d+) calls/), cost_usd: num(/· \$([0-9.]+)/), tune_wall_ms: num(/· ([0-9.]+) ms, calls in flight/),
    calls_busy_ms: num(/calls in flight ([0-9.]+) ms/) };
}

const rate = (a) => (a && a.samples > 0 ? +(a.agreed / a.samples).toFixed(4) : null);

// What the profile says: the accepted candidates and the front points (as tune measured them).
function profileFacts(file) {
  const p = JSON.parse(fs.readFileSync(file, "utf8"));
  const accepted = p.steps.flatMap((s) => s.candidates.filter((c) => c.accepted).map((c) => ({ step: s.id, task: s.task, kind: c.kind, value: String(c.value),
    agreed: c.agreement.agreed, samples: c.agreement.samples })));
  const candidates = p.steps.reduce((n, s) => n + s.candidates.length, 0);
  const front = p.front.map((f) => ({ label: f.label, held_out: !!f.held_out, latency_ms: +f.latency_ms.toFixed(1), cost_usd: +f.cost_usd.toPrecision(4),
    agreed: f.agreement.agreed, samples: f.agreement.samples, agreement: rate(f.agreement) }));
  const point = (label, heldOut) => front.find((f) => f.label === label && f.held_out === heldOut) ?? null;
  return { samples: p.samples, steps: p.steps.length, candidates, accepted, front,
    agreement_tuning: point("-O2 +profile", false)?.agreement ?? null, agreement_held_out: point("-O2 +profile", true)?.agreement ?? null };
}

/// The judge for free-text steps: the flow's model that names cheaper alternatives (a first
/// version's one large model, the reference every candidate is compared with); none when no
/// model does (then free-text steps keep their model, as tune's rule says).
export function judgeOf(flow) {
  const m = fs.readFileSync(flow, "utf8").match(/^model\s+(\w+)\s*=[^{]*\{[^}]*\bcheaper\s*:/m);
  return m ? m[1] : null;
}

/// Tunes one flow and builds its -O2 --profile plan. Returns the record for the results file;
/// `plan` is set (not written to the results) when the variant can run.
export function tuneFlow({ awc, flow, name, inputs, vary, stubsFile, simUrl, work, samples, heldOut }) {
  const files = {};
  for (const [set, n] of [["tuning", samples], ["held_out", heldOut]]) {
    files[set] = path.join(work, `${name}.${set}.jsonl`);
    fs.writeFileSync(files[set], sampleSet(inputs, vary, TAGS[set], n).map((s) => JSON.stringify(s)).join("\n") + "\n");
  }
  const profile = path.join(work, `${name}.profile.json`);
  const judge = judgeOf(flow);
  const t0 = performance.now();
  const r = spawnSync(awc, ["tune", flow, "--samples", files.tuning, "--holdout", files.held_out, "--backend", "sim", "--endpoint", simUrl + "/v1",
    "--tool-stubs", stubsFile, ...(judge ? ["--judge", judge] : []), "-o", profile], { encoding: "utf8", maxBuffer: 64 << 20 });
  const wall = +(performance.now() - t0).toFixed(1);
  const rec = { ok: false, wall_ms: wall, ...summaryOf(r.stderr ?? "") };
  const warnings = (r.stderr ?? "").split("\n").filter((l) => l.startsWith("awc tune: warning:"));
  if (warnings.length) rec.warnings = warnings;
  if (r.status !== 0 || !fs.existsSync(profile)) {
    rec.error = `awc tune exited ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" / ").slice(0, 300)}`;
    return rec;
  }
  Object.assign(rec, profileFacts(profile));
  const plan = path.join(work, `${name}.O2+profile.plan.json`);
  const b = spawnSync(awc, ["build", flow, "-O2", "--profile", profile, "-w", "-o", plan], { encoding: "utf8" });
  if (b.status !== 0) {
    rec.error = `awc build -O2 --profile: ${b.stderr.trim().slice(0, 300)}`;
    return rec;
  }
  // What the profile changed in the -O2 plan: the steps moved to another model.
  const nodes = JSON.parse(fs.readFileSync(plan, "utf8")).nodes;
  const all = (ns) => ns.flatMap((n) => [n, ...all(n.body?.nodes ?? [])]);
  rec.moved = all(nodes).filter((n) => n.rightsized_from).map((n) => ({ step: n.id, from: n.rightsized_from, to: n.model }));
  rec.ok = true;
  rec.plan = plan;
  return rec;
}

/// Tunes every listed corpus flow one after another (a failure is recorded, the others go on).
export function tuneCorpus({ awc, cases, flows, simUrl, work, samples = 40, heldOut = 30, log }) {
  const out = {};
  for (const f of flows) {
    const c = cases[f];
    out[f] = tuneFlow({ awc, flow: c.flow, name: f, inputs: c.inputs, vary: c.vary, stubsFile: c.stubsFile, simUrl, work, samples, heldOut });
    const r = out[f];
    log(`tune ${f}: ${r.ok ? `${(r.wall_ms / 1000).toFixed(1)} s, ${r.calls} calls, $${r.cost_usd}, ${r.accepted.length} accepted, held-out agreement ${r.agreement_held_out}` : `failed: ${r.error}`}`);
  }
  return out;
}

/// The record for the results file: everything but the local plan paths.
export function tuneRecord(perFlow, { samples, heldOut }) {
  const flows = Object.fromEntries(Object.entries(perFlow).map(([f, r]) => [f, Object.fromEntries(Object.entries(r).filter(([k]) => k !== "plan"))]));
  return { variant: TUNED, flags: ["-O2", "--profile <flow>.profile.json"], samples: { tuning: samples, held_out: heldOut, tags: TAGS },
    tune: "awc tune FLOW --samples A --holdout B --backend sim --endpoint <the ladder's sim> --tool-stubs <flow>.stubs.json --judge <the model naming cheaper ones> (defaults: --min-agreement 0.95, -j 16)",
    flows };
}
