// Fuzz target: bytes on a simulator connection through the HTTP parser and the engine's protocols.
#include "engine.h"
#include "http.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

awc::sim::ServerConfig makeConfig() {
  awc::sim::ServerConfig config;
  std::string error;
  config.fixtures = *awc::sim::parseFixtures(
      R"([{"regex": "^(a+)+$", "answer": "a"}, {"match": "order", "answer": {"id": 1}},
          {"match": "x", "answer": "h\u00e9llo w\u00f6rld \ud83d\ude00 \u00fc\u00fc\u00fc\u00fc"}])",
      error);
  config.faults =
      *awc::sim::parseFaultSpec("429=0.1,503=0.1,drop=0.1,malformed=0.1,schema=0.2", error);
  config.anthropicMinCacheTokens = 8;
  config.cacheTokens = 4096;
  return config;
}

} // namespace

// The input is what a client sends on one keep-alive connection: every request it completes
// goes to a fresh engine, as pipelined requests would.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const awc::sim::ServerConfig config = makeConfig();
  awc::sim::Engine engine(config);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (!in.empty()) {
    awc::sim::http::Request request;
    awc::sim::http::ParseResult r = awc::sim::http::parseRequest(in, 1 << 20, request);
    if (r.status == awc::sim::http::ParseStatus::NeedMore) break;
    if (r.status == awc::sim::http::ParseStatus::Error) {
      (void)engine.protocolError(r.errorStatus, r.errorMessage);
      break;
    }
    if (r.consumed == 0 || r.consumed > in.size()) __builtin_trap(); // no progress: a hang
    awc::sim::ResponsePlan plan = engine.handle(request, request.keepAlive);
    if (plan.pieces.empty() && !plan.hang) __builtin_trap();
    engine.finished(plan);
    in.remove_prefix(r.consumed);
  }
  return 0;
}
