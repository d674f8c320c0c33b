// A prefix cache modelled on vLLM's automatic prefix caching: the prompt is cut into
// fixed-size token blocks, each block is identified by a hash chained over every block
// before it, and blocks are evicted least-recently-used once a token capacity is full.
#pragma once

#include "awc/support/tokenizer.h"

#include <cstddef>
#include <cstdint>
#include <list>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace awc::sim {

/// Chained hashes of the full blocks of a tokenized prompt.
/// `seed` separates models (one cache per model server in reality).
std::vector<uint64_t> blockHashes(std::string_view text, const std::vector<TokenSpan>& tokens,
                                  size_t blockTokens, uint64_t seed);

/// Hash of the first `tokenCount` tokens (an exact-prefix key, used for Anthropic breakpoints).
uint64_t prefixHash(std::string_view text, const std::vector<TokenSpan>& tokens, size_t tokenCount,
                    uint64_t seed);

class PrefixCache {
public:
  /// `blockTokens` tokens per block; at most `capacityTokens` tokens held.
  PrefixCache(size_t blockTokens, size_t capacityTokens);

  /// Number of leading tokens already cached (a multiple of the block size), and marks
  /// every block of the prompt as used (inserting the missing ones, evicting LRU blocks).
  size_t lookupAndInsert(const std::vector<uint64_t>& blocks);

  /// Leading cached tokens without changing the cache.
  size_t peek(const std::vector<uint64_t>& blocks) const;

  /// An entry that stands for `tokens` tokens (Anthropic breakpoint prefixes): true if present.
  bool touchEntry(uint64_t key);
  void insertEntry(uint64_t key, size_t tokens);

  size_t blockTokens() const { return blockTokens_; }
  size_t capacityTokens() const { return capacityTokens_; }
  size_t usedTokens() const { return usedTokens_; }
  size_t evictions() const { return evictions_; }

private:
  struct Entry {
    uint64_t key;
    size_t tokens;
  };
  void touch(std::list<Entry>::iterator it);
  void insert(uint64_t key, size_t tokens);

  size_t blockTokens_;
  size_t capacityTokens_;
  size_t usedTokens_ = 0;
  size_t evictions_ = 0;
  std::list<Entry> lru_; // front = most recently used
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

} // namespace awc::sim
