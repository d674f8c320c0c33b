// Cutting UTF-8 text on character boundaries: where the runtime, the simulator and error
// messages clip text, a multi-byte character is never split in two.
#pragma once

#include <cstddef>
#include <string_view>

namespace awc {

/// True for the second and later bytes of a multi-byte UTF-8 character (10xxxxxx).
inline bool isUtf8Continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// The largest position <= `cut` where a character starts (or `cut` itself at or past the end).
inline std::size_t utf8FloorBoundary(std::string_view text, std::size_t cut) {
  while (cut > 0 && cut < text.size() && isUtf8Continuation(text[cut]))
    --cut;
  return cut;
}

/// The smallest position >= `cut` where a character starts, or the end of `text`.
inline std::size_t utf8CeilBoundary(std::string_view text, std::size_t cut) {
  while (cut < text.size() && isUtf8Continuation(text[cut]))
    ++cut;
  return cut;
}

} // namespace awc
