// The compiler as a library: .flow file in, plan / graph / explain out. The `awc` CLI,
// the lint command, tests and embedders all compile through this one entry point.
#pragma once

#include "awc/compiler/profile_use.h"
#include "awc/ir/cost_model.h"
#include "awc/ir/graph.h"
#include "awc/passes/pass.h"
#include "awc/sema/sema.h"
#include "awc/support/diagnostics.h"

#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

namespace awc {

struct CompileOptions {
  int optLevel = 2;
  std::set<std::string> disabledPasses; // -fno-<pass>
  std::string workflow;                 // --workflow; empty = the only one
  std::string stdlibDir;                // empty = AWC_STDLIB_DIR or the built-in path
  std::vector<std::string> importRoots; // --import-root: more folders imports may read
  bool warnings = true;
  bool stopAfterSema = false;       // `awc check`
  bool verifyEach = false;          // --verify-each: ir::verify after building and after every pass
  std::set<std::string> printAfter; // --print-after=PASS (or "all"): IR dumps to stderr
  std::optional<double> speculateUsdPerS; // -fspeculate-value=USD: a second saved is worth this
  std::set<std::string> rightsizeTasks;   // -frightsize=classify,extract (docs/optimizations.md)
  std::string profilePath;                // --profile FILE: what `awc tune` measured (docs/tune.md)
  /// With profilePath: use only the profile's measured model latencies (the server's speed), none
  /// of its decisions — so explain's -O0/-O1/-O2 rows are priced like its +profile row.
  bool profileCalibrateOnly = false;
};

/// Everything one compilation produced. `ok()` is false when there were errors; the
/// diagnostics say why. Owns the sources so diagnostics can be rendered later.
struct Compilation {
  std::unique_ptr<SourceManager> sources = std::make_unique<SourceManager>();
  std::unique_ptr<DiagnosticEngine> diags = std::make_unique<DiagnosticEngine>(*sources);
  std::unique_ptr<sema::Program> program;
  std::unique_ptr<ir::Module> module;
  std::vector<passes::PassReport> reports;
  ir::PlanEstimate estimate;
  nlohmann::json plan;
  /// The hashes a profile is matched by (set once the IR is built; `awc tune` writes them).
  ProfileHashes profileHashes;
  /// The profile given with --profile, matched to the flow (what the passes applied).
  std::optional<ProfileUse> profile;
  /// Wall time of each phase in ms, in order ("front end", "build IR", "pass fold", ..., "emit").
  std::vector<std::pair<std::string, double>> timings;

  bool ok() const { return !diags->hasErrors() && (module != nullptr); }
};

/// Compiles a file from disk.
Compilation compileFile(const std::string& path, const CompileOptions& options = {});
/// Compiles in-memory text under a display name (tests, stdin, embedders).
Compilation compileSource(const std::string& name, std::string text,
                          const CompileOptions& options = {});

/// `awc explain --json`: estimates at -O0, -O1 and -O2 side by side plus what each pass
/// did at the requested level (docs/optimizations.md describes the format). With a profile
/// (`options.profilePath`) the levels are estimated without it, and "O2+profile" (the
/// requested level with it), its passes and a "profile" key are added (docs/tune.md).
nlohmann::json explainJson(const std::string& path, const CompileOptions& options,
                           Compilation* detail = nullptr);

} // namespace awc
