// HTTP tools against a real loopback server (cpp-httplib) and FakeTransport: the URL is built
// and checked with support/url.h — host and port against the plan's hosts, no user info, path
// values encoded so ".." cannot climb a level — and a tool makes 1 + `retries` attempts.
#include "exec_test_util.h"
#include "fake_loop.h"

#include <httplib.h>
#include <mutex>
#include <thread>

using namespace awc::runtime;
using namespace awc::test;
using nlohmann::json;

namespace {

/// Records each request's raw target; /files/... answers its target as a JSON string,
/// /busy always answers 503.
class ToolServer {
public:
  ToolServer() {
    server_.Get(R"(/files/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content(json(req.target).dump(), "application/json");
    });
    server_.Get("/busy", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 503;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running())
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~ToolServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::vector<std::string> targets() {
    std::lock_guard lock(mutex_);
    return targets_;
  }

private:
  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    targets_.push_back(req.target);
  }
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> targets_;
};

/// A plan whose step `t` calls the GET tool `get` at `url` with {name: input q, lang: "en gb"}.
json toolPlan(const std::string& url, json hosts, int retries = 0) {
  json p = basePlan();
  p["hosts"] = std::move(hosts);
  p["tools"].push_back({{"id", "get"},
                        {"impl", "http"},
                        {"method", "GET"},
                        {"url", url},
                        {"params", json::array({{{"name", "name"}}, {{"name", "lang"}}})},
                        {"retries", retries}});
  p["nodes"].push_back({{"id", "t"},
                        {"kind", "tool"},
                        {"tool", "get"},
                        {"deps", {"input.q"}},
                        {"args", {{"name", {{"ref", "input.q"}}}, {"lang", {{"lit", "en gb"}}}}}});
  p["nodes"].push_back(outputNode({"t"}, 2));
  return p;
}

RuntimeOptions fastRetries() {
  RuntimeOptions o;
  o.retry.baseDelay = std::chrono::milliseconds(1);
  o.retry.maxDelay = std::chrono::milliseconds(2);
  return o;
}

} // namespace

TEST_CASE("a '..' tool input is encoded and never climbs a path level", "[exec][tools][url]") {
  ToolServer server;
  std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  Runtime rt(fastRetries());
  json hosts = {"127.0.0.1:" + std::to_string(server.port())};
  for (auto [input, target] : std::vector<std::pair<std::string, std::string>>{
           {"..", "/files/%2E%2E?lang=en%20gb"},
           {".", "/files/%2E?lang=en%20gb"},
           {"../etc/passwd", "/files/..%2Fetc%2Fpasswd?lang=en%20gb"}}) {
    RunResult r = rt.run(mustLoad(toolPlan(base + "/files/{name}", hosts)), {{"q", input}});
    INFO(r.error);
    REQUIRE(r.ok);
    CHECK(r.values["t"] == target); // as the server received it
  }
}

TEST_CASE("a host entry without a port allows only the scheme's default port",
          "[exec][tools][url]") {
  ToolServer server;
  std::string port = std::to_string(server.port());
  Runtime rt(fastRetries());
  RunResult r = rt.run(mustLoad(toolPlan("http://127.0.0.1:" + port + "/files/{name}",
                                         {"127.0.0.1", "127.0.0.1:1"})),
                       {{"q", "a"}});
  CHECK(r.error ==
        "node 't': tool 'get': host '127.0.0.1:" + port + "' is not among the plan's hosts");
  CHECK(server.targets().empty());
}

TEST_CASE("a URL with user info before its host is refused", "[exec][tools][url]") {
  FakeLoop loop([](const HttpRequest&) {
    FakeReply reply;
    reply.response.status = 200;
    reply.response.body = "\"reached\"";
    return reply;
  });
  Runtime rt(fakeOptions(loop.transport));
  for (const char* url :
       {"https://orders.internal:x@evil.com/{name}", "https://orders.internal@evil.com/{name}"}) {
    INFO(url);
    RunResult r = rt.run(mustLoad(toolPlan(url, {"orders.internal", "evil.com"})), {{"q", "a"}});
    CHECK(r.error == "node 't': tool 'get': the URL carries user info before its host: refused");
  }
  // A value cannot smuggle user info or another host in through a hole either.
  RunResult r = rt.run(mustLoad(toolPlan("https://orders.internal/{name}", {"orders.internal"})),
                       {{"q", "x@evil.com/"}});
  REQUIRE(r.ok);
  CHECK(loop.transport.requests().size() == 1);
  CHECK(r.values["t"] == "reached");
  CHECK(loop.transport.requests()[0].url == "https://orders.internal/x%40evil.com%2F?lang=en%20gb");
}

TEST_CASE("an HTTP tool makes 1 + retries attempts", "[exec][tools][defaults]") {
  for (int retries : {0, 2}) {
    ToolServer server;
    std::string port = std::to_string(server.port());
    Runtime rt(fastRetries());
    RunResult r = rt.run(
        mustLoad(toolPlan("http://127.0.0.1:" + port + "/busy", {"127.0.0.1:" + port}, retries)),
        {{"q", "a"}});
    CHECK(r.error == "node 't': tool 'get': HTTP 503");
    CHECK(server.targets().size() == std::size_t(retries + 1));
  }
}
