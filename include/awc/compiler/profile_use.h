// `--profile`: the hashes that match a profile to a flow, and loading, checking and matching
// a profile for the passes (docs/tune.md, "Building with a profile"). The tuner computes its
// hashes with the same functions, so writer and reader cannot disagree.
#pragma once

#include "awc/ir/graph.h"
#include "awc/passes/pass.h"
#include "awc/profile/profile.h"
#include "awc/support/diagnostics.h"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc {

/// The hashes of a flow as written (its IR as built, before any pass).
struct ProfileHashes {
  std::string source;                       ///< profile::flowHash of the root file's text
  std::map<std::string, std::string> steps; ///< model step id → stepHash
};

/// One model step's hash: its model (or `auto` ladder), messages, result type, options and
/// flags, from the IR as built (before any pass changed it).
std::string stepHash(const ir::Node& llmStep);

/// Every model step's hash, map and reduce bodies included ("map_id/step" ids).
ProfileHashes profileHashes(const ir::Module& module, std::string_view sourceText);

/// A profile matched to a flow: what the passes may apply, and what explain reports.
struct ProfileUse {
  profile::Profile profile; ///< only the steps whose hash matched (all of them on a whole match)
  profile::Profile loaded;  ///< the file as read (explain's front and per-step report)
  bool wholeMatch = false;
  std::size_t stepsMatched = 0;
  std::size_t stepsTotal = 0;
  std::vector<std::string> calibrated; ///< models whose latency the profile's figures replaced
};

/// Reads and checks the profile at `path` (bounded); reports a bad file as AWC2018, located at
/// the bad value when the file is a profile, by name only when it is not. The file's text in
/// `text` on success.
std::optional<profile::Profile> loadProfile(const std::string& path, SourceManager& sources,
                                            DiagnosticEngine& diags, std::string& text);

/// Reads the profile at `path`, reports a bad file (AWC2018, located in it), another flow
/// (AWC2019) or a partial match (AWC6010) on `diags`, and calibrates the module's models'
/// latency from the profile's measured figures. nullopt after an error.
std::optional<ProfileUse> useProfile(const std::string& path, ir::Module& module,
                                     const ProfileHashes& hashes, SourceManager& sources,
                                     DiagnosticEngine& diags);

/// explain's "profile" key: how the profile matched, its measured front, and per step each
/// candidate with whether a pass took it and why (docs/tune.md).
nlohmann::json profileExplainJson(const ProfileUse& use, const std::string& path,
                                  const std::vector<passes::PassReport>& reports);

} // namespace awc
