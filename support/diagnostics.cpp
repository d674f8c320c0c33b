// Diagnostic codes table, the engine, and the gcc-style text renderer.
#include "awc/support/diagnostics.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc {

const std::vector<DiagInfo>& allDiagInfos() {
  static const std::vector<DiagInfo> infos = {
#define AWC_DIAG(Name, Number, Sev, Title) {DiagCode::Name, #Name, Severity::Sev, Title},
#include "awc/support/diagnostic_codes.def"
  };
  return infos;
}

const DiagInfo& diagInfo(DiagCode code) {
  for (const DiagInfo& info : allDiagInfos())
    if (info.code == code) return info;
  return allDiagInfos().front(); // unreachable for codes from the table
}

std::string diagId(DiagCode code) {
  return fmt::format("AWC{:04}", static_cast<unsigned>(code));
}

Diagnostic& DiagnosticEngine::report(DiagCode code, SourceRange range, std::string message) {
  return report(diagInfo(code).severity, code, range, std::move(message));
}

Diagnostic& DiagnosticEngine::report(Severity severity, DiagCode code, SourceRange range,
                                     std::string message) {
  if (severity == Severity::Error) {
    if (errors_ >= maxErrors_) {
      if (errors_ == maxErrors_) {
        ++errors_;
        diags_.push_back({DiagCode::TooManyErrors, Severity::Error, range,
                          fmt::format("too many errors; stopping after {}", maxErrors_)});
      }
      overflow_ = {};
      return overflow_;
    }
    ++errors_;
  } else if (severity == Severity::Warning) {
    ++warnings_;
  }
  diags_.push_back({code, severity, range, std::move(message)});
  return diags_.back();
}

void DiagnosticEngine::sortByLocation() {
  std::stable_sort(diags_.begin(), diags_.end(), [](const Diagnostic& a, const Diagnostic& b) {
    if (a.range.file != b.range.file) return a.range.file < b.range.file;
    return a.range.begin < b.range.begin;
  });
}

namespace {

const char* severityWord(Severity s) {
  switch (s) {
  case Severity::Error:
    return "error";
  case Severity::Warning:
    return "warning";
  case Severity::Note:
    return "note";
  }
  return "error";
}

struct Palette {
  const char* bold = "";
  const char* red = "";
  const char* magenta = "";
  const char* cyan = "";
  const char* green = "";
  const char* reset = "";
};

Palette palette(bool color) {
  if (!color) return {};
  return {"\x1b[1m", "\x1b[1;31m", "\x1b[1;35m", "\x1b[1;36m", "\x1b[1;32m", "\x1b[0m"};
}

// The quoted source line must not garble a terminal: tabs become spaces (so the caret
// lines up), control characters and bytes of invalid UTF-8 become '?'. Every input byte
// stays one output column.
std::string printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    if (c == '\t') {
      out += ' ';
      ++i;
    } else if (c < 0x20 || c == 0x7f) {
      out += '?';
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      size_t len = c >= 0xf0 && c < 0xf5 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
      bool valid = len > 0 && i + len <= s.size();
      for (size_t k = 1; valid && k < len; ++k)
        valid = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
      if (valid) {
        out.append(s.substr(i, len));
        i += len;
      } else {
        out += '?';
        ++i;
      }
    }
  }
  return out;
}

void appendSnippet(std::string& out, SourceRange range, const SourceManager& sources,
                   const Palette& p) {
  if (!range.valid()) return;
  LineCol lc = sources.lineCol(range);
  std::string_view line = sources.lineText(range.file, lc.line);
  constexpr size_t kMaxShown = 200; // long lines are cut around the caret
  size_t col0 = lc.col - 1;
  size_t shownBegin = col0 > kMaxShown / 2 ? col0 - kMaxShown / 2 : 0;
  std::string_view shown = line.substr(std::min(shownBegin, line.size()), kMaxShown);
  size_t width = range.end > range.begin ? range.end - range.begin : 1;
  size_t caretCol = col0 - shownBegin;
  if (caretCol > shown.size()) caretCol = shown.size();
  width =
      std::max<size_t>(1, std::min(width, shown.size() > caretCol ? shown.size() - caretCol : 1));
  std::string gutter = fmt::format("{:>5} | ", lc.line);
  out += gutter;
  out += printable(shown);
  out += '\n';
  out += std::string(gutter.size() - 2, ' ');
  out += "| ";
  out += std::string(caretCol, ' ');
  out += p.green;
  out += '^';
  if (width > 1) out += std::string(width - 1, '~');
  out += p.reset;
  out += '\n';
}

} // namespace

std::string renderText(const Diagnostic& diag, const SourceManager& sources,
                       const RenderOptions& options) {
  Palette p = palette(options.color);
  std::string out;
  const char* sevColor = diag.severity == Severity::Error     ? p.red
                         : diag.severity == Severity::Warning ? p.magenta
                                                              : p.cyan;
  out += fmt::format("{}{}: {}{}[{}]: {}{}{}\n", p.bold, sources.describe(diag.range), sevColor,
                     severityWord(diag.severity), diagId(diag.code), p.reset, p.bold, diag.message);
  out += p.reset;
  appendSnippet(out, diag.range, sources, p);
  for (const DiagNote& note : diag.notes) {
    if (note.range.valid()) {
      out += fmt::format("{}{}: {}note{}: {}\n", p.bold, sources.describe(note.range), p.cyan,
                         p.reset, note.message);
      appendSnippet(out, note.range, sources, p);
    } else {
      out += fmt::format("  {}note{}: {}\n", p.cyan, p.reset, note.message);
    }
  }
  for (const std::string& hint : diag.hints)
    out += fmt::format("  {}hint{}: {}\n", p.green, p.reset, hint);
  return out;
}

std::string renderAll(const DiagnosticEngine& engine, const RenderOptions& options) {
  std::string out;
  for (const Diagnostic& d : engine.diagnostics())
    out += renderText(d, engine.sources(), options);
  size_t errors = std::min(engine.errorCount(), engine.diagnostics().size());
  size_t warnings = engine.warningCount();
  if (errors || warnings)
    out += fmt::format("{} error{}, {} warning{}\n", errors, errors == 1 ? "" : "s", warnings,
                       warnings == 1 ? "" : "s");
  return out;
}

std::string renderBrief(const DiagnosticEngine& engine) {
  std::string out;
  for (const Diagnostic& d : engine.diagnostics())
    out += fmt::format("{}: {}[{}]: {}\n", engine.sources().describe(d.range),
                       severityWord(d.severity), diagId(d.code), d.message);
  return out;
}

} // namespace awc
