// xxHash wrappers (the Debian libxxhash).
#include "awc/support/hash.h"

#include <fmt/format.h>
#include <xxhash.h>

namespace awc {

uint64_t hash64(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

Hasher::Hasher() : state_(XXH3_createState()) {
  XXH3_64bits_reset(static_cast<XXH3_state_t*>(state_));
}
Hasher::~Hasher() {
  XXH3_freeState(static_cast<XXH3_state_t*>(state_));
}

Hasher& Hasher::add(std::string_view field) {
  uint64_t size = field.size();
  auto* s = static_cast<XXH3_state_t*>(state_);
  XXH3_64bits_update(s, &size, sizeof size);
  XXH3_64bits_update(s, field.data(), field.size());
  return *this;
}

uint64_t Hasher::digest() const {
  return XXH3_64bits_digest(static_cast<XXH3_state_t*>(state_));
}
std::string Hasher::hex() const {
  return hex64(digest());
}
std::string hex64(uint64_t value) {
  return fmt::format("{:016x}", value);
}

} // namespace awc
