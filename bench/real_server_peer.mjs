// real_server_peer.mjs — runs one example's LangGraph.js graph (bench/peer/peer.mjs, built from
// the -O0 plan) once against an OpenAI-compatible endpoint and prints its metrics as JSON.
// bench/real_server.py copies this file and peer.mjs next to the peer's node_modules.
//   node real_server_peer.mjs PLAN.json ENDPOINT INPUTS.json STUBS.json|- TOOL_MS
import fs from "node:fs";
import { buildGraph } from "./peer.mjs";

const [planPath, endpoint, inputsPath, stubsPath, toolMs] = process.argv.slice(2);
const plan = JSON.parse(fs.readFileSync(planPath, "utf8"));
const inputs = JSON.parse(fs.readFileSync(inputsPath, "utf8"));
const stubs = stubsPath === "-" ? {} : JSON.parse(fs.readFileSync(stubsPath, "utf8"));
process.env.OPENAI_API_KEY ??= "unused-by-llama-server";
const graph = buildGraph(plan, { endpoint, stubs, toolLatencyMs: Number(toolMs) });
try {
  const { metrics } = await graph.run(inputs);
  console.log(JSON.stringify({ ok: true, ...metrics }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, error: String(e && e.message ? e.message : e).slice(0, 300) }));
}
