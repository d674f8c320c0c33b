// report.mjs — turns bench/results/ladder.json into the "The ladder", "A peer" and "Targets"
// sections of docs/benchmarks.md (between generated markers) and one SVG per headline comparison
// in docs/img/, drawn by gnuplot (plot.mjs; without gnuplot the text is still updated); and
// bench/results/ladder-first-version.json, when it exists, into "The first-version corpus"
// (report_corpus.mjs, its own markers); and bench/results/tune-time.json, when it exists, into
// "How long awc tune takes" (report_tune.mjs, its own markers, after the corpus).
//
//   node bench/ladder/report.mjs [--in bench/results/ladder.json]
//        [--corpus-in bench/results/ladder-first-version.json] [--tune-time-in bench/results/tune-time.json]
//        [--doc docs/benchmarks.md]
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { barChart as plotChart, plots } from "./plot.mjs";
import { int, med, ms, mw, pct, ratio, table, usd, x2 } from "./stats.mjs";
import { corpusBlock } from "./report_corpus.mjs";
import { tuneTimeBlock } from "./report_tune.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const argv = process.argv.slice(2);
const opt = (k, d) => (argv.includes(k) ? path.resolve(argv[argv.indexOf(k) + 1]) : d);
const inFile = opt("--in", path.join(root, "bench/results/ladder.json"));
const corpusFile = opt("--corpus-in", path.join(root, "bench/results/ladder-first-version.json"));
const tuneTimeFile = opt("--tune-time-in", path.join(root, "bench/results/tune-time.json"));
const docFile = opt("--doc", path.join(root, "docs/benchmarks.md"));
const imgDir = path.join(path.dirname(docFile), "img");
const R = JSON.parse(fs.readFileSync(inFile, "utf8"));
const exs = R.config.examples;
const PEER = "LangGraph.js";

// ---------------------------------------------------------------------------------------------
// Numbers.

const runs = (ex, v, k = "wall_ms") => R.cases[ex]?.[v]?.[k];
const zruns = (ex, v) => R.zero?.[ex]?.[v]?.wall_ms;
const m = (ex, v, k = "wall_ms") => R.cases[ex]?.[v]?.median?.[k] ?? null;
const z = (ex, v) => R.zero?.[ex]?.[v]?.median?.wall_ms ?? null;

// ---------------------------------------------------------------------------------------------
// Bar charts (grouped bars, one colour per series, optional log axis): drawn by gnuplot, plot.mjs.

const barChart = (spec) => plotChart(imgDir, spec);

// ---------------------------------------------------------------------------------------------
// Figures.

const short = (ex) => ex.replace("customer_support", "support").replace("ticket_triage", "triage").replace("intent_router", "router");
// The A/A control: the same -O2 plan measured as a separate variant. Its distance from 1× is the
// noise floor of any ratio in the same row.
const aa = Object.fromEntries(exs.map((ex) => [ex, ratio(m(ex, "O2 A/A"), m(ex, "O2"))]));
const aaCost = Object.fromEntries(exs.map((ex) => [ex, ratio(m(ex, "O2 A/A", "cost_usd"), m(ex, "O2", "cost_usd"))]));
const noise = (r) => (r === null ? 0 : Math.abs(r - 1));
const est = (ex) => ratio(R.estimates?.[ex]?.O0?.latency_ms ?? null, R.estimates?.[ex]?.O2?.latency_ms ?? null);
const speedup = Object.fromEntries(exs.map((ex) => [ex, ratio(m(ex, "O0"), m(ex, "O2"))]));
const medSpeedup = med(Object.values(speedup));
const costRatio = Object.fromEntries(exs.map((ex) => [ex, ratio(m(ex, "O2", "cost_usd"), m(ex, "O0", "cost_usd"))]));
const costUp = exs.filter((ex) => mw(runs(ex, "O2", "cost_usd"), runs(ex, "O0", "cost_usd")) === 1);
const costUpNoise = exs.filter((ex) => costRatio[ex] !== null && costRatio[ex] > 1 && !costUp.includes(ex));
const warmGain = Object.fromEntries(exs.map((ex) => [ex, m(ex, "O2") && m(ex, "O2 warm") !== null ? 1 - m(ex, "O2 warm") / m(ex, "O2") : null]));
const medWarm = med(Object.values(warmGain));
const wallCrit = Object.fromEntries(exs.map((ex) => [ex, m(ex, "O2", "wall_over_critical")]));
const medWallCrit = med(Object.values(wallCrit));
const hasPeer = exs.some((ex) => R.cases[ex]?.[PEER]);
const peerRatio = Object.fromEntries(exs.map((ex) => [ex, ratio(m(ex, PEER), m(ex, "O2"))]));
const peerSig = Object.fromEntries(exs.map((ex) => [ex, mw(runs(ex, "O2"), runs(ex, PEER))]));
const peerLoses = exs.filter((ex) => peerSig[ex] !== -1);
const zeroRatio = Object.fromEntries(exs.map((ex) => [ex, ratio(z(ex, PEER), z(ex, "O2"))]));
const zeroSig = Object.fromEntries(exs.map((ex) => [ex, mw(zruns(ex, "O2"), zruns(ex, PEER))]));
const zeroLoses = exs.filter((ex) => zeroSig[ex] !== -1);
const sig = (d) => (d === -1 ? " ✓" : d === 1 ? " ✗" : " ≈");
const passes = (R.config.passes || []).filter((p) => exs.some((ex) => R.cases[ex]?.[`O2 -fno-${p}`]));
const errs = exs.flatMap((ex) => Object.entries(R.cases[ex] || {}).flatMap(([v, s]) => s.errors.map((e) => `${ex} ${v}: ${e}`)));

const M = R.machine;
// Busy: more runnable work than half the cores at the start or the end of the session.
const busy = Math.max(M.loadavg_start[0], M.loadavg_end[0]) > M.cores / 2;
const setup = `Measured ${R.started.slice(0, 16).replace("T", " ")} UTC by \`node bench/ladder/ladder.mjs\` (part of \`make bench\`)${R.config.awc ? `, ${R.config.awc},` : ""} on
${M.cores} × ${M.cpu}, ${M.mem_gib} GiB, ${M.os}, Node ${M.node}. Load average (1/5/15 min) ${M.loadavg_start.join(" / ")} at the start and
${M.loadavg_end.join(" / ")} at the end: ${busy ? "**the machine was shared with other work**, so absolute times carry scheduling noise" : "the machine was otherwise idle"}; the
variants were interleaved so that scheduling noise falls on all of them alike.

- One \`awc sim\` for every case, with the documented default latency profiles (docs/simulator.md; the examples' model
  names map to the small/medium/large classes) at \`--speed ${R.config.speed}\`: every simulated delay is divided by ${R.config.speed}, so
  the times below are ${R.config.speed}× shorter than the modelled ones and their ratios are unchanged. Fixtures
  (\`bench/ladder/sim_fixtures.json\`) pin only the two answers that decide the shape of a run: intent_router's intent
  (\`technical\`) and research's four sub-questions. Every other answer is the simulator's deterministic generated one.
- Tools are stubbed (\`--tool-stubs examples/fixtures/<example>.stubs.json\`) with ${R.config.tool_stub_latency_ms} ms latency (the compiler's 150 ms per tool
  call, scaled like the simulator). Inputs: \`bench/ladder/inputs/<example>.json\`.
- Each run gets its own inputs (a reference \`(ref R<n>)\` appended to one text input), as production runs each have their own
  customer text: static prompt prefixes hit the simulator's prefix cache across runs, dynamic text never does, and no
  variant rides on text another variant just sent. One discarded warm-up round precedes ${R.config.reps} measured repetitions;
  within a repetition the variants of an example run one after another in a rotated order.
- *cold*: a fresh, empty result cache (\`--cache\` on a new file); *warm*: the same run again with the same inputs and cache file.
- Figures are medians over the repetitions; ratios are ratios of medians from this one session. Wall time is the
  runtime's \`run.wall_ms\` (docs/metrics.md), which excludes process start and compilation (the LangGraph.js figure
  likewise excludes module loading).${errs.length ? `\n- Failed runs (excluded from medians): ${errs.length}; first: \`${errs[0].slice(0, 160)}\`.` : ""}`;

const wallPic = barChart({
  file: "ladder-wall.svg", title: `Wall time per example (median of ${R.config.reps}, sim --speed ${R.config.speed})`, unit: "ms",
  series: ["-O0", "-O1", "-O2", "-O2 warm", ...(hasPeer ? [PEER] : [])],
  groups: exs.map((ex) => ({ label: short(ex), values: [m(ex, "O0"), m(ex, "O1"), m(ex, "O2"), m(ex, "O2 warm"), ...(hasPeer ? [m(ex, PEER)] : [])] })),
});
const cachePic = barChart({
  file: "ladder-cache.svg", title: "Cold vs warm result cache at -O2 (median wall)", unit: "ms", series: ["-O2 cold", "-O2 warm"],
  groups: exs.map((ex) => ({ label: short(ex), values: [m(ex, "O2"), m(ex, "O2 warm")] })),
});
const passPic = passes.length ? barChart({
  file: "ladder-passes.svg", title: "-O2 with one pass off: wall relative to -O2 (> 1: the pass helps)", unit: "× -O2 wall",
  series: passes.map((p) => `-fno-${p}`), refLine: 1,
  groups: exs.map((ex) => ({ label: short(ex), values: passes.map((p) => ratio(m(ex, `O2 -fno-${p}`), m(ex, "O2"))) })),
}) : "";
const zeroPic = R.zero && Object.keys(R.zero).length ? barChart({
  file: "peer-overhead.svg", title: "Orchestration overhead: wall time with a zero-latency simulator (log scale)", unit: "ms", log: true,
  series: ["awc -O0", "awc -O1", "awc -O2", ...(hasPeer ? [PEER] : [])],
  groups: exs.map((ex) => ({ label: short(ex), values: [z(ex, "O0"), z(ex, "O1"), z(ex, "O2"), ...(hasPeer ? [z(ex, PEER)] : [])] })),
}) : "";

const ladderTable = table(
  ["example", "-O0 ms", "-O1 ms", "-O2 ms", "-O0/-O2", "A/A", "est. -O0/-O2", "calls -O0→-O2", "prompt tok (cached) -O0", "prompt tok (cached) -O2", "out tok -O0→-O2", "cost -O0", "cost -O2", "cost -O2/-O0 (A/A)", "wall/crit -O2"],
  exs.map((ex) => [ex, ms(m(ex, "O0")), ms(m(ex, "O1")), ms(m(ex, "O2")), `**${x2(speedup[ex])}**`, x2(aa[ex]), x2(est(ex)),
    `${int(m(ex, "O0", "model_calls"))}→${int(m(ex, "O2", "model_calls"))}`,
    `${int(m(ex, "O0", "prompt_tokens"))} (${int(m(ex, "O0", "cached_tokens"))})`, `${int(m(ex, "O2", "prompt_tokens"))} (${int(m(ex, "O2", "cached_tokens"))})`,
    `${int(m(ex, "O0", "output_tokens"))}→${int(m(ex, "O2", "output_tokens"))}`, usd(m(ex, "O0", "cost_usd")), usd(m(ex, "O2", "cost_usd")),
    `${x2(costRatio[ex])}${costUp.includes(ex) ? " ✗" : ""} (${x2(aaCost[ex])})`, x2(wallCrit[ex])]));

const warmTable = table(
  ["example", "-O0 cold → warm ms", "-O1 cold → warm ms", "-O2 cold → warm ms", "-O2 warm: faster by", "-O2 warm calls", "-O2 warm cost"],
  exs.map((ex) => [ex, ...["O0", "O1", "O2"].map((v) => `${ms(m(ex, v))} → ${ms(m(ex, v + " warm"))}`), `**${pct(warmGain[ex])}**`,
    int(m(ex, "O2 warm", "model_calls")), usd(m(ex, "O2 warm", "cost_usd"))]));

const passTable = passes.length ? table(["example", "A/A (noise)", ...passes.map((p) => `-fno-${p}`)],
  exs.map((ex) => [ex, x2(aa[ex]), ...passes.map((p) => {
    const v = `O2 -fno-${p}`;
    if (!R.cases[ex]?.[v]) return "·";
    const d = mw(runs(ex, v), runs(ex, "O2")); // the pass helps when the run without it is reliably slower
    return `${x2(ratio(m(ex, v), m(ex, "O2")))}${d === 1 ? " ✓" : d === -1 ? " ✗" : " ≈"} (${int(m(ex, v, "model_calls"))} calls, cost ${x2(ratio(m(ex, v, "cost_usd"), m(ex, "O2", "cost_usd")))})`;
  })])) : "";
const passMedian = passes.map((p) => `\`-fno-${p}\` ${x2(med(exs.map((ex) => ratio(m(ex, `O2 -fno-${p}`), m(ex, "O2")))))}`).join(", ");
const noEffect = R.no_effect ? Object.entries(R.no_effect).map(([ex, ps]) => `${ex}: ${ps.join(", ") || "none"}`).join("; ") : "";

// -O2 under `awc run --speculate all` against -O2 under the default (`free`), where it differs.
const SPEC = "O2 speculate all";
const specExs = exs.filter((ex) => R.cases[ex]?.[SPEC]);
const specTable = specExs.length ? table(
  ["example", "-O2 ms (default: free)", "-O2 --speculate all ms", "-O2 / all", "A/A", "started early (free → all)", "calls", "cost all / -O2", "of which wasted"],
  specExs.map((ex) => {
    const d = mw(runs(ex, "O2"), runs(ex, SPEC)); // all helps when -O2 under the default is reliably slower
    return [ex, ms(m(ex, "O2")), ms(m(ex, SPEC)), `**${x2(ratio(m(ex, "O2"), m(ex, SPEC)))}**${d === 1 ? " ✓" : d === -1 ? " ✗" : " ≈"}`, x2(aa[ex]),
      `${int(m(ex, "O2", "speculated"))} → ${int(m(ex, SPEC, "speculated"))}`, `${int(m(ex, "O2", "model_calls"))} → ${int(m(ex, SPEC, "model_calls"))}`,
      x2(ratio(m(ex, SPEC, "cost_usd"), m(ex, "O2", "cost_usd"))), usd(m(ex, SPEC, "speculation_wasted_usd"))];
  })) : "";

const peerTable = hasPeer ? table(
  ["example", `${PEER} ms`, "awc -O0 ms", "awc -O2 ms", `${PEER} / -O2`, `calls ${PEER} / -O2`, `prompt tok ${PEER} / -O0`, `out tok ${PEER} / -O2`, `cost ${PEER}`, "cost -O2"],
  exs.map((ex) => [ex, ms(m(ex, PEER)), ms(m(ex, "O0")), ms(m(ex, "O2")), `**${x2(peerRatio[ex])}**${sig(peerSig[ex])}`,
    `${int(m(ex, PEER, "model_calls"))} / ${int(m(ex, "O2", "model_calls"))}`, `${int(m(ex, PEER, "prompt_tokens"))} / ${int(m(ex, "O0", "prompt_tokens"))}`,
    `${int(m(ex, PEER, "output_tokens"))} / ${int(m(ex, "O2", "output_tokens"))}`, usd(m(ex, PEER, "cost_usd")), usd(m(ex, "O2", "cost_usd"))])) : "";
const zeroTable = R.zero && Object.keys(R.zero).length ? table(
  ["example", "awc -O0 ms", "awc -O1 ms", "awc -O2 ms", `${PEER} ms`, `${PEER} / awc -O2`],
  exs.map((ex) => [ex, ms(z(ex, "O0")), ms(z(ex, "O1")), ms(z(ex, "O2")), ms(z(ex, PEER)), `**${x2(zeroRatio[ex])}**${sig(zeroSig[ex])}`])) : "";

const verdict = (ok) => (ok === null ? "not measured" : ok ? "**met**" : "**missed**");
const targets = [
  ["Median -O2 / -O0 speed-up across the examples ≥ 4×", `${x2(medSpeedup)} (per example: ${exs.map((ex) => `${short(ex)} ${x2(speedup[ex])}`).join(", ")})`, medSpeedup === null ? null : medSpeedup >= 4],
  ["No example with higher cost at -O2 than at -O0", (costUp.length ? `reliably higher (U test) on ${costUp.map((ex) => `${ex} (${x2(costRatio[ex])})`).join(", ")}` : "not reliably higher on any example") +
    (costUpNoise.length ? `; higher median but not distinguishable from noise on ${costUpNoise.map((ex) => `${ex} (${x2(costRatio[ex])})`).join(", ")}` : ""), costUp.length === 0],
  ["Warm-cache rerun ≥ 70 % faster than cold (-O2)", `median ${pct(medWarm)} (per example: ${exs.map((ex) => `${short(ex)} ${pct(warmGain[ex])}`).join(", ")})`, medWarm === null ? null : exs.every((ex) => warmGain[ex] === null || warmGain[ex] >= 0.7)],
  ["Wall ≤ 1.05 × critical path at -O2", `median ${x2(medWallCrit)}; worst ${x2(Math.max(...Object.values(wallCrit).filter((x) => x !== null)))}`, exs.every((ex) => wallCrit[ex] === null || wallCrit[ex] <= 1.05)],
  ["awc -O2 faster than LangGraph.js on every example", hasPeer ? `${PEER} / -O2 median ${x2(med(Object.values(peerRatio)))}; reliably faster (U test) on ${exs.filter((ex) => peerSig[ex] === -1).length} of ${exs.length}${peerLoses.length ? `; not distinguishable on ${peerLoses.filter((ex) => peerSig[ex] === 0).map((ex) => `${ex} (${x2(peerRatio[ex])})`).join(", ") || "none"}${peerLoses.some((ex) => peerSig[ex] === 1) ? `; slower on ${peerLoses.filter((ex) => peerSig[ex] === 1).join(", ")}` : ""}` : ""}` : "—", hasPeer ? peerLoses.length === 0 : null],
  ["Lower orchestration overhead than LangGraph.js (zero-latency sim)", hasPeer && zeroTable ? `${PEER} / -O2 median ${x2(med(Object.values(zeroRatio)))}; reliably lower (U test) on ${exs.filter((ex) => zeroSig[ex] === -1).length} of ${exs.length}${zeroLoses.length ? `; not on ${zeroLoses.join(", ")}` : ""}` : "—", hasPeer && zeroTable ? zeroLoses.length === 0 : null],
];
const targetTable = table(["target", "measured", "verdict"], targets.map(([t, v, ok]) => [t, v, verdict(ok)]));

// Hand-written analysis lives in bench/ladder/notes.md (kept with the code so it is reviewed with
// the figures it explains); it is appended after the generated target table.
const notesFile = path.join(here, "notes.md");
const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, "utf8").trim() : "";

const block = `<!-- BEGIN ladder: generated by bench/ladder/report.mjs from bench/results/ladder.json; edit those, not this -->
## The ladder

Every example at -O0 (as written, one call per step, sequential), -O1 (same calls, parallel DAG) and -O2 (all passes),
with a cold and a warm result cache, and -O2 with one pass turned off at a time. Harness: \`bench/ladder/\` (how to run one
case by hand: \`bench/ladder/README.md\`). Raw medians: \`bench/results/ladder.json\`.

${setup}

${wallPic}

${ladderTable}

*A/A*: the -O2 plan measured again as a separate, interleaved variant, relative to -O2 — how far apart two measurements
of the same thing land in this session (mostly the simulator's answer lengths, which follow each run's own input text,
plus scheduling noise on a shared machine); read every other ratio against it. *est.*: the compiler's own estimate (\`awc explain --json\`, the same latency model
as the simulator, free-text answers assumed 250 tokens, a map counted as 4 elements). *calls*: HTTP model calls (\`run.model_calls\`); *prompt tok (cached)*: prompt tokens, of which served from the simulator's
prefix cache; *cost*: \`run.cost_usd\` from the plan's model prices; *wall/crit*: \`run.wall_ms / run.critical_path_ms\`.

### Cold and warm result cache

${cachePic}

${warmTable}

### Contribution of each pass

Median wall time of -O2 with one \`-fno-<pass>\`, relative to -O2 in the same session (the A/A column: -O2 against itself) (above 1×: turning the pass off
makes the run slower, i.e. the pass helps), with the model calls and the cost relative to -O2. "·": the pass changes
nothing in that example's plan that the runtime reads (the nodes are identical to -O2's apart from annotations:
\`task\` and the estimates), so it was not run. ✓: the run without the pass is reliably slower (U test, 5 %), i.e. the pass
reliably helps; ✗: reliably faster; ≈: not distinguishable in this session. Median over examples:
${passMedian}.

${passPic}

${passTable}

Passes with no effect per example: ${noEffect}.
${specTable ? `
### Speculation policy

\`speculate\` marks branch-arm steps that could start before their branch is decided; \`awc run\` starts them by default
only when that costs nothing extra (\`--speculate free\`: tools without side effects), which is what every -O2 figure
above ran. \`--speculate all\` also starts the hinted model steps of every arm and throws away the answers of the arms not
taken (docs/runtime.md). Same session, interleaved; ✓: -O2 under the default is reliably slower (U test, 5 %).
*started early*, *calls*: medians (a cancelled call counts as a call); *of which wasted*: median cost of the answers thrown
away, part of *cost all* — a lower bound: a call cancelled before its answer ended reports no usage (the simulator, like
the providers' streaming APIs, sends usage last), while a real provider bills the prompt it has already read.

${specTable}
` : ""}
## A peer

The same seven workflows in LangGraph.js (${hasPeer ? Object.entries(R.config.peer).map(([k, v]) => `\`${k}\` ${v}`).join(", ") : "not run"}; pinned by
\`bench/peer/package-lock.json\`), calling the same simulator instance in the same session, interleaved with the awc
variants. \`bench/peer/peer.mjs\` builds each graph from the flow's -O0 plan the way a LangGraph user ports a .flow by
hand: one graph node per model or tool step, plain computation as JS inside the node that needs it, independent steps
wired from START or joined with waiting edges (\`addEdge([a, b], c)\`) so they run in parallel, and \`map\` as a parallel
fan-out (\`Promise.all\`). It sends the same prompt texts (rendered in JS from the plan's segments), models, options and
JSON schemas (\`withStructuredOutput\`, method \`jsonSchema\`, strict) as awc -O0 — the prompt-token column checks that
(small differences: JS prints a whole float such as \`22.0\` as \`22\`). It uses nothing from awc's optimiser.

${peerTable}

### Orchestration overhead alone

A second simulator with a zero-latency profile for every model (\`ttft_base_ms\` 0, \`prefill_ms_per_token\` 0,
\`decode_tokens_per_sec\` 10⁹) and instant tool stubs: what is left of the wall time is orchestration — scheduling,
prompt rendering, JSON (de)serialisation, HTTP on loopback. awc without a result cache (\`--no-cache\`). Median of
${R.config.zero_reps} interleaved runs after one warm-up round.

${zeroPic}

${zeroTable}

## Targets

Reported, never asserted. Figures from the session above. Where two variants are compared, "reliably" means a
Mann–Whitney U test over the repetitions rejects "same distribution" at 5 % (two-sided, normal approximation); in the
tables ✓ marks a reliable win for awc, ✗ a reliable loss, ≈ no distinguishable difference.

${targetTable}

${notes}

<!-- END ladder -->`;

// Splice into docs/benchmarks.md: replace the previous block, else put it before "## Lint" (the
// index order), else append. Everything outside the markers is other people's and stays as is.
let doc = fs.existsSync(docFile) ? fs.readFileSync(docFile, "utf8") : "# Benchmarks\n";
const re = /<!-- BEGIN ladder:[\s\S]*?<!-- END ladder -->/;
if (re.test(doc)) doc = doc.replace(re, () => block);
else if (/^## Lint$/m.test(doc)) doc = doc.replace(/^## Lint$/m, () => block + "\n\n## Lint");
else doc = doc.replace(/\n*$/, "\n\n") + block + "\n";
// The corpus section: after the ladder block, with its own hand-written notes.
if (fs.existsSync(corpusFile)) {
  const cnotesFile = path.join(here, "notes-first-version.md");
  const cnotes = fs.existsSync(cnotesFile) ? fs.readFileSync(cnotesFile, "utf8").trim() : "";
  const cblock = corpusBlock(JSON.parse(fs.readFileSync(corpusFile, "utf8")), cnotes);
  const cre = /<!-- BEGIN first-version:[\s\S]*?<!-- END first-version -->/;
  if (cre.test(doc)) doc = doc.replace(cre, () => cblock);
  else doc = doc.replace("<!-- END ladder -->", () => "<!-- END ladder -->\n\n" + cblock);
}
// How long awc tune takes: after the corpus block (or the ladder block when there is none).
if (fs.existsSync(tuneTimeFile)) {
  const tblock = tuneTimeBlock(JSON.parse(fs.readFileSync(tuneTimeFile, "utf8")));
  const tre = /<!-- BEGIN tune-time:[\s\S]*?<!-- END tune-time -->/;
  const after = doc.includes("<!-- END first-version -->") ? "<!-- END first-version -->" : "<!-- END ladder -->";
  if (tre.test(doc)) doc = doc.replace(tre, () => tblock);
  else doc = doc.replace(after, () => after + "\n\n" + tblock);
}
fs.writeFileSync(docFile, doc);
const img = path.relative(root, imgDir);
process.stderr.write(`report: updated ${path.relative(root, docFile)}${plots.written.length ? ` and ${img}/{${plots.written.join(",")}}` : ""}\n`);
if (plots.failed.length) {
  process.stderr.write(`report: gnuplot failed on ${img}/{${plots.failed.join(",")}}\n`);
  process.exitCode = 1;
}
