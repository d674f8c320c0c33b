// report_corpus.mjs — the "First-version corpus" section of docs/benchmarks.md, from
// bench/results/ladder-first-version.json (written by ladder.mjs in the same session as the
// examples, or alone with --corpus-only): per flow -O0/-O1/-O2 wall, the speed-ups -O0/-O2 and
// -O1/-O2, cost per level and the cost ratio, model calls, one pass off at a time; -O2 with
// right-sizing opted in (which steps moved to which model, and what that did to wall time and
// cost); -O2 with the profile `awc tune` measured and the issue-16 targets (report_tune.mjs); the
// corpus medians; and the issue-15 targets. report.mjs splices it between its own markers.
import { int, med, ms, mw, ratio, table, usd, x2 } from "./stats.mjs";
import { tuneSection } from "./report_tune.mjs";

/// The markdown block (markers included) for results `R`, followed by the hand-written `notes`.
export function corpusBlock(R, notes) {
  const flows = R.config.examples;
  const runs = (f, v, k = "wall_ms") => R.cases[f]?.[v]?.[k];
  const m = (f, v, k = "wall_ms") => R.cases[f]?.[v]?.median?.[k] ?? null;
  const perFlow = (fn) => Object.fromEntries(flows.map((f) => [f, fn(f)]));

  // Speed-ups are wall-time ratios "slower level / faster level" (above 1×: -O2 is faster).
  const up0 = perFlow((f) => ratio(m(f, "O0"), m(f, "O2")));
  const up1 = perFlow((f) => ratio(m(f, "O1"), m(f, "O2")));
  const aa = perFlow((f) => ratio(m(f, "O2 A/A"), m(f, "O2")));
  const cost20 = perFlow((f) => ratio(m(f, "O2", "cost_usd"), m(f, "O0", "cost_usd")));
  const cost21 = perFlow((f) => ratio(m(f, "O2", "cost_usd"), m(f, "O1", "cost_usd")));
  const costUp = flows.filter((f) => mw(runs(f, "O2", "cost_usd"), runs(f, "O0", "cost_usd")) === 1);
  const est = perFlow((f) => ratio(R.estimates?.[f]?.O0?.latency_ms ?? null, R.estimates?.[f]?.O2?.latency_ms ?? null));
  const estOff = perFlow((f) => (est[f] !== null && up0[f] !== null ? est[f] / up0[f] - 1 : null));
  const mark = (d) => (d === -1 ? " ✓" : d === 1 ? " ✗" : " ≈");
  const calls = (f) => ["O0", "O1", "O2"].map((v) => int(m(f, v, "model_calls"))).join("→");

  const medUp0 = med(Object.values(up0));
  const medUp1 = med(Object.values(up1));
  const medCost = med(Object.values(cost20));
  const mainTable = table(
    ["flow", "-O0 ms", "-O1 ms", "-O2 ms", "-O0/-O2", "-O1/-O2", "A/A", "est. -O0/-O2", "calls -O0→-O1→-O2",
      "cost -O0", "cost -O1", "cost -O2", "cost -O2/-O0", "cost -O2/-O1", "out tok -O0→-O2"],
    [...flows.map((f) => [f, ms(m(f, "O0")), ms(m(f, "O1")), ms(m(f, "O2")),
      `**${x2(up0[f])}**${mark(mw(runs(f, "O2"), runs(f, "O0")))}`, `**${x2(up1[f])}**${mark(mw(runs(f, "O2"), runs(f, "O1")))}`,
      x2(aa[f]), x2(est[f]), calls(f), usd(m(f, "O0", "cost_usd")), usd(m(f, "O1", "cost_usd")), usd(m(f, "O2", "cost_usd")),
      `${x2(cost20[f])}${costUp.includes(f) ? " ✗" : ""}`, x2(cost21[f]),
      `${int(m(f, "O0", "output_tokens"))}→${int(m(f, "O2", "output_tokens"))}`]),
    ["**median**", "", "", "", `**${x2(medUp0)}**`, `**${x2(medUp1)}**`, x2(med(Object.values(aa))), x2(med(Object.values(est))), "",
      "", "", "", `**${x2(medCost)}**`, x2(med(Object.values(cost21))), ""]]);

  // One pass off at a time: the pass helps a flow when the run without it is reliably slower or
  // reliably costlier (U test) than -O2.
  const passes = (R.config.passes || []).filter((p) => flows.some((f) => R.cases[f]?.[`O2 -fno-${p}`]));
  const helps = Object.fromEntries(passes.map((p) => [p, flows.filter((f) => {
    const v = `O2 -fno-${p}`;
    return R.cases[f]?.[v] && (mw(runs(f, v), runs(f, "O2")) === 1 || mw(runs(f, v, "cost_usd"), runs(f, "O2", "cost_usd")) === 1);
  })]));
  const passTable = passes.length ? table(["flow", "A/A (noise)", ...passes.map((p) => `-fno-${p}`)],
    [...flows.map((f) => [f, x2(aa[f]), ...passes.map((p) => {
      const v = `O2 -fno-${p}`;
      if (!R.cases[f]?.[v]) return "·";
      const d = mw(runs(f, v), runs(f, "O2"));
      const c = mw(runs(f, v, "cost_usd"), runs(f, "O2", "cost_usd"));
      return `${x2(ratio(m(f, v), m(f, "O2")))}${d === 1 ? " ✓" : d === -1 ? " ✗" : " ≈"} (${int(m(f, v, "model_calls"))} calls, cost ${x2(ratio(m(f, v, "cost_usd"), m(f, "O2", "cost_usd")))}${c === 1 ? " ✓" : c === -1 ? " ✗" : ""})`;
    })]),
    ["**flows where it helps**", "", ...passes.map((p) => `${helps[p].length}`)]]) : "";
  const noEffect = R.no_effect ? Object.entries(R.no_effect).map(([f, ps]) => `${f}: ${ps.join(", ") || "none"}`).join("; ") : "";
  // `awc run --speculate all` where the -O2 plan hints paid early starts (ladder.mjs adds the variant).
  const SPEC = "O2 speculate all";
  const spec = flows.filter((f) => R.cases[f]?.[SPEC]).map((f) =>
    `${f} ${x2(ratio(m(f, "O2"), m(f, SPEC)))}${mark(mw(runs(f, SPEC), runs(f, "O2")))} (cost ${x2(ratio(m(f, SPEC, "cost_usd"), m(f, "O2", "cost_usd")))})`);
  const errs = flows.flatMap((f) => Object.entries(R.cases[f] || {}).flatMap(([v, s]) => s.errors.map((e) => `${f} ${v}: ${e}`)));

  const rs = rightsizeSection(R, m, runs, mark);
  const tuned = tuneSection(R, m, runs, mark);
  // Under the opt-in, -O2 is the plan with `rightsize` off (ladder.mjs checks it per flow): the pass
  // helps where O2+rightsize is reliably faster or cheaper than -O2.
  const rsOff = rs.flows.filter((f) => R.rightsize?.off_is_O2?.[f]);
  if (rsOff.length) helps.rightsize = [...new Set([...(helps.rightsize ?? []), ...rsOff.filter((f) =>
    mw(runs(f, rs.variant), runs(f, "O2")) === -1 || mw(runs(f, rs.variant, "cost_usd"), runs(f, "O2", "cost_usd")) === -1)])];

  const verdict = (ok) => (ok === null ? "not measured" : ok ? "**met**" : "**missed**");
  const allPasses = R.config.passes || [];
  const weak = allPasses.filter((p) => (helps[p]?.length ?? 0) < 3);
  const estMiss = flows.filter((f) => estOff[f] !== null && Math.abs(estOff[f]) > 0.15);
  const targets = table(["target (issue 15)", "measured", "verdict"], [
    ["Median -O2/-O0 wall ≥ 2× (meaning-preserving passes)", `${x2(medUp0)} (${flows.map((f) => `${f} ${x2(up0[f])}`).join(", ")})`, medUp0 === null ? null : medUp0 >= 2],
    ["Median -O2/-O0 wall ≥ 3.5× with `-frightsize`", rs.medUp0 === null ? "no `-frightsize` variant in this session" : `${x2(rs.medUp0)} (${rs.flows.map((f) => `${f} ${x2(rs.up0[f])}`).join(", ")})`,
      rs.medUp0 === null ? null : rs.medUp0 >= 3.5],
    ["Median -O2 over -O1 ≥ 1.3×", `${x2(medUp1)} (${flows.map((f) => `${f} ${x2(up1[f])}`).join(", ")})`, medUp1 === null ? null : medUp1 >= 1.3],
    ["No flow costs more at -O2 than at -O0 (U test)", costUp.length ? `reliably more on ${costUp.map((f) => `${f} (${x2(cost20[f])})`).join(", ")}` : "not reliably more on any flow", costUp.length === 0],
    ["Median -O2 cost ≤ 0.8× of -O0", x2(medCost), medCost === null ? null : medCost <= 0.8],
    ["Median -O2 cost ≤ 0.5× of -O0 with right-sizing", rs.medCost0 === null ? "no `-frightsize` variant in this session" : `${x2(rs.medCost0)} (${rs.flows.map((f) => `${f} ${x2(rs.cost0[f])}`).join(", ")})`,
      rs.medCost0 === null ? null : rs.medCost0 <= 0.5],
    ["Every pass reliably helps (slower or costlier without it) on ≥ 3 flows", allPasses.map((p) => `${p} ${helps[p]?.length ?? 0}`).join(", "), passes.length ? weak.length === 0 : null],
    ["`awc explain`'s -O0/-O2 within 15 % of the measured ratio on every flow",
      `off by more on ${estMiss.length} of ${flows.length}${estMiss.length ? `: ${estMiss.map((f) => `${f} (est. ${x2(est[f])}, measured ${x2(up0[f])})`).join(", ")}` : ""}`, estMiss.length === 0],
  ].map(([t, v, ok]) => [t, v, verdict(ok)]));

  const M = R.machine;
  const busy = Math.max(M.loadavg_start[0], M.loadavg_end[0]) > M.cores / 2;
  const setup = `Measured ${R.started.slice(0, 16).replace("T", " ")} UTC by \`node bench/ladder/ladder.mjs\`${R.config.awc ? `, ${R.config.awc},` : ""} on
${M.cores} × ${M.cpu}, ${M.mem_gib} GiB, ${M.os}, Node ${M.node}. Load average (1/5/15 min) ${M.loadavg_start.join(" / ")} at the start and
${M.loadavg_end.join(" / ")} at the end: ${busy ? "**the machine was shared with other work**, so absolute times carry scheduling noise" : "the machine was otherwise idle"}.
${R.config.reps} measured repetitions after one discarded warm-up round, \`awc sim --speed ${R.config.speed}\` with its default profiles, tool stubs
at ${R.config.tool_stub_latency_ms} ms, fixtures \`${R.config.fixtures}\`; ${R.config.session?.examples?.length ? "the same simulator and session as the examples above" : "run without the examples (\`--corpus-only\`)"}.
Inputs: \`${R.config.flows}/<flow>.inputs.json\`, each run with its own reference appended to the text inputs that
\`corpus.json\` names; a fresh result cache per run (cold only).${errs.length ? `\n- Failed runs (excluded from medians): ${errs.length}; first: \`${errs[0].slice(0, 160)}\`.` : ""}`;

  return `<!-- BEGIN first-version: generated by bench/ladder/report.mjs from bench/results/ladder-first-version.json; edit those, not this -->
## The first-version corpus

Fourteen workflows written the way a team writes its first version (\`bench/flows/first-version/\`, README there):
one large model everywhere, one small question per call over the same document, arithmetic and dates asked of the
model, the document before the instructions, no \`max_tokens\`. Issue 15's targets are measured here.

${setup}

${mainTable}

*-O0/-O2*, *-O1/-O2*: median wall time of the slower level over -O2's (above 1×: -O2 is faster); ✓/✗: -O2 reliably
faster/slower (U test, 5 %), ≈: not distinguishable. *A/A*: the -O2 plan measured again as its own variant (the noise
floor). *est.*: \`awc explain --json\`'s -O0/-O2 latency ratio. *cost*: \`run.cost_usd\` (✗: -O2 reliably costlier than
-O0). The **median** row is the median over flows of each ratio (not the ratio of medians).

### One pass off at a time

Median wall time of -O2 with one \`-fno-<pass>\` relative to -O2 (above 1×: the pass helps); ✓: reliably slower without
the pass, ✗: reliably faster, ≈: not distinguishable; the cost ratio is marked ✓ when the run without the pass is
reliably costlier. "·": the pass changes nothing the runtime reads in that flow's plan, so it was not run. The last row
counts the flows where turning the pass off is reliably slower or costlier.

${passTable}

Passes with no effect per flow: ${noEffect}.
${spec.length ? `\nWith \`awc run --speculate all\` (the flows whose -O2 plan hints paid early starts; -O2 wall over the
\`--speculate all\` wall, ✓: reliably faster with it): ${spec.join(", ")}.\n` : ""}${rs.text}${tuned.text}
### Targets (first-version corpus)

${targets}

${notes}

<!-- END first-version -->`;
}

// -O2 with the author's consent to right-sizing (ladder.mjs's "O2+rightsize" variant): its wall time
// and cost against -O0 and -O2, and per flow which steps moved to which model (R.rightsize, from
// `awc explain --json -frightsize=...`). Empty text when the session had no such variant.
function rightsizeSection(R, m, runs, mark) {
  const V = R.rightsize?.variant ?? "O2+rightsize";
  const flows = R.config.examples.filter((f) => R.cases[f]?.[V]);
  const perFlow = (fn) => Object.fromEntries(flows.map((f) => [f, fn(f)]));
  const up0 = perFlow((f) => ratio(m(f, "O0"), m(f, V)));
  const up2 = perFlow((f) => ratio(m(f, "O2"), m(f, V)));
  const est = perFlow((f) => ratio(R.estimates?.[f]?.O0?.latency_ms ?? null, R.estimates?.[f]?.[V]?.latency_ms ?? null));
  const cost0 = perFlow((f) => ratio(m(f, V, "cost_usd"), m(f, "O0", "cost_usd")));
  const cost2 = perFlow((f) => ratio(m(f, V, "cost_usd"), m(f, "O2", "cost_usd")));
  const out = { variant: V, flows, up0, cost0, medUp0: med(Object.values(up0)), medCost0: med(Object.values(cost0)), text: "" };
  if (!flows.length) return out;
  const steps = (f) => R.rightsize?.steps?.[f] ?? { moved: [], kept: [] };
  // "gpt→mini: a, b (classify); c (extract)", one group per model pair.
  const moved = (f) => {
    const pairs = {};
    for (const s of steps(f).moved) ((pairs[`${s.from}→${s.to}`] ??= {})[s.task] ??= []).push(`\`${s.step}\``);
    return Object.entries(pairs).map(([p, byTask]) => `${p}: ${Object.entries(byTask).map(([t, ss]) => `${ss.join(", ")} (${t})`).join("; ")}`).join("<br>") || "none";
  };
  const byTask = (f) => ["classify", "extract"].map((t) => `${steps(f).moved.filter((s) => s.task === t).length}`).join(" / ");
  const calls = (f) => ["O0", "O2", V].map((v) => int(m(f, v, "model_calls"))).join("→");
  const body = table(
    ["flow", "-O2+rs ms", "-O0/-O2+rs", "-O2/-O2+rs", "est. -O0/-O2+rs", "calls -O0→-O2→-O2+rs", "cost -O2+rs", "cost -O2+rs/-O0", "cost -O2+rs/-O2",
      "moved classify / extract", "steps moved", "kept"],
    [...flows.map((f) => [f, ms(m(f, V)), `**${x2(up0[f])}**${mark(mw(runs(f, V), runs(f, "O0")))}`, `${x2(up2[f])}${mark(mw(runs(f, V), runs(f, "O2")))}`,
      x2(est[f]), calls(f), usd(m(f, V, "cost_usd")), `**${x2(cost0[f])}**${mark(mw(runs(f, V, "cost_usd"), runs(f, "O0", "cost_usd")))}`,
      `${x2(cost2[f])}${mark(mw(runs(f, V, "cost_usd"), runs(f, "O2", "cost_usd")))}`, byTask(f), moved(f), `${steps(f).kept.length}`]),
    ["**median**", "", `**${x2(out.medUp0)}**`, x2(med(Object.values(up2))), x2(med(Object.values(est))), "", "", `**${x2(out.medCost0)}**`,
      x2(med(Object.values(cost2))), "", "", ""]]);
  const kept = flows.flatMap((f) => steps(f).kept.map((k) => `${f} \`${k.step}\` (${k.why.replace(/^kept \S+ /, "")})`));
  out.text = `
### With right-sizing opted in

\`${(R.rightsize?.flags ?? ["-O2", "-frightsize=classify,extract"]).join(" ")}\` (variant *${V}*, measured in the same session, interleaved
with the others): the author's consent on the command line lets the \`rightsize\` pass move each flow's classify and
extract steps to the cheapest model its model declaration lists under \`cheaper\` (docs/optimizations.md); generate and
reason steps keep the large model. *-O0/-O2+rs*: -O0's median wall time over this variant's (✓: reliably faster than
-O0); *-O2/-O2+rs*: what right-sizing adds over plain -O2; *cost -O2+rs/-O0*: ✓ reliably cheaper than -O0. *moved*:
the steps the pass moved (from \`awc explain --json -frightsize=classify,extract\`, the plan's \`rightsized_from\`), by
task class; *kept*: consented steps that stayed on the large model because no listed alternative fits them${kept.length ? ` (${kept.join("; ")})` : ""}.
With the opt-in, \`-fno-rightsize\` gives the -O2 plan${R.rightsize?.off_is_O2 ? ` (checked per flow: ${flows.every((f) => R.rightsize.off_is_O2[f]) ? "on all of them" : `not on ${flows.filter((f) => !R.rightsize.off_is_O2[f]).join(", ")}`})` : ""}, so the targets
table counts a flow for \`rightsize\` in "every pass reliably helps" where this variant is reliably faster or cheaper than -O2.

${body}

**What this does not measure: the answers.** The rows above measure speed and cost only. Each run has its own
inputs, so no two variants answer the same request and the ladder cannot say how often a moved step's answer stays the
large model's; the *steps moved* column says which answers came from a cheaper model. Agreement is what \`awc tune\`
measures (docs/tune.md): it sends each step's recorded request to the allowed cheaper models and compares the answers
with the reference, against \`awc sim\`'s quality model (docs/simulator.md, "Quality") or a real server.
`;
  return out;
}
