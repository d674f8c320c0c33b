// The shared approximate tokenizer: the documented rule, coverage and prefix stability.
#include "awc/support/tokenizer.h"

#include <catch2/catch.hpp>
#include <string>

using awc::approxTokenCount;
using awc::tokenSpans;

TEST_CASE("tokenizer follows the documented rule", "[tokenizer]") {
  CHECK(approxTokenCount("") == 0);
  CHECK(approxTokenCount("hello") == 1);
  CHECK(approxTokenCount("hello world") == 2);              // "hello", " world"
  CHECK(approxTokenCount("international") == 3);            // 6 + 6 + 1 bytes
  CHECK(approxTokenCount("12345") == 2);                    // digits in threes
  CHECK(approxTokenCount("a, b.") == 4);                    // "a", ",", " b", "."
  CHECK(approxTokenCount("x\n\n\n\n\ny") == 4);             // "x", 4 newlines, 1 newline, "y"
  CHECK(approxTokenCount("\xe6\x97\xa5\xe6\x9c\xac") == 2); // two CJK characters
}

TEST_CASE("token spans cover the text in order", "[tokenizer]") {
  std::string text = "The quick brown fox, 2024-05-01: {\"a\": [1, 2]}\n\n  indented   text\t.";
  auto spans = tokenSpans(text);
  REQUIRE(!spans.empty());
  CHECK(spans.front().begin == 0);
  CHECK(spans.back().end == text.size());
  for (size_t i = 1; i < spans.size(); ++i) {
    CHECK(spans[i].begin == spans[i - 1].end);
    CHECK(spans[i].end > spans[i].begin);
  }
  CHECK(spans.size() == approxTokenCount(text));
}

TEST_CASE("a change at byte k leaves earlier pieces unchanged", "[tokenizer]") {
  std::string base =
      "System: you are a careful reviewer of documents.\nUser: summarise 3 points, please!";
  auto before = tokenSpans(base);
  for (size_t k = 1; k < base.size(); k += 3) {
    for (char c : {'x', ' ', '.', '7'}) {
      std::string changed = base;
      changed[k] = c;
      auto after = tokenSpans(changed);
      for (size_t i = 0; i < before.size() && before[i].end < k; ++i) {
        REQUIRE(i < after.size());
        CHECK(after[i].begin == before[i].begin);
        CHECK(after[i].end == before[i].end);
      }
    }
  }
}

TEST_CASE("English prose comes out near four bytes per token", "[tokenizer]") {
  std::string prose;
  for (int i = 0; i < 50; ++i)
    prose += "The compiler estimates the cost of every model call before it runs. ";
  double bytesPerToken =
      static_cast<double>(prose.size()) / static_cast<double>(approxTokenCount(prose));
  CHECK(bytesPerToken > 3.5);
  CHECK(bytesPerToken < 6.0);
}
