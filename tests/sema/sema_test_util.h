// Test helpers: analyse a flow given as text (or a file on disk) and inspect its diagnostics.
#pragma once

#include "awc/sema/sema.h"

#include <fmt/format.h>
#include <memory>
#include <string>

namespace awc::sema::test {

struct Checked {
  SourceManager sources;
  DiagnosticEngine diags{sources};
  std::unique_ptr<Program> program;
  FileId root = kNoFile;

  /// Errors and warnings, one per line: "line:col AWCnnnn message".
  std::string summary() const {
    std::string s;
    for (const Diagnostic& d : diags.diagnostics()) {
      LineCol lc = sources.lineCol(d.range);
      s += fmt::format("{}:{} {} {}\n", lc.line, lc.col, diagId(d.code), d.message);
    }
    return s;
  }
  const Diagnostic* first(Severity severity = Severity::Error) const {
    for (const Diagnostic& d : diags.diagnostics())
      if (d.severity == severity) return &d;
    return nullptr;
  }
  const Diagnostic* find(DiagCode code) const {
    for (const Diagnostic& d : diags.diagnostics())
      if (d.code == code) return &d;
    return nullptr;
  }
  size_t count(DiagCode code) const {
    size_t n = 0;
    for (const Diagnostic& d : diags.diagnostics())
      n += d.code == code;
    return n;
  }
};

/// Options for a test that looks at errors only: no warnings, the repository's stdlib.
inline AnalyzeOptions quiet() {
  AnalyzeOptions o;
  o.warnings = false;
  o.stdlibDir = AWC_SOURCE_DIR "/stdlib/flow";
  return o;
}

inline std::unique_ptr<Checked> checkSource(const std::string& text, AnalyzeOptions options = {},
                                            const std::string& name = "test.flow") {
  auto c = std::make_unique<Checked>();
  c->root = c->sources.addBuffer(name, text);
  c->program = analyze(c->root, c->sources, c->diags, options);
  return c;
}

inline std::unique_ptr<Checked> checkFile(const std::string& path, AnalyzeOptions options = {}) {
  auto c = std::make_unique<Checked>();
  std::string error;
  auto id = c->sources.addFile(path, error);
  if (!id) return c;
  c->root = *id;
  c->program = analyze(c->root, c->sources, c->diags, options);
  return c;
}

} // namespace awc::sema::test
