// stats.mjs — the medians, the U test and the number formats shared by report.mjs (the examples)
// and report_corpus.mjs (the first-version corpus), so both tables read the same way.

export const med = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};
// Mann–Whitney U (normal approximation, two-sided 5 %): is sample a reliably below sample b?
// Returns -1 (a below b), 1 (a above b) or 0 (not distinguishable in this session).
export function mw(a, b) {
  if (!a?.length || !b?.length) return 0;
  let u = 0;
  for (const x of a) for (const y of b) u += x < y ? 1 : x === y ? 0.5 : 0;
  const n = a.length * b.length;
  const z = (u - n / 2) / Math.sqrt((n * (a.length + b.length + 1)) / 12);
  return z > 1.96 ? -1 : z < -1.96 ? 1 : 0;
}
export const ratio = (a, b) => (a !== null && a !== undefined && b !== null && b !== undefined && b > 0 ? a / b : null);
export const ms = (x) => (x === null ? "—" : x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
export const x2 = (x) => (x === null ? "—" : `${x.toFixed(2)}×`);
export const pct = (x) => (x === null ? "—" : `${(x * 100).toFixed(0)} %`);
export const usd = (x) => (x === null ? "—" : `$${x < 0.001 ? x.toPrecision(2) : x.toFixed(4)}`);
export const int = (x) => (x === null ? "—" : Math.round(x).toLocaleString("en-US"));
export const row = (cells) => `| ${cells.join(" | ")} |`;
export const table = (head, rows) => [row(head), row(head.map(() => "---")), ...rows.map(row)].join("\n");
