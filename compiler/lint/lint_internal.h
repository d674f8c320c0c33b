// Pieces of the linter shared between its source files (not a public API).
#pragma once

#include "awc/lint/lint.h"

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

FileResult lintCompilation(std::string path, Compilation compilation, const Config& config);

} // namespace awc::lint
