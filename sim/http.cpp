// HTTP/1.1 parsing and framing: just enough of RFC 9112 for JSON APIs and SSE.
#include "http.h"

#include <cctype>
#include <charconv>

namespace awc::sim::http {
namespace {

constexpr size_t kMaxHeaderBytes = 64 * 1024;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

ParseResult fail(int status, std::string msg) {
  ParseResult r;
  r.status = ParseStatus::Error;
  r.errorStatus = status;
  r.errorMessage = std::move(msg);
  return r;
}

// Decodes a chunked body starting at `in`; NeedMore until the last chunk has arrived.
ParseResult decodeChunked(std::string_view in, size_t maxBody, std::string& body, size_t& used) {
  size_t pos = 0;
  body.clear();
  while (true) {
    size_t eol = in.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (in.size() - pos > 64) return fail(400, "bad chunk size line");
      return ParseResult{};
    }
    std::string_view line = in.substr(pos, eol - pos);
    line = line.substr(0, line.find(';'));
    size_t size = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), size, 16);
    if (ec != std::errc() || p != line.data() + line.size()) return fail(400, "bad chunk size");
    if (body.size() + size > maxBody) return fail(413, "request body too large");
    pos = eol + 2;
    if (size == 0) {
      // Skip trailers up to the blank line.
      size_t end = in.find("\r\n", pos);
      while (end != std::string_view::npos && end != pos) {
        pos = end + 2;
        end = in.find("\r\n", pos);
      }
      if (end == std::string_view::npos) return ParseResult{};
      used = end + 2;
      ParseResult r;
      r.status = ParseStatus::Complete;
      return r;
    }
    if (in.size() < pos + size + 2) return ParseResult{};
    body.append(in.substr(pos, size));
    pos += size + 2;
  }
}

} // namespace

const std::string* Request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return &v;
  return nullptr;
}

ParseResult parseRequest(std::string_view in, size_t maxBody, Request& out) {
  size_t headEnd = in.find("\r\n\r\n");
  if (headEnd == std::string_view::npos) {
    if (in.size() > kMaxHeaderBytes) return fail(431, "request headers too large");
    return ParseResult{};
  }
  if (headEnd > kMaxHeaderBytes) return fail(431, "request headers too large");
  std::string_view head = in.substr(0, headEnd);
  size_t lineEnd = head.find("\r\n");
  std::string_view requestLine = head.substr(0, lineEnd);
  size_t sp1 = requestLine.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : requestLine.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos)
    return fail(400, "bad request line");
  out = Request{};
  out.method = std::string(requestLine.substr(0, sp1));
  std::string_view target = requestLine.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = requestLine.substr(sp2 + 1);
  if (version.substr(0, 5) != "HTTP/") return fail(400, "bad HTTP version");
  out.target = std::string(target.substr(0, target.find('?')));
  out.keepAlive = version != "HTTP/1.0";
  size_t pos = lineEnd == std::string_view::npos ? head.size() : lineEnd + 2;
  size_t contentLength = 0;
  bool chunked = false;
  bool expectContinue = false;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view line = head.substr(pos, e - pos);
    pos = e + 2;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(400, "bad header line");
    std::string name = lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (name == "content-length") {
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), contentLength);
      if (ec != std::errc() || p != value.data() + value.size())
        return fail(400, "bad Content-Length");
    } else if (name == "transfer-encoding") {
      chunked = lower(value).find("chunked") != std::string::npos;
    } else if (name == "connection") {
      std::string v = lower(value);
      if (v.find("close") != std::string::npos) out.keepAlive = false;
      if (v.find("keep-alive") != std::string::npos) out.keepAlive = true;
    } else if (name == "expect") {
      expectContinue = lower(value) == "100-continue";
    }
    out.headers.emplace_back(std::move(name), std::move(value));
  }
  std::string_view rest = in.substr(headEnd + 4);
  if (chunked) {
    size_t used = 0;
    ParseResult r = decodeChunked(rest, maxBody, out.body, used);
    if (r.status == ParseStatus::Complete) r.consumed = headEnd + 4 + used;
    if (r.status == ParseStatus::NeedMore) r.expectContinue = expectContinue;
    return r;
  }
  if (contentLength > maxBody) return fail(413, "request body too large");
  if (rest.size() < contentLength) {
    ParseResult r;
    r.expectContinue = expectContinue;
    return r;
  }
  out.body = std::string(rest.substr(0, contentLength));
  ParseResult r;
  r.status = ParseStatus::Complete;
  r.consumed = headEnd + 4 + contentLength;
  return r;
}

const char* reasonPhrase(int status) {
  switch (status) {
  case 100:
    return "Continue";
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 401:
    return "Unauthorized";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 411:
    return "Length Required";
  case 413:
    return "Payload Too Large";
  case 429:
    return "Too Many Requests";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  case 529:
    return "Overloaded";
  default:
    return "Status";
  }
}

std::string response(int status, std::string_view contentType, std::string_view body,
                     bool keepAlive,
                     const std::vector<std::pair<std::string, std::string>>& extraHeaders) {
  std::string out;
  out.reserve(body.size() + 160);
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += reasonPhrase(status);
  out += "\r\nContent-Type: ";
  out += contentType;
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += keepAlive ? "\r\nConnection: keep-alive\r\n" : "\r\nConnection: close\r\n";
  for (const auto& [k, v] : extraHeaders) {
    out += k;
    out += ": ";
    out += v;
    out += "\r\n";
  }
  out += "\r\n";
  out += body;
  return out;
}

std::string streamHead(std::string_view contentType, bool keepAlive) {
  std::string out = "HTTP/1.1 200 OK\r\nContent-Type: ";
  out += contentType;
  out += "\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked\r\n";
  out += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  return out;
}

std::string chunk(std::string_view data) {
  char size[20];
  auto [p, ec] = std::to_chars(size, size + sizeof(size), data.size(), 16);
  (void)ec;
  std::string out;
  out.reserve(data.size() + 12);
  out.append(size, p);
  out += "\r\n";
  out += data;
  out += "\r\n";
  return out;
}

} // namespace awc::sim::http
