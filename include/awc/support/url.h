// URLs of HTTP tools and the host allow-list, parsed by libcurl's URL API (never by hand), so
// the compiler's check and the runtime's check see exactly the host curl will connect to.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::support {

/// An absolute http(s) URL taken apart by libcurl.
struct Url {
  std::string scheme; ///< "http" or "https", lower case
  std::string host;   ///< as curl will connect to it (lower case; IPv6 without brackets)
  int port = 0;       ///< the explicit port, or the scheme's default (80 / 443)
  bool explicitPort = false;
  bool hasUserInfo = false; ///< "user[:password]@" before the host: never allowed in a tool URL
  std::string path;         ///< "/..." as written (not decoded)
  std::string query;        ///< without the '?', empty when none
};

/// Parses `text` as an absolute http:// or https:// URL. On failure returns nullopt and sets
/// `error` to a short reason ("not an http:// or https:// URL", "bad port", ...).
std::optional<Url> parseHttpUrl(std::string_view text, std::string& error);

/// One entry of a flow's `host` allow-list: "name", "name:port", "[v6]" or "[v6]:port".
struct HostRule {
  std::string host; ///< lower case, IPv6 without brackets
  int port = 0;     ///< 0: the scheme's default port only (80 for http, 443 for https)
};

/// Parses an allow-list entry; nullopt with `error` set when it is not a bare host[:port].
std::optional<HostRule> parseHostRule(std::string_view text, std::string& error);

/// True when `url` (no user info) targets a host and port that one of `rules` allows.
bool hostAllowed(const Url& url, const std::vector<HostRule>& rules);

/// "host" or "host:port" for messages (the port only when it is not the scheme's default).
std::string hostLabel(const Url& url);

/// Percent-encodes `value` for use as (part of) one path segment: everything but RFC 3986
/// unreserved characters is encoded, and a value that is "." or ".." is encoded whole
/// ("%2E", "%2E%2E") so it can never climb a path level.
std::string encodePathSegment(std::string_view value);

/// Percent-encodes `value` for a query component (unreserved characters kept).
std::string encodeQueryValue(std::string_view value);

} // namespace awc::support
