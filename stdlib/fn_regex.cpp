// regex: matches, extract — ECMAScript syntax via std::regex, with size limits because
// libstdc++'s matcher recurses per character and would overflow the stack on huge input.
#include "builtins.h"

#include <memory>
#include <regex>
#include <unordered_map>

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

constexpr size_t kMaxRegexText = 100 * 1024;
constexpr size_t kMaxPattern = 1024;
constexpr size_t kCacheSize = 64;

/// Compiling a std::regex costs far more than matching a short text; keep recent ones per thread.
const std::regex* compiled(const std::string& pattern, std::string& err) {
  thread_local std::unordered_map<std::string, std::unique_ptr<std::regex>> cache;
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  try {
    auto re = std::make_unique<std::regex>(pattern, std::regex::ECMAScript);
    if (cache.size() >= kCacheSize) cache.clear();
    return cache.emplace(pattern, std::move(re)).first->second.get();
  } catch (const std::regex_error& e) {
    err = fmt::format("invalid regular expression '{}': {}", pattern, e.what());
    return nullptr;
  }
}

EvalResult search(Args a, std::string_view fn, std::smatch& m, bool& found) {
  const std::string& text = str(a[0]);
  const std::string& pattern = str(a[1]);
  if (text.size() > kMaxRegexText) return fail(fmt::format("{}: text longer than 100 KB", fn));
  if (pattern.size() > kMaxPattern) return fail(fmt::format("{}: pattern longer than 1 KB", fn));
  std::string err;
  const std::regex* re = compiled(pattern, err);
  if (!re) return fail(fmt::format("{}: {}", fn, err));
  try {
    found = std::regex_search(text, m, *re);
  } catch (const std::regex_error& e) {
    return fail(fmt::format("{}: regex failed: {}", fn, e.what()));
  }
  return json(nullptr);
}

EvalResult matchesImpl(Args a) {
  std::smatch m;
  bool found = false;
  EvalResult r = search(a, "matches", m, found);
  if (!r) return r;
  return json(found);
}

EvalResult extractImpl(Args a) {
  std::smatch m;
  bool found = false;
  EvalResult r = search(a, "extract", m, found);
  if (!r) return r;
  if (!found) return json("");
  return json(m.size() > 1 ? m[1].str() : m[0].str());
}

} // namespace

void registerRegex(std::vector<Function>& out) {
  out.push_back(Function{"matches",
                         "regex",
                         "Whether the pattern matches anywhere in text (^$ anchor).",
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

} // namespace awc::stdlib::detail
