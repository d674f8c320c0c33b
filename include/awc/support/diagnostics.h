// The diagnostics engine: one table of codes (diagnostic_codes.def), diagnostics that
// carry a code, a range, notes and hints, and consumers that render them gcc-style or
// as JSON. User mistakes become diagnostics; library code never throws for them.
#pragma once

#include "awc/support/source.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc {

enum class Severity : uint8_t { Note, Warning, Error };

enum class DiagCode : uint16_t {
#define AWC_DIAG(Name, Number, Sev, Title) Name = Number,
#include "awc/support/diagnostic_codes.def"
};

/// Static facts about one code, from the table.
struct DiagInfo {
  DiagCode code;
  std::string_view name;  // "UnknownName"
  Severity severity;      // default severity
  std::string_view title; // "unknown name"
};
const DiagInfo& diagInfo(DiagCode code);
/// Every code in the table, in table order.
const std::vector<DiagInfo>& allDiagInfos();
/// "AWC2001"
std::string diagId(DiagCode code);

/// A replacement that fixes the problem mechanically (used by lint --fix).
struct FixIt {
  SourceRange range;
  std::string replacement;
};

struct DiagNote {
  SourceRange range; // may be invalid: a note without a place
  std::string message;
};

struct Diagnostic {
  DiagCode code{};
  Severity severity = Severity::Error;
  SourceRange range;
  std::string message;
  std::vector<DiagNote> notes;
  std::vector<std::string> hints;
  std::vector<FixIt> fixes;
};

/// Collects diagnostics in order. Stops recording (and says so once) after `maxErrors`
/// errors, so hostile input cannot produce unbounded output.
class DiagnosticEngine {
public:
  explicit DiagnosticEngine(const SourceManager& sources, size_t maxErrors = 100)
      : sources_(sources), maxErrors_(maxErrors) {}

  /// Reports a diagnostic with the code's default severity; returns it for adding notes.
  Diagnostic& report(DiagCode code, SourceRange range, std::string message);
  Diagnostic& report(Severity severity, DiagCode code, SourceRange range, std::string message);

  const std::vector<Diagnostic>& diagnostics() const { return diags_; }
  size_t errorCount() const { return errors_; }
  size_t warningCount() const { return warnings_; }
  bool hasErrors() const { return errors_ > 0; }
  const SourceManager& sources() const { return sources_; }
  /// Orders diagnostics by file, then position (stable), for deterministic output.
  void sortByLocation();

private:
  const SourceManager& sources_;
  size_t maxErrors_;
  size_t errors_ = 0;
  size_t warnings_ = 0;
  std::vector<Diagnostic> diags_;
  Diagnostic overflow_; // sink once the limit is reached
};

struct RenderOptions {
  bool color = false;
};

/// `file:line:col: error[AWC2001]: message`, the source line, a caret/underline, then
/// notes and hints — the format every awc command prints.
std::string renderText(const Diagnostic& diag, const SourceManager& sources,
                       const RenderOptions& options = {});
/// All diagnostics plus a closing "N errors, M warnings" line when there are any.
std::string renderAll(const DiagnosticEngine& engine, const RenderOptions& options = {});
/// One line per diagnostic, "file:line:col: code" — what golden tests compare.
std::string renderBrief(const DiagnosticEngine& engine);

} // namespace awc
