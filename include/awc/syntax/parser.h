// The front door of the front end: .flow text in, awc AST out. The only header of
// compiler/syntax; no ANTLR type crosses it.
#pragma once

#include "awc/ast/ast.h"
#include "awc/support/diagnostics.h"

#include <cstddef>
#include <memory>

namespace awc::syntax {

struct ParseOptions {
  /// Brackets, braces and parentheses nested deeper than this are rejected before
  /// parsing (AWC1008), so hostile input cannot overflow the stack.
  size_t maxNesting = 256;
  /// Expressions nested deeper than this (e.g. long operator chains) are rejected (AWC5002).
  size_t maxExprDepth = 1000;
  /// Larger files are rejected (AWC1009).
  size_t maxFileBytes = size_t(64) << 20;
};

/// Parses one file. Always returns a module — partial when there were syntax errors,
/// which are reported to `diags` with exact locations; parsing recovers and reports
/// every error it can in one run. In a module parsed with errors, children that the
/// source lacks (a step's value, a type, ...) are null; without errors none is.
/// Never throws; runs the parse on its own thread with a 64 MB stack.
std::unique_ptr<ast::Module> parseModule(FileId file, const SourceManager& sources,
                                         DiagnosticEngine& diags, const ParseOptions& options = {});

} // namespace awc::syntax
