// Result cache tiers: an LRU list + hash map in memory, and an SQLite table (WAL) on disk.
#include "awc/runtime/result_cache.h"

#include <filesystem>
#include <fmt/format.h>
#include <list>
#include <mutex>
#include <sqlite3.h>
#include <unordered_map>

namespace awc::runtime {

using nlohmann::json;

namespace {

struct MemoryEntry {
  std::string key;
  json value;
  std::int64_t expiresMs; // 0 = never
};

std::int64_t systemNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace

struct ResultCache::Impl {
  ResultCacheOptions options;
  mutable std::mutex mutex;
  std::list<MemoryEntry> lru; // front = most recent
  std::unordered_map<std::string, std::list<MemoryEntry>::iterator> index;
  sqlite3* db = nullptr;
  sqlite3_stmt* selectStmt = nullptr;
  sqlite3_stmt* upsertStmt = nullptr;
  sqlite3_stmt* deleteStmt = nullptr;
  ResultCacheStats stats;

  ~Impl() {
    sqlite3_finalize(selectStmt);
    sqlite3_finalize(upsertStmt);
    sqlite3_finalize(deleteStmt);
    if (db) sqlite3_close_v2(db);
  }

  std::int64_t now() const { return options.nowMs ? options.nowMs() : systemNowMs(); }

  bool exec(const char* sql, std::string& error) {
    char* message = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
      error = message ? message : sqlite3_errmsg(db);
      sqlite3_free(message);
      return false;
    }
    return true;
  }

  bool openDisk(std::string& error) {
    std::filesystem::path path(options.sqlitePath);
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      error =
          fmt::format("cannot create directory {}: {}", path.parent_path().string(), ec.message());
      return false;
    }
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(options.sqlitePath.c_str(), &db, flags, nullptr) != SQLITE_OK) {
      error = fmt::format("cannot open cache {}: {}", options.sqlitePath,
                          db ? sqlite3_errmsg(db) : "out of memory");
      return false;
    }
    sqlite3_busy_timeout(db, static_cast<int>(options.busyTimeout.count()));
    std::string why;
    if (!exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", why)) {
      error = fmt::format("cache {}: {}", options.sqlitePath, why);
      return false;
    }
    // Create-if-missing inside one write transaction so concurrent openers agree.
    if (!exec("BEGIN IMMEDIATE", why)) {
      error = fmt::format("cache {}: {}", options.sqlitePath, why);
      return false;
    }
    int version = 0;
    {
      sqlite3_stmt* stmt = nullptr;
      sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr);
      if (stmt && sqlite3_step(stmt) == SQLITE_ROW) version = sqlite3_column_int(stmt, 0);
      sqlite3_finalize(stmt);
    }
    if (version > kSchemaVersion) {
      exec("ROLLBACK", why);
      error = fmt::format("cache {} has schema version {}, newer than this awc's {}",
                          options.sqlitePath, version, kSchemaVersion);
      return false;
    }
    if (version < kSchemaVersion) {
      std::string create = fmt::format(
          "CREATE TABLE IF NOT EXISTS awc_result_cache ("
          " key TEXT PRIMARY KEY, value TEXT NOT NULL,"
          " created_ms INTEGER NOT NULL, expires_ms INTEGER NOT NULL);"
          "CREATE INDEX IF NOT EXISTS awc_result_cache_expiry ON awc_result_cache(expires_ms)"
          " WHERE expires_ms > 0;"
          "PRAGMA user_version = {};",
          kSchemaVersion);
      if (!exec(create.c_str(), why)) {
        exec("ROLLBACK", why);
        error = fmt::format("cache {}: {}", options.sqlitePath, why);
        return false;
      }
    }
    if (!exec("COMMIT", why)) {
      error = fmt::format("cache {}: {}", options.sqlitePath, why);
      return false;
    }
    auto prepare = [&](const char* sql, sqlite3_stmt** stmt) {
      return sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) == SQLITE_OK;
    };
    if (!prepare("SELECT value, expires_ms FROM awc_result_cache WHERE key = ?1", &selectStmt) ||
        !prepare("INSERT INTO awc_result_cache(key, value, created_ms, expires_ms)"
                 " VALUES(?1, ?2, ?3, ?4) ON CONFLICT(key) DO UPDATE SET"
                 " value = excluded.value, created_ms = excluded.created_ms,"
                 " expires_ms = excluded.expires_ms",
                 &upsertStmt) ||
        !prepare("DELETE FROM awc_result_cache WHERE key = ?1", &deleteStmt)) {
      error = fmt::format("cache {}: {}", options.sqlitePath, sqlite3_errmsg(db));
      return false;
    }
    return true;
  }

  void memoryPut(std::string_view key, const json& value, std::int64_t expiresMs) {
    if (options.memoryEntries == 0) return;
    std::string k(key);
    if (auto it = index.find(k); it != index.end()) {
      it->second->value = value;
      it->second->expiresMs = expiresMs;
      lru.splice(lru.begin(), lru, it->second);
      return;
    }
    lru.push_front(MemoryEntry{k, value, expiresMs});
    index.emplace(std::move(k), lru.begin());
    while (lru.size() > options.memoryEntries) {
      index.erase(lru.back().key);
      lru.pop_back();
    }
  }

  void memoryErase(const std::string& key) {
    if (auto it = index.find(key); it != index.end()) {
      lru.erase(it->second);
      index.erase(it);
    }
  }

  void diskDelete(std::string_view key) {
    if (!db) return;
    sqlite3_bind_text(deleteStmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    if (sqlite3_step(deleteStmt) != SQLITE_DONE) ++stats.diskErrors;
    sqlite3_reset(deleteStmt);
    sqlite3_clear_bindings(deleteStmt);
  }
};

ResultCache::ResultCache() : impl_(std::make_unique<Impl>()) {}
ResultCache::~ResultCache() = default;

std::unique_ptr<ResultCache> ResultCache::open(ResultCacheOptions options, std::string& error) {
  std::unique_ptr<ResultCache> cache(new ResultCache());
  cache->impl_->options = std::move(options);
  if (!cache->impl_->options.sqlitePath.empty() && !cache->impl_->openDisk(error)) return nullptr;
  return cache;
}

std::optional<json> ResultCache::get(std::string_view key) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  std::int64_t now = s.now();
  std::string k(key);
  if (auto it = s.index.find(k); it != s.index.end()) {
    if (it->second->expiresMs == 0 || it->second->expiresMs > now) {
      s.lru.splice(s.lru.begin(), s.lru, it->second);
      ++s.stats.hits;
      ++s.stats.memoryHits;
      return it->second->value;
    }
    ++s.stats.expired;
    s.memoryErase(k);
  }
  if (s.db) {
    sqlite3_stmt* stmt = s.selectStmt;
    sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    int rc = sqlite3_step(stmt);
    std::optional<json> found;
    bool expired = false;
    std::int64_t expiresMs = 0;
    if (rc == SQLITE_ROW) {
      expiresMs = sqlite3_column_int64(stmt, 1);
      if (expiresMs != 0 && expiresMs <= now) {
        expired = true;
      } else {
        auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        int size = sqlite3_column_bytes(stmt, 0);
        json value = json::parse(text, text + size, nullptr, false);
        if (!value.is_discarded()) found = std::move(value);
      }
    } else if (rc != SQLITE_DONE) {
      ++s.stats.diskErrors;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    if (expired) {
      ++s.stats.expired;
      s.diskDelete(key);
    }
    if (found) {
      ++s.stats.hits;
      ++s.stats.diskHits;
      s.memoryPut(key, *found, expiresMs);
      return found;
    }
  }
  ++s.stats.misses;
  return std::nullopt;
}

void ResultCache::put(std::string_view key, const json& value,
                      std::optional<std::chrono::milliseconds> ttl) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  std::int64_t now = s.now();
  std::int64_t expiresMs = ttl ? now + std::max<std::int64_t>(1, ttl->count()) : 0;
  ++s.stats.puts;
  s.memoryPut(key, value, expiresMs);
  if (!s.db) return;
  std::string text = value.dump();
  sqlite3_stmt* stmt = s.upsertStmt;
  sqlite3_bind_text(stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  sqlite3_bind_int64(stmt, 3, now);
  sqlite3_bind_int64(stmt, 4, expiresMs);
  if (sqlite3_step(stmt) != SQLITE_DONE) ++s.stats.diskErrors;
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
}

void ResultCache::erase(std::string_view key) {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  s.memoryErase(std::string(key));
  s.diskDelete(key);
}

std::size_t ResultCache::purgeExpired() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mutex);
  if (!s.db) return 0;
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(s.db, "DELETE FROM awc_result_cache WHERE expires_ms > 0 AND expires_ms <= ?1",
                     -1, &stmt, nullptr);
  if (!stmt) return 0;
  sqlite3_bind_int64(stmt, 1, s.now());
  std::size_t removed = 0;
  if (sqlite3_step(stmt) == SQLITE_DONE)
    removed = static_cast<std::size_t>(sqlite3_changes(s.db));
  else
    ++s.stats.diskErrors;
  sqlite3_finalize(stmt);
  return removed;
}

ResultCacheStats ResultCache::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

} // namespace awc::runtime
