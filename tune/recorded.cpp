// `awc tune --from-record`: the runs `awc run --record` wrote become reference runs. A record
// file holds, per run, one line per model exchange and then a `run` line (the flow's source
// hash, the inputs, the node values and the model nodes' timings; docs/runtime.md). Several
// runs may follow each other in one file. Errors are located and never quote the file.
#include "json_lines.h"
#include "tune_recorded.h"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <sstream>

namespace awc::tune::detail {

using nlohmann::json;
namespace fs = std::filesystem;

namespace {

void collectModelSteps(const json& nodes, const std::map<std::string, std::string>& wireNames,
                       RecordTarget& out) {
  for (const json& n : nodes) {
    if (!n.is_object()) continue;
    if (n.value("kind", "") == "map" && n.contains("body"))
      collectModelSteps(n["body"].value("nodes", json::array()), wireNames, out);
    if (n.value("kind", "") != "llm") continue;
    auto it = wireNames.find(n.value("model", ""));
    out.stepModels[n.value("id", "")] = it == wireNames.end() ? std::string() : it->second;
  }
}

// A directory stands for its files (not hidden ones), by name: the same directory gives the
// same profile.
bool expandPaths(const std::vector<std::string>& paths, std::vector<std::string>& files,
                 std::string& diagnostics) {
  for (const std::string& path : paths) {
    std::error_code ec;
    if (!fs::is_directory(path, ec)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> inDir;
    for (const auto& entry : fs::directory_iterator(path, ec))
      if (entry.is_regular_file(ec) && entry.path().filename().string().rfind('.', 0) != 0)
        inDir.push_back(entry.path().string());
    if (ec || inDir.empty()) {
      diagnostics += fmt::format("{}: error: a directory without record files\n", path);
      return false;
    }
    std::sort(inDir.begin(), inDir.end());
    files.insert(files.end(), inDir.begin(), inDir.end());
  }
  return true;
}

bool isCount(const json& j) {
  return j.is_number_integer() && j.get<int64_t>() >= 0;
}

// One exchange line; empty when it is well formed, else what is wrong (never its content).
std::string readExchange(const json& line, std::string& node, Exchange& x) {
  auto str = [&](const char* key) { return line.contains(key) && line[key].is_string(); };
  if (!str("node") || !line.contains("request") || !line["request"].is_object() || !str("answer"))
    return "an exchange line needs \"node\" (string), \"request\" (object) and \"answer\" "
           "(string); the last line of a run is {\"run\": …}";
  const json& usage = line.value("usage", json::object());
  for (const char* key : {"prompt_tokens", "completion_tokens", "cached_tokens"})
    if (!usage.is_object() || !usage.contains(key) || !isCount(usage[key]))
      return fmt::format("\"usage\" needs \"{}\": a whole number ≥ 0", key);
  if (line.contains("finish_reason") && !line["finish_reason"].is_string())
    return "\"finish_reason\" must be a string";
  node = line["node"].get<std::string>();
  x.request = line["request"];
  x.answer = line["answer"].get<std::string>();
  x.finishReason = line.value("finish_reason", "");
  x.usage.promptTokens = usage["prompt_tokens"].get<int64_t>();
  x.usage.outputTokens = usage["completion_tokens"].get<int64_t>();
  x.usage.cachedTokens = usage["cached_tokens"].get<int64_t>();
  return {};
}

// The `run` line's shape; empty when it is well formed.
std::string checkRun(const json& run) {
  if (!run.is_object()) return "\"run\" must be an object";
  for (const char* key : {"workflow", "source_hash"})
    if (!run.contains(key) || !run[key].is_string())
      return std::string(key) == "source_hash"
                 ? "the run names no flow (\"source_hash\"): recorded from a plan file? Record "
                   "it with `awc run FLOW.flow --record FILE`"
                 : "\"run\" needs \"workflow\": a string";
  if (!run.contains("ok") || !run["ok"].is_boolean()) return "\"run\" needs \"ok\": true or false";
  for (const char* key : {"inputs", "values", "nodes"})
    if (!run.contains(key) || !run[key].is_object())
      return fmt::format("\"run\" needs \"{}\": an object", key);
  for (const char* key : {"wall_ms", "cost_usd"})
    if (!run.contains(key) || !run[key].is_number() || run[key].get<double>() < 0)
      return fmt::format("\"run\" needs \"{}\": a number ≥ 0", key);
  for (const auto& [id, timing] : run["nodes"].items())
    for (const char* key : {"ttft_ms", "latency_ms", "tokens_per_s", "cost_usd"})
      if (!timing.is_object() || !timing.contains(key) || !timing[key].is_number())
        return fmt::format("\"run\".\"nodes\" entries need \"{}\": a number", key);
  return {};
}

double number(const json& o, const char* key) {
  return std::max(0.0, o.value(key, 0.0));
}

// One record file, run by run.
class RecordFile {
public:
  RecordFile(const std::string& path, const RecordTarget& target, RecordedRuns& out,
             std::string& diagnostics)
      : path_(path), target_(target), out_(out), diagnostics_(diagnostics) {}

  bool read() {
    std::ifstream in;
    if (!openJsonLines(path_, "record", in, failFn())) return false;
    return read(in);
  }

  bool read(std::istream& in) {
    std::size_t lineNo = 0;
    auto onLine = [this](json& value, std::size_t line, std::size_t col) {
      return this->line(value, line, col);
    };
    if (!readJsonLines(in, onLine, failFn(), lineNo)) return false;
    if (runs_ == 0)
      return fail(lineNo ? 1 : 0, lineNo ? 1 : 0,
                  "no run line: not written by `awc run --record` of this version, or its run "
                  "did not finish");
    warn();
    return true;
  }

  bool fail(std::size_t line, std::size_t col, const std::string& msg) {
    diagnostics_ += line ? fmt::format("{}:{}:{}: error: {}\n", path_, line, col, msg)
                         : fmt::format("{}: error: {}\n", path_, msg);
    return false;
  }

private:
  LineFail failFn() {
    return
        [this](std::size_t line, std::size_t col, const std::string& msg) { fail(line, col, msg); };
  }

  bool line(json& value, std::size_t lineNo, std::size_t col) {
    if (!value.is_object()) return fail(lineNo, col, "a record line must be a JSON object");
    if (value.contains("run")) return run(value["run"], lineNo, col);
    std::string node;
    Exchange x;
    if (std::string why = readExchange(value, node, x); !why.empty()) return fail(lineNo, col, why);
    pending_.emplace_back(std::move(node), std::move(x));
    pendingLine_ = pendingLine_ ? pendingLine_ : lineNo;
    return true;
  }

  bool run(const json& run, std::size_t lineNo, std::size_t col) {
    if (std::string why = checkRun(run); !why.empty()) return fail(lineNo, col, why);
    if (run["workflow"] != target_.workflow || run["source_hash"] != target_.sourceHash)
      return fail(lineNo, col,
                  "a recording of another flow, workflow or version of the flow (its source "
                  "hash is not the tuned flow's): record the flow as it is now");
    ++runs_;
    auto exchanges = std::move(pending_);
    pending_.clear();
    pendingLine_ = 0;
    if (!run["ok"].get<bool>()) {
      ++failedRuns_;
      return true;
    }
    SampleRun s;
    s.started = true;
    s.result.ok = true;
    s.result.output = run.value("output", json());
    s.result.values = run["values"];
    s.result.metrics.wallMs = number(run, "wall_ms");
    s.result.metrics.costUsd = number(run, "cost_usd");
    for (auto& [node, x] : exchanges)
      use(run["nodes"], node, std::move(x), s);
    s.result.metrics.modelCalls = int64_t(exchanges.size());
    out_.inputs.push_back(run["inputs"]);
    out_.runs.push_back(std::move(s));
    return true;
  }

  // An exchange of a step of the plan, sent to the step's model, with its node's timings.
  void use(const json& timings, const std::string& node, Exchange x, SampleRun& s) {
    auto step = target_.stepModels.find(stepOf(node));
    if (step == target_.stepModels.end()) {
      ++foreign_;
      return;
    }
    if (x.request.value("model", "") != step->second) {
      movedSteps_.insert(step->first);
      return;
    }
    if (auto t = timings.find(node); t != timings.end()) {
      x.ttftMs = number(*t, "ttft_ms");
      x.latencyMs = number(*t, "latency_ms");
      x.tokensPerS = number(*t, "tokens_per_s");
      x.costUsd = number(*t, "cost_usd");
    }
    covered_.insert(step->first);
    s.exchanges[node] = std::move(x); // a repaired node keeps its last exchange
  }

  void warn() {
    if (foreign_ > 0) {
      std::string missing;
      for (const auto& [step, wire] : target_.stepModels)
        if (!covered_.count(step)) missing += (missing.empty() ? "" : ", ") + step;
      out_.warnings.push_back(fmt::format(
          "{}: {} recorded calls of nodes the plan tune measures does not have (steps fused at "
          "the recording's -O level: a fused call cannot be replayed step by step; or steps "
          "tune's -O2 lowers to native code); skipped{}",
          path_, foreign_, missing.empty() ? "" : " — steps with no recorded call: " + missing));
    }
    if (!movedSteps_.empty()) {
      std::string steps;
      for (const std::string& s : movedSteps_)
        steps += (steps.empty() ? "" : ", ") + s;
      out_.warnings.push_back(fmt::format("{}: calls of {} went to another model than the step "
                                          "names (built with a profile or -frightsize?); skipped",
                                          path_, steps));
    }
    if (failedRuns_ > 0)
      out_.warnings.push_back(
          fmt::format("{}: {} recorded runs failed; left out", path_, failedRuns_));
    if (!pending_.empty())
      out_.warnings.push_back(fmt::format("{}:{}: {} calls after the last run line (a run that "
                                          "did not finish); left out",
                                          path_, pendingLine_, pending_.size()));
  }

  const std::string& path_;
  const RecordTarget& target_;
  RecordedRuns& out_;
  std::string& diagnostics_;
  std::vector<std::pair<std::string, Exchange>> pending_; ///< exchanges of the run being read
  std::size_t pendingLine_ = 0;
  int64_t runs_ = 0, failedRuns_ = 0, foreign_ = 0;
  std::set<std::string> movedSteps_, covered_;
};

} // namespace

RecordTarget recordTarget(const json& plan, const std::string& sourceHash) {
  RecordTarget t;
  t.workflow = plan.value("workflow", "");
  t.sourceHash = sourceHash;
  std::map<std::string, std::string> wireNames;
  for (const json& m : plan.value("models", json::array()))
    if (m.is_object()) wireNames[m.value("id", "")] = m.value("name", "");
  collectModelSteps(plan.value("nodes", json::array()), wireNames, t);
  return t;
}

bool readRecordedText(const std::string& name, const std::string& text, const RecordTarget& target,
                      RecordedRuns& out, std::string& diagnostics) {
  if (text.size() > kMaxJsonLinesFile)
    return RecordFile(name, target, out, diagnostics).fail(0, 0, "record file larger than 1 GB");
  std::istringstream in(text);
  return RecordFile(name, target, out, diagnostics).read(in);
}

bool readRecordedRuns(const std::vector<std::string>& paths, const RecordTarget& target,
                      RecordedRuns& out, std::string& diagnostics) {
  std::vector<std::string> files;
  if (!expandPaths(paths, files, diagnostics)) return false;
  bool ok = true;
  for (const std::string& file : files) // every file is checked: all errors at once
    ok = RecordFile(file, target, out, diagnostics).read() && ok;
  return ok;
}

} // namespace awc::tune::detail
