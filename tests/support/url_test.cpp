// support/url: libcurl's URL API behind the tool-URL checks of sema and the runtime.
#include "awc/support/url.h"

#include <catch2/catch.hpp>

using namespace awc::support;

namespace {
std::vector<HostRule> rules(std::initializer_list<const char*> entries) {
  std::vector<HostRule> out;
  for (const char* e : entries) {
    std::string error;
    auto r = parseHostRule(e, error);
    REQUIRE(r);
    out.push_back(*r);
  }
  return out;
}
Url parse(const char* text) {
  std::string error;
  auto u = parseHttpUrl(text, error);
  INFO(error);
  REQUIRE(u);
  return *u;
}
} // namespace

TEST_CASE("a URL's host is the one curl connects to, not the text before '@'") {
  Url u = parse("https://orders.internal:x@evil.com/");
  CHECK(u.host == "evil.com");
  CHECK(u.hasUserInfo);
  CHECK_FALSE(hostAllowed(u, rules({"orders.internal"})));
  CHECK_FALSE(hostAllowed(u, rules({"evil.com"}))); // user info is never allowed
}

TEST_CASE("ports are part of what a host rule allows") {
  auto allow = rules({"orders.internal", "localhost:8080", "[::1]:9000"});
  CHECK(hostAllowed(parse("https://orders.internal/a"), allow));
  CHECK(hostAllowed(parse("http://orders.internal/a"), allow));
  CHECK(hostAllowed(parse("https://ORDERS.internal:443/a"), allow));
  CHECK_FALSE(hostAllowed(parse("https://orders.internal:8443/a"), allow));
  CHECK(hostAllowed(parse("http://localhost:8080/x?y=1"), allow));
  CHECK_FALSE(hostAllowed(parse("http://localhost/x"), allow));
  CHECK(hostAllowed(parse("http://[::1]:9000/"), allow));
  CHECK(hostLabel(parse("http://localhost:8080/")) == "localhost:8080");
  CHECK(hostLabel(parse("https://a.b/")) == "a.b");
}

TEST_CASE("bad URLs and bad host rules are refused with a reason") {
  std::string error;
  CHECK_FALSE(parseHttpUrl("ftp://a.b/", error));
  CHECK(error == "not an http:// or https:// URL");
  CHECK_FALSE(parseHttpUrl("orders.internal/x", error));
  CHECK_FALSE(parseHttpUrl("http://a.b:99999/", error));
  CHECK_FALSE(parseHttpUrl("http://a.b:0/", error));
  CHECK_FALSE(parseHttpUrl(std::string_view("http://a\0b/", 11), error));
  CHECK_FALSE(parseHostRule("", error));
  CHECK_FALSE(parseHostRule("https://a.b", error));
  CHECK_FALSE(parseHostRule("a.b/path", error));
  CHECK_FALSE(parseHostRule("user@a.b", error));
  CHECK_FALSE(parseHostRule("a.b:x", error));
  auto r = parseHostRule("LocalHost:8080", error);
  REQUIRE(r);
  CHECK(r->host == "localhost");
  CHECK(r->port == 8080);
}

TEST_CASE("path values cannot climb a level") {
  CHECK(encodePathSegment("..") == "%2E%2E");
  CHECK(encodePathSegment(".") == "%2E");
  CHECK(encodePathSegment("../etc/passwd") == "..%2Fetc%2Fpasswd");
  CHECK(encodePathSegment("a b/c?d#e") == "a%20b%2Fc%3Fd%23e");
  CHECK(encodePathSegment("A-z_0.9~") == "A-z_0.9~");
  CHECK(encodeQueryValue("x&y=z") == "x%26y%3Dz");
}
