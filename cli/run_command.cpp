// `awc run`: compile a .flow (or load a plan) and execute it with the runtime; results JSON on
// stdout, a live progress line and a per-node summary on stderr; metrics, traces and a record of
// every model exchange on request.
#include "awc/compiler/driver.h"
#include "awc/runtime/runtime.h"
#include "awc/runtime/trace.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>
#include <unistd.h>

namespace awc::cli {
namespace {

using nlohmann::json;

struct RunFlags {
  std::string file;
  std::string optLevel = "2";
  std::vector<std::string> fFlags; // -fno-<pass>, -frightsize=... (as for build)
  std::string workflow;
  std::vector<std::string> inputs;
  std::string inputsFile;
  std::string backend;
  std::string endpoint;
  bool noCache = false;
  std::string cacheFile = ".awc/cache.sqlite";
  std::string metricsFile;
  std::string traceFile;
  std::string recordFile;
  std::vector<std::string> toolStubs;
  std::string toolStubsFile;
  int toolStubLatencyMs = 0;
  std::string speculate = "auto";
  bool quiet = false;
};

/// --speculate: auto (within the plan's budget), off, free (hinted steps that cost nothing
/// extra), all, or a number — the most expected extra USD a hinted step may cost to start early.
bool parseSpeculation(const std::string& text, runtime::SpeculationOptions& out) {
  out.automatic = text == "auto";
  if (text == "auto") {
    out.enabled = true;
  } else if (text == "off") {
    out.enabled = false;
  } else if (text == "free") {
    out.maxExtraCostUsd = 0;
  } else if (text == "all") {
    out.maxExtraCostUsd = std::numeric_limits<double>::infinity();
  } else {
    char* end = nullptr;
    double usd = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !(usd >= 0)) return false;
    out.maxExtraCostUsd = usd;
  }
  return true;
}

bool readFile(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  return true;
}

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Live "[done/total] running: a, b" line, redrawn in place on a terminal.
class Progress {
public:
  explicit Progress(std::size_t total) : total_(total), enabled_(isatty(STDERR_FILENO) != 0) {}
  void onEvent(const runtime::NodeEvent& e) {
    if (!enabled_) return;
    std::lock_guard lock(mutex_);
    if (e.kind == runtime::NodeEvent::Started) {
      running_.insert(e.nodeId);
    } else {
      running_.erase(e.nodeId);
      ++done_;
    }
    std::string names;
    for (const auto& n : running_)
      names += (names.empty() ? "" : ", ") + n;
    if (names.size() > 60) names = names.substr(0, 57) + "...";
    std::fprintf(stderr, "\r\033[K[%zu/%zu] running: %s", done_, total_, names.c_str());
    std::fflush(stderr);
  }
  void clear() {
    if (enabled_) {
      std::fprintf(stderr, "\r\033[K");
      std::fflush(stderr);
    }
  }

private:
  std::mutex mutex_;
  std::set<std::string> running_;
  std::size_t done_ = 0;
  std::size_t total_;
  bool enabled_;
};

// `--record FILE`: one JSON object per line for each successful model call, in completion order,
// then one `run` line when the run ends. Each line is flushed as it is written, so a run that is
// killed still leaves every finished exchange on disk. `awc sim --replay FILE` reads the exchange
// lines, `awc tune --from-record` all of them (docs/runtime.md).
class ExchangeRecorder {
public:
  ExchangeRecorder() = default;
  ExchangeRecorder(const ExchangeRecorder&) = delete;
  ExchangeRecorder& operator=(const ExchangeRecorder&) = delete;
  ~ExchangeRecorder() {
    if (file_) std::fclose(file_);
  }

  /// Creates or truncates `path`; false with `error` set when it cannot.
  bool open(const std::string& path, std::string& error) {
    path_ = path;
    file_ = std::fopen(path.c_str(), "w");
    if (!file_)
      error = fmt::format("cannot open '{}' for --record: {}", path, std::strerror(errno));
    return file_ != nullptr;
  }

  void record(const runtime::ModelExchange& e) {
    // Keys in the documented order, so the file reads like docs/runtime.md.
    nlohmann::ordered_json line = {{"node", e.nodeId},
                                   {"request", e.request},
                                   {"answer", e.answer},
                                   {"usage",
                                    {{"prompt_tokens", e.usage.promptTokens},
                                     {"completion_tokens", e.usage.outputTokens},
                                     {"cached_tokens", e.usage.cachedTokens}}},
                                   {"finish_reason", e.finishReason}};
    // A model may answer with invalid UTF-8; replacing it beats throwing on the I/O thread.
    write(line);
  }

  /// The run's last line: which flow it was (the profile source hash: `awc tune --from-record`
  /// refuses another flow's runs), its inputs, node values and the model nodes' timings — what
  /// tune needs to use the run as a reference run without calling again.
  void recordRun(const std::string& sourceHash, const json& inputs, const runtime::RunResult& r) {
    nlohmann::ordered_json nodes = nlohmann::ordered_json::object();
    for (const auto& n : r.metrics.nodes) {
      if (n.kind != "llm" || n.modelCalls == 0) continue; // a cache hit made no call
      double latency = n.durationMs();
      nodes[n.id] = {{"ttft_ms", n.firstTokenMs >= 0 ? n.firstTokenMs - n.startMs : latency},
                     {"latency_ms", latency},
                     {"tokens_per_s", n.tokensPerSecond()},
                     {"cost_usd", n.costUsd}};
    }
    nlohmann::ordered_json run = {{"workflow", r.metrics.workflow}};
    if (!sourceHash.empty()) run["source_hash"] = sourceHash; // none for a plan file
    run["inputs"] = inputs;
    run["ok"] = r.ok;
    run["output"] = r.output;
    run["wall_ms"] = r.metrics.wallMs;
    run["cost_usd"] = r.metrics.costUsd;
    run["values"] = r.values;
    run["nodes"] = std::move(nodes);
    write(nlohmann::ordered_json{{"run", std::move(run)}});
  }

  void write(const nlohmann::ordered_json& line) {
    std::string text =
        line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
    // The runtime already serializes one run's calls; the lock keeps this class safe alone.
    std::lock_guard lock(mutex_);
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size() || std::fflush(file_) != 0)
      failed_ = true;
  }

  /// Reports a write that failed during the run (disk full, ...); true when all went well.
  bool finish(std::string& error) {
    std::lock_guard lock(mutex_);
    if (failed_) error = fmt::format("could not write every exchange to '{}'", path_);
    return !failed_;
  }

private:
  std::mutex mutex_;
  std::string path_;
  std::FILE* file_ = nullptr;
  bool failed_ = false;
};

std::string ms(double v) {
  return v < 0 ? "-" : fmt::format("{:.0f}", v);
}

void printSummary(const runtime::RunMetrics& m) {
  std::string out = fmt::format(
      "{:<28} {:<7} {:<16} {:>7} {:>7} {:>7} {:>7} {:>7} {:>5} {:>6} {:<5} {}\n", "node", "kind",
      "model", "start", "ms", "ttft", "in", "cached", "out", "tok/s", "cache", "retries/error");
  for (const auto& n : m.nodes) {
    if (n.kind == "input") continue;
    std::string status = n.startMs < 0 ? (n.error.empty() ? "(not run)" : n.error)
                                       : (n.error.empty() ? std::to_string(n.retries) : n.error);
    if (!n.speculation.empty()) status += " (started early: " + n.speculation + ")";
    std::string id = n.id.size() > 28 ? n.id.substr(0, 25) + "..." : n.id;
    out += fmt::format(
        "{:<28} {:<7} {:<16} {:>7} {:>7} {:>7} {:>7} {:>7} {:>5} {:>6.0f} {:<5} {}\n", id, n.kind,
        n.model.substr(0, 16), ms(n.startMs), n.startMs < 0 ? "-" : ms(n.durationMs()),
        n.firstTokenMs < 0 ? "-" : ms(n.firstTokenMs - n.startMs), n.promptTokens, n.cachedTokens,
        n.outputTokens, n.tokensPerSecond(), n.cacheHit ? "hit" : "", status);
  }
  out += fmt::format("wall {:.0f} ms · critical path {:.0f} ms · overhead {:.1f} ms · peak "
                     "parallelism {} · model calls {} · tool calls {} · tokens {} in ({} cached) "
                     "/ {} out · cache hits {} · cost ${:.6f}\n",
                     m.wallMs, m.criticalPathMs, m.overheadMs, m.peakParallelism, m.modelCalls,
                     m.toolCalls, m.promptTokens, m.cachedTokens, m.outputTokens, m.cacheHits,
                     m.costUsd);
  if (m.speculated > 0)
    out += fmt::format("started early {} · wasted {} (${:.6f})\n", m.speculated,
                       m.speculationWasted, m.speculationWastedUsd);
  std::fputs(out.c_str(), stderr);
}

int runCommand(const RunFlags& f) {
  // 1. The plan: compile a .flow in process, or load a plan file.
  std::shared_ptr<const runtime::Plan> plan;
  std::string error, sourceHash;
  if (endsWith(f.file, ".flow")) {
    CompileOptions options;
    options.optLevel = std::stoi(f.optLevel);
    options.workflow = f.workflow;
    if (!applyFFlags(f.fFlags, options, "awc run")) return kExitUsage;
    Compilation c = compileFile(f.file, options);
    std::fputs(renderAll(*c.diags).c_str(), stderr);
    if (!c.ok()) {
      std::fprintf(stderr, "awc run: %s did not compile\n", f.file.c_str());
      return kExitInputErrors;
    }
    plan = runtime::loadPlan(c.plan, error);
    sourceHash = c.profileHashes.source;
  } else {
    plan = runtime::loadPlanFile(f.file, error);
  }
  if (!plan) {
    std::fprintf(stderr, "awc run: error: %s\n", error.c_str());
    return kExitInputErrors;
  }
  runtime::PlanInfo info = runtime::planInfo(*plan);

  // 2. Inputs: --inputs FILE, then --input NAME=VALUE (JSON if it parses, else a string; a
  //    string-typed input keeps the raw text even if it looks like a number).
  json inputs = json::object();
  if (!f.inputsFile.empty()) {
    std::string text;
    if (!readFile(f.inputsFile, text)) {
      std::fprintf(stderr, "awc run: cannot read '%s'\n", f.inputsFile.c_str());
      return kExitUsage;
    }
    inputs = json::parse(text, nullptr, false);
    if (!inputs.is_object()) {
      std::fprintf(stderr, "awc run: '%s' is not a JSON object\n", f.inputsFile.c_str());
      return kExitUsage;
    }
  }
  for (const std::string& item : f.inputs) {
    auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "awc run: --input expects NAME=VALUE, got '%s'\n", item.c_str());
      return kExitUsage;
    }
    std::string name = item.substr(0, eq), raw = item.substr(eq + 1);
    json value = json::parse(raw, nullptr, false);
    auto schema = info.inputSchemas.find(name);
    bool wantsString =
        schema != info.inputSchemas.end() && schema->second.value("type", json()) == json("string");
    if (value.is_discarded() || (wantsString && !value.is_string())) value = raw;
    inputs[name] = value;
  }

  // 3. The runtime.
  runtime::RuntimeOptions options;
  if (!f.backend.empty()) options.backend = runtime::parseProvider(f.backend);
  options.endpoint = f.endpoint;
  if (options.backend == runtime::Provider::Sim && options.endpoint.empty()) {
    std::fprintf(stderr, "awc run: --backend sim needs --endpoint URL (awc sim prints it)\n");
    return kExitUsage;
  }
  if (!f.noCache) {
    runtime::ResultCacheOptions cacheOptions;
    cacheOptions.sqlitePath = f.cacheFile;
    options.cache = runtime::ResultCache::open(cacheOptions, error);
    if (!options.cache)
      std::fprintf(stderr, "awc run: warning: result cache disabled: %s\n", error.c_str());
  }
  if (!f.toolStubsFile.empty()) {
    std::string text;
    json stubs = readFile(f.toolStubsFile, text) ? json::parse(text, nullptr, false) : json();
    if (!stubs.is_object()) {
      std::fprintf(stderr, "awc run: '%s' must be a JSON object {tool: value}\n",
                   f.toolStubsFile.c_str());
      return kExitUsage;
    }
    for (auto& [name, value] : stubs.items())
      options.toolStubs[name] = value;
  }
  for (const std::string& stub : f.toolStubs) {
    auto eq = stub.find('=');
    std::string text;
    if (eq == std::string::npos || !readFile(stub.substr(eq + 1), text)) {
      std::fprintf(stderr, "awc run: --tool-stub expects NAME=FILE.json (readable), got '%s'\n",
                   stub.c_str());
      return kExitUsage;
    }
    json value = json::parse(text, nullptr, false);
    if (value.is_discarded()) {
      std::fprintf(stderr, "awc run: '%s' is not JSON\n", stub.substr(eq + 1).c_str());
      return kExitUsage;
    }
    options.toolStubs[stub.substr(0, eq)] = std::move(value);
  }
  options.toolStubLatency = std::chrono::milliseconds(f.toolStubLatencyMs);
  // Opened before the runtime starts, so a bad path is a usage error before any model call.
  std::unique_ptr<ExchangeRecorder> recorder;
  if (!f.recordFile.empty()) {
    recorder = std::make_unique<ExchangeRecorder>();
    if (!recorder->open(f.recordFile, error)) {
      std::fprintf(stderr, "awc run: %s\n", error.c_str());
      return kExitUsage;
    }
  }
  runtime::Runtime rt(std::move(options));
  Progress progress(info.nodeCount);
  runtime::RunOptions runOptions;
  runOptions.onEvent = [&progress](const runtime::NodeEvent& e) { progress.onEvent(e); };
  parseSpeculation(f.speculate, runOptions.speculation); // checked when parsed
  if (recorder)
    runOptions.onModelExchange = [&recorder](const runtime::ModelExchange& e) {
      recorder->record(e);
    };
  runtime::RunResult result = rt.run(plan, inputs, runOptions);
  progress.clear();
  if (recorder) recorder->recordRun(sourceHash, inputs, result);

  // 4. Report.
  json out = {{"workflow", info.workflow}, {"ok", result.ok}};
  if (result.ok)
    out["output"] = result.output;
  else
    out["error"] = result.error;
  std::printf("%s\n", out.dump(2).c_str());
  if (!f.quiet) printSummary(result.metrics);
  if (!result.ok) std::fprintf(stderr, "awc run: error: %s\n", result.error.c_str());
  if (!f.metricsFile.empty() &&
      !runtime::writeJsonFile(f.metricsFile, runtime::metricsToJson(result.metrics), error))
    std::fprintf(stderr, "awc run: %s\n", error.c_str());
  if (!f.traceFile.empty() &&
      !runtime::writeJsonFile(f.traceFile, runtime::chromeTrace({result.metrics}), error))
    std::fprintf(stderr, "awc run: %s\n", error.c_str());
  if (recorder && !recorder->finish(error)) std::fprintf(stderr, "awc run: %s\n", error.c_str());
  return result.ok ? kExitOk : kExitInputErrors;
}

} // namespace

void addRunCommand(CLI::App& app, CommandResult& result) {
  auto f = std::make_shared<RunFlags>();
  CLI::App* cmd = app.add_subcommand("run", "compile and run a workflow (or run a plan)");
  cmd->add_option("file", f->file, "FILE.flow or PLAN.json")->required();
  cmd->add_option("-O", f->optLevel, "optimisation level for .flow files: 0, 1, 2")
      ->check(CLI::IsMember({"0", "1", "2"}));
  cmd->add_option("-f", f->fFlags,
                  "for .flow files, as for build: -fno-<pass>, -frightsize=classify,extract")
      ->allow_extra_args(false); // one flag per -f: the file after it stays positional
  cmd->add_option("--workflow", f->workflow, "which workflow, when the file has several");
  cmd->add_option("--input", f->inputs, "NAME=VALUE (JSON if it parses, else a string)");
  cmd->add_option("--inputs", f->inputsFile, "JSON object of inputs");
  cmd->add_option("--backend", f->backend, "override every model's provider")
      ->check(CLI::IsMember({"openai", "anthropic", "sim"}));
  cmd->add_option("--endpoint", f->endpoint, "override every model's endpoint (base URL)");
  cmd->add_flag("--no-cache", f->noCache, "do not use the result cache");
  cmd->add_option("--cache", f->cacheFile, "SQLite result cache file")->capture_default_str();
  cmd->add_option("--metrics", f->metricsFile, "write run metrics JSON (docs/metrics.md)");
  cmd->add_option("--trace", f->traceFile, "write a Chrome trace (ui.perfetto.dev)");
  cmd->add_option("--record", f->recordFile,
                  "write every model exchange (request body, answer, usage) as JSON lines, "
                  "e.g. for `awc sim --replay`");
  cmd->add_option("--tool-stub", f->toolStubs,
                  "NAME=FILE.json: tool NAME returns the file's value (testing aid)");
  cmd->add_option("--tool-stubs", f->toolStubsFile,
                  "FILE.json {tool: value}: stub several tools at once (testing aid)");
  cmd->add_option("--tool-stub-latency", f->toolStubLatencyMs,
                  "milliseconds a stubbed tool takes to answer (testing aid)");
  cmd->add_option("--speculate", f->speculate,
                  "start hinted branch-arm steps before the branch is decided: auto (within the "
                  "plan's speculation budget), off, free (those costing nothing extra), all, or "
                  "the most extra USD one may cost")
      ->capture_default_str()
      ->check(
          [](const std::string& text) {
            runtime::SpeculationOptions ignored;
            return parseSpeculation(text, ignored)
                       ? std::string()
                       : "expected auto, off, free, all or a non-negative number of USD";
          },
          "auto|off|free|all|USD");
  cmd->add_flag("-q,--quiet", f->quiet, "no summary table");
  cmd->callback([f, &result] { result.exitCode = runCommand(*f); });
}

} // namespace awc::cli
