// json.mjs — writes the ladder results compactly (used by ladder.mjs).
// One line per (example, variant): small diffs, small file.
export function compactJson(r) {
  const keys = Object.keys(r);
  const lines = ["{"];
  keys.forEach((k, i) => {
    const v = r[k];
    const end = i < keys.length - 1 ? "," : "";
    if ((k === "cases" || k === "zero") && v && typeof v === "object" && Object.keys(v).length) {
      lines.push(` ${JSON.stringify(k)}: {`);
      const exs = Object.keys(v);
      exs.forEach((ex, j) => {
        lines.push(`  ${JSON.stringify(ex)}: {`);
        const vs = Object.keys(v[ex]);
        vs.forEach((vn, l) => lines.push(`   ${JSON.stringify(vn)}: ${JSON.stringify(v[ex][vn])}${l < vs.length - 1 ? "," : ""}`));
        lines.push(`  }${j < exs.length - 1 ? "," : ""}`);
      });
      lines.push(` }${end}`);
    } else lines.push(` ${JSON.stringify(k)}: ${JSON.stringify(v)}${end}`);
  });
  lines.push("}");
  return lines.join("\n") + "\n";
}
