// Block-hashed LRU prefix cache (see prefix_cache.h).
#include "awc/sim/prefix_cache.h"

#include <algorithm>
#include <xxhash.h>

namespace awc::sim {

std::vector<uint64_t> blockHashes(std::string_view text, const std::vector<TokenSpan>& tokens,
                                  size_t blockTokens, uint64_t seed) {
  std::vector<uint64_t> out;
  if (blockTokens == 0) return out;
  size_t full = tokens.size() / blockTokens;
  out.reserve(full);
  uint64_t parent = seed;
  for (size_t b = 0; b < full; ++b) {
    size_t begin = tokens[b * blockTokens].begin;
    size_t end = tokens[(b + 1) * blockTokens - 1].end;
    parent = XXH3_64bits_withSeed(text.data() + begin, end - begin, parent);
    out.push_back(parent);
  }
  return out;
}

uint64_t prefixHash(std::string_view text, const std::vector<TokenSpan>& tokens, size_t tokenCount,
                    uint64_t seed) {
  if (tokenCount == 0 || tokens.empty()) return seed;
  if (tokenCount > tokens.size()) tokenCount = tokens.size();
  size_t end = tokens[tokenCount - 1].end;
  return XXH3_64bits_withSeed(text.data(), end, seed ^ 0x9e3779b97f4a7c15ULL);
}

PrefixCache::PrefixCache(size_t blockTokens, size_t capacityTokens)
    : blockTokens_(blockTokens ? blockTokens : 16), capacityTokens_(capacityTokens) {}

void PrefixCache::touch(std::list<Entry>::iterator it, double readyAtMs) {
  lru_.splice(lru_.begin(), lru_, it);
  it->readyAtMs = std::min(it->readyAtMs, readyAtMs);
}

void PrefixCache::insert(uint64_t key, size_t tokens, double readyAtMs) {
  if (tokens > capacityTokens_) return;
  while (usedTokens_ + tokens > capacityTokens_ && !lru_.empty()) {
    const Entry& victim = lru_.back();
    usedTokens_ -= victim.tokens;
    index_.erase(victim.key);
    lru_.pop_back();
    ++evictions_;
  }
  lru_.push_front(Entry{key, tokens, readyAtMs});
  index_[key] = lru_.begin();
  usedTokens_ += tokens;
}

size_t PrefixCache::lookup(const std::vector<uint64_t>& blocks, double nowMs) const {
  size_t hit = 0;
  for (uint64_t h : blocks) {
    auto it = index_.find(h);
    if (it == index_.end() || it->second->readyAtMs > nowMs) break;
    ++hit;
  }
  return hit * blockTokens_;
}

size_t PrefixCache::peek(const std::vector<uint64_t>& blocks) const {
  return lookup(blocks, kAlways);
}

void PrefixCache::insertBlocks(const std::vector<uint64_t>& blocks, double readyAtMs) {
  // Walk from the last block to the first so the first block ends up most recent: like
  // vLLM, the tail of a sequence is evicted before the prefix it shares with others.
  for (size_t i = blocks.size(); i-- > 0;) {
    auto it = index_.find(blocks[i]);
    if (it != index_.end())
      touch(it->second, readyAtMs);
    else
      insert(blocks[i], blockTokens_, readyAtMs);
  }
}

size_t PrefixCache::lookupAndInsert(const std::vector<uint64_t>& blocks) {
  size_t hit = lookup(blocks, kAlways);
  insertBlocks(blocks, 0);
  return hit;
}

bool PrefixCache::touchEntry(uint64_t key, double nowMs) {
  auto it = index_.find(key);
  if (it == index_.end() || it->second->readyAtMs > nowMs) return false;
  touch(it->second, it->second->readyAtMs);
  return true;
}

void PrefixCache::insertEntry(uint64_t key, size_t tokens, double readyAtMs) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    touch(it->second, readyAtMs);
    return;
  }
  insert(key, tokens, readyAtMs);
}

} // namespace awc::sim
