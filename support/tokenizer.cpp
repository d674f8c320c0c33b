// The approximate tokenizer: the rule itself lives in the header (inline, so hot loops
// in the compiler and simulator can use it without a call per piece).
#include "awc/support/tokenizer.h"

namespace awc {

size_t approxTokenCount(std::string_view text) {
  size_t count = 0;
  forEachToken(text, [&](TokenSpan) { ++count; });
  return count;
}

std::vector<TokenSpan> tokenSpans(std::string_view text) {
  std::vector<TokenSpan> spans;
  spans.reserve(text.size() / 4 + 1);
  forEachToken(text, [&](TokenSpan s) { spans.push_back(s); });
  return spans;
}

} // namespace awc
