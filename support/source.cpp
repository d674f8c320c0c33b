// SourceManager: file contents plus lazily built line tables.
#include "awc/support/source.h"

#include <algorithm>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

namespace awc {

struct SourceManager::File {
  std::string name;
  std::string text;
  mutable std::vector<uint32_t> lineStarts; // built on first lookup

  void buildLines() const {
    if (!lineStarts.empty()) return;
    lineStarts.push_back(0);
    for (uint32_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') lineStarts.push_back(i + 1);
  }
};

SourceManager::SourceManager() = default;
SourceManager::~SourceManager() = default;

FileId SourceManager::addBuffer(std::string name, std::string contents) {
  auto f = std::make_unique<File>();
  f->name = std::move(name);
  f->text = std::move(contents);
  files_.push_back(std::move(f));
  return static_cast<FileId>(files_.size());
}

std::optional<std::string> readFile(const std::string& path, std::string& error,
                                    std::string_view what) {
  std::string named = what.empty() ? fmt::format("'{}'", path) : fmt::format("{} '{}'", what, path);
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot open " + named;
    return std::nullopt;
  }
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) {
    error = "cannot read " + named;
    return std::nullopt;
  }
  return std::move(buf).str();
}

std::optional<FileId> SourceManager::addFile(const std::string& path, std::string& error) {
  if (auto existing = findFile(path)) return existing;
  auto text = readFile(path, error);
  if (!text) return std::nullopt;
  return addBuffer(path, std::move(*text));
}

std::optional<FileId> SourceManager::findFile(std::string_view path) const {
  for (size_t i = 0; i < files_.size(); ++i)
    if (files_[i]->name == path) return static_cast<FileId>(i + 1);
  return std::nullopt;
}

const SourceManager::File& SourceManager::file(FileId id) const {
  return *files_.at(id - 1);
}

std::string_view SourceManager::name(FileId id) const {
  return id == kNoFile ? std::string_view("<unknown>") : std::string_view(file(id).name);
}

std::string_view SourceManager::text(FileId id) const {
  return file(id).text;
}

LineCol SourceManager::lineCol(FileId id, uint32_t offset) const {
  if (id == kNoFile) return {};
  const File& f = file(id);
  f.buildLines();
  auto it = std::upper_bound(f.lineStarts.begin(), f.lineStarts.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - f.lineStarts.begin());
  return {line, offset - f.lineStarts[line - 1] + 1};
}

std::string_view SourceManager::lineText(FileId id, uint32_t line) const {
  const File& f = file(id);
  f.buildLines();
  if (line == 0 || line > f.lineStarts.size()) return {};
  uint32_t begin = f.lineStarts[line - 1];
  uint32_t end = line < f.lineStarts.size() ? f.lineStarts[line] - 1 : f.text.size();
  if (end > begin && f.text[end - 1] == '\r') --end;
  return std::string_view(f.text).substr(begin, end - begin);
}

std::string SourceManager::describe(SourceRange range) const {
  if (!range.valid()) return "<unknown>";
  LineCol lc = lineCol(range);
  return fmt::format("{}:{}:{}", name(range.file), lc.line, lc.col);
}

} // namespace awc
