// JSON Pointer (RFC 6901) reference tokens: the one escaping rule every contract parser uses
// to name the value an error is about ("/steps/2/candidates/0/kind"). Header-only, so the
// json-only contract libraries (plan, profile) need link nothing for it.
#pragma once

#include <string>
#include <string_view>

namespace awc {

/// `token` as one reference token of a JSON Pointer: '~' → "~0", '/' → "~1".
inline std::string escapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~')
      out += "~0";
    else if (c == '/')
      out += "~1";
    else
      out += c;
  }
  return out;
}

} // namespace awc
