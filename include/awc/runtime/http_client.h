// Asynchronous HTTP: the Transport interface, the libcurl-multi implementation and an in-memory
// fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awc::runtime {

using Clock = std::chrono::steady_clock;

/// One HTTP request. Headers may carry secrets (API keys): never log a request.
struct HttpRequest {
  std::string method = "POST";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds connectTimeout{10'000};
  /// Whole-transfer limit; 0 means none.
  std::chrono::milliseconds totalTimeout{300'000};
  /// Called on the I/O thread with each body chunk as it arrives (for SSE). Must not block.
  std::function<void(std::string_view)> onBodyChunk;
  /// Whether the body is also accumulated into HttpResponse::body when onBodyChunk is set.
  bool keepStreamedBody = false;
};

/// Why a transfer produced no HTTP status.
enum class TransportError { None, Connect, Timeout, Tls, Cancelled, Shutdown, Other };

/// Stable lower-case name of a TransportError ("none", "connect", ...).
std::string_view transportErrorName(TransportError error);

/// The outcome of one transfer: an HTTP status, or a transport error.
struct HttpResponse {
  int status = 0;
  /// Header names in lower case, in arrival order (the last response's headers after redirects).
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  TransportError error = TransportError::None;
  /// Human-readable transport error; never contains request headers.
  std::string errorMessage;
  Clock::time_point startTime{};
  Clock::time_point firstByteTime{};
  Clock::time_point endTime{};

  /// First header with this (case-insensitive) name.
  std::optional<std::string> header(std::string_view name) const;
  bool ok() const { return error == TransportError::None && status >= 200 && status < 300; }
};

/// Called exactly once per submitted request, on the transport's I/O thread.
using HttpCallback = std::function<void(HttpResponse)>;

/// Identifies a submitted request; 0 is never a valid id.
using RequestId = std::uint64_t;

/// Asynchronous HTTP transport. All methods are thread-safe; callbacks run on the
/// transport's I/O thread, must not block, and may call submit/cancel/runAfter again.
class Transport {
public:
  virtual ~Transport() = default;
  /// Starts a request; the callback gets the response (or a transport error).
  virtual RequestId submit(HttpRequest request, HttpCallback callback) = 0;
  /// Cancels a request still in flight: its callback runs with TransportError::Cancelled.
  /// A no-op for requests already finished.
  virtual void cancel(RequestId id) = 0;
  /// Runs `fn` on the I/O thread after `delay` (for retry backoff).
  virtual void runAfter(std::chrono::milliseconds delay, std::function<void()> fn) = 0;
};

/// Tuning for CurlTransport.
struct CurlTransportOptions {
  /// Cached connections kept open for reuse across requests.
  long maxCachedConnections = 256;
  /// Per-host connection limit; 0 means unlimited.
  long maxConnectionsPerHost = 0;
  /// TLS verification of peer and host name. Tests against self-signed servers turn it off;
  /// nothing in a plan or flag path does.
  bool verifyTls = true;
};

/// libcurl multi handle driven by one I/O thread (libcurl's socket interface over epoll, an
/// eventfd to wake it; docs/runtime-io.md).
/// Thousands of transfers can be in flight; connections are reused. The destructor
/// completes everything still in flight with TransportError::Shutdown and joins the thread.
class CurlTransport final : public Transport {
public:
  explicit CurlTransport(CurlTransportOptions options = {});
  ~CurlTransport() override;
  CurlTransport(const CurlTransport&) = delete;
  CurlTransport& operator=(const CurlTransport&) = delete;

  RequestId submit(HttpRequest request, HttpCallback callback) override;
  void cancel(RequestId id) override;
  void runAfter(std::chrono::milliseconds delay, std::function<void()> fn) override;

  /// Transfers currently in flight (submitted, not yet completed).
  std::size_t inFlight() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A canned reply for FakeTransport: the response plus the chunks its body streams in.
struct FakeReply {
  HttpResponse response;
  /// When non-empty, fed to onBodyChunk one by one; the body becomes their concatenation.
  std::vector<std::string> chunks;
};

/// In-memory transport for tests. With a handler installed, a request is answered when
/// `drain()` runs; without one it stays pending until `complete()`. Callbacks and timers
/// run on the thread that calls drain()/complete()/advance(), never inside submit().
/// Time is virtual: timers fire only through advance().
class FakeTransport final : public Transport {
public:
  using Handler = std::function<FakeReply(const HttpRequest&)>;

  RequestId submit(HttpRequest request, HttpCallback callback) override;
  void cancel(RequestId id) override;
  void runAfter(std::chrono::milliseconds delay, std::function<void()> fn) override;

  /// Answers pending requests with `handler` from now on.
  void setHandler(Handler handler);
  /// Answers every pending request through the handler (repeatedly, including requests
  /// submitted by callbacks). Returns how many were answered.
  std::size_t drain();
  /// Answers one pending request with a given reply. Returns false if it is not pending.
  bool complete(RequestId id, FakeReply reply);
  /// Advances virtual time, firing due timers (and draining after each when a handler is set).
  void advance(std::chrono::milliseconds delta);

  /// Requests submitted so far (copies, in order), for assertions.
  std::vector<HttpRequest> requests() const;
  /// Ids still pending.
  std::vector<RequestId> pending() const;
  std::chrono::milliseconds now() const;

private:
  struct Pending {
    RequestId id;
    HttpRequest request;
    HttpCallback callback;
  };
  struct Timer {
    std::chrono::milliseconds due;
    std::uint64_t seq;
    std::function<void()> fn;
  };
  void deliver(Pending pending, FakeReply reply);

  mutable std::mutex mutex_;
  Handler handler_;
  std::vector<Pending> pending_;
  std::vector<HttpRequest> log_;
  std::vector<Timer> timers_;
  std::chrono::milliseconds now_{0};
  RequestId nextId_ = 1;
  std::uint64_t timerSeq_ = 0;
};

} // namespace awc::runtime
