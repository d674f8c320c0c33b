// Content hashing: stable values and field separation.
#include "awc/support/hash.h"

#include <catch2/catch.hpp>

TEST_CASE("hashes are stable and fields are length-separated", "[hash]") {
  CHECK(awc::hash64("abc") == awc::hash64("abc"));
  CHECK(awc::hash64("abc") != awc::hash64("abd"));
  awc::Hasher a, b;
  a.add("ab").add("c");
  b.add("a").add("bc");
  CHECK(a.digest() != b.digest());
  CHECK(a.hex().size() == 16);
  CHECK(awc::hex64(255) == "00000000000000ff");
}
