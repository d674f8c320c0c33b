// Node result cache: key -> JSON value with TTL, an in-memory LRU tier over an SQLite tier.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace awc::runtime {

/// Cache configuration. Both tiers are optional; with neither, every get misses.
struct ResultCacheOptions {
  /// Entries kept in memory (LRU); 0 disables the memory tier.
  std::size_t memoryEntries = 10'000;
  /// SQLite file (parent directories are created); empty disables the disk tier.
  /// The CLI's default is ".awc/cache.sqlite".
  std::string sqlitePath;
  /// How long a writer waits for another process's lock before giving up on one operation.
  std::chrono::milliseconds busyTimeout{5'000};
  /// Milliseconds since the epoch; injectable so TTL tests need no sleeping.
  std::function<std::int64_t()> nowMs;
};

/// Counters since open (all tiers).
struct ResultCacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t memoryHits = 0;
  std::uint64_t diskHits = 0;
  std::uint64_t puts = 0;
  std::uint64_t expired = 0;
  /// Disk operations that failed (busy, I/O); the cache degrades to a miss, never to an error.
  std::uint64_t diskErrors = 0;
};

/// Thread-safe. The SQLite tier uses WAL and a busy timeout so several processes can share
/// one file; its schema version lives in PRAGMA user_version.
class ResultCache {
public:
  /// Current on-disk schema version.
  static constexpr int kSchemaVersion = 1;

  /// Opens the cache; on failure returns null and sets `error` (never throws).
  static std::unique_ptr<ResultCache> open(ResultCacheOptions options, std::string& error);
  ~ResultCache();
  ResultCache(const ResultCache&) = delete;
  ResultCache& operator=(const ResultCache&) = delete;

  /// The value under `key`, unless absent or expired. A disk hit is promoted to memory.
  std::optional<nlohmann::json> get(std::string_view key);
  /// Stores `value`; `ttl` of nullopt means no expiry.
  void put(std::string_view key, const nlohmann::json& value,
           std::optional<std::chrono::milliseconds> ttl = std::nullopt);
  /// Removes `key` from both tiers.
  void erase(std::string_view key);
  /// Deletes expired rows from disk; returns how many.
  std::size_t purgeExpired();
  ResultCacheStats stats() const;

private:
  ResultCache();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace awc::runtime
