// A tiny blocking HTTP/1.1 client for the simulator tests: raw loopback sockets, so
// the tests see exactly what went over the wire (chunks, early closes, hangs).
#pragma once

#include <arpa/inet.h>
#include <cstdint>
#include <map>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace awc::sim::test {

struct HttpResult {
  int status = 0;
  std::map<std::string, std::string> headers; // lower-cased names
  std::string body;                           // de-chunked
  bool complete = false; // false: the server closed (or went silent) mid-response
  bool timedOut = false;
};

inline std::string lowerStr(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Sends one request on a fresh connection and reads the response; gives up after
/// `timeoutMs` of silence.
inline HttpResult httpRequest(uint16_t port, const std::string& method, const std::string& path,
                              const std::string& body = "", int timeoutMs = 5000,
                              const std::string& extraHeaders = "") {
  HttpResult r;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  timeval tv{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return r;
  }
  std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extraHeaders;
  if (!body.empty() || method == "POST")
    req +=
        "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  req += "\r\n" + body;
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string raw;
  char buf[65536];
  while (true) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n > 0) {
      raw.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n < 0) r.timedOut = true;
    break;
  }
  ::close(fd);
  size_t headEnd = raw.find("\r\n\r\n");
  if (headEnd == std::string::npos) return r;
  std::string head = raw.substr(0, headEnd);
  if (head.size() > 12) r.status = std::stoi(head.substr(9, 3));
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos < head.size()) {
    size_t e = head.find("\r\n", pos + 2);
    std::string line =
        head.substr(pos + 2, e == std::string::npos ? std::string::npos : e - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      while (!v.empty() && v.front() == ' ')
        v.erase(0, 1);
      r.headers[lowerStr(line.substr(0, colon))] = v;
    }
    pos = e;
  }
  std::string rest = raw.substr(headEnd + 4);
  if (r.headers.count("content-length")) {
    size_t len = std::stoul(r.headers["content-length"]);
    r.body = rest.substr(0, len);
    r.complete = rest.size() >= len;
  } else if (lowerStr(r.headers["transfer-encoding"]) == "chunked") {
    size_t p = 0;
    while (true) {
      size_t eol = rest.find("\r\n", p);
      if (eol == std::string::npos) break;
      size_t size = std::stoul(rest.substr(p, eol - p), nullptr, 16);
      if (size == 0) {
        r.complete = true;
        break;
      }
      if (rest.size() < eol + 2 + size) {
        r.body += rest.substr(eol + 2);
        break;
      }
      r.body += rest.substr(eol + 2, size);
      p = eol + 2 + size + 2;
    }
  }
  return r;
}

} // namespace awc::sim::test
