// estimate_check.mjs — does `awc explain`'s -O0/-O2 latency ratio match the simulator's? (issue 15,
// item 9). For every first-version corpus flow: the estimated critical-path latency at -O0 and -O2
// (`awc explain --json`), and the median wall time of N cold runs of each plan against one
// `awc sim --speed S` (tool stubs at 150/S ms, the estimate's 150 ms tool scaled like the sim;
// inputs, stubs, fixtures and per-run references as bench/ladder/ladder.mjs gives them).
// Prints one row per flow: est. and measured ratio, and how far apart (est/measured − 1).
// With --detail, also each level's estimated and measured output tokens and wall times (in
// unscaled ms, so they compare with the estimate).
//
//   node bench/estimate_check.mjs [--build DIR] [--reps 3] [--speed 5] [--flows a,b] [--detail]
//        [--json FILE]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { setPath, startSim as startSimAt } from "./ladder/sim.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DIR = path.join(root, "bench/flows/first-version");
const CORPUS = JSON.parse(fs.readFileSync(path.join(DIR, "corpus.json"), "utf8")).flows;

const args = { build: "build", reps: 3, speed: 5, flows: Object.keys(CORPUS).sort(), detail: false, json: null };
for (let i = 2; i < process.argv.length; ++i) {
  const k = process.argv[i], v = () => process.argv[++i];
  if (k === "--build") args.build = v();
  else if (k === "--reps") args.reps = Number(v());
  else if (k === "--speed") args.speed = Number(v());
  else if (k === "--flows") args.flows = v().split(",");
  else if (k === "--detail") args.detail = true;
  else if (k === "--json") args.json = path.resolve(v());
  else throw new Error(`unknown argument ${k}`);
}
for (const f of args.flows) if (!CORPUS[f]) throw new Error(`unknown corpus flow ${f}`);
const awc = path.join(path.resolve(root, args.build), "awc");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "awc-estcheck-"));
const toolMs = Math.round(150 / args.speed);
const LEVELS = ["O0", "O2"];

const median = (xs) => {
  const s = xs.filter((x) => typeof x === "number").sort((a, b) => a - b);
  if (!s.length) return null;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${path.basename(cmd)} ${argv.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

function startSim() {
  return startSimAt(awc, ["--speed", String(args.speed), "--fixtures", path.join(DIR, "sim_fixtures.json")]);
}


// Each run its own reference in the text inputs, as in the ladder: no run rides on the prefix
// cache another run warmed with the same document.
let nonce = 0;
function inputsFile(flow) {
  const inputs = JSON.parse(fs.readFileSync(path.join(DIR, `${flow}.inputs.json`), "utf8"));
  ++nonce;
  for (const p of CORPUS[flow].vary) setPath(inputs, p, (s) => `${s} (ref E${nonce})`);
  const file = path.join(work, `inputs-${nonce}.json`);
  fs.writeFileSync(file, JSON.stringify(inputs));
  return file;
}

function runOnce(flow, plan, url) {
  const metrics = path.join(work, "metrics.json");
  fs.rmSync(metrics, { force: true });
  run(awc, ["run", plan, "--backend", "sim", "--endpoint", url + "/v1", "--inputs", inputsFile(flow), "--tool-stubs",
    path.join(DIR, `${flow}.stubs.json`), "--tool-stub-latency", String(toolMs), "--no-cache", "--metrics", metrics, "-q"]);
  const m = JSON.parse(fs.readFileSync(metrics, "utf8"));
  if (m["run.error"]) throw new Error(`${flow}: ${m["run.error"]}`);
  return { wall: m["run.wall_ms"], out: m["run.output_tokens"], calls: m["run.model_calls"] };
}

async function main() {
  const rows = [];
  const plans = {}, est = {};
  for (const f of args.flows) {
    const flow = path.join(DIR, `${f}.flow`);
    est[f] = JSON.parse(run(awc, ["explain", "--json", flow])).levels;
    plans[f] = {};
    for (const L of LEVELS) {
      plans[f][L] = path.join(work, `${f}.${L}.plan.json`);
      run(awc, ["build", flow, `-${L}`, "-w", "-o", plans[f][L]]);
    }
  }
  const sim = await startSim();
  try {
    for (const f of args.flows) {
      const runs = { O0: [], O2: [] };
      for (let rep = -1; rep < args.reps; ++rep) // rep -1: a discarded warm-up round
        for (const L of rep % 2 ? LEVELS : [...LEVELS].reverse()) {
          const r = runOnce(f, plans[f][L], sim.url);
          if (rep >= 0) runs[L].push(r);
        }
      const m = Object.fromEntries(LEVELS.map((L) => [L, {
        wall: median(runs[L].map((r) => r.wall)), out: median(runs[L].map((r) => r.out)), calls: median(runs[L].map((r) => r.calls)) }]));
      const estRatio = est[f].O0.latency_ms / est[f].O2.latency_ms;
      const measured = m.O0.wall / m.O2.wall;
      rows.push({ flow: f, est: estRatio, measured, off: estRatio / measured - 1,
        est_ms: { O0: est[f].O0.latency_ms, O2: est[f].O2.latency_ms },
        wall_ms_unscaled: { O0: m.O0.wall * args.speed, O2: m.O2.wall * args.speed },
        est_out: { O0: est[f].O0.output_tokens, O2: est[f].O2.output_tokens }, out: { O0: m.O0.out, O2: m.O2.out } });
    }
  } finally {
    sim.kill("SIGTERM");
    fs.rmSync(work, { recursive: true, force: true });
  }
  print(rows);
  if (args.json) fs.writeFileSync(args.json, JSON.stringify(rows, null, 1) + "\n");
}

function print(rows) {
  const pct = (x) => `${x >= 0 ? "+" : ""}${(100 * x).toFixed(0)} %`;
  const head = ["flow", "est. -O0/-O2", "measured -O0/-O2", "off", "within 15 %"];
  if (args.detail) head.push("est. ms O0 / O2", "measured ms O0 / O2 (×speed)", "est. out tok O0 / O2", "measured out tok O0 / O2");
  console.log(`| ${head.join(" | ")} |\n|${head.map(() => " --- ").join("|")}|`);
  for (const r of rows) {
    const cells = [r.flow, r.est.toFixed(2) + "×", r.measured.toFixed(2) + "×", pct(r.off), Math.abs(r.off) <= 0.15 ? "yes" : "**no**"];
    if (args.detail)
      cells.push(`${r.est_ms.O0.toFixed(0)} / ${r.est_ms.O2.toFixed(0)}`, `${r.wall_ms_unscaled.O0.toFixed(0)} / ${r.wall_ms_unscaled.O2.toFixed(0)}`,
        `${r.est_out.O0} / ${r.est_out.O2}`, `${r.out.O0} / ${r.out.O2}`);
    console.log(`| ${cells.join(" | ")} |`);
  }
  const within = rows.filter((r) => Math.abs(r.off) <= 0.15).length;
  console.log(`\n${within} of ${rows.length} flows within 15 %; ${args.reps} runs per level (median), awc sim --speed ${args.speed}, tool stubs ${toolMs} ms.`);
}

main().catch((e) => {
  console.error("estimate_check:", e.message || e);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(1);
});
