// `awc lint PATH...`: lints flows for CI. Files, directories and globs in; text, JSON,
// SARIF or GitHub annotations out; exit 0 clean, 1 errors (warnings too with --werror),
// 2 usage or I/O errors. --fix applies only safe, meaning-preserving edits.
#include "awc/lint/lint.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <thread>
#include <unistd.h>

#ifndef AWC_VERSION
#define AWC_VERSION "0.0.0"
#endif

namespace awc::cli {
namespace {

struct LintArgs {
  std::vector<std::string> paths;
  std::string format = "text";
  std::string output;
  std::string config;
  std::string color = "auto";
  std::vector<std::string> importRoots; // --import-root
  bool noConfig = false;
  bool werror = false;
  bool fix = false;
  bool listRules = false;
  int jobs = 0;
};

std::vector<lint::FileResult> lintAll(const std::vector<std::string>& files,
                                      const lint::Config& config, int jobs,
                                      const lint::LintOptions& options) {
  std::vector<lint::FileResult> results(files.size());
  size_t workers =
      std::clamp<size_t>(jobs > 0 ? size_t(jobs) : std::thread::hardware_concurrency(), 1, 16);
  workers = std::min(workers, files.size());
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < files.size(); i = next++)
      results[i] = lint::lintFile(files[i], config, options);
  };
  if (workers <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    for (size_t w = 0; w < workers; ++w)
      pool.emplace_back(work);
    for (auto& t : pool)
      t.join();
  }
  return results;
}

/// Writes text to path; the caller reports a failure.
bool writeText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::string listRules() {
  std::string out;
  for (const auto& r : lint::allRules())
    out += fmt::format("{}  {:<34} {:<8} {}\n", r.id, r.name, lint::levelName(r.level),
                       r.shortDescription);
  return out;
}

int runLint(const LintArgs& args) {
  if (args.listRules) {
    std::fputs(listRules().c_str(), stdout);
    return kExitOk;
  }
  // Configuration: --config, else .awc-lint.toml from the current directory upwards.
  lint::Config config;
  std::string configPath = args.config;
  if (configPath.empty() && !args.noConfig) configPath = lint::Config::discover(".");
  if (!configPath.empty()) {
    std::string error;
    std::optional<lint::Config> loaded = lint::Config::load(configPath, error);
    if (!loaded) {
      std::fprintf(stderr, "awc lint: %s\n", error.c_str());
      return kExitUsage;
    }
    config = std::move(*loaded);
  }
  std::vector<std::string> missing;
  std::vector<std::string> inputs = args.paths.empty() ? std::vector<std::string>{"."} : args.paths;
  std::vector<std::string> files = lint::expandPaths(inputs, missing);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [&](const std::string& f) { return config.excluded(f); }),
              files.end());
  bool ioFailure = false;
  for (const auto& m : missing) {
    std::fprintf(stderr, "awc lint: %s: no such file, directory or matching pattern\n", m.c_str());
    ioFailure = true;
  }

  lint::LintOptions options;
  options.compile.importRoots = args.importRoots;
  std::vector<lint::FileResult> results = lintAll(files, config, args.jobs, options);

  if (args.fix) {
    for (auto& r : results) {
      if (r.ioError || r.hasCompileErrors()) continue;
      size_t applied = 0;
      std::vector<std::string> changes;
      std::string fixed = lint::applySafeFixes(r, applied, changes);
      if (applied == 0) continue;
      // Never keep an edit that breaks the file: re-compile the fixed text first.
      lint::FileResult check = lint::lintSource(r.path, fixed, config, options);
      if (check.hasCompileErrors()) {
        std::fprintf(stderr, "awc lint: %s: fixes not applied (the result would not compile)\n",
                     r.path.c_str());
        continue;
      }
      if (!writeText(r.path, fixed)) {
        std::fprintf(stderr, "awc lint: %s: cannot write the fixed file\n", r.path.c_str());
        ioFailure = true;
        continue;
      }
      for (const auto& c : changes)
        std::fprintf(stderr, "fixed: %s\n", c.c_str());
      r = lint::lintFile(r.path, config, options); // report what remains
    }
  }

  std::string report;
  if (args.format == "text") {
    bool color = args.color == "always" || (args.color == "auto" && args.output.empty() &&
                                            isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR"));
    report = lint::renderText(results, {color});
  } else if (args.format == "json") {
    report = lint::renderJson(results).dump(2) + "\n";
  } else if (args.format == "sarif") {
    std::error_code ec;
    report = lint::renderSarif(results, std::filesystem::current_path(ec).string(), AWC_VERSION)
                 .dump(2) +
             "\n";
  } else {
    report = lint::renderGithub(results);
  }
  if (args.output.empty()) {
    std::fwrite(report.data(), 1, report.size(), stdout);
  } else if (!writeText(args.output, report)) {
    std::fprintf(stderr, "awc lint: cannot write %s\n", args.output.c_str());
    return kExitUsage;
  }

  size_t errors = 0, warnings = 0;
  for (const auto& r : results) {
    if (r.ioError) {
      if (args.format != "text")
        std::fprintf(stderr, "awc lint: %s: %s\n", r.path.c_str(), r.error.c_str());
      ioFailure = true;
    }
    errors += r.count(lint::Level::Error);
    warnings += r.count(lint::Level::Warning);
  }
  if (ioFailure) return kExitUsage;
  if (errors > 0 || (args.werror && warnings > 0)) return kExitInputErrors;
  return kExitOk;
}

} // namespace

void addLintCommand(CLI::App& app, CommandResult& result) {
  auto args = std::make_shared<LintArgs>();
  CLI::App* cmd =
      app.add_subcommand("lint", "Check flows for performance, cost, correctness, security and "
                                 "reliability problems (docs/lint-rules.md)");
  cmd->add_option("paths", args->paths,
                  "Files, directories (recursive *.flow) or glob patterns; default: .");
  cmd->add_option("--format,-f", args->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif", "github"}));
  cmd->add_option("--output,-o", args->output, "Write the report to FILE instead of stdout");
  cmd->add_option("--config", args->config,
                  "Configuration file (default: .awc-lint.toml, searched upwards)");
  cmd->add_flag("--no-config", args->noConfig, "Ignore .awc-lint.toml files");
  cmd->add_flag("--werror", args->werror, "Exit with 1 on warnings too");
  cmd->add_flag("--fix", args->fix,
                "Apply the safe fixes (static-first prompts, explicit max_tokens) in place");
  cmd->add_option("--color", args->color, "Colour text output")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--import-root", args->importRoots,
                  "A folder (besides each file's own) that imports may read from")
      ->allow_extra_args(false); // one folder per --import-root, repeatable
  cmd->add_option("--jobs,-j", args->jobs, "Files linted in parallel (default: number of CPUs)");
  cmd->add_flag("--list-rules", args->listRules,
                "Print every rule with its default level and exit");
  cmd->callback([args, &result] { result.exitCode = runLint(*args); });
}

} // namespace awc::cli
