// "Did you mean" suggestions, bounded: a misspelt name is compared only with candidates of
// nearly the same length, by an edit distance computed in a band of width 2k+1 that stops
// as soon as the distance must exceed k, and each compilation has a total work budget, so
// hostile input (huge names, thousands of misspellings) costs time linear in its size.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::sema {
namespace {

/// Names longer than this are never matched: nobody misspells a 65-character name into
/// another one, and it keeps each comparison small.
constexpr size_t kMaxSuggestLength = 64;

/// Optimal string alignment distance (a transposition costs 1, as typos usually do) when it
/// is at most `k`, else k + 1. Only cells within k of the diagonal are computed.
size_t boundedDistance(std::string_view a, std::string_view b, size_t k, size_t& budget) {
  const size_t inf = k + 1;
  if ((a.size() > b.size() ? a.size() - b.size() : b.size() - a.size()) > k) return inf;
  std::vector<size_t> prev2(b.size() + 1, inf), prev(b.size() + 1, inf), cur(b.size() + 1, inf);
  for (size_t j = 0; j <= std::min(b.size(), k); ++j)
    prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    std::fill(cur.begin(), cur.end(), inf);
    size_t lo = i > k ? i - k : 1, hi = std::min(b.size(), i + k);
    if (i <= k) cur[0] = i;
    size_t rowMin = cur[0];
    for (size_t j = lo; j <= hi; ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      size_t d = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d = std::min(d, prev2[j - 2] + 1);
      cur[j] = std::min(d, inf);
      rowMin = std::min(rowMin, cur[j]);
    }
    budget -= std::min(budget, hi - lo + 1);
    if (rowMin > k) return inf; // every path already costs more than k
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], inf);
}

} // namespace

NameMatcher::NameMatcher(std::string_view name, size_t& budget)
    : name_(name), budget_(budget), limit_(name.size() <= 3 ? 1 : 2), bestDist_(limit_ + 1) {}

void NameMatcher::consider(std::string_view candidate) {
  if (!viable() || candidate.empty() || candidate == name_) return;
  --budget_; // even a skipped candidate costs a comparison
  if (candidate.size() > kMaxSuggestLength) return;
  size_t dist = boundedDistance(name_, candidate, limit_, budget_);
  if (dist < bestDist_ || (dist == bestDist_ && dist <= limit_ && candidate < best_)) {
    best_ = std::string(candidate);
    bestDist_ = dist;
  }
}

bool NameMatcher::viable() const {
  return !name_.empty() && name_.size() <= kMaxSuggestLength && budget_ > 0;
}

std::string NameMatcher::best() const {
  return bestDist_ <= limit_ ? best_ : std::string();
}

std::string closestName(std::string_view name, const std::vector<std::string>& candidates) {
  size_t budget = kSuggestBudget;
  NameMatcher m(name, budget);
  for (const std::string& c : candidates)
    m.consider(c);
  return m.best();
}

namespace detail {

std::string joinNames(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " and " : ", ";
    s += "'" + names[i] + "'";
  }
  return s;
}

std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closestName(name, candidates);
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

} // namespace detail
} // namespace awc::sema
