// `awc tune`: run a flow over sample inputs, measure each model step's candidate changes against
// the answers of the flow as written, and write the profile (docs/tune.md, "Running awc tune").
#include "awc/profile/profile.h"
#include "awc/tune/tune.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace awc::cli {
namespace {

struct TuneFlags {
  std::string file;
  std::string samplesFile;
  std::vector<std::string> fromRecord;
  std::string holdoutFile;
  std::string endpoint;
  std::string backend;
  std::string workflow;
  std::string toolStubsFile;
  std::string output;
  std::string judge;
  std::string rubric;
  std::string rubricFile;
  double minAgreement = 0.95;
  double confidence = 0.9;
  double maxUsd = -1;
  int64_t maxCalls = -1;
  int concurrency = 16;
};

// The progress line: redrawn in place on a terminal, nothing when stderr is a file.
void showProgress(const tune::Progress& p) {
  if (!isatty(STDERR_FILENO)) return;
  std::fprintf(stderr, "\r\033[Kawc tune: %s %lld/%lld · calls %lld · $%.4f", p.phase,
               (long long)p.samplesDone, (long long)p.samples, (long long)p.calls, p.spentUsd);
  std::fflush(stderr);
}

bool readStubs(const std::string& path, std::map<std::string, nlohmann::json>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto stubs = nlohmann::json::parse(buffer.str(), nullptr, false);
  if (!stubs.is_object()) return false;
  for (auto& [name, value] : stubs.items())
    out[name] = value;
  return true;
}

// A rubric file's text; false when it cannot be read or is too large (its contents are never
// printed: it is not a flow).
bool readRubric(const std::string& path, std::string& out, std::string& error) {
  constexpr std::uintmax_t kMaxRubric = 64 * 1024;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  std::ifstream in(path, std::ios::binary);
  if (ec || !in) {
    error = "awc tune: error: cannot read the rubric file '" + path + "'";
    return false;
  }
  if (size > kMaxRubric) {
    error = "awc tune: error: the rubric file '" + path + "' is larger than 64 KB";
    return false;
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  out = buffer.str();
  if (out.find_first_not_of(" \t\r\n") == std::string::npos) {
    error = "awc tune: error: the rubric file '" + path + "' is empty";
    return false;
  }
  return true;
}

// Whether `path` can be written, checked before any call is paid for: an existing file is
// opened for appending (not truncated), a new one is created and removed again.
bool writable(const std::string& path) {
  std::error_code ec;
  bool existed = std::filesystem::exists(path, ec);
  bool ok = std::ofstream(path, std::ios::binary | std::ios::app).good();
  if (ok && !existed) std::filesystem::remove(path, ec);
  return ok;
}

int tuneCommand(const TuneFlags& f) {
  tune::TuneOptions o;
  o.flowPath = f.file;
  o.workflow = f.workflow;
  o.backend = f.backend;
  o.endpoint = f.endpoint;
  o.minAgreement = f.minAgreement;
  o.confidence = f.confidence;
  o.concurrency = f.concurrency;
  if (f.maxUsd >= 0) o.maxUsd = f.maxUsd;
  if (f.maxCalls >= 0) o.maxCalls = f.maxCalls;
  o.fromRecord = f.fromRecord;
  o.judge = f.judge;
  o.rubric = f.rubric;
  std::string error;
  if (!f.rubricFile.empty() && !readRubric(f.rubricFile, o.rubric, error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kExitUsage;
  }
  if (f.backend == "sim" && f.endpoint.empty()) {
    std::fprintf(stderr, "awc tune: --backend sim needs --endpoint URL (awc sim prints it)\n");
    return kExitUsage;
  }
  if (f.samplesFile.empty() && f.fromRecord.empty()) {
    std::fprintf(stderr, "awc tune: --samples FILE or --from-record FILE is required\n");
    return kExitUsage;
  }
  if ((!f.samplesFile.empty() && !tune::readSamples(f.samplesFile, o.samples, error)) ||
      (!f.holdoutFile.empty() && !tune::readSamples(f.holdoutFile, o.holdout, error))) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return kExitInputErrors;
  }
  if (!f.toolStubsFile.empty() && !readStubs(f.toolStubsFile, o.toolStubs)) {
    std::fprintf(stderr, "awc tune: '%s' must be a JSON object {tool: value}\n",
                 f.toolStubsFile.c_str());
    return kExitUsage;
  }
  if (!writable(f.output)) {
    std::fprintf(stderr, "awc tune: cannot write '%s'\n", f.output.c_str());
    return kExitUsage;
  }
  o.onProgress = showProgress;
  tune::TuneResult r = tune::tune(o);
  if (isatty(STDERR_FILENO)) std::fputs("\r\033[K", stderr);
  std::fputs(r.diagnostics.c_str(), stderr);
  if (!r.ok) {
    std::fprintf(stderr, "awc tune: error: %s\n", r.error.c_str());
    return kExitInputErrors;
  }
  for (const std::string& w : r.warnings)
    std::fprintf(stderr, "awc tune: warning: %s\n", w.c_str());
  std::ofstream out(f.output, std::ios::binary | std::ios::trunc);
  out << profile::serialize(r.profile);
  if (!out.flush()) {
    std::fprintf(stderr, "awc tune: cannot write '%s'\n", f.output.c_str());
    return kExitUsage;
  }
  int accepted = 0;
  for (const auto& s : r.profile.steps)
    for (const auto& c : s.candidates)
      accepted += c.accepted;
  std::string recorded =
      r.recordedRuns ? " (" + std::to_string(r.recordedRuns) + " recorded, no call)" : "";
  std::string judged = o.judge.empty() ? std::string()
                                       : fmt::format(" (judge {}: {} calls, ${:.6f})", o.judge,
                                                     r.judgeCalls, r.judgeUsd);
  std::fprintf(
      stderr,
      "awc tune: %lld of %lld samples ran%s, %zu model steps, %d candidates accepted · %lld calls "
      "· $%.6f%s · %.0f ms, calls in flight %.0f ms%s → %s\n",
      (long long)r.profile.samples, (long long)o.samples.size() + (long long)r.recordedRuns,
      recorded.c_str(), r.profile.steps.size(), accepted, (long long)r.calls, r.spentUsd,
      judged.c_str(), r.wallMs, r.callsBusyMs,
      r.budgetStopped ? " · stopped at the budget (the profile has what was measured)" : "",
      f.output.c_str());
  return kExitOk;
}

} // namespace

void addTuneCommand(CLI::App& app, CommandResult& result) {
  auto f = std::make_shared<TuneFlags>();
  CLI::App* cmd = app.add_subcommand(
      "tune", "measure cheaper configurations of a flow's model steps on sample inputs");
  cmd->add_option("file", f->file, "FILE.flow")->required();
  cmd->add_option("--samples", f->samplesFile, "JSON lines: one object of inputs per line");
  cmd->add_option("--from-record", f->fromRecord,
                  "`awc run --record` files (or directories) of this flow: their runs are "
                  "reference runs, with no call (repeatable; --samples then optional)")
      ->allow_extra_args(false);
  cmd->add_option("--endpoint", f->endpoint,
                  "override every model's endpoint (base URL); default: each model's own");
  cmd->add_option("--backend", f->backend, "override every model's provider")
      ->check(CLI::IsMember({"openai", "anthropic", "sim"}));
  cmd->add_option("--workflow", f->workflow, "which workflow, when the file has several");
  cmd->add_option("--min-agreement", f->minAgreement,
                  "the share of samples a candidate must agree on (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--confidence", f->confidence,
                  "how sure the bar must be met: a candidate passes when the lower bound of its "
                  "agreement at this confidence is at least --min-agreement (0.5: the observed "
                  "rate)")
      ->check(CLI::Range(0.5, 0.999))
      ->capture_default_str();
  cmd->add_option("--holdout", f->holdoutFile,
                  "JSON lines of held-back inputs: the chosen plan's agreement on them");
  cmd->add_option("--max-usd", f->maxUsd, "stop starting calls past this spend")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-calls", f->maxCalls, "stop starting calls past this many")
      ->check(CLI::NonNegativeNumber);
  auto* judge = cmd->add_option(
      "--judge", f->judge,
      "a model the flow declares that compares free-text answers (else by length and format)");
  auto* rubric = cmd->add_option("--rubric", f->rubric, "what the judge counts as the same answer")
                     ->needs(judge);
  cmd->add_option("--rubric-file", f->rubricFile, "the rubric, from a file")
      ->needs(judge)
      ->excludes(rubric);
  cmd->add_option("--tool-stubs", f->toolStubsFile, "FILE.json {tool: value} (testing aid)");
  cmd->add_option("-j,--jobs", f->concurrency, "model calls in flight at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("-o", f->output, "the profile to write (FLOW.profile.json)")->required();
  cmd->callback([f, &result] { result.exitCode = tuneCommand(*f); });
}

} // namespace awc::cli
