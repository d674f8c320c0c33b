#!/usr/bin/env python3
"""Real-server benchmark: the -O0/-O1/-O2 ladder on llama.cpp's llama-server, beside the simulator.

  bench/real_server.py [BUILD] [--examples a,b] [--out DIR] [--repeats N] [--tables-only]

1. Calibration: on a fresh llama-server with the larger generated model (scripts/llama/setup.sh),
   measure client-side time to first token against uncached prompt tokens (streaming,
   cache_prompt off, several prompt sizes), decode speed (tokens after the first), the decode
   speed and the extra TTFT of schema-constrained answers, and the slowdown of two concurrent
   requests; fit the simulator's latency profile (docs/simulator.md) by least squares and write
   it as a profile file, every model name on one engine (one server, one set of slots).
2. The ladder: every example at -O0, -O1 and -O2, cold (a fresh server: empty prefix cache) and
   warm (the same run again on that server), result cache off, tools stubbed from
   examples/fixtures with the latency the compiler assumes. Calls, prompt/cached/output tokens
   and wall time from `awc run --metrics`.
3. The same ladder on `awc sim` with the calibrated profile, twice: with the simulator's own
   answers, and replaying the answers the real runs recorded (`awc run --record`, `awc sim
   --replay`: the same branches and answer lengths, so only the simulator's timing, caching and
   load model differ); the error of each wall time against the real one per example and level,
   and the error of the latency model alone on the calls each real run made (its tokens, graph
   and concurrency).

Writes DIR/real_server.json (every figure, per node), bench/results/real_server.json (the same
without the per-node detail), prints the Markdown tables and replaces them in docs/benchmarks.md
(between its generated markers; the analysis around them is written by hand), with a picture of the
cold wall times drawn by gnuplot (docs/img/real-server-wall.svg; without gnuplot it is left as is).
`bench/real_server.py --tables-only` redoes the tables and the picture from bench/results/real_server.json.
Only 127.0.0.1 is bound; every server started here is stopped on exit.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = ["customer_support", "intent_router", "doc_review", "research", "ticket_triage",
            "invoice", "rag_answer"]
TOOL_STUB_MS = 150  # the compiler's estimate for a tool call (scripts/demo_run.sh uses it too)
SLOTS = 4  # llama-server -np: parallel slots, each keeping the prompt it last served
CHILDREN = []


def log(*args):
    print("[real_server]", *args, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


class LlamaServer:
    """llama-server on 127.0.0.1 and a free port; stopped on exit from the `with` block."""

    def __init__(self, binary, model, log_path, ctx=32768, slots=SLOTS, threads=1):
        self.args = [binary, "-m", model, "--host", "127.0.0.1", "-c", str(ctx), "-np", str(slots),
                     "-t", str(threads), "--metrics", "--no-webui"]
        self.log_path = log_path

    def __enter__(self):
        for _ in range(3):
            self.port = free_port()
            self.logf = open(self.log_path, "a")
            self.proc = subprocess.Popen(self.args + ["--port", str(self.port)], stdout=self.logf,
                                         stderr=subprocess.STDOUT)
            CHILDREN.append(self.proc)
            deadline = time.time() + 60
            while time.time() < deadline and self.proc.poll() is None:
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                    conn.request("GET", "/health")
                    if conn.getresponse().status == 200:
                        self.base = f"http://127.0.0.1:{self.port}"
                        return self
                except OSError:
                    pass
                time.sleep(0.1)
            stop(self.proc)
        raise RuntimeError("llama-server did not start; see " + self.log_path)

    def __exit__(self, *exc):
        stop(self.proc)
        self.logf.close()


class Sim:
    """`awc sim` with a profile file, on a free port."""

    def __init__(self, awc, profiles, log_path, replay=None):
        self.args = [awc, "sim", "--port", "0", "--profiles", profiles] + (["--replay", replay] if replay else [])
        self.log_path = log_path

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=open(self.log_path, "a"),
                                     text=True)
        CHILDREN.append(self.proc)
        line = self.proc.stdout.readline()
        if not line.startswith("listening on "):
            stop(self.proc)
            raise RuntimeError("awc sim did not start: " + line)
        self.base = line.split()[-1]
        return self

    def __exit__(self, *exc):
        stop(self.proc)


def chat_stream(port, body, timeout=600):
    """One streamed chat completion; client-side TTFT (first content delta) and end, in ms."""
    body = dict(body, stream=True, stream_options={"include_usage": True})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    start = time.perf_counter()
    conn.request("POST", "/v1/chat/completions", json.dumps(body), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.read()[:300]!r}")
    first, stamps, usage, timings = None, [], None, None
    for raw in resp:
        line = raw.decode().strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        for choice in chunk.get("choices", []):
            if choice.get("delta", {}).get("content"):
                now = (time.perf_counter() - start) * 1000
                first = first if first is not None else now
                stamps.append(now)
        usage = chunk.get("usage") or usage
        timings = chunk.get("timings") or timings
    end = (time.perf_counter() - start) * 1000
    return {"ttft_ms": first, "end_ms": end, "stamps": stamps, "usage": usage, "timings": timings}


WORDS = ("order parcel customer refund invoice carrier arrive delay policy answer support ticket "
         "product review document summary research source account billing shipping question "
         "status update priority team engineer feature request report window market price").split()


def prompt_of(words, rng):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def least_squares(columns, ys):
    """Coefficients minimising |sum(c_i * column_i) - y|^2 (normal equations, Gaussian elimination)."""
    k = len(columns)
    a = [[sum(ci * cj for ci, cj in zip(columns[i], columns[j])) for j in range(k)] for i in range(k)]
    b = [sum(ci * y for ci, y in zip(columns[i], ys)) for i in range(k)]
    for i in range(k):
        pivot = max(range(i, k), key=lambda r: abs(a[r][i]))
        a[i], a[pivot], b[i], b[pivot] = a[pivot], a[i], b[pivot], b[i]
        for r in range(i + 1, k):
            f = a[r][i] / a[i][i]
            a[r] = [x - f * y for x, y in zip(a[r], a[i])]
            b[r] -= f * b[i]
    out = [0.0] * k
    for i in reversed(range(k)):
        out[i] = (b[i] - sum(a[i][j] * out[j] for j in range(i + 1, k))) / a[i][i]
    return out


def fit_prefill(tokens, ttfts):
    """TTFT = base + per_token * n + per_token_per_1k * n^2 / 2000 (docs/simulator.md), every
    coefficient non-negative: terms that fit negative are dropped and the rest refitted."""
    ones = [1.0] * len(tokens)
    linear = list(tokens)
    attention = [n * n / 2000 for n in tokens]
    for names in (("base", "linear", "attention"), ("linear", "attention"), ("base", "linear"),
                  ("attention",), ("linear",)):
        cols = {"base": ones, "linear": linear, "attention": attention}
        coef = dict(zip(names, least_squares([cols[n] for n in names], ttfts)))
        if all(v >= 0 for v in coef.values()):
            return coef.get("base", 0.0), coef.get("linear", 0.0), coef.get("attention", 0.0)
    return 0.0, 0.0, 0.0


def ms_per_token(r):
    """Mean time between streamed tokens after the first."""
    return (r["stamps"][-1] - r["stamps"][0]) / max(1, len(r["stamps"]) - 1)


def calibrate(port, repeats):
    rng = random.Random(7)
    # Warm-up: the first requests after a start page the model in and size the buffers.
    for words in (50, 1000, 50):
        chat_stream(port, {"messages": [{"role": "user", "content": prompt_of(words, rng)}],
                           "max_tokens": 4, "temperature": 0, "cache_prompt": False})
    points = []
    for words in (50, 400, 1000, 2000, 3000):
        samples = []
        for _ in range(repeats):
            # A fresh random prompt and cache_prompt off: every prompt token is prefilled.
            r = chat_stream(port, {"messages": [{"role": "user", "content": prompt_of(words, rng)}],
                                   "max_tokens": 1, "temperature": 0, "cache_prompt": False})
            samples.append((r["usage"]["prompt_tokens"], r["ttft_ms"]))
        tokens = statistics.median(s[0] for s in samples)
        ttft = statistics.median(s[1] for s in samples)
        points.append({"prompt_tokens": tokens, "ttft_ms": round(ttft, 2)})
        log(f"calibrate: {tokens:.0f} uncached prompt tokens -> TTFT {ttft:.1f} ms")
    base, per_token, per_token_per_1k = fit_prefill([p["prompt_tokens"] for p in points],
                                                    [p["ttft_ms"] for p in points])

    def decode_ms(concurrent, words=0):
        """Mean ms per output token after the first, and the prompt's length in tokens."""
        results = [None] * concurrent

        def one(i):
            text = (prompt_of(words, rng) + "\n\n" if words else "") + f"Story {i}."
            results[i] = chat_stream(port, {"messages": [{"role": "user", "content": text}],
                                            "max_tokens": 128, "temperature": 0, "ignore_eos": True,
                                            "cache_prompt": False})
        threads = [threading.Thread(target=one, args=(i,)) for i in range(concurrent)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        return (statistics.fmean(ms_per_token(r) for r in results),
                statistics.fmean(r["usage"]["prompt_tokens"] for r in results))

    single, short_context = [statistics.median(v) for v in zip(*(decode_ms(1) for _ in range(repeats)))]
    double = statistics.median(decode_ms(2)[0] for _ in range(repeats))
    # Decoding attends to the whole context: measure it again behind a long prompt.
    long_ms, long_context = [statistics.median(v) for v in zip(*(decode_ms(1, 2000) for _ in range(repeats)))]
    decode_per_1k = max(0.0, (long_ms - single) / ((long_context - short_context) / 1000))
    log(f"calibrate: decode {1000 / (long_ms):.0f} tok/s after {long_context:.0f} prompt tokens")

    # Schema-constrained answers, as most steps of the examples ask for: the server builds a
    # grammar from the schema, then checks sampled tokens against it. The probe schema has the
    # field kinds step results have (an int, an enum, a list of strings, a string); the list
    # keeps the answer long enough to time the decode.
    record_schema = {"type": "object", "additionalProperties": False,
                     "required": ["score", "risk", "notes", "verdict"],
                     "properties": {"score": {"type": "integer"},
                                    "risk": {"type": "string", "enum": ["low", "medium", "high"]},
                                    "notes": {"type": "array", "items": {"type": "string"}, "minItems": 30},
                                    "verdict": {"type": "string"}}}
    json_format = {"type": "json_schema", "json_schema": {"name": "review", "schema": record_schema,
                                                          "strict": True}}
    structured = statistics.median(ms_per_token(chat_stream(port, {
        "messages": [{"role": "user", "content": "Review this text.\n\n" + prompt_of(50, rng)}],
        "max_tokens": 128, "temperature": 0, "cache_prompt": False, "response_format": json_format}))
        for _ in range(repeats))
    log(f"calibrate: structured decode {1000 / structured:.0f} tok/s")
    # The grammar's fixed cost: TTFT with and without the schema for the same prompts, alternated.
    plain_ttft, structured_ttft = [], []
    for _ in range(2 * repeats + 1):
        text = "Review this text.\n\n" + prompt_of(50, rng)
        body = {"messages": [{"role": "user", "content": text}], "max_tokens": 8, "temperature": 0,
                "cache_prompt": False}
        # ignore_eos: a random-weight model may end a free answer before its first token.
        plain_ttft.append(chat_stream(port, dict(body, ignore_eos=True))["ttft_ms"])
        structured_ttft.append(chat_stream(port, dict(body, response_format=json_format))["ttft_ms"])
    structured_ttft_ms = max(0.0, statistics.median(structured_ttft) - statistics.median(plain_ttft))
    log(f"calibrate: a schema adds {structured_ttft_ms:.0f} ms to TTFT")
    # The rates at an empty context (the measurements had a few prompt tokens).
    single -= short_context / 1000 * decode_per_1k
    structured -= short_context / 1000 * decode_per_1k
    profile = {"ttft_base_ms": round(max(base, 1.0), 2), "prefill_ms_per_token": round(per_token, 4),
               "prefill_ms_per_token_per_1k_context": round(per_token_per_1k, 4),
               "decode_tokens_per_sec": round(1000 / single, 1),
               "decode_ms_per_token_per_1k_context": round(decode_per_1k, 4),
               "structured_decode_tokens_per_sec": round(1000 / structured, 1),
               "structured_ttft_ms": round(structured_ttft_ms, 1),
               "concurrency_slowdown": round(max(0.0, double / single - 1), 3)}
    log(f"calibrate: decode {1000 / single:.0f} tok/s alone, {1000 / double:.0f} tok/s with 2 at once")
    return {"points": points, "decode_ms_per_token": round(single, 3),
            "decode_ms_per_token_long": round(long_ms, 3), "decode_long_context_tokens": long_context,
            "decode_ms_per_token_2": round(double, 3), "profile": profile}


def run_flow(awc, flow, level, endpoint, backend, work, tag, record=None):
    name = os.path.basename(flow)[:-5]
    metrics = os.path.join(work, f"{tag}.metrics.json")
    args = [awc, "run", flow, f"-O{level}", "--backend", backend, "--endpoint", endpoint, "--no-cache",
            "-q", "--metrics", metrics, "--tool-stub-latency", str(TOOL_STUB_MS)]
    if record:
        args += ["--record", record]
    fixtures = os.path.join(REPO, "examples", "fixtures")
    if os.path.exists(os.path.join(fixtures, name + ".inputs.json")):
        args += ["--inputs", os.path.join(fixtures, name + ".inputs.json")]
    if os.path.exists(os.path.join(fixtures, name + ".stubs.json")):
        args += ["--tool-stubs", os.path.join(fixtures, name + ".stubs.json")]
    env = dict(os.environ, OPENAI_API_KEY=os.environ.get("OPENAI_API_KEY", "unused"))
    proc = subprocess.run(args, capture_output=True, text=True, timeout=900, env=env)
    if not os.path.exists(metrics):
        return {"ok": False, "error": proc.stderr.strip()[-300:]}
    m = json.load(open(metrics))
    nodes = [{"id": n["node.id"], "kind": n["node.kind"], "deps": n["node.deps"],
              "start": n["node.start_ms"], "end": n["node.end_ms"],
              "prompt": n["gen_ai.usage.input_tokens"], "cached": n["gen_ai.usage.cache_read.input_tokens"],
              "output": n["gen_ai.usage.output_tokens"], "calls": n["node.model_calls"]}
             for n in m["nodes"]]
    return {"ok": proc.returncode == 0 and m.get("run.error") is None, "error": m.get("run.error"),
            "calls": m["run.model_calls"], "prompt": m["run.prompt_tokens"],
            "cached": m["run.cached_tokens"], "output": m["run.output_tokens"],
            "wall_ms": round(m["run.wall_ms"], 1), "nodes": nodes}


def model_call_ms(p, uncached, cached, output, structured):
    """support/latency_model.cpp's formulas for one call alone on its engine (keep the two in
    step), split as sim/server.cpp plays them: the fixed ttft_base_ms, then the work (prefill,
    then tokens) that load stretches by 1 + concurrency_slowdown × (in flight − 1)."""
    prefill = (uncached * p["prefill_ms_per_token"]
               + (uncached * cached + uncached * uncached / 2) / 1000 * p.get("prefill_ms_per_token_per_1k_context", 0))
    if structured:
        prefill += p.get("structured_ttft_ms", 0)
    speed = p.get("structured_decode_tokens_per_sec") if structured else None
    per_token = (1000 / (speed or p["decode_tokens_per_sec"])
                 + (uncached + cached) / 1000 * p.get("decode_ms_per_token_per_1k_context", 0))
    return p["ttft_base_ms"], prefill + max(0, output - 1) * per_token


def structured_steps(awc, flow, level, work):
    """Ids of the plan's model steps whose answer a JSON schema constrains (what the runtime sends
    as response_format), map bodies included."""
    plan = os.path.join(work, f"{os.path.basename(flow)}.O{level}.plan.json")
    subprocess.run([awc, "build", flow, f"-O{level}", "-w", "-o", plan], check=True, capture_output=True)
    ids = set()

    def walk(nodes):
        for n in nodes:
            if n["kind"] == "llm" and n.get("schema") not in (None, {"type": "string"}):
                ids.add(n["id"])
            walk(n.get("body", {}).get("nodes", []))
    walk(json.load(open(plan))["nodes"])
    return ids


def replay_ms(nodes, p, sequential, structured_ids):
    """Wall time the latency model gives for the calls a real run made: the same prompts, cached
    and output tokens and the same graph, each model call timed by the profile and each other node
    by its measured duration. This separates the model's error from the simulator's answers (a
    random-weight model writes other lengths and takes other branches than the simulator). Model
    calls share the server as in the simulator: each one's work advances at 1 / factor of the
    moment, with every call in flight counted."""
    ran = {n["id"]: n for n in nodes if n["start"] is not None}

    def owner_map(i):
        """The map an instance node belongs to ("scored/r[0]" → "scored"): the longest prefix
        that is a map node (branch arms are named like paths too, but are not maps)."""
        cuts = [k for k, c in enumerate(i) if c == "/"]
        for k in reversed(cuts):
            if ran.get(i[:k], {}).get("kind") == "map":
                return i[:k]
        return None

    owner = {i: owner_map(i) for i in ran}

    def cost(n):
        """(fixed ms, stretchable model work ms) of one node."""
        if n["kind"] == "map":
            return 0.0, 0.0  # a map's time is its instances'
        if n["kind"] == "llm" and n["calls"] > 0:
            step = re.sub(r"\[\d+\]", "", n["id"])  # a map instance times like its body's step
            return model_call_ms(p, n["prompt"] - n["cached"], n["cached"], n["output"], step in structured_ids)
        return n["end"] - n["start"], 0.0

    if sequential:  # -O0 runs one node at a time: the run is the sum of its nodes
        return sum(sum(cost(n)) for n in ran.values())

    eps = 1e-9
    now, started, done, running = 0.0, set(), set(), {}

    def finished(i):
        fixed, work = running[i]
        if fixed > eps or work > eps:
            return False
        return ran[i]["kind"] != "map" or all(k in done for k in ran if owner[k] == i)

    while len(done) < len(ran):
        progressed = True
        while progressed:  # start what is ready, finish what is over, until nothing moves
            progressed = False
            for i, n in ran.items():
                if i not in started and all(d in done for d in n["deps"] if d in ran) and \
                        (owner[i] is None or owner[i] in started):
                    started.add(i)
                    running[i] = list(cost(n))
                    progressed = True
            for i in [i for i in running if finished(i)]:
                done.add(i)
                del running[i]
                progressed = True
        if len(done) == len(ran):
            break
        in_flight = sum(1 for i in running if ran[i]["kind"] == "llm" and ran[i]["calls"] > 0)
        factor = 1 + p["concurrency_slowdown"] * max(0, in_flight - 1)
        steps = [f if f > eps else w * factor for f, w in running.values() if f > eps or w > eps]
        if not steps:  # only maps waiting on instances that cannot start: a malformed record
            break
        dt = min(steps)
        now += dt
        for state in running.values():
            if state[0] > eps:
                state[0] -= dt
            else:
                state[1] -= dt / factor
    return now


def peer_dir(build):
    """The LangGraph.js peer (bench/peer, another part of the benchmarks) installed in BUILD/peer;
    None when it is absent or cannot be installed."""
    src = os.path.join(REPO, "bench", "peer")
    if not os.path.exists(os.path.join(src, "peer.mjs")) or not shutil.which("node"):
        return None
    dst = os.path.join(build, "peer")
    os.makedirs(dst, exist_ok=True)
    if not os.path.isdir(os.path.join(dst, "node_modules")):
        for f in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(src, f), dst)
        if subprocess.run(["npm", "ci", "--silent"], cwd=dst, timeout=600).returncode != 0:
            return None
    shutil.copy(os.path.join(src, "peer.mjs"), dst)
    shutil.copy(os.path.join(REPO, "bench", "real_server_peer.mjs"), dst)
    return dst


def run_peer(awc, peer, flow, endpoint, work, tag):
    """The LangGraph.js graph built from the -O0 plan, run once (bench/real_server_peer.mjs)."""
    name = os.path.basename(flow)[:-5]
    plan = os.path.join(work, f"{name}.O0.peer.plan.json")
    if not os.path.exists(plan):
        subprocess.run([awc, "build", flow, "-O0", "-o", plan], check=True, capture_output=True, timeout=120)
    fixtures = os.path.join(REPO, "examples", "fixtures")
    stubs = os.path.join(fixtures, name + ".stubs.json")
    proc = subprocess.run(["node", os.path.join(peer, "real_server_peer.mjs"), plan, endpoint,
                           os.path.join(fixtures, name + ".inputs.json"),
                           stubs if os.path.exists(stubs) else "-", str(TOOL_STUB_MS)],
                          capture_output=True, text=True, timeout=900)
    try:
        m = json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {"ok": False, "error": proc.stderr.strip()[-300:]}
    if not m.get("ok"):
        return {"ok": False, "error": m.get("error")}
    return {"ok": True, "calls": m["run.model_calls"], "prompt": m["run.prompt_tokens"],
            "cached": m["run.cached_tokens"], "output": m["run.output_tokens"],
            "wall_ms": round(m["run.wall_ms"], 1)}


def model_names(awc, flows, work):
    names = set()
    for flow in flows:
        plan = os.path.join(work, "names.plan.json")
        subprocess.run([awc, "build", flow, "-o", plan], check=True, capture_output=True, timeout=120)
        models = json.load(open(plan)).get("models", {})
        for m in (models.values() if isinstance(models, dict) else models):
            names.add(m.get("name") or m.get("model"))
    return sorted(n for n in names if n)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build", nargs="?", default="build")
    ap.add_argument("--examples", default=",".join(EXAMPLES))
    ap.add_argument("--out", default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--levels", default="0,1,2")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--tables-only", action="store_true",
                    help="redo the docs tables from bench/results/real_server.json; run nothing")
    opts = ap.parse_args()
    if opts.tables_only:
        markdown = tables(json.load(open(os.path.join(REPO, "bench", "results", "real_server.json"))))
        print(markdown)
        splice_docs(markdown)
        sys.exit(1 if PLOTS["failed"] else 0)
    awc = os.path.abspath(os.path.join(opts.build, "awc"))
    out = opts.out or os.path.join(opts.build, "real_server_bench")
    os.makedirs(out, exist_ok=True)
    work = tempfile.mkdtemp(prefix="awc-real-bench.")
    env = dict(line.split("=", 1) for line in subprocess.run(
        ["bash", os.path.join(REPO, "scripts", "llama", "setup.sh")], check=True, capture_output=True,
        text=True, timeout=3600).stdout.split())
    flows = [os.path.join(REPO, "examples", n + ".flow") for n in opts.examples.split(",")]
    levels = [int(x) for x in opts.levels.split(",")]
    result = {"model": os.path.basename(env["MODEL_BENCH"]), "server_args": f"-c 32768 -np {SLOTS} -t 1",
              "tool_stub_ms": TOOL_STUB_MS}
    server_log = os.path.join(out, "llama-server.log")
    open(server_log, "w").close()

    with LlamaServer(env["LLAMA_SERVER"], env["MODEL_BENCH"], server_log) as server:
        result["calibration"] = calibrate(server.port, opts.repeats)
    profile = result["calibration"]["profile"]
    profiles = os.path.join(out, "sim_profile.json")
    # One server answers for every model name, with one load and one set of slots.
    json.dump({"models": [dict(profile, name=n, engine="llama-server", cache_slots=SLOTS)
                          for n in model_names(awc, flows, work)]},
              open(profiles, "w"), indent=1)

    rows = []
    for flow in flows:
        name = os.path.basename(flow)[:-5]
        for level in levels:
            row = {"example": name, "level": level}
            # Both real runs record their answers, cold then warm: the replaying simulator answers
            # a request asked in both phases with the cold answer first, as the real server did.
            recorded = os.path.join(work, f"{name}.O{level}.answers.jsonl")
            with LlamaServer(env["LLAMA_SERVER"], env["MODEL_BENCH"], server_log) as server:
                for phase in ("cold", "warm"):
                    record = os.path.join(work, f"{name}.O{level}.{phase}.answers.jsonl")
                    row["real_" + phase] = run_flow(awc, flow, level, server.base + "/v1", "openai", work,
                                                    f"{name}.O{level}.real.{phase}", record)
                    if os.path.exists(record):
                        with open(recorded, "a") as out_file, open(record) as in_file:
                            out_file.write(in_file.read())
            for kind, replay in (("sim", None), ("replay", recorded)):
                with Sim(awc, profiles, os.path.join(out, "sim.log"), replay) as sim:
                    for phase in ("cold", "warm"):
                        row[f"{kind}_{phase}"] = run_flow(awc, flow, level, sim.base + "/v1", "sim", work,
                                                          f"{name}.O{level}.{kind}.{phase}")
            structured = structured_steps(awc, flow, level, work)
            for phase in ("cold", "warm"):
                real = row["real_" + phase]
                for kind in ("sim", "replay"):
                    other = row[f"{kind}_{phase}"]
                    if real.get("ok") and other.get("ok"):
                        row[f"{kind}_error_{phase}"] = round((other["wall_ms"] - real["wall_ms"]) / real["wall_ms"], 3)
                if real.get("ok"):
                    predicted = replay_ms(real["nodes"], profile, level == 0, structured)
                    row["model_ms_" + phase] = round(predicted, 1)
                    row["model_error_" + phase] = round((predicted - real["wall_ms"]) / real["wall_ms"], 3)
            log(f"{name} -O{level}: real {row['real_cold'].get('wall_ms')} / {row['real_warm'].get('wall_ms')} ms,"
                f" sim {row['sim_cold'].get('wall_ms')} / {row['sim_warm'].get('wall_ms')} ms")
            rows.append(row)
    # The LangGraph.js peer (-O0 plan's prompts) against the same real server: cold and warm.
    peer = None if opts.no_peer else peer_dir(os.path.abspath(opts.build))
    result["peer"] = [] if peer else None
    if peer is None:
        log("LangGraph.js peer: skipped (bench/peer absent, node/npm missing, or --no-peer)")
    for flow in flows if peer else []:
        name = os.path.basename(flow)[:-5]
        row = {"example": name}
        with LlamaServer(env["LLAMA_SERVER"], env["MODEL_BENCH"], server_log) as server:
            for phase in ("cold", "warm"):
                row["real_" + phase] = run_peer(awc, peer, flow, server.base + "/v1", work, name)
        log(f"{name} peer: real {row['real_cold'].get('wall_ms')} / {row['real_warm'].get('wall_ms')} ms")
        result["peer"].append(row)
    result["ladder"] = rows
    json.dump(result, open(os.path.join(out, "real_server.json"), "w"), indent=1)
    # The figures without the per-node detail, beside the ladder's (bench/results, committed).
    summary = json.loads(json.dumps(result))
    for row in summary["ladder"] + (summary["peer"] or []):
        for key, value in row.items():
            if isinstance(value, dict):
                value.pop("nodes", None)
    with open(os.path.join(REPO, "bench", "results", "real_server.json"), "w") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    shutil.rmtree(work, ignore_errors=True)
    markdown = tables(result)
    print(markdown)
    splice_docs(markdown)
    if PLOTS["failed"]:
        sys.exit(1)


def num(x):
    """A figure as the docs print it: whole numbers with thousands separators."""
    return f"{x:,.0f}" if isinstance(x, (int, float)) else str(x)


def cell(r, key):
    return "fail" if not r.get("ok") else num(r[key])


PLOTS = {"missing": False, "failed": []}


def bar_chart(spec):
    """Grouped bars drawn by bench/ladder/plot.mjs (gnuplot; `bash scripts/install-deps.sh bench`)
    into docs/img/<spec["file"]>; returns the Markdown image line. Without gnuplot the old picture
    stays (plot.mjs says so on stderr); a gnuplot error makes this script exit non-zero after the
    tables are written."""
    line = f"![{spec['title']}](img/{spec['file']})"
    if PLOTS["missing"]:
        return line
    proc = subprocess.run(["node", os.path.join(REPO, "bench", "ladder", "plot.mjs"), os.path.join(REPO, "docs", "img")],
                          input=json.dumps(spec), capture_output=True, text=True, timeout=120)
    if proc.stderr:
        log(proc.stderr.rstrip())
    if proc.returncode == 3:
        PLOTS["missing"] = True
    elif proc.returncode != 0:
        PLOTS["failed"].append(spec["file"])
    return line


def wall_chart(result):
    """Cold runs: the real wall time beside the replaying simulator's and the latency model's."""
    short = {"customer_support": "support", "intent_router": "router", "ticket_triage": "triage"}
    rows = result["ladder"]
    levels = sorted({r["level"] for r in rows})
    wall = lambda r: r["wall_ms"] / 1000 if r.get("ok") else None
    groups, separators = [], []
    for i, r in enumerate(rows):
        if i and r["example"] != rows[i - 1]["example"]:
            separators.append(i - 0.5)
        # The example's name under its middle level.
        name = short.get(r["example"], r["example"]) if r["level"] == levels[len(levels) // 2] else ""
        model = r.get("model_ms_cold")
        values = [wall(r["real_cold"]), wall(r.get("replay_cold", {})), None if model is None else model / 1000]
        groups.append({"label": f"-O{r['level']}\n{name}", "values": [None if v is None else round(v, 3) for v in values]})
    return bar_chart({"file": "real-server-wall.svg", "title": "Real server vs simulator, cold runs: wall time per example and -O level",
                      "unit": "wall time, s", "series": ["llama-server (real)", "sim replaying the real answers",
                                                         "latency model on the real calls"],
                      "groups": groups, "separators": separators, "height": 400, "oneRowKey": True})


def tables(result):
    """The section's tables in Markdown (docs/benchmarks.md, Real server, between the markers)."""
    out = []
    c = result["calibration"]
    out.append("| uncached prompt tokens | " + " | ".join(num(x["prompt_tokens"]) for x in c["points"]) + " |")
    out.append("|---|" + "---|" * len(c["points"]))
    out.append("| TTFT ms | " + " | ".join(num(x["ttft_ms"]) for x in c["points"]) + " |")
    out.append("\nFitted profile: " + ", ".join(f"`{k}` {v}" for k, v in c["profile"].items()) + ".\n")
    out.append(wall_chart(result) + "\n")
    out.append("| example | -O | phase | real calls | real prompt / cached / output | real wall ms "
               "| sim calls | sim prompt / cached / output | sim wall ms | sim error "
               "| replay prompt / cached / output | replay wall ms | replay error "
               "| model on real calls ms | model error |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    errors = {"sim": [], "replay": [], "model": []}
    pct = lambda e: "" if e is None else f"{e * 100:+.0f} %"
    toks = lambda r: "fail" if not r.get("ok") else f"{num(r['prompt'])} / {num(r['cached'])} / {num(r['output'])}"
    for row in result["ladder"]:
        for phase in ("cold", "warm"):
            real, simr, replay = row["real_" + phase], row["sim_" + phase], row.get("replay_" + phase, {})
            for kind in errors:
                if row.get(f"{kind}_error_{phase}") is not None:
                    errors[kind].append(abs(row[f"{kind}_error_{phase}"]))
            out.append(f"| {row['example']} | {row['level']} | {phase} | {cell(real, 'calls')} | {toks(real)} | "
                       f"{cell(real, 'wall_ms')} | {cell(simr, 'calls')} | {toks(simr)} | {cell(simr, 'wall_ms')} | "
                       f"{pct(row.get('sim_error_' + phase))} | {toks(replay)} | {cell(replay, 'wall_ms')} | "
                       f"{pct(row.get('replay_error_' + phase))} | {num(row.get('model_ms_' + phase, ''))} | "
                       f"{pct(row.get('model_error_' + phase))} |")
    out.append("")
    for label, errs in (("The simulator with its own answers", errors["sim"]),
                        ("The simulator replaying the real answers", errors["replay"]),
                        ("The latency model on the real runs' calls", errors["model"])):
        if errs:
            within = sum(e <= 0.15 for e in errs)
            out.append(f"- {label}: median |error| {statistics.median(errs) * 100:.0f} %, "
                       f"max {max(errs) * 100:.0f} %, {within} of {len(errs)} runs within 15 %.")
    if result.get("peer"):
        out.append("\nLangGraph.js (graphs from the -O0 plans, bench/peer) on the same server, a fresh server per "
                   "example:\n")
        out.append("| example | phase | calls | prompt / cached / output | wall ms | awc -O0 wall ms | awc -O2 wall ms |")
        out.append("|---|---|---|---|---|---|---|")
        awc_wall = {(r["example"], r["level"], ph): r["real_" + ph].get("wall_ms")
                    for r in result["ladder"] for ph in ("cold", "warm")}
        for row in result["peer"]:
            for phase in ("cold", "warm"):
                r = row["real_" + phase]
                tk = "fail" if not r.get("ok") else f"{num(r['prompt'])} / {num(r['cached'])} / {num(r['output'])}"
                out.append(f"| {row['example']} | {phase} | {cell(r, 'calls')} | {tk} | {cell(r, 'wall_ms')} | "
                           f"{num(awc_wall.get((row['example'], 0, phase)))} | "
                           f"{num(awc_wall.get((row['example'], 2, phase)))} |")
    return "\n".join(out) + "\n"


BEGIN_MARK = "<!-- BEGIN real-server tables (bench/real_server.py) -->"
END_MARK = "<!-- END real-server tables -->"


def splice_docs(markdown, doc=os.path.join(REPO, "docs", "benchmarks.md")):
    """Replaces the generated block of docs/benchmarks.md; the prose around it is written by hand."""
    text = open(doc).read()
    if BEGIN_MARK not in text or END_MARK not in text:
        log(f"{doc}: no generated real-server block; tables printed only")
        return
    head, rest = text.split(BEGIN_MARK, 1)
    tail = rest.split(END_MARK, 1)[1]
    with open(doc, "w") as f:
        f.write(head + BEGIN_MARK + "\n\n" + markdown + "\n" + END_MARK + tail)


if __name__ == "__main__":
    # SIGTERM (e.g. a timeout) unwinds like Ctrl-C, so the servers started here are stopped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        main()
    finally:
        for child in CHILDREN:
            stop(child)
