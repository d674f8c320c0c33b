// Source files and locations. A location is a file id plus byte offsets; it becomes
// line:col only when printed, so every stage can carry it cheaply.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc {

/// The whole text of a file, or nullopt with `error` set to "cannot open <what> 'PATH'" (or
/// "cannot read ..." when reading fails part way). `what` names the kind of file ("plan file").
std::optional<std::string> readFile(const std::string& path, std::string& error,
                                    std::string_view what = "");

using FileId = uint32_t;
inline constexpr FileId kNoFile = 0;

/// A half-open byte range [begin, end) in one source file.
struct SourceRange {
  FileId file = kNoFile;
  uint32_t begin = 0;
  uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  static SourceRange join(SourceRange a, SourceRange b) {
    if (!a.valid()) return b;
    if (!b.valid()) return a;
    return {a.file, a.begin < b.begin ? a.begin : b.begin, a.end > b.end ? a.end : b.end};
  }
};

/// 1-based line and column (columns count bytes, as gcc does).
struct LineCol {
  uint32_t line = 0;
  uint32_t col = 0;
};

/// Owns the text of every file a compilation reads. Ids start at 1; 0 means "no file".
class SourceManager {
public:
  SourceManager();
  ~SourceManager();
  SourceManager(const SourceManager&) = delete;
  SourceManager& operator=(const SourceManager&) = delete;

  /// Adds an in-memory buffer (tests, stdin, stdlib modules) under a display name.
  FileId addBuffer(std::string name, std::string contents);
  /// Reads a file from disk; returns nullopt and fills `error` when it cannot.
  std::optional<FileId> addFile(const std::string& path, std::string& error);
  /// The id of an already loaded file with this exact path, if any.
  std::optional<FileId> findFile(std::string_view path) const;

  std::string_view name(FileId file) const;
  std::string_view text(FileId file) const;
  LineCol lineCol(FileId file, uint32_t offset) const;
  LineCol lineCol(SourceRange range) const { return lineCol(range.file, range.begin); }
  /// The full text of a 1-based line, without its line terminator.
  std::string_view lineText(FileId file, uint32_t line) const;
  /// "file:line:col" for messages and plans.
  std::string describe(SourceRange range) const;
  size_t fileCount() const { return files_.size(); }

private:
  struct File;
  const File& file(FileId id) const;
  std::vector<std::unique_ptr<File>> files_;
};

} // namespace awc
