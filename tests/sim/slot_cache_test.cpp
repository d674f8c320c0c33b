// llama-server's per-slot prompt reuse: hits on the slot that served a prefix, misses for a
// request that starts beside it, the RAM cache that saves idle slots and gives prompts back,
// the similarity threshold, the recomputed last block and RAM eviction.
#include "awc/sim/slot_cache.h"

#include <catch2/catch.hpp>

using namespace awc::sim;

namespace {
constexpr size_t kBlock = 16;

// `n` distinct block hashes; prompts built from different `tag`s share no block.
std::vector<uint64_t> blocks(uint64_t tag, size_t n) {
  std::vector<uint64_t> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(tag * 1000 + i);
  return out;
}
std::vector<uint64_t> concat(std::vector<uint64_t> a, const std::vector<uint64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
} // namespace

TEST_CASE("a request after a finished one with the same prefix reuses that slot", "[slot_cache]") {
  SlotCache cache(4, kBlock);
  auto shared = blocks(1, 10);
  auto first = cache.acquire(concat(shared, blocks(2, 2)), 0);
  REQUIRE(first.slot);
  CHECK(first.cachedTokens == 0);
  cache.release(*first.slot, 10);

  auto second = cache.acquire(concat(shared, blocks(3, 2)), 20);
  REQUIRE(second.slot);
  CHECK(*second.slot == *first.slot);
  CHECK(second.bySimilarity);
  CHECK(second.cachedTokens == 10 * kBlock);
  CHECK_FALSE(second.restoredFromRam);
  CHECK(cache.ramEntries() == 0); // no other slot ever held a prompt
}

TEST_CASE("two requests that start together hit a shared prefix only once", "[slot_cache]") {
  // rag_answer: a retrieval call finishes, then two calls with its prefix start at once.
  SlotCache cache(2, kBlock);
  auto shared = blocks(1, 20);
  auto retrieval = cache.acquire(concat(shared, blocks(2, 2)), 0);
  REQUIRE(retrieval.slot);
  cache.release(*retrieval.slot, 5);

  auto a = cache.acquire(concat(shared, blocks(3, 4)), 10);
  auto b = cache.acquire(concat(shared, blocks(4, 4)), 10);
  REQUIRE(a.slot);
  REQUIRE(b.slot);
  CHECK(*a.slot == *retrieval.slot);
  CHECK(a.cachedTokens == 20 * kBlock);
  CHECK(*b.slot != *a.slot);
  CHECK_FALSE(b.bySimilarity);
  CHECK_FALSE(b.restoredFromRam); // the prefix sits in a busy slot, never saved to RAM
  CHECK(b.cachedTokens == 0);

  // Once the first is done its slot is reusable again.
  cache.release(*a.slot, 30);
  auto c = cache.acquire(concat(shared, blocks(5, 4)), 40);
  REQUIRE(c.slot);
  CHECK(*c.slot == *a.slot);
  CHECK(c.cachedTokens == 20 * kBlock);
}

TEST_CASE("an idle slot saved to RAM gives its prompt back to a later request", "[slot_cache]") {
  SlotCache cache(2, kBlock);
  auto doc = blocks(1, 12);
  auto p = cache.acquire(doc, 0);
  REQUIRE(p.slot);
  CHECK(*p.slot == 1); // like llama-server, the last of the never-used slots
  cache.release(1, 1);

  // An unrelated request takes the other slot; launching it saves idle slot 1 to RAM.
  auto q = cache.acquire(blocks(2, 12), 2);
  REQUIRE(q.slot);
  CHECK(*q.slot == 0);
  CHECK(cache.ramHolds(doc));
  cache.release(0, 3);

  // Another unrelated request replaces `doc` in slot 1 (the least recently used one).
  auto r = cache.acquire(blocks(3, 12), 4);
  REQUIRE(r.slot);
  CHECK(*r.slot == 1);
  cache.release(1, 5);
  REQUIRE(cache.ramEntries() == 2); // doc and the prompt of q, saved while slot 0 was idle

  // Neither slot holds `doc` now, so the LRU slot (0) restores it from RAM.
  auto s = cache.acquire(concat(doc, blocks(4, 2)), 6);
  REQUIRE(s.slot);
  CHECK(*s.slot == 0);
  CHECK_FALSE(s.bySimilarity);
  CHECK(s.restoredFromRam);
  CHECK(s.cachedTokens == 12 * kBlock);
  CHECK_FALSE(cache.ramHolds(doc)); // moved into the slot, not copied
}

TEST_CASE("under a unified KV an idle slot is emptied and its prompt comes back from RAM",
          "[slot_cache]") {
  SlotCache cache(2, kBlock, SlotCache::kUnlimited, 0.1, /*clearIdleSlots=*/true);
  auto doc = blocks(1, 12);
  auto p = cache.acquire(doc, 0);
  REQUIRE(p.slot);
  cache.release(*p.slot, 1);

  auto q = cache.acquire(blocks(2, 12), 2);
  REQUIRE(q.slot);
  CHECK(*q.slot != *p.slot);
  CHECK(cache.slotBlocks(*p.slot).empty());
  CHECK(cache.ramHolds(doc));

  auto again = cache.acquire(doc, 3);
  REQUIRE(again.slot);
  CHECK(*again.slot == *p.slot);
  CHECK(again.restoredFromRam);
  CHECK(again.cachedTokens == 12 * kBlock); // all of it: the caller gives a block back
  CHECK(cache.ramEntries() == 0);
}

TEST_CASE("busy slots are never chosen; with all busy a request gets no slot", "[slot_cache]") {
  SlotCache cache(2, kBlock);
  auto doc = blocks(1, 8);
  auto a = cache.acquire(doc, 0);
  auto b = cache.acquire(doc, 0); // same prompt, but its only holder is busy
  REQUIRE(a.slot);
  REQUIRE(b.slot);
  CHECK(*a.slot != *b.slot);
  CHECK(b.cachedTokens == 0);
  CHECK(cache.busyCount() == 2);

  auto c = cache.acquire(doc, 1);
  CHECK_FALSE(c.slot);
  CHECK(c.cachedTokens == 0);
  CHECK(cache.busyCount() == 2);
  CHECK(cache.ramEntries() == 0);

  cache.release(*a.slot, 2);
  CHECK(cache.busyCount() == 1);
  auto d = cache.acquire(doc, 3);
  REQUIRE(d.slot);
  CHECK(*d.slot == *a.slot);
}

TEST_CASE("a slot sharing at most the similarity threshold is not matched", "[slot_cache]") {
  SlotCache cache(2, kBlock); // threshold 0.1
  auto held = concat(blocks(1, 2), blocks(2, 8));
  auto first = cache.acquire(held, 0);
  REQUIRE(first.slot);
  CHECK(*first.slot == 1);
  cache.release(1, 1);

  // 1 block of 10 in common: 0.1 is not above the threshold, so the LRU slot is taken.
  auto tenPercent = cache.acquire(concat(blocks(1, 1), blocks(3, 9)), 2);
  REQUIRE(tenPercent.slot);
  CHECK(*tenPercent.slot == 0);
  CHECK_FALSE(tenPercent.bySimilarity);
  CHECK(tenPercent.cachedTokens == 0);
  cache.release(0, 3);

  // 2 of 10 is above it: slot 1 is matched, keeps 2 blocks, and (keeping under half of its
  // prompt) looks in RAM, where its own saved prompt keeps under a quarter and is left alone.
  auto twentyPercent = cache.acquire(concat(blocks(1, 2), blocks(4, 8)), 4);
  REQUIRE(twentyPercent.slot);
  CHECK(*twentyPercent.slot == 1);
  CHECK(twentyPercent.bySimilarity);
  CHECK_FALSE(twentyPercent.restoredFromRam);
  CHECK(twentyPercent.cachedTokens == 2 * kBlock);
  CHECK(cache.ramHolds(held));
}

TEST_CASE("a threshold of 0 turns slot matching off", "[slot_cache]") {
  SlotCache cache(2, kBlock, SlotCache::kUnlimited, 0.0);
  auto doc = blocks(1, 8);
  auto a = cache.acquire(doc, 0);
  REQUIRE(a.slot);
  cache.release(*a.slot, 1);
  auto b = cache.acquire(doc, 2);
  REQUIRE(b.slot);
  CHECK(*b.slot != *a.slot); // the never-used slot is older
  CHECK_FALSE(b.bySimilarity);
}

TEST_CASE("a full hit reports every block the slot holds", "[slot_cache]") {
  SlotCache cache(1, kBlock);
  auto doc = blocks(1, 5);
  auto a = cache.acquire(doc, 0);
  REQUIRE(a.slot);
  cache.release(*a.slot, 1);
  auto b = cache.acquire(doc, 2);
  REQUIRE(b.slot);
  CHECK(b.cachedTokens == 5 * kBlock);
  cache.release(*b.slot, 3);
  // A longer prompt over the same prefix reuses all of it.
  auto c = cache.acquire(concat(doc, blocks(2, 1)), 4);
  CHECK(c.cachedTokens == 5 * kBlock);
}

TEST_CASE("the RAM cache evicts the prompts saved longest ago", "[slot_cache]") {
  SlotCache cache(1, kBlock, 10 * kBlock); // ten blocks of RAM
  auto p1 = blocks(1, 4), p2 = blocks(2, 4), p3 = blocks(3, 4), p4 = blocks(4, 4);
  // With one slot, each unrelated request saves the previous prompt as it replaces it.
  for (const auto* p : {&p1, &p2, &p3, &p4}) {
    auto a = cache.acquire(*p, 0);
    REQUIRE(a.slot);
    cache.release(*a.slot, 1);
  }
  CHECK_FALSE(cache.ramHolds(p1));
  CHECK(cache.ramHolds(p2));
  CHECK(cache.ramHolds(p3));
  CHECK(cache.ramEvictions() == 1);
  CHECK(cache.ramTokens() == 8 * kBlock);

  // A prompt larger than the whole cache is not saved and pushes nothing out.
  auto big = blocks(5, 11);
  cache.acquire(big, 2); // saves p4: p2 goes
  cache.release(0, 3);
  cache.acquire(blocks(6, 2), 4); // would save `big`
  CHECK_FALSE(cache.ramHolds(big));
  CHECK(cache.ramHolds(p3));
  CHECK(cache.ramHolds(p4));
  CHECK(cache.ramTokens() <= 10 * kBlock);
}

TEST_CASE("the RAM cache keeps one entry per prompt line", "[slot_cache]") {
  SlotCache cache(2, kBlock);
  auto doc = blocks(1, 6);
  auto longer = concat(doc, blocks(2, 2));
  cache.acquire(doc, 0); // slot 1
  cache.release(1, 1);
  cache.acquire(blocks(3, 6), 2); // slot 0; saves idle slot 1 (doc)
  cache.release(0, 3);
  auto grown = cache.acquire(longer, 4); // extends doc on slot 1; saves idle slot 0 again
  REQUIRE(grown.slot);
  CHECK(*grown.slot == 1);
  CHECK(grown.cachedTokens == 6 * kBlock);
  CHECK(cache.ramEntries() == 2); // doc and blocks(3)
  cache.release(1, 5);

  // Slot 0 is replaced, so blocks(3) is saved a second time: nothing is added. Then idle
  // slot 1, which now holds `longer`, is saved and takes the place of `doc`.
  cache.acquire(blocks(4, 6), 6);
  CHECK(cache.ramHolds(longer));
  CHECK_FALSE(cache.ramHolds(doc)); // obsolete: `longer` restores all of it
  CHECK(cache.ramHolds(blocks(3, 6)));
  CHECK(cache.ramEntries() == 2);
}

TEST_CASE("without RAM cache nothing is saved or restored", "[slot_cache]") {
  SlotCache cache(1, kBlock, 0);
  auto doc = blocks(1, 6);
  cache.acquire(doc, 0);
  cache.release(0, 1);
  cache.acquire(blocks(2, 6), 2);
  cache.release(0, 3);
  auto again = cache.acquire(doc, 4);
  CHECK_FALSE(again.restoredFromRam);
  CHECK(again.cachedTokens == 0);
  CHECK(cache.ramEntries() == 0);
}

TEST_CASE("release ignores idle and unknown slots", "[slot_cache]") {
  SlotCache cache(1, kBlock);
  cache.release(0, 0); // idle
  cache.release(7, 0); // out of range
  CHECK(cache.busyCount() == 0);
  CHECK(cache.slotCount() == 1);
  auto a = cache.acquire(blocks(1, 6), 0);
  REQUIRE(a.slot);
  CHECK(cache.busyCount() == 1);
  cache.release(*a.slot, 1);
  CHECK(cache.busyCount() == 0);
  CHECK(cache.slotBlocks(0) == blocks(1, 6));
}

TEST_CASE("a slot count of zero is clamped to one", "[slot_cache]") {
  SlotCache cache(0, kBlock);
  CHECK(cache.slotCount() == 1);
  CHECK(cache.acquire(blocks(1, 2), 0).slot);
}
