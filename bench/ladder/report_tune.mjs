// report_tune.mjs — issue 16's figures in docs/benchmarks.md: the corpus's "O2+profile" variant
// (ladder.mjs / tune.mjs: `awc tune` on tuning samples, `awc build -O2 --profile`, measured in the
// timed repetitions) as a subsection of the corpus block with the issue-16 targets, and the
// "How long awc tune takes" block from bench/results/tune-time.json (bench/tune_time.mjs).
import { int, med, ms, mw, pct, ratio, table, usd, x2 } from "./stats.mjs";

const verdict = (ok) => (ok === null ? "not measured" : ok ? "**met**" : "**missed**");
const secs = (x) => (x === null || x === undefined ? "—" : `${(x / 1000).toFixed(1)} s`);

/// The "-O2 with a profile" subsection of the corpus block; empty text when the session had no
/// tune record. `m(flow, variant, key)` and `runs(...)` read R.cases like report_corpus.mjs.
export function tuneSection(R, m, runs, mark) {
  const T = R.tune;
  const out = { text: "" };
  if (!T) return out;
  const V = T.variant;
  const flows = R.config.examples;
  const rec = (f) => T.flows[f] ?? { ok: false, error: "not tuned in this session" };
  const measured = flows.filter((f) => R.cases[f]?.[V]);
  const perFlow = (fn) => Object.fromEntries(measured.map((f) => [f, fn(f)]));
  const up0 = perFlow((f) => ratio(m(f, "O0"), m(f, V)));
  const up2 = perFlow((f) => ratio(m(f, "O2"), m(f, V)));
  const cost0 = perFlow((f) => ratio(m(f, V, "cost_usd"), m(f, "O0", "cost_usd")));
  const medUp0 = med(Object.values(up0));
  const medCost0 = med(Object.values(cost0));
  const held = (f) => rec(f).agreement_held_out ?? null;
  const frontOf = (f, heldOut) => rec(f).front?.find((p) => p.label === "-O2 +profile" && p.held_out === heldOut);
  const agreeCell = (p) => (p ? `${pct(p.agreement)} (${p.agreed}/${p.samples})` : "—");
  const acc = (f) => {
    const a = rec(f).accepted ?? [];
    const n = (k) => a.filter((c) => c.kind === k).length;
    return `${a.length} of ${rec(f).candidates ?? 0} (model ${n("model")}, max_tokens ${n("max_tokens")}, native ${n("native")})`;
  };
  const moved = (f) => (rec(f).moved ?? []).map((s) => `\`${s.step}\``).join(", ") || "none";
  const failed = flows.filter((f) => !rec(f).ok);
  const body = table(
    ["flow", "-O0 ms", "-O2 ms", "O2+profile ms", "-O0/O2+profile", "-O2/O2+profile", "cost -O0", "cost O2+profile", "cost O2+profile/-O0",
      "held-out agreement", "tuning agreement", "accepted candidates", "steps moved", "tune: wall, calls, $"],
    [...flows.map((f) => {
      const r = rec(f);
      if (!R.cases[f]?.[V]) return [f, ms(m(f, "O0")), ms(m(f, "O2")), "—", "—", "—", usd(m(f, "O0", "cost_usd")), "—", "—", "—", "—", "—", "—", `failed: ${String(r.error).slice(0, 80)}`];
      return [f, ms(m(f, "O0")), ms(m(f, "O2")), ms(m(f, V)), `**${x2(up0[f])}**${mark(mw(runs(f, V), runs(f, "O0")))}`, `${x2(up2[f])}${mark(mw(runs(f, V), runs(f, "O2")))}`,
        usd(m(f, "O0", "cost_usd")), usd(m(f, V, "cost_usd")), `**${x2(cost0[f])}**${mark(mw(runs(f, V, "cost_usd"), runs(f, "O0", "cost_usd")))}`,
        agreeCell(frontOf(f, true)), agreeCell(frontOf(f, false)), acc(f), moved(f), `${secs(r.wall_ms)}, ${int(r.calls)}, ${usd(r.cost_usd)}`];
    }),
    ["**median**", "", "", "", `**${x2(medUp0)}**`, x2(med(Object.values(up2))), "", "", `**${x2(medCost0)}**`, "", "", "", "", ""]]);

  // Every flow must have a held-out figure at or above 95 %: a flow tune failed on has none.
  const heldAll = flows.map((f) => [f, held(f)]);
  const minHeld = heldAll.filter(([, a]) => a !== null).sort((a, b) => a[1] - b[1])[0] ?? null;
  const below = heldAll.filter(([, a]) => a !== null && a < 0.95).map(([f, a]) => `${f} ${pct(a)}`);
  const missingHeld = heldAll.filter(([, a]) => a === null).map(([f]) => f);
  const targets = table(["target (issue 16)", "measured", "verdict"], [
    ["Median (-O2 + profile)/-O0 wall ≥ 4×", `${x2(medUp0)} (${measured.map((f) => `${f} ${x2(up0[f])}`).join(", ")})`, medUp0 === null ? null : medUp0 >= 4],
    ["Median (-O2 + profile) cost ≤ 0.5× of -O0", `${x2(medCost0)} (${measured.map((f) => `${f} ${x2(cost0[f])}`).join(", ")})`, medCost0 === null ? null : medCost0 <= 0.5],
    ["Held-out agreement ≥ 95 % on every flow",
      `lowest ${minHeld ? `${pct(minHeld[1])} (${minHeld[0]})` : "—"}${below.length ? `; below: ${below.join(", ")}` : ""}${missingHeld.length ? `; not measured: ${missingHeld.join(", ")}` : ""}`,
      minHeld === null ? null : below.length === 0 && missingHeld.length === 0],
  ].map(([t, v, ok]) => [t, v, verdict(ok)]));

  out.text = `
### With a profile (\`awc tune\`, issue 16)

Variant *${V}*: \`awc build -O2 --profile <flow>.profile.json\`, measured in the same session and interleaved with the
others. Before the timed repetitions, \`${T.tune}\` ran once per flow against this session's simulator (its quality
model on: a cheaper model answers unlike the large one on a share of requests, docs/simulator.md "Quality"): over
${T.samples.tuning} tuning samples, then the chosen plan on ${T.samples.held_out} held-out samples. Both sets are the flow's inputs with a
tag appended to every text input \`corpus.json\` names (\`(${T.samples.tags.tuning}<i>)\`, \`(${T.samples.tags.held_out}<i>)\`), the timed runs
another (\`(ref R<n>)\`): no set shares an input with another. *held-out agreement*: the share of held-out samples on
which the tuned plan's final output agrees with the flow as written (typed fields exactly, free text by the judge
model; tune's front point \`-O2 +profile\`, held out); *tuning agreement*: the same on the tuning samples.
Candidates are accepted by tune's rules (docs/tune.md): the lower bound of their agreement at 90 % confidence at
least 95 %, no slower, no costlier, and the flow-level union bound over all applied candidates within the bar.
*accepted candidates*: accepted in the profile, of all measured; *steps moved*: steps the profiled -O2 plan runs on
another model (\`rightsized_from\`); *tune*: tune's process wall time, model calls and dollars at list prices (not
part of the variant's figures). The timed runs' answers are not compared with anything: agreement is tune's
measurement. ✓/✗/≈ as above (U test against -O0).

${body}
${failed.length ? `\n**Tune failed on ${failed.length} flow(s)** (no O2+profile variant, not in the medians): ${failed.map((f) => `${f}: \`${String(rec(f).error).slice(0, 160)}\``).join("; ")}.\n` : ""}
#### Targets (issue 16, first-version corpus)

${targets}
`;
  return out;
}

/// The "How long awc tune takes" block (markers included) from bench/results/tune-time.json.
export function tuneTimeBlock(T) {
  const ok = T.runs.filter((r) => !r.error);
  const M = T.machine;
  const busy = Math.max(M.loadavg_start[0], M.loadavg_end[0]) > M.cores / 2;
  const rows = T.runs.map((r, i) => (r.error ? [`${i + 1}`, `failed: ${r.error.slice(0, 100)}`, "", "", "", "", "", ""]
    : [`${i + 1}`, ms(r.wall_ms), ms(r.tune_wall_ms), ms(r.calls_busy_ms), ms(r.overhead_ms), `**${r.wall_over_busy.toFixed(3)}**`, int(r.calls), usd(r.cost_usd)]));
  const Md = T.median;
  const body = table(["rep", "wall ms", "tune's own wall ms", "calls in flight ms", "wall − calls", "wall / calls", "calls", "cost"],
    [...rows, ["**median**", ms(Md.wall_ms), ms(Md.tune_wall_ms), ms(Md.calls_busy_ms), ms(Md.overhead_ms), `**${Md.wall_over_busy?.toFixed(3) ?? "—"}**`, int(Md.calls), usd(Md.cost_usd)]]);
  return `<!-- BEGIN tune-time: generated by bench/ladder/report.mjs from bench/results/tune-time.json; edit those, not this -->
## How long \`awc tune\` takes

Measured ${T.started.slice(0, 16).replace("T", " ")} UTC by \`node bench/tune_time.mjs\` (part of \`make bench\`), ${T.config.awc}, on ${M.cores} × ${M.cpu},
load average ${M.loadavg_start.join(" / ")} at the start and ${M.loadavg_end.join(" / ")} at the end${busy ? " (**the machine was shared with other work**)" : ""}.
\`awc tune ${T.config.flow}\` (12 model steps: classify, extract and free text, some independent, some chained;
\`cheaper: [mini]\` on its one large model) over ${T.config.samples} samples, \`-j ${T.config.jobs}\`, against \`${T.config.sim}\` at \`--speed ${T.config.speed}\`;
${T.config.reps} repetition${T.config.reps === 1 ? "" : "s"} after a discarded warm-up (10 samples), each over its own samples.

*wall*: the \`awc tune\` process from spawn to exit. *calls in flight*: the union of the intervals during which at
least one of tune's model calls was in flight (reference runs, candidate replays, the tuned plan's runs; no held-out set here; printed on
tune's summary line, \`TuneResult::callsBusyMs\`): overlapping calls count once, so it is what the calls themselves
take. *wall − calls*: tune's own work — start-up, compiling, scoring, building the tuned plan, writing the profile —
and the gaps between its phases. *tune's own wall*: the same clock inside tune (from its start to its result).

${body}

Target (issue 16): wall within the calls' time plus 10 %, wall / calls ≤ ${T.target.limit.toFixed(2)}: ${T.target.measured === null ? "not measured" : `${T.target.measured.toFixed(3)}, ${verdict(T.target.met)}`}.
The figure says tune adds little *between and around* its calls; it does not say the calls are well packed: with
the reference runs, the replays and the front runs each keeping up to 16 calls in flight, some call is almost always in
flight, and a tune that sent the same calls one at a time would score about the same ratio over a much longer time.${ok.length < T.runs.length ? `\nFailed repetitions: ${T.runs.length - ok.length} (excluded from the median).` : ""}

<!-- END tune-time -->`;
}
