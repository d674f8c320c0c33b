// Tests for the result cache: LRU, TTL, SQLite persistence, versioning, sharing and threads.
#include "awc/runtime/result_cache.h"
#include "temp_dir.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <thread>

using namespace awc::runtime;
using nlohmann::json;

using awc::testing::TempDir;

TEST_CASE("memory tier evicts the least recently used entry", "[cache]") {
  std::string error;
  auto cache = ResultCache::open({.memoryEntries = 2}, error);
  REQUIRE(cache);
  cache->put("a", 1);
  cache->put("b", 2);
  CHECK(cache->get("a") == json(1)); // a is now most recent
  cache->put("c", 3);                // evicts b
  CHECK_FALSE(cache->get("b"));
  CHECK(cache->get("a") == json(1));
  CHECK(cache->get("c") == json(3));
  auto stats = cache->stats();
  CHECK(stats.hits == 3);
  CHECK(stats.misses == 1);
  CHECK(stats.memoryHits == 3);
  CHECK(stats.puts == 3);
}

TEST_CASE("entries expire after their TTL in both tiers", "[cache]") {
  TempDir dir;
  std::int64_t now = 1'000'000;
  std::string error;
  auto cache = ResultCache::open(
      {.memoryEntries = 10, .sqlitePath = dir.file("cache.sqlite"), .nowMs = [&] { return now; }},
      error);
  REQUIRE(cache);
  cache->put("k", json{{"v", 1}}, std::chrono::milliseconds(500));
  cache->put("forever", "x");
  now += 499;
  CHECK(cache->get("k") == json{{"v", 1}});
  now += 1;
  CHECK_FALSE(cache->get("k"));
  CHECK(cache->get("forever") == json("x"));
  CHECK(cache->stats().expired >= 1);
}

TEST_CASE("the SQLite tier persists across opens and promotes hits to memory", "[cache]") {
  TempDir dir;
  std::string path = dir.file("cache.sqlite");
  std::string error;
  {
    auto cache = ResultCache::open({.memoryEntries = 10, .sqlitePath = path}, error);
    REQUIRE(cache);
    cache->put("node:abc", json{{"status", "shipped"}, {"eta_days", 2}});
    cache->put("node:gone", 1, std::chrono::milliseconds(1));
  }
  auto cache = ResultCache::open({.memoryEntries = 10, .sqlitePath = path}, error);
  REQUIRE(cache);
  CHECK(cache->get("node:abc") == json{{"status", "shipped"}, {"eta_days", 2}});
  CHECK(cache->get("node:abc"));
  auto stats = cache->stats();
  CHECK(stats.diskHits == 1);
  CHECK(stats.memoryHits == 1);
  cache->erase("node:abc");
  CHECK_FALSE(cache->get("node:abc"));

  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, nullptr);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))) == "wal");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST_CASE("a cache from a newer awc is refused with a clear error", "[cache]") {
  TempDir dir;
  std::string path = dir.file("cache.sqlite");
  std::string error;
  REQUIRE(ResultCache::open({.sqlitePath = path}, error));
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  CHECK_FALSE(ResultCache::open({.sqlitePath = path}, error));
  CHECK(error == "cache " + path + " has schema version 99, newer than this awc's 1");
  CHECK_FALSE(ResultCache::open({.sqlitePath = "/proc/no/such/dir/cache.sqlite"}, error));
  CHECK_FALSE(error.empty());
}

TEST_CASE("two handles on one file (as two processes) see each other's writes", "[cache]") {
  TempDir dir;
  std::string path = dir.file("cache.sqlite");
  std::string error;
  auto a = ResultCache::open({.memoryEntries = 0, .sqlitePath = path}, error);
  auto b = ResultCache::open({.memoryEntries = 0, .sqlitePath = path}, error);
  REQUIRE(a);
  REQUIRE(b);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      ResultCache& cache = (t % 2) ? *a : *b;
      for (int i = 0; i < 50; ++i)
        cache.put("k" + std::to_string(t) + "-" + std::to_string(i), i);
    });
  for (auto& thread : threads)
    thread.join();
  int found = 0;
  for (int t = 0; t < 4; ++t)
    for (int i = 0; i < 50; ++i)
      found += a->get("k" + std::to_string(t) + "-" + std::to_string(i)).has_value();
  CHECK(found == 200);
  CHECK(a->stats().diskErrors == 0);
  CHECK(b->stats().diskErrors == 0);
}

TEST_CASE("concurrent gets and puts on one cache are safe", "[cache]") {
  std::string error;
  auto cache = ResultCache::open({.memoryEntries = 64}, error);
  std::atomic<int> hits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        cache->put(std::to_string(i % 100), i);
        if (cache->get(std::to_string((i * 7) % 100))) ++hits;
      }
    });
  for (auto& thread : threads)
    thread.join();
  auto stats = cache->stats();
  CHECK(stats.hits + stats.misses == 8000);
  CHECK(stats.hits == static_cast<std::uint64_t>(hits.load()));
}
