// peer.mjs — the examples as LangGraph.js graphs, for the awc benchmark's peer comparison.
//
// How the graphs are made. A LangGraph user who ports a .flow by hand writes one graph node per
// model or tool step, keeps plain computation (arithmetic, string building, `if` values) as
// ordinary JS inside the node that needs it, wires a node to START when it needs only the inputs,
// joins independent steps with a waiting edge (`addEdge([a, b], c)`) so they run in parallel,
// and runs a `map` as a parallel fan-out (Promise.all over the elements, one model call each).
// That is what `buildGraph` does, mechanically, from the *-O0* plan of the flow: the same step
// list the developer wrote, the dependency edges the developer can read off the source, and —
// so the comparison is apples to apples — the plan's own prompt segments, rendered here in JS
// (text, interpolation and native expressions follow docs/stdlib.md), the same models, options
// (temperature, max_tokens as written) and JSON schemas. Nothing from awc's optimiser is used:
// no fusion, no hoisting, no inferred max_tokens, no result cache, no right-sizing beyond what
// the source says.
//
// A guarded step (inside an `if` arm) is a node that returns at once when its arm was not taken;
// a conditional edge cannot express this in a DAG with joins (a skipped predecessor would block
// the waiting edge forever), so this is also what a careful hand port does.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";

// ---------------------------------------------------------------------------------------------
// Values and expressions (docs/stdlib.md, docs/plan-format.md "Expressions").

function isFloatSchema(schema) {
  return schema && (schema.type === "number" || (Array.isArray(schema.type) && schema.type.includes("number")));
}

// toText: strings as is, numbers, bools, null, lists/records as compact JSON with sorted keys.
// JS cannot tell 2.0 from 2 once parsed, so a value whose schema says `number` keeps its `.0`.
export function toText(v, schema) {
  if (typeof v === "string") return v;
  if (typeof v === "number") return numText(v, isFloatSchema(schema));
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  return jsonText(v, schema);
}

function numText(v, asFloat) {
  if (Number.isInteger(v) && !asFloat) return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return v.toFixed(1);
  const s = String(v);
  return s.includes("e") ? s.replace(/e(\d)/, "e+$1") : s;
}

function jsonText(v, schema) {
  if (Array.isArray(v)) return "[" + v.map((x) => jsonText(x, schema && schema.items)).join(",") + "]";
  if (v && typeof v === "object") {
    const props = (schema && schema.properties) || {};
    return "{" + Object.keys(v).sort().map((k) => JSON.stringify(k) + ":" + jsonText(v[k], props[k])).join(",") + "}";
  }
  if (typeof v === "number") return numText(v, isFloatSchema(schema));
  return JSON.stringify(v);
}

const FUNCTIONS = {
  round: (x, d = 0) => {
    const f = 10 ** d;
    return Math.sign(x) * Math.round(Math.abs(x) * f) / f;
  },
  len: (x) => (typeof x === "string" ? [...x].length : Array.isArray(x) ? x.length : Object.keys(x).length),
  join: (l, sep) => l.map((e) => toText(e)).join(sep),
  range: (a, b) => (b === undefined ? [...Array(a).keys()] : [...Array(Math.max(0, b - a)).keys()].map((i) => i + a)),
  max: (...a) => Math.max(...a),
  min: (...a) => Math.min(...a),
  floor: (x) => Math.floor(x),
  ceil: (x) => Math.ceil(x),
  abs: (x) => Math.abs(x),
  sum: (l) => l.reduce((s, x) => s + x, 0),
  upper: (s) => s.toUpperCase(),
  lower: (s) => s.toLowerCase(),
  contains: (x, v) => (typeof x === "string" ? x.includes(v) : Array.isArray(x) ? x.includes(v) : v in x),
  to_string: (v) => toText(v),
};

// A value with the schema it came with, so interpolation formats floats as awc does.
export function evaluate(e, resolve) {
  if ("lit" in e) return e.lit;
  if ("ref" in e) return resolve(e.ref);
  if ("field" in e) return evaluate(e.of, resolve)?.[e.field];
  if ("index" in e) {
    const of = evaluate(e.of, resolve);
    const i = evaluate(e.index, resolve);
    return Array.isArray(of) && i < 0 ? of[of.length + i] : of[i];
  }
  if ("if" in e) return evaluate(e.if, resolve) ? evaluate(e.then, resolve) : evaluate(e.else, resolve);
  if ("list" in e) return e.list.map((x) => evaluate(x, resolve));
  if ("record" in e) return Object.fromEntries(Object.entries(e.record).map(([k, x]) => [k, evaluate(x, resolve)]));
  if ("text" in e) return e.text.map((x) => toText(evaluate(x, resolve), schemaOf(x, resolve))).join("");
  if ("call" in e) {
    const fn = FUNCTIONS[e.call];
    if (!fn) throw new Error(`peer: stdlib function '${e.call}' not implemented`);
    return fn(...e.args.map((x) => evaluate(x, resolve)));
  }
  if ("op" in e) {
    const a = e.args.map((x) => (e.op === "and" || e.op === "or" ? x : evaluate(x, resolve)));
    switch (e.op) {
      case "and": return a.every((x) => evaluate(x, resolve));
      case "or": return a.some((x) => evaluate(x, resolve));
      case "not": return !a[0];
      case "neg": return -a[0];
      case "+": return Array.isArray(a[0]) ? [...a[0], ...a[1]] : a[0] + a[1];
      case "-": return a[0] - a[1];
      case "*": return a[0] * a[1];
      case "/": return a[0] / a[1]; // always float in awc; a whole result prints without ".0" here
      case "%": return a[0] % a[1];
      case "==": return JSON.stringify(a[0]) === JSON.stringify(a[1]);
      case "!=": return JSON.stringify(a[0]) !== JSON.stringify(a[1]);
      case "<": return a[0] < a[1];
      case "<=": return a[0] <= a[1];
      case ">": return a[0] > a[1];
      case ">=": return a[0] >= a[1];
    }
    throw new Error(`peer: operator '${e.op}' not implemented`);
  }
  throw new Error("peer: unknown expression " + JSON.stringify(e).slice(0, 80));
}

// The schema of a (simple) expression's value: a node ref or a field of one.
function schemaOf(e, resolve) {
  if ("ref" in e) return resolve.schema ? resolve.schema(e.ref) : undefined;
  if ("field" in e) return schemaOf(e.of, resolve)?.properties?.[e.field];
  if ("index" in e) return schemaOf(e.of, resolve)?.items;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Model and tool calls.

function priceOf(model) {
  return { in: model.price_in ?? 0, out: model.price_out ?? 0, cached: model.cached_price_in ?? 0.1 * (model.price_in ?? 0) };
}

class Meter {
  constructor() {
    Object.assign(this, { model_calls: 0, tool_calls: 0, prompt_tokens: 0, cached_tokens: 0, output_tokens: 0, cost_usd: 0 });
  }
}

function makeModels(plan, endpoint) {
  const chats = new Map();
  return (modelId, options) => {
    const key = `${modelId}|${options.temperature ?? ""}|${options.max_tokens ?? ""}`;
    if (!chats.has(key)) {
      const m = plan.models.find((x) => x.id === modelId);
      chats.set(key, {
        model: m,
        chat: new ChatOpenAI({
          model: m.name,
          apiKey: "sim",
          configuration: { baseURL: endpoint },
          temperature: options.temperature,
          maxTokens: options.max_tokens,
          maxRetries: 2,
          streamUsage: true,
        }),
      });
    }
    return chats.get(key);
  };
}

// ---------------------------------------------------------------------------------------------
// The graph.

export function buildGraph(plan, { endpoint, stubs, toolLatencyMs = 0 }) {
  const byId = new Map();
  const index = (nodes) => nodes.forEach((n) => { byId.set(n.id, n); if (n.body) index(n.body.nodes); });
  index(plan.nodes);
  const chatFor = makeModels(plan, endpoint);
  const isStep = (n) => n.kind === "llm" || n.kind === "tool" || n.kind === "map";

  // Resolves a name in one run (or one map instance): inputs, finished steps, native values
  // computed on demand (memoised), map variables.
  function scope(state, locals = {}, parent = null) {
    const memo = {};
    const resolve = (name) => {
      if (name in locals) return locals[name];
      if (name.startsWith("input.")) return state.inputs[name.slice(6)];
      if (name in state.v) return state.v[name];
      if (name in memo) return memo[name];
      const n = byId.get(name);
      if (n && (n.kind === "native" || n.kind === "branch") && (locals.__body?.has(name) || !parent)) {
        memo[name] = evaluate(n.expr, resolve);
        return memo[name];
      }
      if (parent) return parent(name);
      throw new Error(`peer: '${name}' has no value yet`);
    };
    resolve.schema = (name) => byId.get(name)?.schema;
    return resolve;
  }

  function guardOpen(n, resolve) {
    if (!n.guard) return true;
    const g = byId.get(n.guard.branch);
    if (!guardOpen(g, resolve)) return false;
    return Boolean(resolve(n.guard.branch)) === (n.guard.arm === 0);
  }

  async function callModel(n, resolve, meter) {
    const { model, chat } = chatFor(n.model, n.options || {});
    const messages = n.messages.map((m) => ({
      role: m.role,
      content: m.segments.map((s) => (s.static ? s.text : toText(evaluate(s.expr, resolve), schemaOf(s.expr, resolve)))).join(""),
    }));
    const plain = n.schema && n.schema.type === "string" && !n.schema.enum;
    let raw, value;
    if (plain) {
      raw = await chat.invoke(messages);
      value = raw.content;
    } else {
      const wrapped = n.schema.type === "object" ? n.schema : { type: "object", properties: { value: n.schema }, required: ["value"], additionalProperties: false };
      const out = await chat.withStructuredOutput(wrapped, { name: n.id.replace(/[^A-Za-z0-9_-]/g, "_"), method: "jsonSchema", strict: true, includeRaw: true }).invoke(messages);
      raw = out.raw;
      value = n.schema.type === "object" ? out.parsed : out.parsed.value;
    }
    const u = raw.usage_metadata || {};
    const p = priceOf(model);
    const cached = u.input_token_details?.cache_read ?? 0;
    meter.model_calls += 1;
    meter.prompt_tokens += u.input_tokens ?? 0;
    meter.cached_tokens += cached;
    meter.output_tokens += u.output_tokens ?? 0;
    meter.cost_usd += (((u.input_tokens ?? 0) - cached) * p.in + cached * p.cached + (u.output_tokens ?? 0) * p.out) / 1e6;
    return value;
  }

  async function callTool(n, resolve, meter) {
    Object.values(n.args || {}).forEach((a) => evaluate(a, resolve)); // the arguments a real call would send
    if (!(n.tool in stubs)) throw new Error(`peer: no stub for tool '${n.tool}'`);
    if (toolLatencyMs > 0) await new Promise((r) => setTimeout(r, toolLatencyMs));
    meter.tool_calls += 1;
    return structuredClone(stubs[n.tool]);
  }

  // A map: every element's body at once (reduce: one after another), steps in dependency order.
  async function runMap(n, resolve, meter) {
    const over = evaluate(n.over, resolve);
    const body = new Set(n.body.nodes.map((b) => b.id));
    const instance = async (elem, acc) => {
      const locals = { [n.var]: elem, __body: body };
      if (n.reduce) locals[n.reduce.acc] = acc;
      const r = scope({ inputs: {}, v: {} }, locals, resolve);
      const done = {};
      const local = (name) => (name in done ? done[name] : r(name));
      local.schema = r.schema;
      // Body steps in the plan's order: a hand port writes them as sequential awaits.
      for (const b of n.body.nodes) {
        if (!isStep(b) || !guardOpen(b, local)) continue;
        done[b.id] = await runStep(b, local, meter);
        locals[b.id] = done[b.id];
      }
      return evaluate(n.body.result, local);
    };
    if (n.reduce) {
      let acc = evaluate(n.reduce.init, resolve);
      for (const e of over) acc = await instance(e, acc);
      return acc;
    }
    return Promise.all(over.map((e) => instance(e)));
  }

  function runStep(n, resolve, meter) {
    if (n.kind === "llm") return callModel(n, resolve, meter);
    if (n.kind === "tool") return callTool(n, resolve, meter);
    return runMap(n, resolve, meter);
  }

  // Graph edges: a step waits for the nearest steps behind it (through natives and branches).
  const stepDeps = new Map();
  const nearest = (id, seen = new Set()) => {
    if (seen.has(id)) return [];
    seen.add(id);
    const n = byId.get(id);
    if (!n || n.kind === "input") return [];
    if (isStep(n)) return [id];
    return n.deps.flatMap((d) => nearest(d, seen));
  };
  const steps = plan.nodes.filter(isStep);
  for (const n of steps) stepDeps.set(n.id, [...new Set(n.deps.flatMap((d) => nearest(d)))]);

  const State = Annotation.Root({
    inputs: Annotation({ reducer: (a, b) => b ?? a, default: () => ({}) }),
    v: Annotation({ reducer: (a, b) => ({ ...a, ...b }), default: () => ({}) }),
  });
  const graph = new StateGraph(State);
  for (const n of steps) {
    graph.addNode(n.id, async (state, config) => {
      const meter = config.configurable.meter;
      const resolve = scope(state);
      if (!guardOpen(n, resolve)) return {};
      return { v: { [n.id]: await runStep(n, resolve, meter) } };
    });
  }
  const hasDependant = new Set();
  for (const n of steps) {
    const d = stepDeps.get(n.id);
    d.forEach((x) => hasDependant.add(x));
    if (d.length === 0) graph.addEdge(START, n.id);
    else if (d.length === 1) graph.addEdge(d[0], n.id);
    else graph.addEdge(d, n.id);
  }
  for (const n of steps) if (!hasDependant.has(n.id)) graph.addEdge(n.id, END);
  const app = graph.compile();

  const outputNode = plan.nodes.find((n) => n.kind === "output");
  return {
    steps: steps.length,
    async run(inputs) {
      const meter = new Meter();
      const withDefaults = { ...Object.fromEntries(plan.inputs.filter((i) => "default" in i).map((i) => [i.name, i.default])), ...inputs };
      const t0 = performance.now();
      const state = await app.invoke({ inputs: withDefaults, v: {} }, { configurable: { meter }, recursionLimit: 1000 });
      const output = evaluate(outputNode.expr, scope(state));
      const wall = performance.now() - t0;
      return { output, metrics: { "run.wall_ms": wall, ...Object.fromEntries(Object.entries(meter).map(([k, x]) => ["run." + k, x])) } };
    },
  };
}
