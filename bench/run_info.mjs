// run_info.mjs — what a benchmark run records about where it ran: the machine (and its load, a
// sign of other work) and the source tree measured. Shared by bench/ladder/ladder.mjs and
// bench/limits.mjs.
import { spawnSync } from "node:child_process";
import os from "node:os";

export const loadavg = () => os.loadavg().map((x) => +x.toFixed(2));

export function machine() {
  const cpus = os.cpus();
  return { cpu: cpus[0]?.model ?? "unknown", cores: cpus.length, mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()}`, node: process.version, loadavg_start: loadavg() };
}

// The commit measured, + ", dirty" with local edits; the benchmarks' own outputs, which
// `make bench` rewrites as it goes, do not count.
export function sourceTree(root) {
  const git = (a) => spawnSync("git", ["-C", root, ...a], { encoding: "utf8" }).stdout?.trim() ?? "";
  const edits = git(["status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results", ":!docs/benchmarks.md", ":!docs/img"]);
  return `${git(["rev-parse", "--short", "HEAD"])}${edits ? ", dirty" : ""}`;
}
