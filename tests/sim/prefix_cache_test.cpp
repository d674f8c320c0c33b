// The block-hashed LRU prefix cache: hits after a shared prefix, misses after one
// changed byte, eviction at capacity.
#include "awc/sim/prefix_cache.h"

#include <catch2/catch.hpp>
#include <string>

using namespace awc;
using namespace awc::sim;

namespace {
std::string words(int n, const char* tag) {
  std::string s;
  for (int i = 0; i < n; ++i)
    s += std::string(tag) + std::to_string(i) + " ";
  return s;
}
std::vector<uint64_t> blocksOf(const std::string& text) {
  return blockHashes(text, tokenSpans(text), 16, 42);
}
} // namespace

TEST_CASE("a shared prefix hits, in whole blocks", "[cache]") {
  PrefixCache cache(16, 1 << 20);
  std::string prefix = words(200, "shared");
  std::string a = prefix + words(50, "alpha");
  std::string b = prefix + words(50, "beta");
  size_t prefixTokens = approxTokenCount(prefix);
  CHECK(cache.lookupAndInsert(blocksOf(a)) == 0);
  size_t hit = cache.lookupAndInsert(blocksOf(b));
  CHECK(hit % 16 == 0);
  CHECK(hit <= prefixTokens);
  CHECK(hit + 16 > prefixTokens); // all but the block straddling the divergence
  CHECK(cache.lookupAndInsert(blocksOf(b)) == blocksOf(b).size() * 16);
}

TEST_CASE("one changed byte inside the prefix misses from its block on", "[cache]") {
  PrefixCache cache(16, 1 << 20);
  std::string a = words(300, "doc");
  cache.lookupAndInsert(blocksOf(a));
  std::string b = a;
  size_t k = a.size() / 2;
  b[k] = b[k] == 'x' ? 'y' : 'x';
  auto spans = tokenSpans(b);
  size_t tokenAtK = 0;
  while (spans[tokenAtK].end <= k)
    ++tokenAtK;
  size_t hit = cache.lookupAndInsert(blocksOf(b));
  CHECK(hit == (tokenAtK / 16) * 16);
  CHECK(hit < approxTokenCount(a) / 2 + 16);
  // A change in the very first byte loses everything.
  std::string c = a;
  c[0] = 'Z';
  CHECK(cache.lookupAndInsert(blocksOf(c)) == 0);
}

TEST_CASE("different seeds (models) do not share blocks", "[cache]") {
  PrefixCache cache(16, 1 << 20);
  std::string a = words(100, "p");
  auto spans = tokenSpans(a);
  cache.lookupAndInsert(blockHashes(a, spans, 16, 1));
  CHECK(cache.lookupAndInsert(blockHashes(a, spans, 16, 2)) == 0);
}

TEST_CASE("least recently used blocks are evicted at capacity", "[cache]") {
  PrefixCache cache(16, 16 * 10); // ten blocks
  std::string a = words(40, "a"), b = words(40, "b"), c = words(40, "c");
  auto ba = blocksOf(a), bb = blocksOf(b), bc = blocksOf(c);
  REQUIRE(ba.size() >= 4);
  REQUIRE(ba.size() <= 5);
  cache.lookupAndInsert(ba);
  cache.lookupAndInsert(bb);
  CHECK(cache.usedTokens() <= cache.capacityTokens());
  CHECK(cache.peek(ba) == ba.size() * 16); // both fit
  cache.lookupAndInsert(ba);               // a is now more recent than b
  cache.lookupAndInsert(bc);               // c pushes out the least recent: b
  CHECK(cache.evictions() > 0);
  CHECK(cache.peek(ba) == ba.size() * 16);
  CHECK(cache.peek(bb) < bb.size() * 16);
  CHECK(cache.peek(bc) == bc.size() * 16);
  CHECK(cache.usedTokens() <= cache.capacityTokens());
}

TEST_CASE("breakpoint entries are exact-prefix keys", "[cache]") {
  PrefixCache cache(16, 1 << 20);
  std::string a = words(100, "sys");
  auto spans = tokenSpans(a);
  uint64_t k = prefixHash(a, spans, 50, 7);
  CHECK_FALSE(cache.touchEntry(k));
  cache.insertEntry(k, 50);
  CHECK(cache.touchEntry(k));
  CHECK(prefixHash(a, spans, 51, 7) != k);
}

TEST_CASE("blocks are reusable only once the prefill that computes them is done", "[cache]") {
  PrefixCache cache(16, 1 << 20);
  auto a = blocksOf(words(100, "sys") + "one");
  auto b = blocksOf(words(100, "sys") + "two");
  CHECK(cache.lookup(a, 0) == 0);
  cache.insertBlocks(a, 50); // a's prefill ends at 50 ms
  CHECK(cache.lookup(b, 49) == 0);
  CHECK(cache.lookup(b, 50) > 0);
  // A request that computes the same blocks sooner makes them ready sooner.
  cache.insertBlocks(b, 20);
  CHECK(cache.lookup(a, 20) > 0);
  CHECK(cache.peek(a) == cache.lookup(a, PrefixCache::kAlways));
  uint64_t k = 77;
  cache.insertEntry(k, 50, 30);
  CHECK_FALSE(cache.touchEntry(k, 29));
  CHECK(cache.touchEntry(k, 30));
}
