// The simulator as a judge model: parsing `awc tune`'s judge request (length-delimited
// sections) and a verdict that is right unless the judge's own quality draw flips it.
#include "awc/sim/judge.h"

#include "awc/support/tokenizer.h"

#include <nlohmann/json.hpp>

namespace awc::sim {
namespace {

constexpr std::string_view kHeader = "awc-judge v1:";

// Reads `[NAME: N bytes]\n` + N bytes + `\n[end of NAME]` at `pos`, advancing it past the
// section; unset when the text there is not that section.
std::optional<std::string_view> section(std::string_view text, size_t& pos, std::string_view name) {
  std::string open = "[" + std::string(name) + ": ";
  if (text.substr(pos, open.size()) != open) return std::nullopt;
  size_t at = pos + open.size();
  size_t digits = 0;
  uint64_t n = 0;
  while (at + digits < text.size() && digits < 12 && text[at + digits] >= '0' &&
         text[at + digits] <= '9')
    n = n * 10 + uint64_t(text[at + digits++] - '0');
  if (digits == 0) return std::nullopt;
  at += digits;
  constexpr std::string_view kBytes = " bytes]\n";
  if (text.substr(at, kBytes.size()) != kBytes) return std::nullopt;
  at += kBytes.size();
  if (n > text.size() - at) return std::nullopt;
  std::string_view body = text.substr(at, size_t(n));
  at += size_t(n);
  std::string close = "\n[end of " + std::string(name) + "]";
  if (text.substr(at, close.size()) != close) return std::nullopt;
  pos = at + close.size();
  return body;
}

bool separator(std::string_view text, size_t& pos) {
  if (text.substr(pos, 2) != "\n\n") return false;
  pos += 2;
  return true;
}

} // namespace

std::optional<JudgeRequest> parseJudgeRequest(std::string_view text) {
  if (text.substr(0, kHeader.size()) != kHeader) return std::nullopt;
  size_t pos = text.find("\n\n");
  if (pos == std::string_view::npos) return std::nullopt;
  pos += 2;
  JudgeRequest r;
  auto task = section(text, pos, "task");
  if (!task || !separator(text, pos)) return std::nullopt;
  auto reference = section(text, pos, "reference answer");
  if (!reference || !separator(text, pos)) return std::nullopt;
  auto candidate = section(text, pos, "candidate answer");
  if (!candidate) return std::nullopt;
  return JudgeRequest{*task, *reference, *candidate};
}

bool sameAnswerText(std::string_view a, std::string_view b) {
  auto isSpace = [](char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
  };
  size_t i = 0, j = 0;
  // Walks both texts word by word: any run of whitespace is one separator.
  auto skip = [&](std::string_view s, size_t& k) {
    while (k < s.size() && isSpace(s[k]))
      ++k;
  };
  skip(a, i);
  skip(b, j);
  while (i < a.size() && j < b.size()) {
    bool sa = isSpace(a[i]), sb = isSpace(b[j]);
    if (sa != sb) return false;
    if (sa) {
      skip(a, i);
      skip(b, j);
      if ((i == a.size()) != (j == b.size())) return false;
      continue;
    }
    if (a[i++] != b[j++]) return false;
  }
  skip(a, i);
  skip(b, j);
  return i == a.size() && j == b.size();
}

bool judgeVerdict(const JudgeRequest& request, const QualityModel& quality, std::string_view prompt,
                  std::string_view model, uint64_t seed) {
  bool same = sameAnswerText(request.reference, request.candidate);
  // A judge's task is a yes/no classification: it errs at its classify rate.
  bool errs = quality.enabled &&
              drawsDisagreement(quality, prompt, model, TaskClass::Classify, seed ^ 0x1d9eULL);
  return same != errs;
}

std::optional<Answer> judgeAnswer(std::string_view lastUser, const QualityModel& quality,
                                  std::string_view prompt, std::string_view model, uint64_t seed) {
  auto request = parseJudgeRequest(lastUser);
  if (!request) return std::nullopt;
  Answer a;
  a.text =
      nlohmann::json{{"equivalent", judgeVerdict(*request, quality, prompt, model, seed)}}.dump();
  a.tokens = approxTokenCount(a.text);
  return a;
}

} // namespace awc::sim
