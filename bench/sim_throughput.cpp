// Simulator load benchmark: with zero latency, how many requests/s the in-process
// simulator serves over loopback keep-alive connections, and whether it holds ≥ 2,000
// concurrent open SSE streams. Run: build/bench/sim_throughput [seconds] [connections] [streams]
#include "awc/sim/server.h"

#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

struct ClientConn {
  int fd = -1;
  std::string in;
  std::string out;
  size_t outOff = 0;
  bool done = false;
  bool sawFirstByte = false;
};

int connectLoopback(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

std::string post(const std::string& body) {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
         "application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// Length of the first complete response at the front of `in`, or 0.
size_t completeResponse(const std::string& in) {
  size_t head = in.find("\r\n\r\n");
  if (head == std::string::npos) return 0;
  size_t cl = in.find("Content-Length: ");
  if (cl != std::string::npos && cl < head) {
    size_t len = std::strtoul(in.c_str() + cl + 16, nullptr, 10);
    return in.size() >= head + 4 + len ? head + 4 + len : 0;
  }
  size_t end = in.find("\r\n0\r\n\r\n", head);
  return end == std::string::npos ? 0 : end + 7;
}

void flushOut(ClientConn& c) {
  while (c.outOff < c.out.size()) {
    ssize_t w = ::send(c.fd, c.out.data() + c.outOff, c.out.size() - c.outOff, MSG_NOSIGNAL);
    if (w <= 0) return;
    c.outOff += static_cast<size_t>(w);
  }
  c.out.clear();
  c.outOff = 0;
}

// Closed loop: each connection sends the next request when the last response is in.
double throughput(uint16_t port, int connections, double seconds, bool stream, long& total) {
  int ep = epoll_create1(0);
  std::vector<ClientConn> conns(static_cast<size_t>(connections));
  std::vector<std::string> bodies;
  for (int i = 0; i < 16; ++i)
    bodies.push_back(post(
        std::string(R"({"model":"bench-small","max_tokens":16,)") +
        (stream ? R"("stream":true,"stream_options":{"include_usage":true},)" : "") +
        R"("messages":[{"role":"system","content":"You are a benchmark."},{"role":"user","content":"question )" +
        std::to_string(i) + R"("}]})"));
  for (int i = 0; i < connections; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = connectLoopback(port);
    c.out = bodies[static_cast<size_t>(i) % bodies.size()];
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  total = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (Clock::now() < deadline) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      auto& c = conns[events[k].data.u32];
      if (events[k].events & EPOLLOUT) flushOut(c);
      if (events[k].events & EPOLLIN) {
        ssize_t r;
        while ((r = ::recv(c.fd, buf, sizeof(buf), 0)) > 0)
          c.in.append(buf, static_cast<size_t>(r));
        size_t len;
        while ((len = completeResponse(c.in)) > 0) {
          c.in.erase(0, len);
          ++total;
          c.out += bodies[static_cast<size_t>(total) % bodies.size()];
        }
        flushOut(c);
      }
    }
  }
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  for (auto& c : conns)
    ::close(c.fd);
  ::close(ep);
  return static_cast<double>(total) / elapsed;
}

// Opens `streams` streaming requests at once; each lasts seconds. Returns how many finished.
int openStreams(uint16_t port, int streams, double limitSeconds, int& maxConcurrentClient) {
  int ep = epoll_create1(0);
  std::vector<ClientConn> conns(static_cast<size_t>(streams));
  std::string body = post(
      R"({"model":"paced","max_tokens":40,"stream":true,"messages":[{"role":"user","content":"hold the stream open"}]})");
  for (int i = 0; i < streams; ++i) {
    auto& c = conns[static_cast<size_t>(i)];
    c.fd = connectLoopback(port);
    c.out = body;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u32 = static_cast<uint32_t>(i);
    epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  int finished = 0, open = 0;
  maxConcurrentClient = 0;
  auto deadline = Clock::now() + std::chrono::duration<double>(limitSeconds);
  std::vector<epoll_event> events(1024);
  char buf[65536];
  while (finished < streams && Clock::now() < deadline) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
    for (int k = 0; k < n; ++k) {
      auto& c = conns[events[k].data.u32];
      if (c.done) continue;
      if (events[k].events & EPOLLOUT) {
        flushOut(c);
        if (c.out.empty()) {
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.u32 = events[k].data.u32;
          epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
        }
      }
      if (events[k].events & EPOLLIN) {
        ssize_t r;
        while ((r = ::recv(c.fd, buf, sizeof(buf), 0)) > 0)
          c.in.append(buf, static_cast<size_t>(r));
        if (!c.sawFirstByte && !c.in.empty()) {
          c.sawFirstByte = true;
          maxConcurrentClient = std::max(maxConcurrentClient, ++open);
        }
        if (completeResponse(c.in) > 0) {
          c.done = true;
          --open;
          ++finished;
        }
      }
    }
  }
  for (auto& c : conns)
    ::close(c.fd);
  ::close(ep);
  return finished;
}

} // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 5.0;
  int connections = argc > 2 ? std::atoi(argv[2]) : 64;
  int streams = argc > 3 ? std::atoi(argv[3]) : 2000;
  std::string error;

  // Zero latency: every delay is 0, so the figure is the simulator's own cost.
  awc::sim::ServerConfig fast;
  fast.profiles.push_back(awc::ModelProfile{"bench-small", 0, 0, 1e12, 0});
  awc::sim::Server server;
  uint16_t port = server.start(fast, error);
  if (!port) {
    std::fprintf(stderr, "sim_throughput: %s\n", error.c_str());
    return 1;
  }
  long total = 0;
  double rps = throughput(port, connections, seconds, false, total);
  std::printf("non-streaming: %.0f requests/s (%ld requests, %d keep-alive connections, %.1f s)\n",
              rps, total, connections, seconds);
  double srps = throughput(port, connections, seconds, true, total);
  std::printf("streaming (16 tokens + usage): %.0f requests/s (%ld requests)\n", srps, total);
  server.stop();

  // Paced streams: 40 tokens at 20 tokens/s keep each stream open about 2 s.
  awc::sim::ServerConfig paced;
  paced.profiles.push_back(awc::ModelProfile{"paced", 50, 0, 20, 0});
  awc::sim::Server slow;
  port = slow.start(paced, error);
  if (!port) {
    std::fprintf(stderr, "sim_throughput: %s\n", error.c_str());
    return 1;
  }
  int clientMax = 0;
  auto t0 = Clock::now();
  int finished = openStreams(port, streams, 60.0, clientMax);
  double took = std::chrono::duration<double>(Clock::now() - t0).count();
  auto st = slow.stats();
  slow.stop();
  std::printf("paced streams: %d/%d finished in %.2f s; max open streams: server %zu, client %d\n",
              finished, streams, took, st.maxOpenStreams, clientMax);
  bool okRps = rps >= 5000;
  bool okStreams = st.maxOpenStreams >= 2000 && finished == streams;
  std::printf("targets: >=5000 req/s %s; >=2000 concurrent streams %s\n", okRps ? "met" : "NOT met",
              okStreams ? "met" : "NOT met");
  return okRps && okStreams ? 0 : 2;
}
