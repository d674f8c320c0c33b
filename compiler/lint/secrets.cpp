// Secret-looking literals: well-known credential prefixes followed by a long random-looking
// run (API keys, access tokens, private keys). A hand-written scan, not regexes: lint has to
// read a thousand files in well under a second.
#include "lint_internal.h"

#include <cctype>

namespace awc::lint {
namespace {

bool tokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
}

struct Prefix {
  std::string_view text;
  size_t minRun; // characters required after the prefix
  const char* kind;
  bool upperDigitsOnly = false;
};

constexpr Prefix kPrefixes[] = {
    {"sk-", 20, "an OpenAI/Anthropic-style API key"},
    {"ghp_", 30, "a GitHub personal access token"},
    {"gho_", 30, "a GitHub OAuth token"},
    {"ghs_", 30, "a GitHub app token"},
    {"ghu_", 30, "a GitHub user token"},
    {"github_pat_", 30, "a GitHub fine-grained token"},
    {"glpat-", 20, "a GitLab access token"},
    {"xoxb-", 10, "a Slack bot token"},
    {"xoxp-", 10, "a Slack user token"},
    {"AIza", 35, "a Google API key"},
    {"AKIA", 16, "an AWS access key id", true},
    {"Bearer ", 20, "a bearer token"},
};

} // namespace

std::vector<SecretHit> findSecrets(std::string_view text) {
  std::vector<SecretHit> hits;
  for (const Prefix& p : kPrefixes) {
    size_t pos = 0;
    while ((pos = text.find(p.text, pos)) != std::string_view::npos) {
      size_t start = pos;
      pos += p.text.size();
      if (start > 0 && tokenChar(text[start - 1])) continue; // "task-…" is not "sk-…"
      size_t end = pos;
      bool digit = false, alpha = false;
      while (end < text.size() &&
             (p.upperDigitsOnly ? (std::isupper(static_cast<unsigned char>(text[end])) ||
                                   std::isdigit(static_cast<unsigned char>(text[end])))
                                : (tokenChar(text[end]) || text[end] == '.'))) {
        digit |= std::isdigit(static_cast<unsigned char>(text[end])) != 0;
        alpha |= std::isalpha(static_cast<unsigned char>(text[end])) != 0;
        ++end;
      }
      // Random keys mix letters and digits; words-with-dashes do not.
      if (end - pos < p.minRun || !digit || !alpha) continue;
      hits.push_back({uint32_t(start), uint32_t(end), p.kind});
      pos = end;
    }
  }
  size_t pos = 0;
  while ((pos = text.find("-----BEGIN ", pos)) != std::string_view::npos) {
    size_t lineEnd = text.find("-----", pos + 11);
    if (lineEnd != std::string_view::npos &&
        text.substr(pos, lineEnd - pos).find("PRIVATE KEY") != std::string_view::npos)
      hits.push_back({uint32_t(pos), uint32_t(lineEnd + 5), "a private key"});
    pos += 11;
  }
  return hits;
}

} // namespace awc::lint
