// The simulator's event loop: one thread, epoll, non-blocking sockets, a timer heap for
// token pacing. Thousands of open streams cost one small struct each, not a thread.
#include "awc/sim/server.h"

#include "engine.h"
#include "http.h"

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <mutex>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <queue>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <unordered_map>

namespace awc::sim {

nlohmann::json LogEntry::toJson() const {
  nlohmann::json j{
      {"id", id},
      {"api", api},
      {"model", model},
      {"stream", stream},
      {"status", status},
      {"prompt_tokens", promptTokens},
      {"cached_tokens", cachedTokens},
      {"cache_creation_tokens", cacheCreationTokens},
      {"output_tokens", outputTokens},
      {"in_flight", inFlight},
      {"arrival_ms", arrivalMs},
      {"first_token_ms", firstTokenMs ? nlohmann::json(*firstTokenMs) : nlohmann::json(nullptr)},
      {"finish_ms", finishMs ? nlohmann::json(*finishMs) : nlohmann::json(nullptr)},
      {"fault", fault.empty() ? nlohmann::json(nullptr) : nlohmann::json(fault)},
      {"finish_reason", finishReason}};
  return j;
}

namespace {

using Clock = std::chrono::steady_clock;
constexpr uint64_t kListenId = 0;
constexpr uint64_t kWakeId = 1;
constexpr size_t kReadChunk = 64 * 1024;

enum class ConnState { Reading, Responding, Hanging, Closing };

struct Conn {
  uint64_t id = 0;
  int fd = -1;
  std::string in;
  std::string out;
  size_t outOff = 0;
  ConnState state = ConnState::Reading;
  bool keepAlive = true;
  bool sentContinue = false;
  bool watchingWrite = false;
  uint64_t gen = 0; // bumps when a timer must no longer fire
  ResponsePlan plan;
  size_t nextPiece = 0;
  Clock::time_point arrival;
  double arrivalMs = 0;
  bool logged = false;
  bool countedStream = false;
  // Processor sharing: the response's work (pieces past plan.stretchFromMs) advances at
  // 1 / factor while `factor` is its engine's load; workMs is how much is done by progressAt.
  double workMs = 0;
  double factor = 1;
  Clock::time_point progressAt;
  bool processing = false; // inside processInput: finishPlan must not re-enter it
};

Clock::time_point later(Clock::time_point t, double ms) {
  return t +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
}

struct Timer {
  Clock::time_point at;
  uint64_t conn;
  uint64_t gen;
  bool operator>(const Timer& o) const { return at > o.at; }
};

} // namespace

struct Server::Impl {
  ServerConfig config;
  std::unique_ptr<Engine> engine;
  int listenFd = -1, epollFd = -1, wakeFd = -1;
  uint16_t boundPort = 0;
  std::thread thread;
  std::atomic<bool> running{false};
  Clock::time_point start;
  std::unordered_map<uint64_t, std::unique_ptr<Conn>> conns;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers;
  std::unordered_map<std::string, std::vector<Conn*>> loaded; // responding conns per engine
  uint64_t nextConnId = 2;
  uint64_t nextLogId = 1;
  FILE* logFile = nullptr;

  mutable std::mutex mu; // guards logEntries and stats (read from other threads)
  std::deque<LogEntry> logEntries;
  ServerStats st;

  double msSinceStart(Clock::time_point t) const {
    return std::chrono::duration<double, std::milli>(t - start).count();
  }

  void run();
  void acceptAll();
  void onReadable(Conn& c);
  void processInput(Conn& c);
  void startPlan(Conn& c, ResponsePlan plan);
  void emitDue(Conn& c);
  void finishPlan(Conn& c);
  void release(Conn& c);
  void loadChanged(const std::string& engine);
  void advance(Conn& c, Clock::time_point now);
  Clock::time_point dueAt(const Conn& c, double atMs) const;
  void scheduleNext(Conn& c);
  void flush(Conn& c);
  void closeConn(Conn& c);
  void writeLog(Conn& c, std::optional<double> finishMs);
  void setWatchWrite(Conn& c, bool on);
  void updateStreams(int delta) {
    std::lock_guard<std::mutex> lock(mu);
    st.openStreams = static_cast<size_t>(static_cast<long>(st.openStreams) + delta);
    st.maxOpenStreams = std::max(st.maxOpenStreams, st.openStreams);
  }
};

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() {
  stop();
}

uint16_t Server::port() const {
  return impl_->boundPort;
}
std::string Server::baseUrl() const {
  return "http://" + impl_->config.host + ":" + std::to_string(impl_->boundPort);
}

std::vector<LogEntry> Server::log() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return {impl_->logEntries.begin(), impl_->logEntries.end()};
}

ServerStats Server::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->st;
}

uint16_t Server::start(const ServerConfig& config, std::string& error) {
  Impl& d = *impl_;
  if (d.running) {
    error = "simulator already running";
    return 0;
  }
  if (!(config.speed > 0)) {
    error = "speed must be a positive number";
    return 0;
  }
  d.config = config;
  d.engine = std::make_unique<Engine>(d.config);
  d.start = Clock::now();
  if (!config.logPath.empty()) {
    d.logFile = std::fopen(config.logPath.c_str(), "w");
    if (!d.logFile) {
      error = "cannot open log file '" + config.logPath + "': " + std::strerror(errno);
      return 0;
    }
  }
  auto failClose = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    if (d.listenFd >= 0) ::close(d.listenFd);
    if (d.epollFd >= 0) ::close(d.epollFd);
    if (d.wakeFd >= 0) ::close(d.wakeFd);
    if (d.logFile) std::fclose(d.logFile);
    d.listenFd = d.epollFd = d.wakeFd = -1;
    d.logFile = nullptr;
    return uint16_t{0};
  };
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(config.port);
  if (inet_pton(AF_INET, config.host.c_str(), &addr.sin_addr) != 1) {
    error = "host must be an IPv4 address, got '" + config.host + "'";
    if (d.logFile) std::fclose(d.logFile);
    d.logFile = nullptr;
    return 0;
  }
  d.listenFd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (d.listenFd < 0) return failClose("socket");
  int one = 1;
  setsockopt(d.listenFd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(d.listenFd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) < 0)
    return failClose("cannot bind " + config.host + ":" + std::to_string(config.port));
  if (::listen(d.listenFd, 4096) < 0) return failClose("listen");
  socklen_t len = sizeof(addr);
  getsockname(d.listenFd, reinterpret_cast<sockaddr*>(&addr), &len);
  d.boundPort = ntohs(addr.sin_port);
  d.epollFd = epoll_create1(EPOLL_CLOEXEC);
  if (d.epollFd < 0) return failClose("epoll_create1");
  d.wakeFd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (d.wakeFd < 0) return failClose("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenId;
  epoll_ctl(d.epollFd, EPOLL_CTL_ADD, d.listenFd, &ev);
  ev.data.u64 = kWakeId;
  epoll_ctl(d.epollFd, EPOLL_CTL_ADD, d.wakeFd, &ev);
  d.running = true;
  d.thread = std::thread([&d] { d.run(); });
  return d.boundPort;
}

void Server::stop() {
  Impl& d = *impl_;
  if (!d.running.exchange(false)) return;
  uint64_t one = 1;
  [[maybe_unused]] ssize_t w = ::write(d.wakeFd, &one, sizeof(one));
  if (d.thread.joinable()) d.thread.join();
  for (auto& [id, c] : d.conns) {
    if ((c->state == ConnState::Responding || c->state == ConnState::Hanging) && !c->logged)
      d.writeLog(*c, std::nullopt);
    ::close(c->fd);
  }
  d.conns.clear();
  ::close(d.listenFd);
  ::close(d.epollFd);
  ::close(d.wakeFd);
  d.listenFd = d.epollFd = d.wakeFd = -1;
  if (d.logFile) std::fclose(d.logFile);
  d.logFile = nullptr;
}

void Server::Impl::run() {
  std::vector<epoll_event> events(1024);
  while (running.load(std::memory_order_relaxed)) {
    int timeoutMs = 1000;
    if (!timers.empty()) {
      auto wait =
          std::chrono::ceil<std::chrono::milliseconds>(timers.top().at - Clock::now()).count();
      timeoutMs = static_cast<int>(std::clamp<long long>(wait, 0, 1000));
    }
    int n = epoll_wait(epollFd, events.data(), static_cast<int>(events.size()), timeoutMs);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      uint64_t id = events[i].data.u64;
      if (id == kWakeId) return;
      if (id == kListenId) {
        acceptAll();
        continue;
      }
      auto it = conns.find(id);
      if (it == conns.end()) continue;
      Conn& c = *it->second;
      uint32_t e = events[i].events;
      if (e & (EPOLLERR | EPOLLHUP)) {
        closeConn(c);
        continue;
      }
      if (e & EPOLLOUT) flush(c);
      if (!conns.count(id)) continue;
      if (e & (EPOLLIN | EPOLLRDHUP)) onReadable(c);
    }
    auto now = Clock::now();
    while (!timers.empty() && timers.top().at <= now) {
      Timer t = timers.top();
      timers.pop();
      auto it = conns.find(t.conn);
      if (it == conns.end() || it->second->gen != t.gen) continue;
      Conn& c = *it->second;
      if (c.state == ConnState::Hanging)
        closeConn(c);
      else if (c.state == ConnState::Responding)
        emitDue(c);
    }
  }
}

void Server::Impl::acceptAll() {
  while (true) {
    int fd = accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return; // EAGAIN, or out of descriptors: try again on the next event
    if (conns.size() >= config.maxConnections) {
      ::close(fd);
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto c = std::make_unique<Conn>();
    c->id = nextConnId++;
    c->fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = c->id;
    epoll_ctl(epollFd, EPOLL_CTL_ADD, fd, &ev);
    conns.emplace(c->id, std::move(c));
    std::lock_guard<std::mutex> lock(mu);
    ++st.openConnections;
    st.maxOpenConnections = std::max(st.maxOpenConnections, st.openConnections);
  }
}

void Server::Impl::onReadable(Conn& c) {
  char buf[kReadChunk];
  bool eof = false;
  while (true) {
    ssize_t r = ::recv(c.fd, buf, sizeof(buf), 0);
    if (r > 0) {
      if (c.state == ConnState::Reading || c.in.size() < config.maxBodyBytes + 65536)
        c.in.append(buf, static_cast<size_t>(r));
      continue;
    }
    if (r == 0)
      eof = true;
    else if (errno == EINTR)
      continue;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
      eof = true;
    break;
  }
  if (eof) {
    // The client left (a timeout, a cancelled stream): whatever was pending is dropped.
    closeConn(c);
    return;
  }
  if (c.state == ConnState::Reading) processInput(c);
}

void Server::Impl::processInput(Conn& c) {
  const uint64_t id = c.id;
  c.processing = true;
  while (c.state == ConnState::Reading && !c.in.empty()) {
    http::Request req;
    http::ParseResult r = http::parseRequest(c.in, config.maxBodyBytes, req);
    if (r.status == http::ParseStatus::NeedMore) {
      if (r.expectContinue && !c.sentContinue) {
        c.sentContinue = true;
        c.out += "HTTP/1.1 100 Continue\r\n\r\n";
        flush(c);
        if (!conns.count(id)) return;
      }
      break;
    }
    if (r.status == http::ParseStatus::Error) {
      c.keepAlive = false;
      c.in.clear();
      c.processing = false;
      startPlan(c, engine->protocolError(r.errorStatus, r.errorMessage));
      return;
    }
    c.in.erase(0, r.consumed);
    c.sentContinue = false;
    c.keepAlive = req.keepAlive;
    startPlan(c, engine->handle(req, req.keepAlive));
    if (!conns.count(id)) return;
  }
  c.processing = false;
}

void Server::Impl::startPlan(Conn& c, ResponsePlan plan) {
  c.plan = std::move(plan);
  c.nextPiece = 0;
  c.arrival = Clock::now();
  c.arrivalMs = msSinceStart(c.arrival);
  c.logged = false;
  c.plan.entry.arrivalMs = c.arrivalMs;
  c.workMs = 0;
  c.factor = 1;
  c.progressAt = c.arrival;
  {
    std::lock_guard<std::mutex> lock(mu);
    ++st.requests;
  }
  if (c.plan.hang) {
    c.state = ConnState::Hanging;
    // Logged at once: the client will give up, and tests want to see what it sent.
    writeLog(c, std::nullopt);
    release(c);
    timers.push(Timer{later(c.arrival, c.plan.hangMs), c.id, c.gen});
    return;
  }
  c.state = ConnState::Responding;
  if (c.plan.entry.stream && c.plan.entry.status == 200) {
    c.countedStream = true;
    updateStreams(+1);
  }
  if (c.plan.inFlight) {
    // A response whose pace no load changes needs no rescheduling.
    if (c.plan.concurrencySlowdown > 0) loaded[c.plan.engine].push_back(&c);
    loadChanged(c.plan.engine);
  }
  emitDue(c);
}

void Server::Impl::advance(Conn& c, Clock::time_point now) {
  auto from = std::max(c.progressAt, later(c.arrival, c.plan.stretchFromMs));
  if (now > from)
    c.workMs += std::chrono::duration<double, std::milli>(now - from).count() / c.factor;
  c.progressAt = std::max(c.progressAt, now);
}

Clock::time_point Server::Impl::dueAt(const Conn& c, double atMs) const {
  if (atMs <= c.plan.stretchFromMs) return later(c.arrival, atMs);
  auto from = std::max(c.progressAt, later(c.arrival, c.plan.stretchFromMs));
  return later(from, std::max(0.0, atMs - c.plan.stretchFromMs - c.workMs) * c.factor);
}

void Server::Impl::scheduleNext(Conn& c) {
  ++c.gen;
  timers.push(Timer{dueAt(c, c.plan.pieces[c.nextPiece].atMs), c.id, c.gen});
}

void Server::Impl::loadChanged(const std::string& engineName) {
  auto it = loaded.find(engineName);
  if (it == loaded.end()) return;
  size_t n = engine->inFlight(engineName);
  auto now = Clock::now();
  for (Conn* c : it->second) {
    double factor = concurrencyFactor(c->plan.concurrencySlowdown, n);
    if (factor == c->factor) continue;
    advance(*c, now);
    c->factor = factor;
    if (c->nextPiece < c->plan.pieces.size()) scheduleNext(*c);
  }
}

void Server::Impl::release(Conn& c) {
  if (!c.plan.inFlight) return;
  engine->finished(c.plan);
  c.plan.inFlight = false;
  auto it = loaded.find(c.plan.engine);
  if (it == loaded.end()) return;
  std::erase(it->second, &c);
  if (it->second.empty())
    loaded.erase(it);
  else
    loadChanged(c.plan.engine);
}

void Server::Impl::emitDue(Conn& c) {
  auto now = Clock::now();
  advance(c, now);
  auto& pieces = c.plan.pieces;
  // A timer may wake a few ns early (its time is rounded); within a microsecond is due.
  auto horizon = now + std::chrono::microseconds(1);
  while (c.nextPiece < pieces.size() && dueAt(c, pieces[c.nextPiece].atMs) <= horizon) {
    Piece& p = pieces[c.nextPiece++];
    if (p.firstToken && !c.plan.entry.firstTokenMs)
      c.plan.entry.firstTokenMs = msSinceStart(Clock::now());
    c.out += p.bytes;
    std::string().swap(p.bytes);
  }
  if (c.nextPiece == pieces.size()) {
    finishPlan(c);
    return;
  }
  scheduleNext(c);
  flush(c);
}

void Server::Impl::finishPlan(Conn& c) {
  writeLog(c, msSinceStart(Clock::now()));
  release(c);
  if (c.countedStream) {
    c.countedStream = false;
    updateStreams(-1);
  }
  c.plan.pieces.clear();
  bool close = c.plan.closeAfter || !c.keepAlive;
  c.state = close ? ConnState::Closing : ConnState::Reading;
  uint64_t id = c.id;
  flush(c);
  if (!conns.count(id)) return;
  if (c.state == ConnState::Reading && !c.in.empty() && !c.processing) processInput(c);
}

void Server::Impl::writeLog(Conn& c, std::optional<double> finishMs) {
  if (c.logged) return;
  c.logged = true;
  const std::string& api = c.plan.entry.api;
  if (api == "health" || api == "models") return;
  LogEntry e = c.plan.entry;
  e.id = nextLogId++;
  e.finishMs = finishMs;
  if (logFile) {
    std::string line = e.toJson().dump();
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), logFile);
    std::fflush(logFile);
  }
  std::lock_guard<std::mutex> lock(mu);
  logEntries.push_back(std::move(e));
  while (logEntries.size() > config.keepLogEntries)
    logEntries.pop_front();
}

void Server::Impl::setWatchWrite(Conn& c, bool on) {
  if (c.watchingWrite == on) return;
  c.watchingWrite = on;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (on ? EPOLLOUT : 0u);
  ev.data.u64 = c.id;
  epoll_ctl(epollFd, EPOLL_CTL_MOD, c.fd, &ev);
}

void Server::Impl::flush(Conn& c) {
  while (c.outOff < c.out.size()) {
    ssize_t w = ::send(c.fd, c.out.data() + c.outOff, c.out.size() - c.outOff, MSG_NOSIGNAL);
    if (w > 0) {
      c.outOff += static_cast<size_t>(w);
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      setWatchWrite(c, true);
      return;
    }
    closeConn(c);
    return;
  }
  c.out.clear();
  c.outOff = 0;
  setWatchWrite(c, false);
  if (c.state == ConnState::Closing) closeConn(c);
}

void Server::Impl::closeConn(Conn& c) {
  if (c.state == ConnState::Responding) {
    if (!c.logged) {
      c.plan.entry.finishReason = "client_closed";
      writeLog(c, std::nullopt);
    }
    release(c);
    if (c.countedStream) updateStreams(-1);
  }
  epoll_ctl(epollFd, EPOLL_CTL_DEL, c.fd, nullptr);
  ::close(c.fd);
  {
    std::lock_guard<std::mutex> lock(mu);
    --st.openConnections;
  }
  conns.erase(c.id); // destroys c
}

} // namespace awc::sim
