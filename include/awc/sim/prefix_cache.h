// A prefix cache modelled on vLLM's automatic prefix caching: the prompt is cut into
// fixed-size token blocks, each block is identified by a hash chained over every block
// before it, and blocks are evicted least-recently-used once a token capacity is full.
// A block becomes reusable when the prefill that computes it ends, not when its request
// arrives: requests that start together with a shared prefix all compute it, as on a real
// server. Times are milliseconds on the caller's clock.
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

  /// Leading tokens whose blocks are cached and computed by `nowMs` (a multiple of the block
  /// size). Does not change the cache.
  size_t lookup(const std::vector<uint64_t>& blocks, double nowMs) const;
  /// Marks every block of a prompt as used, inserting the missing ones as computed at
  /// `readyAtMs` (evicting LRU blocks); a block already being computed keeps the earlier time.
  void insertBlocks(const std::vector<uint64_t>& blocks, double readyAtMs);
  /// Both, for a prefill that takes no time: the cached tokens before this prompt.
  size_t lookupAndInsert(const std::vector<uint64_t>& blocks);

  /// Leading cached tokens, whenever computed, without changing the cache.
  size_t peek(const std::vector<uint64_t>& blocks) const;

  /// An entry that stands for `tokens` tokens (Anthropic breakpoint prefixes): true if present
  /// and computed by `nowMs`.
  bool touchEntry(uint64_t key, double nowMs = kAlways);
  void insertEntry(uint64_t key, size_t tokens, double readyAtMs = 0);

  static constexpr double kAlways = 1e300;

  size_t blockTokens() const { return blockTokens_; }
  size_t capacityTokens() const { return capacityTokens_; }
  size_t usedTokens() const { return usedTokens_; }
  size_t evictions() const { return evictions_; }

private:
  struct Entry {
    uint64_t key;
    size_t tokens;
    double readyAtMs;
  };
  void touch(std::list<Entry>::iterator it, double readyAtMs);
  void insert(uint64_t key, size_t tokens, double readyAtMs);

  size_t blockTokens_;
  size_t capacityTokens_;
  size_t usedTokens_ = 0;
  size_t evictions_ = 0;
  std::list<Entry> lru_; // front = most recently used
  std::unordered_map<uint64_t, std::list<Entry>::iterator> index_;
};

} // namespace awc::sim
