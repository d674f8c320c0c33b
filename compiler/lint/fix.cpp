// --fix: applies the safe fixes (static-first prompt order, explicit max_tokens) as text
// edits, last first so earlier offsets stay valid. Overlapping edits are skipped; the CLI
// re-lints the result and refuses to keep it if it no longer compiles.
#include "awc/lint/lint.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::lint {

std::string applySafeFixes(const FileResult& result, size_t& applied,
                           std::vector<std::string>& changes) {
  applied = 0;
  const SourceManager& sm = *result.compilation.sources;
  FileId root = sm.findFile(result.path).value_or(1);
  std::string text(sm.text(root));
  if (result.hasCompileErrors()) return text;
  struct Edit {
    FixIt fix;
    size_t finding;
  };
  std::vector<std::vector<FixIt>> groups; // one finding's edits apply together or not at all
  std::vector<const Finding*> owners;
  for (const Finding& f : result.findings) {
    if (!f.fixIsSafe || f.fixes.empty()) continue;
    bool sameFile = std::all_of(f.fixes.begin(), f.fixes.end(),
                                [&](const FixIt& x) { return x.range.file == root; });
    if (!sameFile) continue;
    groups.push_back(f.fixes);
    owners.push_back(&f);
  }
  std::vector<Edit> accepted;
  auto overlaps = [](const FixIt& a, const FixIt& b) {
    if (a.range.begin == a.range.end && b.range.begin == b.range.end)
      return a.range.begin == b.range.begin;
    return a.range.begin < b.range.end && b.range.begin < a.range.end;
  };
  for (size_t g = 0; g < groups.size(); ++g) {
    bool clash = false;
    for (const FixIt& x : groups[g])
      for (const Edit& e : accepted)
        clash = clash || overlaps(x, e.fix);
    if (clash) continue;
    for (const FixIt& x : groups[g])
      accepted.push_back({x, g});
    LineCol lc = sm.lineCol(owners[g]->range);
    changes.push_back(fmt::format(
        "{}:{}:{}: [{}] {}", result.path, lc.line, lc.col, owners[g]->ruleId,
        owners[g]->ruleId == "AWL105" ? "added max_tokens" : "reordered prompt static-first"));
    ++applied;
  }
  std::sort(accepted.begin(), accepted.end(),
            [](const Edit& a, const Edit& b) { return a.fix.range.begin > b.fix.range.begin; });
  for (const Edit& e : accepted)
    text.replace(e.fix.range.begin, e.fix.range.end - e.fix.range.begin, e.fix.replacement);
  return text;
}

} // namespace awc::lint
