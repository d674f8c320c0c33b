// Recorded runs (`awc run --record` files) as tune's reference runs (recorded.cpp): read,
// checked against the flow and the plan tune measures, turned into SampleRuns.
#pragma once

#include "tune_reference.h"

#include <string>
#include <vector>

namespace awc::tune::detail {

/// What the plan tune measures looks like to a recording: its identity and its model steps.
struct RecordTarget {
  std::string workflow;
  std::string sourceHash; ///< Compilation::profileHashes.source of the flow tune compiled
  /// Step id ("mood", "map/step") → the wire name of its model, as sent in `request.model`.
  std::map<std::string, std::string> stepModels;
};

/// The usable runs of every recording, in file and run order.
struct RecordedRuns {
  std::vector<nlohmann::json> inputs; ///< each run's inputs (a sample), parallel to `runs`
  std::vector<SampleRun> runs;        ///< finished, successful runs with their exchanges
  std::vector<std::string> warnings;  ///< steps skipped, runs left out
};

/// The model steps of a plan (map bodies included) and their models' wire names.
RecordTarget recordTarget(const nlohmann::json& plan, const std::string& sourceHash);

/// Reads the recordings (a directory: its files, by name). A line that does not parse, or a
/// recording of another flow, workflow or version of the flow, is an error: false, with
/// `diagnostics` holding located errors (`FILE:LINE:COL: error: …`, never a line's content).
/// Exchanges of nodes the plan does not have (steps fused at the recording's -O level) or
/// sent to another model than the step's are skipped with a warning.
bool readRecordedRuns(const std::vector<std::string>& paths, const RecordTarget& target,
                      RecordedRuns& out, std::string& diagnostics);

/// One recording's text, read as readRecordedRuns reads a file named `name` (the fuzz target's
/// entry: the same checks, no file system).
bool readRecordedText(const std::string& name, const std::string& text, const RecordTarget& target,
                      RecordedRuns& out, std::string& diagnostics);

} // namespace awc::tune::detail
