// URL parsing with libcurl's URL API (curl_url_*): one parser for sema and the runtime.
#include "awc/support/url.h"

#include <algorithm>
#include <cctype>
#include <curl/curl.h>
#include <memory>

namespace awc::support {
namespace {

struct UrlHandleDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
using UrlHandle = std::unique_ptr<CURLU, UrlHandleDeleter>;

/// One part of a parsed URL, or nullopt when curl has none.
std::optional<std::string> part(CURLU* h, CURLUPart what, unsigned flags = 0) {
  char* out = nullptr;
  if (curl_url_get(h, what, &out, flags) != CURLUE_OK || !out) return std::nullopt;
  std::string s(out);
  curl_free(out);
  return s;
}

std::string lower(std::string s) {
  for (char& c : s)
    c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string stripBrackets(std::string host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return host;
}

int defaultPort(const std::string& scheme) {
  return scheme == "https" ? 443 : 80;
}

bool unreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

std::string percentEncode(std::string_view value) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (unreserved(c)) {
      out += char(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace

std::optional<Url> parseHttpUrl(std::string_view text, std::string& error) {
  if (text.find('\0') != std::string_view::npos) {
    error = "the URL contains a NUL byte";
    return std::nullopt;
  }
  UrlHandle h(curl_url());
  if (!h) {
    error = "out of memory";
    return std::nullopt;
  }
  std::string copy(text);
  // No CURLU_DEFAULT_SCHEME and no guessing: the scheme must be written.
  if (CURLUcode rc = curl_url_set(h.get(), CURLUPART_URL, copy.c_str(), CURLU_NON_SUPPORT_SCHEME);
      rc != CURLUE_OK) {
    error = curl_url_strerror(rc);
    return std::nullopt;
  }
  Url url;
  url.scheme = lower(part(h.get(), CURLUPART_SCHEME).value_or(""));
  if (url.scheme != "http" && url.scheme != "https") {
    error = "not an http:// or https:// URL";
    return std::nullopt;
  }
  auto host = part(h.get(), CURLUPART_HOST);
  if (!host || host->empty()) {
    error = "the URL has no host";
    return std::nullopt;
  }
  url.host = lower(stripBrackets(*host));
  url.hasUserInfo = part(h.get(), CURLUPART_USER).has_value() ||
                    part(h.get(), CURLUPART_PASSWORD).has_value() ||
                    part(h.get(), CURLUPART_OPTIONS).has_value();
  if (auto port = part(h.get(), CURLUPART_PORT)) {
    // curl has already checked it is a number in 0..65535.
    url.port = std::stoi(*port);
    url.explicitPort = true;
    if (url.port == 0) {
      error = "port 0 is not a port";
      return std::nullopt;
    }
  } else {
    url.port = defaultPort(url.scheme);
  }
  url.path = part(h.get(), CURLUPART_PATH).value_or("/");
  url.query = part(h.get(), CURLUPART_QUERY).value_or("");
  return url;
}

std::optional<HostRule> parseHostRule(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "an empty host";
    return std::nullopt;
  }
  // Only a host and an optional port: anything curl would read as a path, user info, query or
  // fragment is a mistake in an allow-list entry.
  if (text.find_first_of("/@?#\\ \t\r\n") != std::string_view::npos ||
      text.find("://") != std::string_view::npos) {
    error = "expected a host name or host:port, without a scheme, path or user";
    return std::nullopt;
  }
  std::string probe = "http://" + std::string(text) + "/";
  auto url = parseHttpUrl(probe, error);
  if (!url) return std::nullopt;
  HostRule rule;
  rule.host = url->host;
  rule.port = url->explicitPort ? url->port : 0;
  return rule;
}

bool hostAllowed(const Url& url, const std::vector<HostRule>& rules) {
  if (url.hasUserInfo) return false;
  return std::any_of(rules.begin(), rules.end(), [&](const HostRule& r) {
    if (r.host != url.host) return false;
    return r.port == 0 ? url.port == defaultPort(url.scheme) : r.port == url.port;
  });
}

std::string hostLabel(const Url& url) {
  std::string host = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
  if (url.port != defaultPort(url.scheme)) host += ":" + std::to_string(url.port);
  return host;
}

std::string encodePathSegment(std::string_view value) {
  if (value == ".") return "%2E";
  if (value == "..") return "%2E%2E";
  return percentEncode(value);
}

std::string encodeQueryValue(std::string_view value) {
  return percentEncode(value);
}

} // namespace awc::support
