// `awc build`, `awc check`, `awc graph`, `awc explain`: thin wrappers over the driver.
#include "awc/ast/printer.h"
#include "awc/compiler/driver.h"
#include "awc/plan/emit.h"
#include "commands.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <iostream>
#include <set>
#include <unistd.h>

namespace awc::cli {
namespace {

struct CommonFlags {
  std::string optLevel = "2";
  std::vector<std::string> fFlags; // -fno-<pass>, -frightsize=...
  std::string workflow;
  std::vector<std::string> importRoots;
  std::string color = "auto";
  bool noWarnings = false;
  bool noOptWarnings = false;          // check only: front-end diagnostics, no passes
  bool verifyEach = false;             // build only
  std::vector<std::string> printAfter; // build only
  std::string profile;                 // --profile FILE (docs/tune.md)
};

void addCommonFlags(CLI::App* cmd, CommonFlags& f) {
  cmd->add_option("-O", f.optLevel,
                  "optimisation level: 0 (as written, sequential), 1 (parallel), 2 (all passes)")
      ->check(CLI::IsMember({"0", "1", "2"}));
  cmd->add_option("-f", f.fFlags,
                  "-fno-<pass> turns one pass off (see `awc explain`); "
                  "-frightsize=classify,extract lets named models move to their declared "
                  "cheaper alternatives")
      ->allow_extra_args(false); // one flag per -f: the files after it stay positional
  cmd->add_option("--workflow", f.workflow, "which workflow to compile when a file has several");
  cmd->add_option("--import-root", f.importRoots,
                  "a folder (besides the importing file's own) that imports may read from")
      ->allow_extra_args(false); // one folder per --import-root, repeatable
  cmd->add_option("--color", f.color, "colour diagnostics: auto, always, never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_flag("-w,--no-warnings", f.noWarnings, "do not report warnings");
  cmd->add_option("--profile", f.profile,
                  "apply what `awc tune` measured (FLOW.profile.json): cheaper models, "
                  "max_tokens, branch frequencies, lowerings that agreed (docs/tune.md)");
}

bool useColor(const std::string& mode) {
  if (mode == "always") return true;
  if (mode == "never" || std::getenv("NO_COLOR")) return false;
  return isatty(STDERR_FILENO) != 0;
}

// Turns the flags into options; prints the problem and returns false on a usage error.
bool toOptions(const CommonFlags& f, CompileOptions& o) {
  o.optLevel = std::stoi(f.optLevel);
  o.workflow = f.workflow;
  o.importRoots = f.importRoots;
  o.warnings = !f.noWarnings;
  o.verifyEach = f.verifyEach;
  o.profilePath = f.profile;
  for (const std::string& pass : f.printAfter) {
    if (pass != "all" && !passes::isKnownPass(pass)) {
      std::fprintf(stderr, "awc: --print-after: unknown pass '%s' (a pass name or 'all')\n",
                   pass.c_str());
      return false;
    }
    o.printAfter.insert(pass);
  }
  return applyFFlags(f.fFlags, o, "awc");
}

// Like renderAll, but without warnings under -w (the passes report theirs regardless).
void printDiagnostics(const Compilation& c, const CommonFlags& f) {
  RenderOptions r;
  r.color = useColor(f.color);
  if (!f.noWarnings) {
    std::fputs(renderAll(*c.diags, r).c_str(), stderr);
    return;
  }
  std::string text;
  size_t errors = 0;
  for (const Diagnostic& d : c.diags->diagnostics()) {
    if (d.severity != Severity::Error) continue;
    text += renderText(d, *c.sources, r);
    ++errors;
  }
  if (errors) text += fmt::format("{} error{}, 0 warnings\n", errors, errors == 1 ? "" : "s");
  std::fputs(text.c_str(), stderr);
}

bool writeFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::fprintf(stderr, "awc: cannot write '%s'\n", path.c_str());
    return false;
  }
  return true;
}

int runBuild(const std::vector<std::string>& files, const std::string& out, const std::string& emit,
             const CommonFlags& f) {
  CompileOptions o;
  if (!toOptions(f, o)) return kExitUsage;
  bool many = files.size() > 1;
  if (many && !out.empty() && !std::filesystem::is_directory(out)) {
    std::fprintf(stderr, "awc: with several inputs, -o must name an existing directory\n");
    return kExitUsage;
  }
  int status = kExitOk;
  for (const std::string& file : files) {
    Compilation c = compileFile(file, o);
    printDiagnostics(c, f);
    if (!c.ok()) {
      status = kExitInputErrors;
      continue;
    }
    std::string text;
    if (emit == "ast") {
      for (const auto& mod : c.program->modules)
        text += ast::printAst(*mod, *c.sources);
    } else if (emit == "plan")
      text = plan::serialize(c.plan);
    else if (emit == "dot")
      text = plan::toDot(*c.module);
    else if (emit == "mermaid")
      text = plan::toMermaid(*c.module);
    std::string target = out;
    if (many) {
      std::string stem = std::filesystem::path(file).stem().string() + ".plan.json";
      target = out.empty() ? (std::filesystem::path(file).parent_path() / stem).string()
                           : (std::filesystem::path(out) / stem).string();
    }
    if (target.empty() || target == "-")
      std::fputs(text.c_str(), stdout);
    else if (!writeFile(target, text))
      status = kExitUsage;
  }
  return status;
}

// The same analysis as build at the same -O level, so the same warnings (the passes'
// included, AWC6004-6009); only the plan is not written. --no-opt-warnings stops after sema.
int runCheck(const std::vector<std::string>& files, const CommonFlags& f) {
  CompileOptions o;
  if (!toOptions(f, o)) return kExitUsage;
  o.stopAfterSema = f.noOptWarnings;
  int status = kExitOk;
  for (const std::string& file : files) {
    Compilation c = compileFile(file, o);
    printDiagnostics(c, f);
    if (c.diags->hasErrors()) status = kExitInputErrors;
  }
  return status;
}

// "97 % on 200 samples"
std::string agreementText(const nlohmann::json& j) {
  return fmt::format("{:g} % on {} samples", std::round(j["agreement"].get<double>() * 1000) / 10,
                     j["samples"].get<int64_t>());
}

// The measured front: one line per plan, with its held-out figure when tune measured one.
std::string formatFront(const nlohmann::json& front) {
  std::string out = "  measured on the samples:\n";
  for (const auto& f : front) {
    if (f["held_out"].get<bool>()) continue;
    std::string heldOut;
    for (const auto& h : front)
      if (h["held_out"].get<bool>() && h["label"] == f["label"])
        heldOut = " (held-out: " + agreementText(h) + ")";
    out += fmt::format("    {}: {:.1f} s, ${:.6f}, {}{}\n", f["label"].get<std::string>(),
                       f["latency_ms"].get<double>() / 1000, f["cost_usd"].get<double>(),
                       agreementText(f), heldOut);
  }
  return out;
}

std::string formatProfile(const nlohmann::json& p) {
  // Tuned to the observed rate (confidence 0.5, and every profile from before the key): the bar
  // alone; else how sure tune was that it holds.
  double confidence = p.value("confidence", 0.5);
  std::string sure = confidence > 0.5
                         ? fmt::format(" at {:g} % confidence", std::round(confidence * 1000) / 10)
                         : std::string();
  std::string out = fmt::format(
      "\nprofile {} ({} match: {} of {} steps; {} tuning samples, {} held out; bar {:g} %{}):\n",
      p["file"].get<std::string>(), p["match"].get<std::string>(),
      p["steps_matched"].get<int64_t>(), p["steps_total"].get<int64_t>(),
      p["samples"].get<int64_t>(), p["held_out_samples"].get<int64_t>(),
      std::round(p["min_agreement"].get<double>() * 1000) / 10, sure);
  if (!p["front"].empty()) out += formatFront(p["front"]);
  if (!p["calibrated_models"].empty()) {
    std::string models;
    for (const auto& m : p["calibrated_models"])
      models += (models.empty() ? "" : ", ") + m.get<std::string>();
    out += "  latency calibrated for: " + models + "\n";
  }
  for (const auto& s : p["steps"])
    for (const auto& c : s["candidates"])
      out += fmt::format("  {}: {} {} {} ({}){}\n", s["id"].get<std::string>(),
                         c["kind"].get<std::string>(), c["value"].get<std::string>(),
                         c["taken"].get<bool>() ? "taken" : "not taken", agreementText(c),
                         c.contains("why") ? ": " + c["why"].get<std::string>() : "");
  return out;
}

std::string formatExplain(const nlohmann::json& e) {
  std::string out = "estimates (critical path latency under the model profiles):\n";
  std::size_t width = 5; // "-O2+profile" widens the level column
  for (const auto& level : e["levels"].items())
    width = std::max(width, level.key().size());
  out += fmt::format("  {:<{}} {:>12} {:>12} {:>14} {:>14} {:>14} {:>12}\n", "level", width + 1,
                     "latency ms", "model calls", "prompt tokens", "cached tokens", "output tokens",
                     "cost USD");
  for (const auto& [level, l] : e["levels"].items()) {
    out += fmt::format("  -{:<{}} {:>12.0f} {:>12.1f} {:>14} {:>14} {:>14} {:>12.6f}\n", level,
                       width, l["latency_ms"].get<double>(), l["model_calls"].get<double>(),
                       l["prompt_tokens"].get<int64_t>(), l["cached_tokens"].get<int64_t>(),
                       l["output_tokens"].get<int64_t>(), l["cost_usd"].get<double>());
  }
  double o0 = e["levels"]["O0"]["latency_ms"].get<double>();
  double o2 = e["levels"]["O2"]["latency_ms"].get<double>();
  if (o2 > 0) out += fmt::format("  estimated speed-up -O2 vs -O0: {:.2f}x\n", o0 / o2);
  for (const auto& level : e["levels"].items())
    if (level.key().find("+profile") != std::string::npos &&
        level.value()["latency_ms"].get<double>() > 0)
      out += fmt::format("  estimated speed-up -{} vs -O0: {:.2f}x\n", level.key(),
                         o0 / level.value()["latency_ms"].get<double>());
  if (const auto& l = e["levels"]["O2"]; l.contains("speculation_budget_usd"))
    out += fmt::format("  speculation budget at -O2: ${:.6f} (the estimated saving against -O0; "
                       "`awc run --speculate auto` starts hinted steps within it)\n",
                       l["speculation_budget_usd"].get<double>());
  if (e.contains("profile")) out += formatProfile(e["profile"]);
  out += fmt::format("\npasses at -O{}{}:\n", e["opt_level"].get<int>(),
                     e.contains("profile") ? " with the profile" : "");
  for (const auto& p : e["passes"]) {
    out += fmt::format("  {} ({} change{})\n", p["pass"].get<std::string>(), p["changes"].size(),
                       p["changes"].size() == 1 ? "" : "s");
    for (const auto& c : p["changes"])
      out += fmt::format("    - {}{}\n",
                         c["node"].get<std::string>().empty() ? ""
                                                              : c["node"].get<std::string>() + ": ",
                         c["message"].get<std::string>());
  }
  return out;
}

} // namespace

bool applyFFlags(const std::vector<std::string>& flags, CompileOptions& o, const char* command) {
  static const std::set<std::string> kTasks = {"classify", "extract"};
  for (const std::string& flag : flags) {
    if (flag.rfind("speculate-value=", 0) == 0) { // USD a second of latency saved is worth
      std::string text = flag.substr(16);
      char* end = nullptr;
      double usd = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0' || !(usd >= 0) || !std::isfinite(usd)) {
        std::fprintf(stderr, "%s: -fspeculate-value= wants a non-negative USD per second\n",
                     command);
        return false;
      }
      o.speculateUsdPerS = usd;
      continue;
    }
    if (flag.rfind("rightsize=", 0) == 0) {
      std::string list = flag.substr(10);
      size_t start = 0;
      do {
        size_t comma = list.find(',', start);
        std::string task = list.substr(start, comma == std::string::npos ? comma : comma - start);
        if (!kTasks.count(task)) {
          std::fprintf(stderr,
                       "%s: -frightsize: '%s' is not a task class rightsize may move "
                       "(classify, extract)\n",
                       command, task.c_str());
          return false;
        }
        o.rightsizeTasks.insert(task);
        start = comma == std::string::npos ? std::string::npos : comma + 1;
      } while (start != std::string::npos);
      continue;
    }
    if (flag.rfind("no-", 0) != 0 || !passes::isKnownPass(flag.substr(3))) {
      std::string known;
      for (const auto& p : passes::allPasses())
        known += fmt::format(" -fno-{}", p.name);
      std::fprintf(
          stderr,
          "%s: unknown flag '-f%s'; known:%s -frightsize=classify,extract -fspeculate-value=USD\n",
          command, flag.c_str(), known.c_str());
      return false;
    }
    o.disabledPasses.insert(flag.substr(3));
  }
  return true;
}

void addCompilerCommands(CLI::App& app, CommandResult& result) {
  // build
  {
    auto* cmd = app.add_subcommand("build", "compile .flow files to execution plans");
    auto files = std::make_shared<std::vector<std::string>>();
    auto out = std::make_shared<std::string>();
    auto emit = std::make_shared<std::string>("plan");
    auto flags = std::make_shared<CommonFlags>();
    cmd->add_option("files", *files, "the .flow files")->required();
    cmd->add_option("-o,--output", *out,
                    "output file (a directory with several inputs); default stdout");
    cmd->add_option("--emit", *emit, "what to write: plan, ast, dot, mermaid")
        ->check(CLI::IsMember({"plan", "ast", "dot", "mermaid"}));
    addCommonFlags(cmd, *flags);
    cmd->add_flag("--verify-each", flags->verifyEach,
                  "check the IR's invariants after every pass (an internal error names the pass)");
    cmd->add_option("--print-after", flags->printAfter,
                    "print the IR to stderr after this pass (repeatable, or 'all')")
        ->allow_extra_args(false); // one pass per occurrence: the files after it stay positional
    cmd->callback([=, &result] { result.exitCode = runBuild(*files, *out, *emit, *flags); });
  }
  // check
  {
    auto* cmd = app.add_subcommand("check", "report diagnostics only");
    auto files = std::make_shared<std::vector<std::string>>();
    auto flags = std::make_shared<CommonFlags>();
    cmd->add_option("files", *files, "the .flow files")->required();
    addCommonFlags(cmd, *flags);
    cmd->add_flag("--no-opt-warnings", flags->noOptWarnings,
                  "stop after type checking: no optimisation passes, so none of their warnings");
    cmd->callback([=, &result] { result.exitCode = runCheck(*files, *flags); });
  }
  // graph
  {
    auto* cmd = app.add_subcommand("graph", "print the dependency DAG");
    auto file = std::make_shared<std::string>();
    auto format = std::make_shared<std::string>("dot");
    auto flags = std::make_shared<CommonFlags>();
    cmd->add_option("file", *file, "the .flow file")->required();
    cmd->add_option("--format", *format, "dot or mermaid")
        ->check(CLI::IsMember({"dot", "mermaid"}));
    addCommonFlags(cmd, *flags);
    cmd->callback([=, &result] { result.exitCode = runBuild({*file}, "", *format, *flags); });
  }
  // explain
  {
    auto* cmd =
        app.add_subcommand("explain", "what each optimisation did, with estimates at -O0/-O1/-O2");
    auto file = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    auto flags = std::make_shared<CommonFlags>();
    cmd->add_option("file", *file, "the .flow file")->required();
    cmd->add_flag("--json", *json, "machine-readable output (docs/optimizations.md)");
    addCommonFlags(cmd, *flags);
    cmd->callback([=, &result] {
      CompileOptions o;
      if (!toOptions(*flags, o)) {
        result.exitCode = kExitUsage;
        return;
      }
      Compilation detail;
      nlohmann::json e = explainJson(*file, o, &detail);
      if (e.is_null()) {
        printDiagnostics(detail, *flags);
        result.exitCode = kExitInputErrors;
        return;
      }
      std::string text = *json ? plan::serialize(e) : formatExplain(e);
      std::fputs(text.c_str(), stdout);
      result.exitCode = kExitOk;
    });
  }
}

} // namespace awc::cli
