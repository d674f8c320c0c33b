// Semantic analysis: loads a root .flow file and its imports, resolves every name,
// checks types, single assignment and dependency cycles, and annotates the AST in place.
#pragma once

#include "awc/ast/ast.h"
#include "awc/sema/type.h"
#include "awc/support/diagnostics.h"

#include <llvm/ADT/StringMap.h>
#include <memory>
#include <string>
#include <vector>

namespace awc::sema {

struct AnalyzeOptions {
  /// Which workflow to compile; empty = the only one in the root file (or `main`).
  std::string workflow;
  /// Directory holding the standard .flow modules (`import std/x` → `<dir>/x.flow`).
  std::string stdlibDir;
  /// Folders (besides the importing file's own) that `import "..."` may read .flow files
  /// from; `--import-root DIR`.
  std::vector<std::string> importRoots;
  /// Report warnings (unused steps and inputs, ...).
  bool warnings = true;
};

/// A checked program: every module it reads, the symbol tables, and the workflow to compile.
struct Program {
  std::vector<std::unique_ptr<ast::Module>> modules; // imports first, the root file last
  TypeContext types;
  const ast::WorkflowDecl* workflow = nullptr; // null when there were errors
  llvm::StringMap<const ast::ModelDecl*> models;
  llvm::StringMap<const ast::LadderDecl*> ladders;
  llvm::StringMap<const ast::ToolDecl*> tools;
  llvm::StringMap<const ast::ConstDecl*> consts;
  llvm::StringMap<const ast::TypeAliasDecl*> typeAliases;
  llvm::StringMap<const ast::WorkflowDecl*> workflows;
  std::vector<std::string> hosts; // declared HTTP hosts, sorted, unique
};

/// Analyses `root` (already added to `sources`). Returns the program even when there were
/// errors (for tools that want partial results); `diags.hasErrors()` says whether it is usable.
std::unique_ptr<Program> analyze(FileId root, SourceManager& sources, DiagnosticEngine& diags,
                                 const AnalyzeOptions& options = {});

/// The closest candidate within a small edit distance, for "did you mean" hints; "" if none.
std::string closestName(std::string_view name, const std::vector<std::string>& candidates);

} // namespace awc::sema
