// Pieces of the linter shared between its source files (not a public API).
#pragma once

#include "awc/lint/lint.h"

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace awc::lint {

/// `// awc-lint: disable=…` comments of every file of a compilation, found in the raw text.
class Suppressions {
public:
  Suppressions(const SourceManager& sources, const sema::Program* program);
  bool suppressed(const std::string& ruleId, SourceRange range);

private:
  struct Span {
    uint32_t begin, end;
    std::set<std::string> rules; // rule ids; "*" = all
  };
  struct FileSupp {
    bool scanned = false;
    std::set<std::string> fileWide;
    std::vector<Span> spans;
  };
  void scan(FileId file, FileSupp& out);
  const SourceManager& sources_;
  const sema::Program* program_;
  std::vector<FileSupp> files_;
};

// AST queries (ast_queries.cpp).
/// A prompt part whose text is known at compile time: literals and constants only.
bool isStaticExpr(const ast::Expr* e);
/// The text of a static prompt part (constants resolved, as the IR does).
std::optional<std::string> staticText(const ast::Expr* e);
/// `s` without leading and trailing white space.
std::string trimmed(std::string_view s);
/// `s` with every run of white space collapsed to one space.
std::string collapseSpace(std::string_view s);
/// An expression that reads nothing at run time: literals and constants combined.
bool isConstantExpr(const ast::Expr* e);
/// Calls `fn` on `e` and every expression under it.
void forEachExpr(const ast::Expr* e, const std::function<void(const ast::Expr*)>& fn);
/// Whether `e` reads a workflow input, directly or through native steps; names it in `which`.
bool readsInput(const ast::Expr* e, std::string& which);
/// A call under `e` (or in a step it reads) whose value changes on every run, or null.
const ast::CallExpr* volatileCall(const ast::Expr* e);

FileResult lintCompilation(std::string path, Compilation compilation, const Config& config);

} // namespace awc::lint
