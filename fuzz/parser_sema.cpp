// Fuzz target: .flow text through the parser and sema to rendered diagnostics (never a crash).
#include "awc/sema/sema.h"
#include "awc/support/diagnostics.h"
#include "awc/support/source.h"

#include <cstddef>
#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  awc::SourceManager sources;
  awc::DiagnosticEngine diags(sources);
  awc::FileId root =
      sources.addBuffer("fuzz.flow", std::string(reinterpret_cast<const char*>(data), size));
  auto program = awc::sema::analyze(root, sources, diags);
  // Rendering reads every location sema reported: a bad range shows up here.
  std::string text = awc::renderAll(diags);
  if (program == nullptr || (diags.hasErrors() && text.empty())) __builtin_trap();
  return 0;
}
