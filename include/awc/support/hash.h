// Content hashing (xxHash XXH3): cache keys, prompt_cache_key, prefix groups. Stable
// across runs and machines, so plans and cache entries are reproducible.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace awc {

/// 64-bit XXH3 of the bytes.
uint64_t hash64(std::string_view bytes);
/// Incremental hashing of several fields, each length-prefixed so ("ab","c") != ("a","bc").
class Hasher {
public:
  Hasher();
  ~Hasher();
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;
  Hasher& add(std::string_view field);
  uint64_t digest() const;
  /// 16 lowercase hex digits of digest().
  std::string hex() const;

private:
  void* state_;
};
/// 16 lowercase hex digits.
std::string hex64(uint64_t value);

} // namespace awc
