// Inline suppressions. `// awc-lint: disable=AWL101,unused-step` at the end of a line
// silences those rules on that line; on a line of its own it silences them for the
// declaration or step that follows (all of it); `disable-file=` for the whole file.
// Comments never reach the AST, so they are found in the raw text.
#include "lint_internal.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <llvm/Support/Casting.h>

namespace awc::lint {

Suppressions::Suppressions(const SourceManager& sources, const sema::Program* program)
    : sources_(sources), program_(program), files_(sources.fileCount() + 1) {}

namespace {

std::set<std::string> parseRuleList(std::string_view list) {
  std::set<std::string> out;
  size_t i = 0;
  while (i < list.size()) {
    size_t j = i;
    while (j < list.size() && (std::isalnum(static_cast<unsigned char>(list[j])) ||
                               list[j] == '-' || list[j] == '_' || list[j] == '*'))
      ++j;
    std::string_view name = list.substr(i, j - i);
    if (!name.empty()) {
      if (name == "*" || name == "all")
        out.insert("*");
      else if (const RuleInfo* r = findRule(name))
        out.insert(std::string(r->id));
      else
        out.insert(std::string(name)); // an AWC code, or unknown: harmless
    }
    if (j >= list.size() || list[j] != ',') break;
    i = j + 1;
    while (i < list.size() && list[i] == ' ')
      ++i;
  }
  return out;
}

void collectRanges(const sema::Program* program, FileId file, std::vector<SourceRange>& out) {
  if (!program) return;
  std::function<void(const std::vector<std::unique_ptr<ast::Step>>&)> steps;
  std::function<void(const ast::Expr*)> expr = [&](const ast::Expr* e) {
    if (!e) return;
    if (auto* i = llvm::dyn_cast<ast::IfExpr>(e)) {
      steps(i->thenBlock.steps);
      steps(i->elseBlock.steps);
      expr(i->elseBlock.value.get());
    } else if (auto* m = llvm::dyn_cast<ast::MapExpr>(e)) {
      steps(m->body.steps);
    } else if (auto* r = llvm::dyn_cast<ast::ReduceExpr>(e)) {
      steps(r->body.steps);
    }
  };
  steps = [&](const std::vector<std::unique_ptr<ast::Step>>& list) {
    for (const auto& s : list) {
      if (!s) continue;
      out.push_back(s->range());
      expr(s->value.get());
    }
  };
  for (const auto& mod : program->modules) {
    if (mod->file != file) continue;
    for (const auto& d : mod->decls) {
      if (!d) continue;
      out.push_back(d->range());
      if (auto* wf = llvm::dyn_cast<ast::WorkflowDecl>(d.get())) steps(wf->steps);
    }
  }
}

} // namespace

void Suppressions::scan(FileId file, FileSupp& out) {
  out.scanned = true;
  std::string_view text = sources_.text(file);
  static constexpr std::string_view kMarker = "awc-lint:";
  std::vector<SourceRange> targets; // filled lazily: most files have no suppressions
  size_t pos = 0;
  while ((pos = text.find(kMarker, pos)) != std::string_view::npos) {
    size_t lineStart = text.rfind('\n', pos);
    lineStart = lineStart == std::string_view::npos ? 0 : lineStart + 1;
    size_t lineEnd = text.find('\n', pos);
    if (lineEnd == std::string_view::npos) lineEnd = text.size();
    size_t slashes = text.rfind("//", pos);
    size_t after = pos + kMarker.size();
    pos = after;
    if (slashes == std::string_view::npos || slashes < lineStart) continue; // not in a line comment
    std::string_view rest = text.substr(after, lineEnd - after);
    while (!rest.empty() && rest.front() == ' ')
      rest.remove_prefix(1);
    bool fileWide = rest.rfind("disable-file=", 0) == 0;
    bool normal = rest.rfind("disable=", 0) == 0 || rest.rfind("disable-next-line=", 0) == 0;
    if (!fileWide && !normal) continue;
    std::set<std::string> rules = parseRuleList(rest.substr(rest.find('=') + 1));
    if (fileWide) {
      out.fileWide.insert(rules.begin(), rules.end());
      continue;
    }
    bool ownLine = true;
    for (size_t i = lineStart; i < slashes; ++i)
      if (!std::isspace(static_cast<unsigned char>(text[i]))) ownLine = false;
    if (!ownLine) {
      out.spans.push_back({uint32_t(lineStart), uint32_t(lineEnd), rules});
      continue;
    }
    // Own line: the next line, or the whole step / declaration starting there.
    size_t next = lineEnd;
    while (next < text.size() && std::isspace(static_cast<unsigned char>(text[next])))
      ++next;
    size_t nextEnd = text.find('\n', next);
    if (nextEnd == std::string_view::npos) nextEnd = text.size();
    Span span{uint32_t(next), uint32_t(nextEnd), rules};
    if (targets.empty()) collectRanges(program_, file, targets);
    for (const SourceRange& r : targets)
      if (r.begin == next && r.end > span.end) span.end = r.end;
    out.spans.push_back(std::move(span));
  }
}

bool Suppressions::suppressed(const std::string& ruleId, SourceRange range) {
  if (!range.valid() || range.file >= files_.size()) return false;
  FileSupp& fs = files_[range.file];
  if (!fs.scanned) scan(range.file, fs);
  auto names = [&](const std::set<std::string>& rules) {
    return rules.count(ruleId) || rules.count("*");
  };
  if (names(fs.fileWide)) return true;
  for (const Span& s : fs.spans)
    if (range.begin >= s.begin && range.begin <= s.end && names(s.rules)) return true;
  return false;
}

} // namespace awc::lint
