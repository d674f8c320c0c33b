// regex: matches, extract — RE2 syntax (linear-time matching, no backtracking), with size
// limits on text and pattern, and checkRegex for the compiler to reject bad constant patterns.
#include "awc/stdlib/regex.h"
#include "builtins.h"

#include <memory>
#include <re2/re2.h>
#include <unordered_map>

namespace awc::stdlib {

namespace {

constexpr size_t kMaxRegexText = 100 * 1024;
constexpr size_t kMaxPattern = 1024;
constexpr size_t kCacheSize = 64;
constexpr int64_t kMaxProgramMemory = 8 << 20; // RE2's compiled-program budget

RE2::Options regexOptions() {
  RE2::Options o;
  o.set_log_errors(false);
  o.set_max_mem(kMaxProgramMemory);
  return o;
}

// The constructs RE2 rejects that ECMAScript users reach for, with what to write instead.
std::string explain(const RE2& re) {
  switch (re.error_code()) {
  case RE2::ErrorBadEscape:
    return "; backreferences (\\1) and some escapes are not supported";
  case RE2::ErrorMissingParen:
  case RE2::ErrorBadPerlOp:
  case RE2::ErrorBadNamedCapture:
    return "; lookahead and lookbehind ((?=, (?!, (?<=) are not supported";
  case RE2::ErrorPatternTooLarge:
    return "; the pattern compiles to more than 8 MB (repetition counts too large?)";
  default:
    return "";
  }
}

/// Compiling costs far more than matching a short text; keep recent patterns per thread.
const RE2* compiled(const std::string& pattern, std::string& err) {
  thread_local std::unordered_map<std::string, std::unique_ptr<RE2>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  auto re = std::make_unique<RE2>(pattern, regexOptions());
  if (!re->ok()) {
    err = fmt::format("invalid regular expression '{}': {}{}", pattern, re->error(), explain(*re));
    return nullptr;
  }
  if (cache.size() >= kCacheSize) cache.clear();
  return cache.emplace(pattern, std::move(re)).first->second.get();
}

using Args = std::span<const nlohmann::json>;

// Finds the first match; `groups` receives the whole match and group 1 (when there is one).
EvalResult search(Args a, std::string_view fn, re2::StringPiece (&groups)[2], bool& found,
                  int& groupCount) {
  const std::string& text = detail::str(a[0]);
  const std::string& pattern = detail::str(a[1]);
  if (text.size() > kMaxRegexText) return fail(fmt::format("{}: text longer than 100 KB", fn));
  if (pattern.size() > kMaxPattern) return fail(fmt::format("{}: pattern longer than 1 KB", fn));
  std::string err;
  const RE2* re = compiled(pattern, err);
  if (!re) return fail(fmt::format("{}: {}", fn, err));
  groupCount = re->NumberOfCapturingGroups();
  found = re->Match(text, 0, text.size(), RE2::UNANCHORED, groups, groupCount > 0 ? 2 : 1);
  return nlohmann::json(nullptr);
}

EvalResult matchesImpl(Args a) {
  re2::StringPiece groups[2];
  bool found = false;
  int groupCount = 0;
  EvalResult r = search(a, "matches", groups, found, groupCount);
  if (!r) return r;
  return nlohmann::json(found);
}

EvalResult extractImpl(Args a) {
  re2::StringPiece groups[2];
  bool found = false;
  int groupCount = 0;
  EvalResult r = search(a, "extract", groups, found, groupCount);
  if (!r) return r;
  if (!found) return nlohmann::json("");
  // With a group, its text ("" when it did not take part in the match); else the whole match.
  const re2::StringPiece& g = groupCount > 0 ? groups[1] : groups[0];
  return nlohmann::json(std::string(g.data() ? g.data() : "", g.size()));
}

} // namespace

std::string checkRegex(const std::string& pattern) {
  if (pattern.size() > kMaxPattern) return "pattern longer than 1 KB";
  std::string err;
  return compiled(pattern, err) ? "" : err;
}

namespace detail {

void registerRegex(std::vector<Function>& out) {
  out.push_back(Function{"matches",
                         "regex",
                         "Whether the pattern (RE2 syntax) matches anywhere in text (^$ anchor).",
                         {{"text", tStr()}, {"pattern", tStr()}},
                         tBool(),
                         true,
                         matchesImpl});
  out.push_back(Function{"extract",
                         "regex",
                         "First match's group 1 (or whole match if no group); \"\" if no match.",
                         {{"text", tStr()}, {"pattern", tStr()}},
                         tStr(),
                         true,
                         extractImpl});
}

} // namespace detail
} // namespace awc::stdlib
