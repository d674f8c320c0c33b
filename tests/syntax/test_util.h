// Helpers for the syntax tests: parse a string, read diagnostics as "line:col AWCnnnn".
#pragma once

#include "awc/ast/printer.h"
#include "awc/syntax/parser.h"

#include <memory>
#include <string>

namespace awc::test {

struct Parsed {
  SourceManager sources;
  DiagnosticEngine diags{sources, 1000};
  FileId file = kNoFile;
  std::unique_ptr<ast::Module> module;

  /// "line:col AWCnnnn" of diagnostic `i`, or "none".
  std::string diag(size_t i = 0) const {
    if (i >= diags.diagnostics().size()) return "none";
    const Diagnostic& d = diags.diagnostics()[i];
    LineCol lc = sources.lineCol(d.range);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col) + " " + diagId(d.code);
  }
  std::string message(size_t i = 0) const {
    return i < diags.diagnostics().size() ? diags.diagnostics()[i].message : "";
  }
  std::string all() const {
    std::string out;
    for (size_t i = 0; i < diags.diagnostics().size(); ++i)
      out += diag(i) + " " + message(i) + "\n";
    return out;
  }
  std::string dump() const { return ast::printAst(*module, sources); }
  /// line:col of a range.
  std::string at(SourceRange r) const {
    LineCol lc = sources.lineCol(r);
    return std::to_string(lc.line) + ":" + std::to_string(lc.col);
  }
  std::string text(SourceRange r) const {
    return std::string(sources.text(r.file).substr(r.begin, r.end - r.begin));
  }
};

inline std::unique_ptr<Parsed> parse(std::string text, const syntax::ParseOptions& options = {}) {
  auto p = std::make_unique<Parsed>();
  p->file = p->sources.addBuffer("test.flow", std::move(text));
  p->module = syntax::parseModule(p->file, p->sources, p->diags, options);
  return p;
}

} // namespace awc::test
