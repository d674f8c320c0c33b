// sim.mjs — what the benchmark scripts share about running flows on `awc sim`: starting a
// simulator process on a free port, and giving each run its own reference in its text inputs.
import { spawn } from "node:child_process";

// Starts `AWC sim --port 0 ARGS…`; resolves to the child process with `.url` set once the
// simulator prints the address it listens on.
export function startSim(awc, args) {
  return new Promise((resolve, reject) => {
    const p = spawn(awc, ["sim", "--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let buf = "";
    p.stdout.on("data", (d) => {
      buf += d;
      const m = buf.match(/listening on (http:\/\/\S+)/);
      if (m && !p.url) {
        p.url = m[1];
        resolve(p);
      }
    });
    p.on("exit", (c) => reject(new Error(`awc sim exited with ${c}`)));
  });
}

// obj at the dotted path ("lines.0.description") becomes fn(its value).
export function setPath(obj, dotted, fn) {
  const keys = dotted.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) o = o[k];
  o[keys.at(-1)] = fn(o[keys.at(-1)]);
}
