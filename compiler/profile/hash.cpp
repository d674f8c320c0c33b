// FNV-1a 64: a profile's hashes need only detect change, not resist an adversary, and must be
// the same bytes on every machine and in every build.
#include "awc/profile/hash.h"

#include <cstdint>

namespace awc::profile {

std::string hashBytes(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  static const char* digits = "0123456789abcdef";
  std::string out = "fnv1a64:";
  for (int shift = 60; shift >= 0; shift -= 4)
    out += digits[(h >> shift) & 0xf];
  return out;
}

} // namespace awc::profile
