// The AST dumper behind `awc build --emit=ast` and the syntax golden tests.
#pragma once

#include "awc/ast/ast.h"

#include <string>

namespace awc::ast {

/// A deterministic, indented s-expression dump of `module`: one node per line as
/// `(kind details @line:col`, children indented by two spaces. Strings are printed
/// escaped, so the dump is always one line per node.
std::string printAst(const Module& module, const SourceManager& sources);

} // namespace awc::ast
