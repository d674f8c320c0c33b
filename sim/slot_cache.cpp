// llama-server's slot choice and RAM prompt cache (see slot_cache.h).
//
// acquire(), as llama-server handles a completion task:
//  1. Among idle slots holding a prompt, take the one whose common prefix covers the largest
//     fraction of the request, if that fraction is above the similarity threshold (first wins
//     ties). The slot's prompt is about to be cut short if less than half of it is kept.
//  2. Otherwise take the least recently used idle slot; its prompt will be replaced.
//  3. No idle slot: the request waits.
//  4. When the slot's prompt is about to be lost, save it to RAM, then move in the RAM entry
//     that keeps more of itself and covers more of the request than the slot does.
//  5. The reused prefix is the common prefix of the slot's prompt and the request (the caller,
//     which knows the prompt's length, gives a block back on a full hit, as for PrefixCache).
//  6. The slot is busy with the request's prompt.
//  7. Every idle slot is saved to RAM (--cache-idle-slots), and emptied under a unified KV.
#include "awc/sim/slot_cache.h"

#include <algorithm>

namespace awc::sim {

namespace {

size_t commonPrefix(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  size_t n = std::min(a.size(), b.size());
  return static_cast<size_t>(std::mismatch(a.begin(), a.begin() + n, b.begin()).first - a.begin());
}

double fraction(size_t part, size_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

// llama-server's thresholds: below half kept, a slot's prompt is worth saving before it is cut
// (get_available_slot); below a quarter kept, a RAM entry is not worth trashing (load).
constexpr double kSaveBelowKept = 0.5;
constexpr double kRestoreMinKept = 0.25;

const std::vector<uint64_t> kNoBlocks;

} // namespace

SlotCache::SlotCache(size_t slots, size_t blockTokens, size_t ramCapacityTokens,
                     double similarityThreshold, bool clearIdleSlots)
    : blockTokens_(blockTokens ? blockTokens : 16),
      ramCapacityBlocks_(ramCapacityTokens / blockTokens_),
      similarityThreshold_(similarityThreshold), clearIdleSlots_(clearIdleSlots),
      slots_(std::max<size_t>(slots, 1)) {}

size_t SlotCache::busyCount() const {
  return static_cast<size_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy; }));
}

const std::vector<uint64_t>& SlotCache::slotBlocks(size_t slot) const {
  return slot < slots_.size() ? slots_[slot].blocks : kNoBlocks;
}

bool SlotCache::ramHolds(const std::vector<uint64_t>& blocks) const {
  return std::find(ram_.begin(), ram_.end(), blocks) != ram_.end();
}

std::optional<size_t> SlotCache::mostSimilarIdleSlot(const std::vector<uint64_t>& request,
                                                     double& keptFraction) const {
  // A threshold of 0 is llama-server's "off", not "any overlap".
  if (similarityThreshold_ == 0.0) return std::nullopt;
  std::optional<size_t> best;
  double bestSimilarity = 0;
  size_t bestPrefix = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    if (s.busy || s.blocks.empty()) continue;
    size_t prefix = commonPrefix(s.blocks, request);
    double similarity = fraction(prefix, request.size());
    if (similarity > bestSimilarity && similarity > similarityThreshold_) {
      bestSimilarity = similarity;
      bestPrefix = prefix;
      best = i;
    }
  }
  if (best) keptFraction = fraction(bestPrefix, slots_[*best].blocks.size());
  return best;
}

std::optional<size_t> SlotCache::leastRecentlyUsedIdleSlot() const {
  // `<=`, as llama-server compares: among equally old slots (all the never-used ones) the last
  // one wins, which is why a fresh server logs its first request on the highest slot id.
  std::optional<size_t> best;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].busy) continue;
    if (!best || slots_[i].lastUsedMs <= slots_[*best].lastUsedMs) best = i;
  }
  return best;
}

void SlotCache::saveToRam(const std::vector<uint64_t>& blocks) {
  if (blocks.empty() || ramCapacityBlocks_ == 0) return;
  // Already covered: an entry holds this whole prompt as its prefix (or is equal to it).
  for (const auto& entry : ram_)
    if (commonPrefix(entry, blocks) == blocks.size()) return;
  // llama-server skips a state larger than the whole cache rather than emptying it for nothing.
  if (blocks.size() > ramCapacityBlocks_) return;
  // Entries this prompt extends are obsolete: it restores everything they would.
  for (auto it = ram_.begin(); it != ram_.end();) {
    if (commonPrefix(*it, blocks) == it->size()) {
      ramBlocks_ -= it->size();
      it = ram_.erase(it);
    } else {
      ++it;
    }
  }
  while (!ram_.empty() && blocks.size() > ramCapacityBlocks_ - ramBlocks_) {
    ramBlocks_ -= ram_.front().size();
    ram_.pop_front();
    ++ramEvictions_;
  }
  ram_.push_back(blocks);
  ramBlocks_ += blocks.size();
}

bool SlotCache::restoreFromRam(Slot& slot, const std::vector<uint64_t>& request) {
  size_t held = commonPrefix(slot.blocks, request);
  // An empty slot keeps nothing, so any entry that passes the quarter rule beats it.
  double bestKept = slot.blocks.empty() ? -1.0 : fraction(held, slot.blocks.size());
  double bestSimilarity = fraction(held, request.size());
  auto best = ram_.end();
  for (auto it = ram_.begin(); it != ram_.end(); ++it) {
    size_t prefix = commonPrefix(*it, request);
    double kept = fraction(prefix, it->size());
    double similarity = fraction(prefix, request.size());
    if (kept < kRestoreMinKept) continue;
    if (bestKept < kept && bestSimilarity < similarity) {
      bestKept = kept;
      bestSimilarity = similarity;
      best = it;
    }
  }
  if (best == ram_.end()) return false;
  // The state moves into the slot: llama-server erases the entry it restored.
  ramBlocks_ -= best->size();
  slot.blocks = std::move(*best);
  ram_.erase(best);
  return true;
}

SlotAdmission SlotCache::acquire(const std::vector<uint64_t>& blocks, double nowMs) {
  SlotAdmission admission;
  double keptFraction = 0;
  std::optional<size_t> chosen = mostSimilarIdleSlot(blocks, keptFraction);
  bool replacing = true;
  if (chosen) {
    admission.bySimilarity = true;
    replacing = keptFraction < kSaveBelowKept;
  } else {
    chosen = leastRecentlyUsedIdleSlot();
  }
  if (!chosen) return admission;

  Slot& slot = slots_[*chosen];
  bool ramEnabled = ramCapacityBlocks_ > 0;
  if (replacing && ramEnabled) {
    saveToRam(slot.blocks);
    admission.restoredFromRam = restoreFromRam(slot, blocks);
  }

  admission.slot = chosen;
  admission.cachedTokens = commonPrefix(slot.blocks, blocks) * blockTokens_;

  slot.blocks = blocks;
  slot.busy = true;
  slot.lastUsedMs = nowMs;

  // --cache-idle-slots needs the RAM cache: with --cache-ram 0 llama-server turns it off.
  if (ramEnabled) {
    for (Slot& idle : slots_) {
      if (idle.busy) continue;
      saveToRam(idle.blocks);
      if (clearIdleSlots_) idle.blocks.clear();
    }
  }
  return admission;
}

void SlotCache::release(size_t slot, double nowMs) {
  if (slot >= slots_.size() || !slots_[slot].busy) return;
  slots_[slot].busy = false;
  slots_[slot].lastUsedMs = nowMs;
}

} // namespace awc::sim
