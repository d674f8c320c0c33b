// plot.mjs — draws report.mjs's bar charts with gnuplot (Debian's gnuplot-nox, installed by
// `bash scripts/install-deps.sh bench`, which `make bench` runs): one SVG per chart, grouped bars, one
// colour per series, optional log axis and reference line. The data go into the script as an inline
// data block and the script into gnuplot's stdin; gnuplot's SVG carries no timestamp, so the same
// figures give the same bytes. Without gnuplot the pictures are left as they are (one line on
// stderr); a gnuplot error is printed and counted in `plots.failed` (report.mjs exits non-zero).
// Also a command for other languages' harnesses (bench/real_server.py):
//   node bench/ladder/plot.mjs IMG_DIR < spec.json    (exit 0 drawn, 3 no gnuplot, 1 gnuplot failed)
import fs from "node:fs";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const COLORS = ["#9e9e9e", "#64b5f6", "#1565c0", "#2e7d32", "#ef6c00", "#8e24aa"];
export const plots = { written: [], failed: [], missing: false };

// A gnuplot double-quoted string; a newline becomes a line break in a label.
const q = (s) => `"${String(s).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
const num = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "?" : String(v));

// The gnuplot script for one chart (SVG on stdout).
// separators: x positions of faint vertical lines between groups of groups; height in pixels;
// oneRowKey: the legend on one row (long series names).
export function gnuplotScript({ title, unit, series, groups, log = false, refLine = null, separators = [], height = 380, oneRowKey = false }) {
  const vals = groups.flatMap((g) => g.values).filter((v) => v !== null && v > 0);
  const rows = groups.map((g) => [q(g.label), ...g.values.map((v) => num(log && v !== null && v <= 0 ? null : v))].join(" "));
  const s = [
    `set terminal svg size 900,${height} fixed font "sans-serif,11" noenhanced background "white"`,
    `set encoding utf8`,
    `set datafile missing "?"`,
    `$data << EOD`, ...rows, `EOD`,
    `set title ${q(title)} font "sans-serif,14"`,
    `set ylabel ${q(unit)}`,
    `set style data histograms`,
    `set style histogram clustered gap 1`,
    `set style fill solid border -1`,
    `set boxwidth 0.9`,
    oneRowKey ? `set key below horizontal maxrows 1 reverse Left width -4 samplen 2 noautotitle` : `set key below horizontal reverse Left width 2 noautotitle`,
    ...(groups.some((g) => String(g.label).includes("\n")) ? [`set bmargin 5`] : []), // two-line labels and the key
    `set border 3`,
    `set xtics nomirror scale 0`,
    `set ytics nomirror`,
    `set grid ytics lc rgb "#e0e0e0" lt 1`,
    `set xrange [-0.6:${groups.length - 0.4}]`,
  ];
  if (log && vals.length) {
    // Axis from half the smallest bar to a little above the largest, ticked at 1-2-5 per decade.
    const lo = Math.min(...vals) / 2, hi = Math.max(...vals) * 1.3, ticks = [];
    for (let p = Math.floor(Math.log10(lo)); p <= Math.ceil(Math.log10(hi)); ++p)
      for (const k of [1, 2, 5]) { const v = +(k * 10 ** p).toPrecision(3); if (v >= lo && v <= hi) ticks.push(v); }
    s.push(`set logscale y`, `set yrange [${+lo.toPrecision(3)}:${+hi.toPrecision(3)}]`, `set ytics (${ticks.map((t) => `"${t}" ${t}`).join(", ")})`);
  } else s.push(`set yrange [0:*]`);
  for (const x of separators) s.push(`set arrow from first ${x}, graph 0 to first ${x}, graph 1 nohead lc rgb "#bdbdbd" back`);
  if (refLine !== null) s.push(`set arrow from graph 0, first ${refLine} to graph 1, first ${refLine} nohead dt 2 lw 1.5 lc rgb "#c62828" front`);
  s.push(`plot ${series.map((name, i) => `$data using ${i + 2}${i ? "" : ":xtic(1)"} title ${q(name)} lc rgb "${COLORS[i % COLORS.length]}"`).join(", \\\n     ")}`);
  return s.join("\n") + "\n";
}

// Writes imgDir/spec.file and returns the Markdown image line `![title](img/file)`.
export function barChart(imgDir, spec) {
  const line = `![${spec.title}](img/${spec.file})`;
  if (plots.missing) return line;
  const r = spawnSync("gnuplot", [], { input: gnuplotScript(spec), encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error?.code === "ENOENT") {
    plots.missing = true;
    process.stderr.write("plot: gnuplot is not installed, so the pictures in docs/img were not regenerated (apt-get install gnuplot-nox)\n");
    return line;
  }
  if (r.error || r.status !== 0) {
    plots.failed.push(spec.file);
    process.stderr.write(`plot: gnuplot failed on ${spec.file} (${r.error ? r.error.message : `exit ${r.status}`}):\n${r.stderr}`);
    return line;
  }
  if (r.stderr) process.stderr.write(`plot: gnuplot on ${spec.file}: ${r.stderr}`);
  fs.mkdirSync(imgDir, { recursive: true });
  fs.writeFileSync(path.join(imgDir, spec.file), r.stdout);
  plots.written.push(spec.file);
  return line;
}

// The command: a chart spec ({file, title, unit, series, groups: [{label, values}], ...}) on stdin.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const line = barChart(process.argv[2], JSON.parse(fs.readFileSync(0, "utf8")));
  process.stdout.write(line + "\n");
  process.exitCode = plots.missing ? 3 : plots.failed.length ? 1 : 0;
}
