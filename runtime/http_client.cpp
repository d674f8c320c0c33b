// CurlTransport (one I/O thread over a libcurl multi handle) and FakeTransport.
// About 600 lines: the I/O thread's socket, timer and transfer callbacks share one state and
// read best together; FakeTransport, the tests' in-memory double, is the other fifth.
//
// The I/O thread drives libcurl's socket interface from an epoll set: a wake-up handles only the
// sockets that are ready, so its cost does not grow with the number of transfers in flight
// (curl_multi_perform and curl_multi_poll walk every transfer and every socket on each wake-up,
// which at a thousand streaming calls cost more than the calls themselves).
#include "awc/runtime/http_client.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <curl/curl.h>
#include <map>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace awc::runtime {

std::string_view transportErrorName(TransportError error) {
  switch (error) {
  case TransportError::None:
    return "none";
  case TransportError::Connect:
    return "connect";
  case TransportError::Timeout:
    return "timeout";
  case TransportError::Tls:
    return "tls";
  case TransportError::Cancelled:
    return "cancelled";
  case TransportError::Shutdown:
    return "shutdown";
  case TransportError::Other:
    return "other";
  }
  return "other";
}

static bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (equalsIgnoreCase(key, name)) return value;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// CurlTransport

namespace {

// curl_global_init is not guaranteed thread-safe on every libcurl build; do it once.
void ensureCurlGlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

TransportError classify(CURLcode code) {
  switch (code) {
  case CURLE_OK:
    return TransportError::None;
  case CURLE_OPERATION_TIMEDOUT:
    return TransportError::Timeout;
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY:
  case CURLE_SEND_ERROR:
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE:
  case CURLE_HTTP2:
  case CURLE_HTTP2_STREAM:
    return TransportError::Connect;
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CERTPROBLEM:
  case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
    return TransportError::Tls;
  case CURLE_ABORTED_BY_CALLBACK:
    return TransportError::Cancelled;
  default:
    return TransportError::Other;
  }
}

struct Transfer {
  RequestId id = 0;
  CURL* easy = nullptr;
  curl_slist* headerList = nullptr;
  HttpRequest request;
  HttpCallback callback;
  HttpResponse response;
  bool gotFirstByte = false;
  char errorBuffer[CURL_ERROR_SIZE] = {};

  ~Transfer() {
    if (easy) curl_easy_cleanup(easy);
    if (headerList) curl_slist_free_all(headerList);
  }
};

size_t onWrite(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t bytes = size * count;
  if (!transfer->gotFirstByte) {
    transfer->gotFirstByte = true;
    transfer->response.firstByteTime = Clock::now();
  }
  std::string_view chunk(data, bytes);
  if (transfer->request.onBodyChunk) {
    transfer->request.onBodyChunk(chunk);
    if (transfer->request.keepStreamedBody) transfer->response.body.append(chunk);
  } else {
    transfer->response.body.append(chunk);
  }
  return bytes;
}

size_t onHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  std::size_t bytes = size * count;
  std::string_view line(data, bytes);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  // A new status line starts a new header block (100-continue, redirects): keep the last.
  if (line.substr(0, 5) == "HTTP/") {
    transfer->response.headers.clear();
    return bytes;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return bytes;
  std::string name(line.substr(0, colon));
  for (char& c : name)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
    value.remove_prefix(1);
  transfer->response.headers.emplace_back(std::move(name), std::string(value));
  return bytes;
}

} // namespace

struct CurlTransport::Impl {
  CurlTransportOptions options;
  CURLM* multi = nullptr;
  std::thread thread;
  int epollFd = -1;
  int wakeFd = -1; // an eventfd in the epoll set: other threads write it to wake the loop

  // Shared with submitting threads, guarded by mutex.
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<Transfer>> incoming;
  std::vector<RequestId> cancels;
  std::multimap<Clock::time_point, std::function<void()>> timers;
  bool stopping = false;
  RequestId nextId = 1;
  std::atomic<std::size_t> inFlight{0};

  // Owned by the I/O thread only.
  std::unordered_map<RequestId, std::unique_ptr<Transfer>> active;
  std::optional<Clock::time_point> curlDeadline; // when libcurl wants its timeout action

  void wake() {
    uint64_t one = 1;
    // A full counter (never in practice) still leaves the fd readable, which is all we need.
    [[maybe_unused]] ssize_t n = ::write(wakeFd, &one, sizeof one);
  }

  // libcurl tells us which sockets to watch for what; mirror that in the epoll set.
  static int onSocket(CURL*, curl_socket_t socket, int what, void* user, void* socketData) {
    auto* impl = static_cast<Impl*>(user);
    if (what == CURL_POLL_REMOVE) {
      // The socket may already be closed, which removed it from the set; ignore that error.
      epoll_ctl(impl->epollFd, EPOLL_CTL_DEL, socket, nullptr);
      curl_multi_assign(impl->multi, socket, nullptr);
      return 0;
    }
    epoll_event event{};
    event.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) | (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
    event.data.fd = socket;
    // socketData is non-null once the socket is in the set (curl_multi_assign below).
    if (socketData) {
      if (epoll_ctl(impl->epollFd, EPOLL_CTL_MOD, socket, &event) != 0 && errno == ENOENT)
        epoll_ctl(impl->epollFd, EPOLL_CTL_ADD, socket, &event);
    } else {
      if (epoll_ctl(impl->epollFd, EPOLL_CTL_ADD, socket, &event) != 0 && errno == EEXIST)
        epoll_ctl(impl->epollFd, EPOLL_CTL_MOD, socket, &event);
      curl_multi_assign(impl->multi, socket, impl);
    }
    return 0;
  }

  static int onTimer(CURLM*, long timeoutMs, void* user) {
    auto* impl = static_cast<Impl*>(user);
    if (timeoutMs < 0)
      impl->curlDeadline.reset();
    else
      impl->curlDeadline = Clock::now() + std::chrono::milliseconds(timeoutMs);
    return 0;
  }

  void socketAction(curl_socket_t socket, int events) {
    int running = 0;
    curl_multi_socket_action(multi, socket, events, &running);
  }

  void drainCompleted() {
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued))
      if (msg->msg == CURLMSG_DONE) complete(msg->easy_handle, msg->data.result);
  }

  void finish(std::unique_ptr<Transfer> transfer) {
    transfer->response.endTime = Clock::now();
    if (transfer->response.firstByteTime == Clock::time_point{})
      transfer->response.firstByteTime = transfer->response.endTime;
    HttpCallback callback = std::move(transfer->callback);
    HttpResponse response = std::move(transfer->response);
    transfer.reset(); // frees the easy handle before user code runs
    inFlight.fetch_sub(1, std::memory_order_relaxed);
    if (callback) callback(std::move(response));
  }

  void failWithoutStart(std::unique_ptr<Transfer> transfer, TransportError error,
                        std::string message) {
    transfer->response.error = error;
    transfer->response.errorMessage = std::move(message);
    transfer->response.startTime = Clock::now();
    finish(std::move(transfer));
  }

  void start(std::unique_ptr<Transfer> transfer) {
    CURL* easy = curl_easy_init();
    if (!easy) {
      failWithoutStart(std::move(transfer), TransportError::Other, "curl_easy_init failed");
      return;
    }
    transfer->easy = easy;
    HttpRequest& req = transfer->request;
    curl_easy_setopt(easy, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(easy, CURLOPT_PRIVATE, transfer.get());
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, transfer->errorBuffer);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, onWrite);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, onHeader);
    curl_easy_setopt(easy, CURLOPT_HEADERDATA, transfer.get());
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(req.connectTimeout.count()));
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(req.totalTimeout.count()));
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, options.verifyTls ? 1L : 0L);
    curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, options.verifyTls ? 2L : 0L);
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
    // Redirects stay off: HTTP tools may only reach the hosts a flow declares.
    curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");

    if (req.method == "GET") {
      curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    } else {
      if (req.method != "POST") curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, req.method.c_str());
      if (req.method != "HEAD" && (req.method != "DELETE" || !req.body.empty())) {
        curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                         static_cast<curl_off_t>(req.body.size()));
        curl_easy_setopt(easy, CURLOPT_POSTFIELDS, req.body.data());
      }
      if (req.method == "HEAD") curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    }
    for (const auto& [name, value] : req.headers) {
      std::string line = name + ": " + value;
      transfer->headerList = curl_slist_append(transfer->headerList, line.c_str());
    }
    // Without this curl waits up to a second for "100 Continue" on large bodies.
    transfer->headerList = curl_slist_append(transfer->headerList, "Expect:");
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, transfer->headerList);

    transfer->response.startTime = Clock::now();
    CURLMcode added = curl_multi_add_handle(multi, easy);
    if (added != CURLM_OK) {
      failWithoutStart(std::move(transfer), TransportError::Other, curl_multi_strerror(added));
      return;
    }
    RequestId id = transfer->id;
    active.emplace(id, std::move(transfer));
  }

  void complete(CURL* easy, CURLcode code) {
    Transfer* raw = nullptr;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &raw);
    auto it = active.find(raw->id);
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, easy);
    // The status also on errors: a transfer that fails after a 200 must be reported as what it
    // was (an answer cut short), not as a failure to connect.
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    transfer->response.status = static_cast<int>(status);
    if (code != CURLE_OK) {
      transfer->response.error = classify(code);
      transfer->response.errorMessage =
          transfer->errorBuffer[0] ? transfer->errorBuffer : curl_easy_strerror(code);
    }
    finish(std::move(transfer));
  }

  void abort(RequestId id, TransportError error, const char* message) {
    auto it = active.find(id);
    if (it == active.end()) return;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active.erase(it);
    curl_multi_remove_handle(multi, transfer->easy);
    transfer->response.error = error;
    transfer->response.errorMessage = message;
    finish(std::move(transfer));
  }

  void loop() {
    for (;;) {
      std::vector<std::unique_ptr<Transfer>> newTransfers;
      std::vector<RequestId> newCancels;
      std::vector<std::function<void()>> dueTimers;
      bool stop;
      auto now = Clock::now();
      {
        std::lock_guard lock(mutex);
        newTransfers.swap(incoming);
        newCancels.swap(cancels);
        stop = stopping;
        if (!stop) {
          auto end = timers.upper_bound(now);
          for (auto it = timers.begin(); it != end; ++it)
            dueTimers.push_back(std::move(it->second));
          timers.erase(timers.begin(), end);
        }
      }
      if (stop) {
        shutdown(std::move(newTransfers));
        return;
      }
      for (auto& transfer : newTransfers)
        start(std::move(transfer));
      for (RequestId id : newCancels)
        abort(id, TransportError::Cancelled, "request cancelled");
      for (auto& fn : dueTimers)
        fn();

      if (curlDeadline && Clock::now() >= *curlDeadline) {
        curlDeadline.reset();
        socketAction(CURL_SOCKET_TIMEOUT, 0);
      }
      drainCompleted();

      int timeoutMs = 1000;
      {
        std::lock_guard lock(mutex);
        if (!incoming.empty() || !cancels.empty() || stopping) continue;
        if (!timers.empty()) timeoutMs = clampWait(timers.begin()->first, timeoutMs);
      }
      if (curlDeadline) timeoutMs = clampWait(*curlDeadline, timeoutMs);

      epoll_event events[128];
      int ready = epoll_wait(epollFd, events, 128, timeoutMs);
      for (int i = 0; i < ready; ++i) {
        if (events[i].data.fd == wakeFd) {
          uint64_t count;
          [[maybe_unused]] ssize_t n = ::read(wakeFd, &count, sizeof count);
          continue;
        }
        int flags = (events[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                    (events[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                    (events[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
        socketAction(events[i].data.fd, flags);
      }
      drainCompleted();
    }
  }

  static int clampWait(Clock::time_point until, int atMostMs) {
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    return static_cast<int>(std::clamp<long long>(wait.count(), 0, atMostMs));
  }

  void shutdown(std::vector<std::unique_ptr<Transfer>> pendingTransfers) {
    // Callbacks may submit more work while we shut down; answer it too until none is left.
    for (;;) {
      for (auto& transfer : pendingTransfers)
        failWithoutStart(std::move(transfer), TransportError::Shutdown, "transport shut down");
      std::vector<RequestId> ids;
      for (auto& [id, transfer] : active)
        ids.push_back(id);
      for (RequestId id : ids)
        abort(id, TransportError::Shutdown, "transport shut down");
      std::lock_guard lock(mutex);
      pendingTransfers.swap(incoming);
      timers.clear();
      cancels.clear();
      if (pendingTransfers.empty() && active.empty()) return;
    }
  }
};

CurlTransport::CurlTransport(CurlTransportOptions options) : impl_(std::make_unique<Impl>()) {
  ensureCurlGlobalInit();
  impl_->options = options;
  impl_->multi = curl_multi_init();
  impl_->epollFd = epoll_create1(EPOLL_CLOEXEC);
  impl_->wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event wakeEvent{};
  wakeEvent.events = EPOLLIN;
  wakeEvent.data.fd = impl_->wakeFd;
  epoll_ctl(impl_->epollFd, EPOLL_CTL_ADD, impl_->wakeFd, &wakeEvent);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, Impl::onSocket);
  curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, Impl::onTimer);
  curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get());
  curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, options.maxCachedConnections);
  curl_multi_setopt(impl_->multi, CURLMOPT_MAX_HOST_CONNECTIONS, options.maxConnectionsPerHost);
  curl_multi_setopt(impl_->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

CurlTransport::~CurlTransport() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake();
  impl_->thread.join();
  curl_multi_cleanup(impl_->multi);
  ::close(impl_->wakeFd);
  ::close(impl_->epollFd);
}

RequestId CurlTransport::submit(HttpRequest request, HttpCallback callback) {
  auto transfer = std::make_unique<Transfer>();
  transfer->request = std::move(request);
  transfer->callback = std::move(callback);
  RequestId id;
  {
    std::lock_guard lock(impl_->mutex);
    id = impl_->nextId++;
    transfer->id = id;
    impl_->incoming.push_back(std::move(transfer));
    impl_->inFlight.fetch_add(1, std::memory_order_relaxed);
  }
  impl_->wake();
  return id;
}

void CurlTransport::cancel(RequestId id) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->cancels.push_back(id);
  }
  impl_->wake();
}

void CurlTransport::runAfter(std::chrono::milliseconds delay, std::function<void()> fn) {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->timers.emplace(Clock::now() + delay, std::move(fn));
  }
  impl_->wake();
}

std::size_t CurlTransport::inFlight() const {
  return impl_->inFlight.load(std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------------------------
// FakeTransport

RequestId FakeTransport::submit(HttpRequest request, HttpCallback callback) {
  std::lock_guard lock(mutex_);
  RequestId id = nextId_++;
  log_.push_back(request);
  pending_.push_back(Pending{id, std::move(request), std::move(callback)});
  return id;
}

void FakeTransport::cancel(RequestId id) {
  FakeReply reply;
  reply.response.error = TransportError::Cancelled;
  reply.response.errorMessage = "request cancelled";
  complete(id, std::move(reply));
}

void FakeTransport::runAfter(std::chrono::milliseconds delay, std::function<void()> fn) {
  std::lock_guard lock(mutex_);
  timers_.push_back(Timer{now_ + delay, timerSeq_++, std::move(fn)});
}

void FakeTransport::setHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void FakeTransport::deliver(Pending pending, FakeReply reply) {
  HttpResponse& response = reply.response;
  auto now = Clock::now();
  response.startTime = now;
  response.firstByteTime = now;
  for (const std::string& chunk : reply.chunks) {
    if (pending.request.onBodyChunk) {
      pending.request.onBodyChunk(chunk);
      if (pending.request.keepStreamedBody) response.body += chunk;
    } else {
      response.body += chunk;
    }
  }
  response.endTime = Clock::now();
  if (pending.callback) pending.callback(std::move(response));
}

std::size_t FakeTransport::drain() {
  std::size_t answered = 0;
  for (;;) {
    Pending next;
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      if (!handler_ || pending_.empty()) return answered;
      next = std::move(pending_.front());
      pending_.erase(pending_.begin());
      handler = handler_;
    }
    FakeReply reply = handler(next.request);
    deliver(std::move(next), std::move(reply));
    ++answered;
  }
}

bool FakeTransport::complete(RequestId id, FakeReply reply) {
  Pending found;
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(pending_.begin(), pending_.end(),
                           [id](const Pending& p) { return p.id == id; });
    if (it == pending_.end()) return false;
    found = std::move(*it);
    pending_.erase(it);
  }
  deliver(std::move(found), std::move(reply));
  return true;
}

void FakeTransport::advance(std::chrono::milliseconds delta) {
  std::chrono::milliseconds target;
  {
    std::lock_guard lock(mutex_);
    target = now_ + delta;
  }
  for (;;) {
    std::function<void()> fn;
    {
      std::lock_guard lock(mutex_);
      auto due =
          std::min_element(timers_.begin(), timers_.end(), [](const Timer& a, const Timer& b) {
            return a.due != b.due ? a.due < b.due : a.seq < b.seq;
          });
      if (due == timers_.end() || due->due > target) {
        now_ = target;
        break;
      }
      now_ = std::max(now_, due->due);
      fn = std::move(due->fn);
      timers_.erase(due);
    }
    fn();
    drain();
  }
  drain();
}

std::vector<HttpRequest> FakeTransport::requests() const {
  std::lock_guard lock(mutex_);
  return log_;
}

std::vector<RequestId> FakeTransport::pending() const {
  std::lock_guard lock(mutex_);
  std::vector<RequestId> ids;
  for (const auto& p : pending_)
    ids.push_back(p.id);
  return ids;
}

std::chrono::milliseconds FakeTransport::now() const {
  std::lock_guard lock(mutex_);
  return now_;
}

} // namespace awc::runtime
