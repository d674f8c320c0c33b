// tune_time.mjs — how long `awc tune` takes next to the time its calls take (issue 16's target:
// within the calls' time plus 10 %). Starts one `awc sim` (quality model on), writes 50 samples of
// the 12-step flow bench/flows/tune/claim_intake.flow, runs `awc tune` over them and compares:
//
//   wall: the `awc tune` process from spawn to exit (reading the samples, compiling, writing the
//         profile and the process's start-up included);
//   busy: the union of the intervals during which at least one of tune's model calls was in
//         flight (TuneResult::callsBusyMs, printed on tune's summary line): overlapping calls count
//         once, so this is the least time the same calls could take in one tune at that server;
//   wall / busy ≤ 1.10: the target. Everything above 1 is tune's own work (compiling, the
//         profile, scoring, building the tuned plan) and the gaps between its phases.
//
// Writes bench/results/tune-time.json; bench/ladder/report.mjs renders it into docs/benchmarks.md.
//
//   node bench/tune_time.mjs --build DIR [--reps 3] [--samples 50] [--speed 5] [--out FILE]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { loadavg, machine, sourceTree } from "./run_info.mjs";
import { startSim } from "./ladder/sim.mjs";
import { sampleSet } from "./ladder/tune.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const FLOW = "bench/flows/tune/claim_intake.flow";
const VARY = ["report"];
const LIMIT = 1.1;

function parseArgs(argv) {
  const a = { build: "build", reps: 3, samples: 50, speed: 5, out: path.join(root, "bench/results/tune-time.json") };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    const v = () => argv[++i];
    if (k === "--build") a.build = v();
    else if (k === "--reps") a.reps = Number(v());
    else if (k === "--samples") a.samples = Number(v());
    else if (k === "--speed") a.speed = Number(v());
    else if (k === "--out") a.out = path.resolve(v());
    else throw new Error(`unknown argument ${k}`);
  }
  a.build = path.resolve(root, a.build);
  return a;
}

const args = parseArgs(process.argv.slice(2));
const awc = path.join(args.build, "awc");
const log = (...m) => process.stderr.write(m.join(" ") + "\n");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length ? (s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2) : null;
};

// One tune over fresh samples (their own tag, so no rep rides on another's prompts in the
// simulator's prefix cache): the process's wall time and what the summary line says.
function tuneOnce(simUrl, work, rep, n = args.samples) {
  const flow = path.join(root, FLOW);
  const inputs = JSON.parse(fs.readFileSync(flow.replace(/\.flow$/, ".inputs.json"), "utf8"));
  const samples = path.join(work, `samples-${rep}.jsonl`);
  fs.writeFileSync(samples, sampleSet(inputs, VARY, `rep ${rep} sample `, n).map((s) => JSON.stringify(s)).join("\n") + "\n");
  const t0 = performance.now();
  const r = spawnSync(awc, ["tune", flow, "--samples", samples, "--backend", "sim", "--endpoint", simUrl + "/v1",
    "--tool-stubs", flow.replace(/\.flow$/, ".stubs.json"), "-o", path.join(work, `profile-${rep}.json`)], { encoding: "utf8", maxBuffer: 64 << 20 });
  const wall = performance.now() - t0;
  const line = (r.stderr ?? "").split("\n").filter((l) => l.startsWith("awc tune: ") && l.includes(" → ")).at(-1) ?? "";
  const m = line.match(/(\d+) of (\d+) samples ran, (\d+) model steps, (\d+) candidates accepted · (\d+) calls · \$([0-9.]+) · ([0-9.]+) ms, calls in flight ([0-9.]+) ms/);
  if (r.status !== 0 || !m) return { error: `awc tune exited ${r.status ?? r.signal}: ${(r.stderr ?? "").trim().split("\n").slice(-2).join(" / ").slice(0, 300)}` };
  const busy = Number(m[8]);
  return { wall_ms: +wall.toFixed(1), tune_wall_ms: Number(m[7]), calls_busy_ms: busy, overhead_ms: +(wall - busy).toFixed(1),
    wall_over_busy: +(wall / busy).toFixed(4), samples_ran: Number(m[1]), steps: Number(m[3]), accepted: Number(m[4]), calls: Number(m[5]), cost_usd: Number(m[6]) };
}

async function main() {
  const started = new Date().toISOString();
  const info = machine();
  const version = `${spawnSync(awc, ["--version"], { encoding: "utf8" }).stdout.trim()} (tree ${sourceTree(root)})`;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "awc-tune-time-"));
  const sim = await startSim(awc, ["--speed", String(args.speed), "--quality", "on"]);
  log(`tune_time: ${FLOW}, ${args.samples} samples, ${args.reps} reps, sim ${sim.url} at speed ${args.speed}`);
  const runs = [];
  try {
    tuneOnce(sim.url, work, 0, 10); // warm-up (discarded, 10 samples): the static prefixes reach the sim's cache
    for (let rep = 1; rep <= args.reps; ++rep) {
      const r = tuneOnce(sim.url, work, rep);
      runs.push(r);
      log(r.error ? `rep ${rep}: ${r.error}` : `rep ${rep}: wall ${r.wall_ms} ms, calls in flight ${r.calls_busy_ms} ms, ratio ${r.wall_over_busy}, ${r.calls} calls`);
    }
  } finally {
    sim.kill("SIGTERM");
    fs.rmSync(work, { recursive: true, force: true });
  }
  const ok = runs.filter((r) => !r.error);
  const med = (k) => (ok.length ? +median(ok.map((r) => r[k])).toFixed(4) : null);
  const ratio = med("wall_over_busy");
  const result = {
    version: 1,
    started,
    finished: new Date().toISOString(),
    machine: { ...info, loadavg_end: loadavg() },
    config: { awc: version, flow: FLOW, samples: args.samples, reps: args.reps, speed: args.speed, jobs: 16, sim: "awc sim --quality on (default profiles)",
      definition: "wall: the awc tune process, spawn to exit; busy: the union of the intervals in which at least one of tune's model calls was in flight (TuneResult::callsBusyMs)" },
    runs,
    median: { wall_ms: med("wall_ms"), tune_wall_ms: med("tune_wall_ms"), calls_busy_ms: med("calls_busy_ms"), overhead_ms: med("overhead_ms"), wall_over_busy: ratio,
      calls: med("calls"), cost_usd: med("cost_usd"), accepted: med("accepted") },
    target: { limit: LIMIT, measured: ratio, met: ratio === null ? null : ratio <= LIMIT },
  };
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, JSON.stringify(result, null, 1) + "\n");
  log(`tune_time: median wall/busy ${ratio} (≤ ${LIMIT}: ${result.target.met ? "met" : "missed"}); wrote ${path.relative(root, args.out)}`);
  if (!ok.length) process.exitCode = 1;
}

main().catch((e) => {
  log("tune_time:", e.stack || e);
  process.exit(1);
});
