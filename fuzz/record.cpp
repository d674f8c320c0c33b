// Fuzz target: an `awc run --record` file (docs/runtime.md) through tune's reader
// (tune/recorded.cpp), as `awc tune --from-record` reads it. A refusal must say where and why;
// what is accepted must be consistent: one sample per run, every exchange of a known step.
#include "tune_recorded.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace awc::tune::detail;
  static const RecordTarget target = [] {
    RecordTarget t;
    t.workflow = "triage";
    t.sourceHash = "h1";
    t.stepModels = {{"mood", "gpt-4o"}, {"scored/r", "gpt-4o-mini"}};
    return t;
  }();
  std::string text(reinterpret_cast<const char*>(data), size);
  RecordedRuns runs;
  std::string diagnostics;
  if (!readRecordedText("fuzz.jsonl", text, target, runs, diagnostics)) {
    if (diagnostics.rfind("fuzz.jsonl", 0) != 0) std::abort(); // located, never silent
    return 0;
  }
  if (runs.inputs.size() != runs.runs.size()) std::abort();
  for (const SampleRun& r : runs.runs)
    for (const auto& [node, x] : r.exchanges)
      if (!target.stepModels.count(stepOf(node))) std::abort();
  return 0;
}
