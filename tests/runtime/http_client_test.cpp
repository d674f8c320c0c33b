// Tests for the transports: FakeTransport semantics, and CurlTransport against a loopback
// cpp-httplib server (streaming, timeouts, cancellation, reuse, many requests, shutdown).
#include "awc/runtime/http_client.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <condition_variable>
#include <future>
#include <httplib.h>
#include <set>
#include <thread>
#include <unistd.h>

using namespace awc::runtime;
using namespace std::chrono_literals;

namespace {

// A loopback HTTP server on an ephemeral port, run on its own thread.
class TestServer {
public:
  TestServer() {
    server_.new_task_queue = [] { return new httplib::ThreadPool(32); };
    server_.set_keep_alive_timeout(1);
    server_.set_keep_alive_max_count(100'000);
    server_.Get("/hello", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard lock(mutex_);
        ports_.insert(req.remote_port);
      }
      res.set_header("X-Test", "yes");
      res.set_content("world", "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 201;
      res.set_content(req.get_header_value("X-Req") + ":" + req.body, "text/plain");
    });
    server_.Get("/status/429", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "3");
      res.set_content("slow down", "text/plain");
    });
    server_.Get("/stream", [](const httplib::Request&, httplib::Response& res) {
      res.set_chunked_content_provider("text/event-stream", [](size_t, httplib::DataSink& sink) {
        for (int i = 0; i < 3; ++i) {
          std::string event = "data: part" + std::to_string(i) + "\n\n";
          sink.write(event.data(), event.size());
          std::this_thread::sleep_for(30ms); // separate the chunks on the wire
        }
        sink.done();
        return true;
      });
    });
    server_.Get("/slow", [](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(1500ms);
      res.set_content("late", "text/plain");
    });
    server_.Get("/hang", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock lock(mutex_);
      ++hanging_;
      cv_.notify_all();
      cv_.wait_for(lock, 10s, [this] { return released_; });
      res.set_content("released", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(1ms);
  }
  ~TestServer() {
    release();
    server_.stop();
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Blocks until `count` /hang requests are inside the handler.
  bool waitForHanging(int count) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, 10s, [&] { return hanging_ >= count; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    cv_.notify_all();
  }
  std::size_t distinctClientPorts() {
    std::lock_guard lock(mutex_);
    return ports_.size();
  }

private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::condition_variable cv_;
  int hanging_ = 0;
  bool released_ = false;
  std::set<int> ports_;
};

HttpResponse fetch(Transport& transport, HttpRequest request) {
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  auto future = promise->get_future();
  transport.submit(std::move(request),
                   [promise](HttpResponse r) { promise->set_value(std::move(r)); });
  REQUIRE(future.wait_for(20s) == std::future_status::ready);
  return future.get();
}

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  return r;
}

} // namespace

TEST_CASE("FakeTransport answers through its handler, streams chunks and fires timers", "[http]") {
  FakeTransport transport;
  std::vector<std::string> chunks;
  std::optional<HttpResponse> response;
  HttpRequest request = get("http://x/y");
  request.onBodyChunk = [&](std::string_view c) { chunks.emplace_back(c); };
  RequestId id = transport.submit(request, [&](HttpResponse r) { response = std::move(r); });
  CHECK(id != 0);
  CHECK(transport.drain() == 0); // no handler yet: stays pending
  CHECK(transport.pending() == std::vector<RequestId>{id});
  transport.setHandler([](const HttpRequest& r) {
    FakeReply reply;
    reply.response.status = r.url == "http://x/y" ? 200 : 404;
    reply.chunks = {"ab", "cd"};
    return reply;
  });
  CHECK(transport.drain() == 1);
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(chunks == std::vector<std::string>{"ab", "cd"});
  CHECK(response->body.empty()); // streamed, not kept

  int fired = 0;
  transport.runAfter(100ms, [&] { ++fired; });
  transport.advance(99ms);
  CHECK(fired == 0);
  transport.advance(1ms);
  CHECK(fired == 1);
  CHECK(transport.now() == 100ms);

  FakeTransport manual;
  std::optional<HttpResponse> cancelled;
  RequestId pendingId =
      manual.submit(get("http://x"), [&](HttpResponse r) { cancelled = std::move(r); });
  manual.cancel(pendingId);
  REQUIRE(cancelled);
  CHECK(cancelled->error == TransportError::Cancelled);
  CHECK_FALSE(manual.complete(pendingId, FakeReply{}));
}

TEST_CASE("CurlTransport GET and POST with headers over loopback", "[http][loopback]") {
  TestServer server;
  CurlTransport transport;
  HttpResponse r = fetch(transport, get(server.url("/hello")));
  CHECK(r.error == TransportError::None);
  CHECK(r.status == 200);
  CHECK(r.body == "world");
  CHECK(r.header("x-test") == "yes");
  CHECK(r.header("X-TEST") == "yes");
  CHECK(r.startTime <= r.firstByteTime);
  CHECK(r.firstByteTime <= r.endTime);

  HttpRequest post;
  post.url = server.url("/echo");
  post.headers = {{"X-Req", "abc"}, {"Content-Type", "application/json"}};
  post.body = std::string(200'000, 'x'); // large enough that curl would want 100-continue
  r = fetch(transport, post);
  CHECK(r.status == 201);
  CHECK(r.body == "abc:" + post.body);

  r = fetch(transport, get(server.url("/status/429")));
  CHECK(r.status == 429);
  CHECK(r.header("retry-after") == "3");
  CHECK_FALSE(r.ok());
}

TEST_CASE("CurlTransport reuses one connection for sequential requests", "[http][loopback]") {
  TestServer server;
  CurlTransport transport;
  for (int i = 0; i < 5; ++i)
    REQUIRE(fetch(transport, get(server.url("/hello"))).status == 200);
  CHECK(server.distinctClientPorts() == 1);
}

TEST_CASE("CurlTransport streams the body in chunks as it arrives", "[http][loopback]") {
  TestServer server;
  CurlTransport transport;
  std::vector<std::string> chunks; // written only on the I/O thread, read after completion
  HttpRequest request = get(server.url("/stream"));
  request.onBodyChunk = [&](std::string_view c) { chunks.emplace_back(c); };
  request.keepStreamedBody = true;
  HttpResponse r = fetch(transport, request);
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "text/event-stream");
  CHECK(r.body == "data: part0\n\ndata: part1\n\ndata: part2\n\n");
  CHECK(chunks.size() >= 2);
  std::string joined;
  for (const auto& c : chunks)
    joined += c;
  CHECK(joined == r.body);
  CHECK(r.firstByteTime < r.endTime);
}

TEST_CASE("CurlTransport reports timeouts and refused connections", "[http][loopback]") {
  TestServer server;
  CurlTransport transport;
  HttpRequest slow = get(server.url("/slow"));
  slow.totalTimeout = 200ms;
  HttpResponse r = fetch(transport, slow);
  CHECK(r.error == TransportError::Timeout);
  CHECK(r.status == 0);
  CHECK_FALSE(r.errorMessage.empty());

  // Bind and close a port so nothing listens on it.
  int port = 0;
  {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    port = ntohs(addr.sin_port);
    ::close(fd);
  }
  r = fetch(transport, get("http://127.0.0.1:" + std::to_string(port) + "/"));
  CHECK(r.error == TransportError::Connect);

  r = fetch(transport,
            get("https://127.0.0.1:" + server.url("/hello").substr(17))); // TLS to plain HTTP
  CHECK(r.error != TransportError::None);
  CHECK(r.status == 0);
}

TEST_CASE("CurlTransport cancels an in-flight request", "[http][loopback]") {
  TestServer server;
  CurlTransport transport;
  auto promise = std::make_shared<std::promise<HttpResponse>>();
  auto future = promise->get_future();
  RequestId id = transport.submit(get(server.url("/hang")),
                                  [promise](HttpResponse r) { promise->set_value(std::move(r)); });
  REQUIRE(server.waitForHanging(1));
  CHECK(transport.inFlight() == 1);
  transport.cancel(id);
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  HttpResponse r = future.get();
  CHECK(r.error == TransportError::Cancelled);
  CHECK(transport.inFlight() == 0);
  transport.cancel(id); // already finished: no effect, no second callback
  server.release();
  CHECK(fetch(transport, get(server.url("/hello"))).status == 200);
}

TEST_CASE("CurlTransport runs timers and accepts submissions from many threads",
          "[http][loopback]") {
  TestServer server;
  CurlTransportOptions options;
  options.maxConnectionsPerHost = 8;
  CurlTransport transport(options);
  std::promise<void> timerFired;
  transport.runAfter(10ms, [&] { timerFired.set_value(); });
  REQUIRE(timerFired.get_future().wait_for(10s) == std::future_status::ready);

  constexpr int kThreads = 4, kPerThread = 100;
  std::atomic<int> ok{0}, done{0};
  std::promise<void> allDone;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i)
        transport.submit(get(server.url("/hello")), [&](HttpResponse r) {
          if (r.status == 200 && r.body == "world") ++ok;
          if (++done == kThreads * kPerThread) allDone.set_value();
        });
    });
  for (auto& thread : threads)
    thread.join();
  REQUIRE(allDone.get_future().wait_for(60s) == std::future_status::ready);
  CHECK(ok == kThreads * kPerThread);
  CHECK(server.distinctClientPorts() <= 8);
}

TEST_CASE("CurlTransport shutdown completes in-flight requests", "[http][loopback]") {
  TestServer server;
  std::atomic<int> shutdowns{0};
  {
    CurlTransport transport;
    for (int i = 0; i < 3; ++i)
      transport.submit(get(server.url("/hang")), [&](HttpResponse r) {
        if (r.error == TransportError::Shutdown) ++shutdowns;
      });
    REQUIRE(server.waitForHanging(3));
  }
  CHECK(shutdowns == 3);
}
