// The network reach of a flow: `host` allow-list entries and the URLs of HTTP tools, both
// parsed by libcurl's URL API (awc/support/url.h) — the parser the runtime uses — so the
// host and port checked here are the ones curl will connect to.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::sema::detail {

namespace {

/// A `{param}` hole of a URL template: offsets of '{' and '}'.
struct Hole {
  size_t open, close;
};

std::vector<Hole> holesOf(const std::string& url) {
  std::vector<Hole> holes;
  for (size_t pos = url.find('{'); pos != std::string::npos; pos = url.find('{', pos + 1)) {
    size_t close = url.find('}', pos);
    if (close == std::string::npos) break;
    holes.push_back({pos, close});
    pos = close;
  }
  return holes;
}

/// The range of url[from, to] inside the quoted literal at `r` (the whole literal if unsure).
SourceRange subRange(SourceRange r, size_t from, size_t to) {
  SourceRange s{r.file, r.begin + 1 + uint32_t(from), r.begin + 2 + uint32_t(to)};
  return s.end > r.end ? r : s;
}

} // namespace

bool Analyzer::checkHostEntry(const ast::HostDecl::Entry& entry) {
  std::string error;
  auto rule = support::parseHostRule(entry.host, error);
  if (!rule) {
    auto& d = diags.report(DiagCode::BadHost, entry.range,
                           fmt::format("'{}' is not a host: {}", entry.host, error));
    d.hints.push_back("write a host name or address, optionally with a port: \"api.example.com\", "
                      "\"localhost:8080\", \"[::1]:8443\"");
    return false;
  }
  hostRules.push_back(*rule);
  return true;
}

void Analyzer::checkHttpTool(ast::ToolDecl& tool) {
  static const std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(methods.begin(), methods.end(), tool.method) == methods.end())
    diags.report(
        DiagCode::BadOptionValue, tool.methodRange,
        fmt::format("unknown HTTP method '{}'{}", tool.method, suggest(tool.method, methods)));
  const std::string& url = tool.url;
  std::vector<Hole> holes = holesOf(url);
  std::vector<std::string> names;
  for (auto& p : tool.params)
    if (p) names.push_back(p->name);
  // Every hole names a parameter; the probe URL has each replaced by a harmless "x".
  std::string probe;
  size_t done = 0;
  for (const Hole& h : holes) {
    std::string hole = url.substr(h.open + 1, h.close - h.open - 1);
    if (std::find(names.begin(), names.end(), hole) == names.end())
      diags.report(DiagCode::UnknownName, subRange(tool.urlRange, h.open, h.close),
                   fmt::format("URL hole '{{{}}}' names no parameter of tool '{}'{}", hole,
                               tool.name, suggest(hole, names)));
    probe += url.substr(done, h.open - done) + "x";
    done = h.close + 1;
  }
  probe += url.substr(done);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    diags.report(DiagCode::BadOptionValue, tool.urlRange,
                 "HTTP tool URL must start with http:// or https://");
    return;
  }
  // The host part (up to the first '/', '?' or '#') is fixed: a hole there could send the
  // request anywhere.
  size_t start = url.find("://") + 3;
  size_t end = std::min(url.find_first_of("/?#", start), url.size());
  for (const Hole& h : holes)
    if (h.open < end) {
      auto& d =
          diags.report(DiagCode::BadUrl, subRange(tool.urlRange, h.open, h.close),
                       fmt::format("tool '{}' has a hole in the host part of its URL", tool.name));
      d.hints.push_back("holes may fill the path and the query; the host must be written out");
      return;
    }
  std::string error;
  auto parsed = support::parseHttpUrl(probe, error);
  if (!parsed) {
    diags.report(DiagCode::BadUrl, tool.urlRange,
                 fmt::format("tool '{}' has an invalid URL: {}", tool.name, error));
    return;
  }
  if (parsed->hasUserInfo) {
    auto& d = diags.report(DiagCode::BadUrl, tool.urlRange,
                           fmt::format("tool '{}' has user info ('...@') in its URL; it would "
                                       "connect to '{}'",
                                       tool.name, support::hostLabel(*parsed)));
    d.hints.push_back("a URL may not carry a user name or password; pass credentials in a "
                      "header or parameter");
    return;
  }
  if (!support::hostAllowed(*parsed, hostRules)) {
    std::string label = support::hostLabel(*parsed);
    auto& d = diags.report(
        DiagCode::UndeclaredHost, tool.urlRange,
        fmt::format("tool '{}' calls host '{}', which is not declared", tool.name, label));
    d.hints.push_back(fmt::format("add `host \"{}\"` to allow it", label));
  }
}

} // namespace awc::sema::detail
