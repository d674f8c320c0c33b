// regex: matches, extract — ECMAScript syntax via std::regex, with size limits because
// libstdc++'s matcher recurses per character and would overflow the stack on huge input.
#include "builtins.h"

#include <algorithm>
#include <memory>
#include <regex>
#include <unordered_map>

namespace awc::stdlib::detail {

namespace {

using Args = std::span<const json>;

constexpr size_t kMaxRegexText = 100 * 1024;
constexpr size_t kMaxPattern = 1024;
constexpr size_t kCacheSize = 64;
constexpr int kMaxGroupNesting = 8;
constexpr size_t kInlineText = 2 * 1024;
constexpr size_t kBigStack = 512u * 1024 * 1024;

int groupNesting(std::string_view p) {
  int depth = 0, maxDepth = 0;
  bool inClass = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (inClass) {
      inClass = c != ']';
      continue;
    }
    if (c == '[')
      inClass = true;
    else if (c == '(')
      maxDepth = std::max(maxDepth, ++depth);
    else if (c == ')')
      --depth;
  }
  return maxDepth;
}

struct SearchJob {
  const std::string* text;
  const std::regex* re;
  std::smatch* m;
  bool found = false;
  std::string error;
};

void runSearch(SearchJob& job) {
  try {
    job.found = std::regex_search(*job.text, *job.m, *job.re);
  } catch (const std::exception& e) {
    job.error = e.what();
  }
}

void* searchThread(void* arg) {
  runSearch(*static_cast<SearchJob*>(arg));
  return nullptr;
}

/// Runs the search inline for short texts, else on a thread whose stack fits the recursion.
bool searchWithStack(SearchJob& job) {
  if (job.text->size() <= kInlineText) {
    runSearch(job);
    return true;
  }
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) != 0) return false;
  pthread_t thread;
  bool started = pthread_attr_setstacksize(&attr, kBigStack) == 0 &&
                 pthread_create(&thread, &attr, searchThread, &job) == 0;
  pthread_attr_destroy(&attr);
  if (!started) return false;
  pthread_join(thread, nullptr);
  return true;
}

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
  if (groupNesting(pattern) > kMaxGroupNesting)
    return fail(fmt::format("{}: groups nested deeper than {} levels", fn, kMaxGroupNesting));
  std::string err;
  const std::regex* re = compiled(pattern, err);
  if (!re) return fail(fmt::format("{}: {}", fn, err));
  SearchJob job{&text, re, &m};
  if (!searchWithStack(job)) return fail(fmt::format("{}: could not start the matcher thread", fn));
  if (!job.error.empty()) return fail(fmt::format("{}: regex failed: {}", fn, job.error));
  found = job.found;
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
