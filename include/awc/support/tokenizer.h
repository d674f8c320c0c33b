// The approximate tokenizer shared by the compiler's estimates and the simulator, so
// that a plan's predicted token counts and the simulator's reported usage agree.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace awc {

/// A token piece: the half-open byte range [begin, end) of the text it was cut from.
struct TokenSpan {
  size_t begin = 0;
  size_t end = 0;
};

/// Number of tokens in `text` under the approximate rule (docs/simulator.md):
///  - a run of letters/digits/'_' is cut into pieces of at most 6 bytes (digits: 3);
///  - a run of non-ASCII bytes is cut into pieces of at most 3 bytes;
///  - each punctuation byte is one piece;
///  - a run of whitespace is cut into pieces of at most 4 bytes, except that one space
///    directly before a word or punctuation joins that piece (" hello" is one token).
/// English prose comes out at roughly 4-5 bytes per token. The rule looks at most one
/// byte ahead, so a change at byte k leaves every piece ending before k-1 unchanged —
/// the prefix cache relies on that. Single pass, no allocation.
size_t approxTokenCount(std::string_view text);

/// The token pieces of `text`, in order, covering every byte.
std::vector<TokenSpan> tokenSpans(std::string_view text);

/// Calls `fn(TokenSpan)` for each piece without allocating.
template <typename Fn> void forEachToken(std::string_view text, Fn&& fn);

namespace detail {
enum class CharClass : unsigned char { Space, Word, Digit, High, Punct };
inline CharClass classOf(unsigned char c) {
  if (c >= 0x80) return CharClass::High;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return CharClass::Word;
  if (c >= '0' && c <= '9') return CharClass::Digit;
  if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f')
    return CharClass::Space;
  return CharClass::Punct;
}
inline size_t maxRun(CharClass k) {
  switch (k) {
  case CharClass::Word:
    return 6;
  case CharClass::Digit:
    return 3;
  case CharClass::High:
    return 3;
  case CharClass::Space:
    return 4;
  case CharClass::Punct:
    return 1;
  }
  return 1;
}
} // namespace detail

template <typename Fn> void forEachToken(std::string_view text, Fn&& fn) {
  using detail::CharClass;
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    size_t begin = i;
    CharClass k = detail::classOf(static_cast<unsigned char>(text[i]));
    if (k == CharClass::Space) {
      // A single space directly before a non-space joins the following piece.
      if (text[i] == ' ' && i + 1 < n &&
          detail::classOf(static_cast<unsigned char>(text[i + 1])) != CharClass::Space) {
        ++i;
        k = detail::classOf(static_cast<unsigned char>(text[i]));
      } else {
        size_t limit = 4;
        // Leave a trailing single space for the next word: stops at the last space of the run.
        while (i < n && limit > 0 &&
               detail::classOf(static_cast<unsigned char>(text[i])) == CharClass::Space) {
          if (text[i] == ' ' && i + 1 < n && i > begin &&
              detail::classOf(static_cast<unsigned char>(text[i + 1])) != CharClass::Space)
            break;
          ++i;
          --limit;
        }
        fn(TokenSpan{begin, i});
        continue;
      }
    }
    size_t limit = detail::maxRun(k);
    size_t start = i;
    while (i < n && i - start < limit && detail::classOf(static_cast<unsigned char>(text[i])) == k)
      ++i;
    fn(TokenSpan{begin, i});
  }
}

} // namespace awc
