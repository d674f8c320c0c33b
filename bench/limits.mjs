// limits.mjs — the "limits" case of `make bench`: runs the other issues' benchmarks (compile
// scaling, the simulator's ceiling, the runtime's overhead per node, wall / critical path per
// example, 1,000 concurrent runs, lint throughput, expression evaluation), echoes what each prints,
// keeps the figures in bench/results/limits.json and writes a table of them against their targets
// into docs/benchmarks.md between generated markers. The prose sections of docs/benchmarks.md say
// how each benchmark works and keep the figures of earlier machines.
//
//   node bench/limits.mjs [--build DIR] [--out FILE] [--doc FILE] [--report-only]
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compactJson } from "./ladder/json.mjs";
import { loadavg, machine, sourceTree } from "./run_info.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..");
const args = { build: "build", out: path.join(root, "bench/results/limits.json"), doc: path.join(root, "docs/benchmarks.md"), reportOnly: false };
for (let i = 2; i < process.argv.length; ++i) {
  const k = process.argv[i];
  if (k === "--build") args.build = process.argv[++i];
  else if (k === "--out") args.out = path.resolve(process.argv[++i]);
  else if (k === "--doc") args.doc = path.resolve(process.argv[++i]);
  else if (k === "--report-only") args.reportOnly = true;
  else throw new Error(`unknown argument ${k}`);
}
const build = path.resolve(root, args.build);
const num = (s) => Number(s);
const all = (text, re) => [...text.matchAll(re)];

// Each benchmark: how to run it and how to read the figures out of what it prints.
const BENCHES = [
  { key: "compile_scaling", cmd: ["bash", "bench/compile_scaling.sh", build], needs: "bench/compile_scaling",
    parse: (out) => ({ sizes: out.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l)) }) },
  { key: "stdlib_eval", cmd: [path.join(build, "bench/stdlib_eval")], needs: "bench/stdlib_eval",
    parse: (out) => ({ cases: all(out, /^(.+?)\s+([\d.]+) ns\/eval/gm).map((m) => ({ expr: m[1].trim(), ns_per_eval: num(m[2]) })) }) },
  { key: "sim_throughput", cmd: [path.join(build, "bench/sim_throughput")], needs: "bench/sim_throughput",
    parse: (out) => ({ non_streaming_rps: num(out.match(/non-streaming: (\d+) requests\/s/)?.[1]), streaming_rps: num(out.match(/\nstreaming[^:]*: (\d+) requests\/s/)?.[1]),
      streams_finished: num(out.match(/paced streams: (\d+)\/\d+ finished/)?.[1]), streams: num(out.match(/paced streams: \d+\/(\d+) finished/)?.[1]) }) },
  { key: "runtime_overhead", cmd: [path.join(build, "bench/runtime_overhead")], needs: "bench/runtime_overhead",
    parse: (out) => ({ workers: all(out, /(\d+) worker\(s\): best wall ([\d.]+) ms, ([\d.]+) us\/node/g).map((m) => ({ workers: num(m[1]), wall_ms: num(m[2]), us_per_node: num(m[3]) })) }) },
  { key: "runtime_examples", cmd: [path.join(build, "bench/runtime_examples")], needs: "bench/runtime_examples",
    parse: (out) => ({ examples: all(out, /^(\w+)\s+([\d.]+)ms\s+([\d.]+)ms\s+([\d.]+)ms\s+([\d.]+)\s+([\d.]+)x/gm).map((m) => ({ example: m[1], o0_wall_ms: num(m[2]), o2_wall_ms: num(m[3]), o2_critical_ms: num(m[4]), wall_over_critical: num(m[5]), speedup: num(m[6]) })) }) },
  { key: "runtime_concurrency", cmd: [path.join(build, "bench/runtime_concurrency")], needs: "bench/runtime_concurrency",
    parse: (out) => {
      const m = out.match(/(\d+) runs \((\d+) ok\) in ([\d.]+) s: .*?= ([\d.]+) us per model call .*?memory ([\d.]+) KiB per in-flight run/);
      return { runs: num(m?.[1]), ok: num(m?.[2]), seconds: num(m?.[3]), cpu_us_per_call: num(m?.[4]), kib_per_run: num(m?.[5]),
        transport_us_per_call: num(out.match(/HTTP transport alone: CPU ([\d.]+) us per call/)?.[1]), plain_libcurl_us_per_call: num(out.match(/plain libcurl[^:]*: CPU ([\d.]+) us per call/)?.[1]) };
    } },
  { key: "lint", cmd: ["bash", "bench/lint_bench.sh", build], needs: "awc",
    parse: (out) => ({ runs: all(out, /lint (\d+) flows .*?, (1 thread|all CPUs): wall ([\d.]+) s, cpu ([\d.]+) s/g).map((m) => ({ flows: num(m[1]), jobs: m[2], wall_s: num(m[3]), cpu_s: num(m[4]) })) }) },
];

function runAll() {
  const results = { version: 1, started: new Date().toISOString(), machine: machine(), tree: sourceTree(root), benches: {} };
  for (const b of BENCHES) {
    if (!fs.existsSync(path.join(build, b.needs))) {
      process.stderr.write(`limits: ${b.key}: ${path.join(args.build, b.needs)} is not built, skipped\n`);
      continue;
    }
    process.stdout.write(`\n== ${b.cmd.map((c) => path.relative(root, c) || c).join(" ")}\n`);
    const r = spawnSync(b.cmd[0], b.cmd.slice(1), { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 64 << 20 });
    process.stdout.write(r.stdout ?? "");
    if (r.status !== 0) {
      process.stderr.write(`limits: ${b.key} exited with ${r.status}\n`);
      results.benches[b.key] = { error: `exit ${r.status}` };
      continue;
    }
    results.benches[b.key] = b.parse(r.stdout);
  }
  results.finished = new Date().toISOString();
  results.machine.loadavg_end = loadavg();
  fs.mkdirSync(path.dirname(args.out), { recursive: true });
  fs.writeFileSync(args.out, compactJson(results));
  return results;
}

// ---- the report ------------------------------------------------------------------------------

const f1 = (x) => (Number.isFinite(x) ? x.toLocaleString("en-US", { maximumFractionDigits: 1 }) : "—");
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : "—");
const verdict = (ok) => (ok === null ? "—" : ok ? "met" : "**missed**");

function rows(B) {
  const out = [];
  const cs = B.compile_scaling?.sizes;
  if (cs?.length) {
    const at = (n) => cs.find((s) => s.steps === n);
    const k10 = at(10000), k100 = at(100000);
    for (const s of cs) out.push([`compile ${s.steps.toLocaleString("en-US")} steps: total (parse), median of ${s.runs}`, `${f1(s.total_ms_median)} ms (${f1(s.parse_ms_median)} ms), ${f1(s.peak_rss_mb)} MB peak`,
      s.steps === 10000 ? "≤ 300 ms" : "—", s.steps === 10000 ? verdict(s.total_ms_median <= 300) : "—"]);
    if (k10 && k100) out.push(["compile 100k / 10k total", `${f2(k100.total_ms_median / k10.total_ms_median)}×`, "≤ 12×", verdict(k100.total_ms_median / k10.total_ms_median <= 12)]);
    if (k10) out.push(["compile 10k total / parse", `${f2(k10.total_ms_median / k10.parse_ms_median)}×`, "≤ 2×", verdict(k10.total_ms_median / k10.parse_ms_median <= 2)]);
  }
  const st = B.sim_throughput;
  if (st && !st.error) {
    out.push(["simulator, zero latency, 64 keep-alive connections", `${f1(st.non_streaming_rps)} req/s (streaming ${f1(st.streaming_rps)})`, "≥ 5,000 req/s", verdict(st.non_streaming_rps >= 5000 && st.streaming_rps >= 5000)]);
    out.push(["simulator, paced SSE streams open at once", `${f1(st.streams_finished)} of ${f1(st.streams)} finished`, "≥ 2,000", verdict(st.streams_finished >= 2000)]);
  }
  for (const w of B.runtime_overhead?.workers ?? [])
    out.push([`runtime overhead per node, 10,000 nodes, ${w.workers} worker${w.workers > 1 ? "s" : ""}`, `${f2(w.us_per_node)} µs (best wall ${f1(w.wall_ms)} ms)`, "≤ 5 µs", verdict(w.us_per_node <= 5)]);
  const ex = B.runtime_examples?.examples;
  if (ex?.length) {
    const worst = Math.max(...ex.map((e) => e.wall_over_critical));
    out.push([`wall / critical path at -O2, ${ex.length} examples (speed 10)`, `worst ${worst.toFixed(3)} (${ex.map((e) => `${e.example} ${e.wall_over_critical.toFixed(3)}`).join(", ")})`, "≤ 1.05", verdict(worst <= 1.05)]);
  }
  const rc = B.runtime_concurrency;
  if (rc && !rc.error) {
    out.push([`${f1(rc.runs)} concurrent runs (customer_support -O2, sim speed 1)`, `${f1(rc.ok)} ok in ${f2(rc.seconds)} s, ${f1(rc.kib_per_run)} KiB per in-flight run`, "—", "—"]);
    out.push(["CPU per model call in those runs", `${f1(rc.cpu_us_per_call)} µs (HTTP transport alone ${f1(rc.transport_us_per_call)} µs, plain libcurl ${f1(rc.plain_libcurl_us_per_call)} µs)`, "≤ 50 µs", verdict(rc.cpu_us_per_call <= 50)]);
  }
  for (const l of B.lint?.runs ?? [])
    out.push([`awc lint, ${l.flows.toLocaleString("en-US")} example-sized flows, ${l.jobs}`, `${f2(l.cpu_s)} s CPU, ${f2(l.wall_s)} s wall`, "≤ 2 s CPU", verdict(l.cpu_s <= 2)]);
  const se = B.stdlib_eval?.cases;
  if (se?.length) out.push(["native expression evaluation", se.map((c) => `\`${c.expr}\` ${f1(c.ns_per_eval)} ns`).join("; "), "—", "—"]);
  return out;
}

function report(R) {
  const M = R.machine;
  const table = [["what", "measured", "target", "verdict"], ["---", "---", "---", "---"], ...rows(R.benches)].map((r) => `| ${r.join(" | ")} |`).join("\n");
  const block = `<!-- BEGIN limits: generated by bench/limits.mjs from bench/results/limits.json; edit those, not this -->
## Limits on the last machine

\`node bench/limits.mjs\` (part of \`make bench\`) ran the limits benchmarks of the sections below on
${R.started.slice(0, 16).replace("T", " ")} UTC, tree ${R.tree}, on ${M.cores} × ${M.cpu}, ${M.mem_gib} GiB, ${M.os}; load average
${M.loadavg_start.join(" / ")} at the start and ${M.loadavg_end.join(" / ")} at the end. Each line is what the benchmark prints
(medians or bests of several runs, as its section describes); raw figures in \`bench/results/limits.json\`. The
sections below describe each benchmark and keep the figures measured on earlier machines, which differ from these
by the machine as much as by the code.

${table}
<!-- END limits -->`;
  let doc = fs.readFileSync(args.doc, "utf8");
  const re = /<!-- BEGIN limits:[\s\S]*?<!-- END limits -->/;
  if (re.test(doc)) doc = doc.replace(re, () => block);
  else doc = doc.replace(/^## Compile scaling$/m, () => `${block}\n\n## Compile scaling`);
  fs.writeFileSync(args.doc, doc);
  process.stderr.write(`limits: updated ${path.relative(root, args.doc)} from ${path.relative(root, args.out)}\n`);
}

report(args.reportOnly ? JSON.parse(fs.readFileSync(args.out, "utf8")) : runAll());
