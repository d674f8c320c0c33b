// `awc tune`: run a flow over sample inputs, measure each model step's candidate changes against
// the answers of the flow as written, and write the profile (docs/tune.md, "Running awc tune").
#include "awc/profile/profile.h"
#include "awc/tune/tune.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <unistd.h>

namespace awc::cli {
namespace {

struct TuneFlags {
  std::string file;
  std::string samplesFile;
  std::string holdoutFile;
  std::string endpoint;
  std::string backend;
  std::string workflow;
  std::string toolStubsFile;
  std::string output;
  double minAgreement = 0.95;
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
  o.concurrency = f.concurrency;
  if (f.maxUsd >= 0) o.maxUsd = f.maxUsd;
  if (f.maxCalls >= 0) o.maxCalls = f.maxCalls;
  std::string error;
  if (!tune::readSamples(f.samplesFile, o.samples, error) ||
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
  std::fprintf(
      stderr,
      "awc tune: %lld of %zu samples ran, %zu model steps, %d candidates accepted · %lld calls · "
      "$%.6f · %.0f ms, calls in flight %.0f ms%s → %s\n",
      (long long)r.profile.samples, o.samples.size(), r.profile.steps.size(), accepted,
      (long long)r.calls, r.spentUsd, r.wallMs, r.callsBusyMs,
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
  cmd->add_option("--samples", f->samplesFile, "JSON lines: one object of inputs per line")
      ->required();
  cmd->add_option("--endpoint", f->endpoint, "every model's endpoint (base URL)")->required();
  cmd->add_option("--backend", f->backend, "override every model's provider")
      ->check(CLI::IsMember({"openai", "anthropic", "sim"}));
  cmd->add_option("--workflow", f->workflow, "which workflow, when the file has several");
  cmd->add_option("--min-agreement", f->minAgreement,
                  "the share of samples a candidate must agree on (0..1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  cmd->add_option("--holdout", f->holdoutFile,
                  "JSON lines of held-back inputs: the chosen plan's agreement on them");
  cmd->add_option("--max-usd", f->maxUsd, "stop starting calls past this spend")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-calls", f->maxCalls, "stop starting calls past this many")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--tool-stubs", f->toolStubsFile, "FILE.json {tool: value} (testing aid)");
  cmd->add_option("-j,--jobs", f->concurrency, "model calls in flight at once")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("-o", f->output, "the profile to write (FLOW.profile.json)")->required();
  cmd->callback([f, &result] { result.exitCode = tuneCommand(*f); });
}

} // namespace awc::cli
