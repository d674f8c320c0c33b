// A model of llama.cpp llama-server's prompt reuse: N slots that each keep the KV of the
// prompt they last served, plus the host-RAM prompt cache that idle slots are saved to.
// It exists because llama-server does not share blocks between requests the way vLLM does
// (PrefixCache): a prompt's KV lives in the slot that computed it, so two requests that start
// together with a shared prefix hit it at most once — the second lands on another slot — and a
// prompt becomes reusable only once its request has finished and its slot is idle, or once it
// has been saved to the RAM cache. Pure logic over block hashes (blockHashes in
// prefix_cache.h); times are milliseconds on the caller's clock.
//
// Followed from llama.cpp tools/server/server-context.cpp (get_available_slot, the
// cache_idle_slots loop in process_single_task) and tools/server/server-task.cpp
// (server_prompt_cache::alloc, load, update).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <list>
#include <optional>
#include <vector>

namespace awc::sim {

/// What a request got when it asked for a slot.
struct SlotAdmission {
  /// The slot that serves it; empty when every slot is busy (llama-server queues the request).
  std::optional<size_t> slot;
  /// Leading prompt tokens whose KV the slot holds (a multiple of the block size; all of them on
  /// a full hit, where a server still recomputes the last token).
  size_t cachedTokens = 0;
  /// The slot was picked for the prompt it holds rather than as the least recently used one.
  bool bySimilarity = false;
  /// The slot's prompt was replaced by a better one moved in from the RAM cache.
  bool restoredFromRam = false;
};

class SlotCache {
public:
  static constexpr size_t kUnlimited = std::numeric_limits<size_t>::max();

  /// `slots` parallel slots (at least one), `blockTokens` tokens per block, a RAM cache of at
  /// most `ramCapacityTokens` tokens (llama-server: --cache-ram; 0 turns it off), and
  /// --slot-prompt-similarity (0 turns slot matching off). `clearIdleSlots` is llama-server's
  /// unified KV buffer (--kv-unified, on by default when -np is not given): idle slots are then
  /// emptied, not only copied, when they are saved to RAM.
  SlotCache(size_t slots, size_t blockTokens, size_t ramCapacityTokens = kUnlimited,
            double similarityThreshold = 0.1, bool clearIdleSlots = false);

  /// A request with this prompt arrives at `nowMs`: picks a slot, restores a prompt from RAM if
  /// that keeps more, marks the slot busy with the new prompt and saves the idle slots to RAM.
  /// Changes nothing when no slot is idle.
  SlotAdmission acquire(const std::vector<uint64_t>& blocks, double nowMs);
  /// The request on `slot` finished at `nowMs`; the slot keeps its prompt and is idle again.
  /// A slot that is out of range or already idle is left alone.
  void release(size_t slot, double nowMs);

  size_t slotCount() const { return slots_.size(); }
  size_t busyCount() const;
  bool isBusy(size_t slot) const { return slot < slots_.size() && slots_[slot].busy; }
  /// The blocks of the prompt a slot holds (empty if out of range or never used).
  const std::vector<uint64_t>& slotBlocks(size_t slot) const;

  size_t ramEntries() const { return ram_.size(); }
  /// True if the RAM cache holds exactly this prompt.
  bool ramHolds(const std::vector<uint64_t>& blocks) const;
  size_t ramTokens() const { return ramBlocks_ * blockTokens_; }
  size_t ramEvictions() const { return ramEvictions_; }
  size_t blockTokens() const { return blockTokens_; }

private:
  struct Slot {
    std::vector<uint64_t> blocks;
    bool busy = false;
    double lastUsedMs = -std::numeric_limits<double>::infinity(); // never used sorts first
  };

  std::optional<size_t> mostSimilarIdleSlot(const std::vector<uint64_t>& request,
                                            double& keptFraction) const;
  std::optional<size_t> leastRecentlyUsedIdleSlot() const;
  void saveToRam(const std::vector<uint64_t>& blocks);
  bool restoreFromRam(Slot& slot, const std::vector<uint64_t>& request);

  size_t blockTokens_;
  size_t ramCapacityBlocks_;
  double similarityThreshold_;
  bool clearIdleSlots_;
  std::vector<Slot> slots_;
  std::list<std::vector<uint64_t>> ram_; // front = saved longest ago, evicted first
  size_t ramBlocks_ = 0;
  size_t ramEvictions_ = 0;
};

} // namespace awc::sim
