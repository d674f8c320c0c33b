// Fuzz target: an SSE byte stream through SseParser, whole and cut into input-chosen chunks.
#include "awc/runtime/sse_parser.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Parsed {
  std::vector<std::string> events; // event, data and id of each, joined
  bool failed = false;
  long retryMs = -1;
};

Parsed parse(std::string_view stream, std::string_view cuts) {
  awc::runtime::SseParser parser(1 << 16);
  Parsed out;
  auto onEvent = [&](const awc::runtime::SseEvent& e) {
    out.events.push_back(e.event + '\n' + e.data + '\n' + e.id);
  };
  size_t at = 0, cut = 0;
  while (at < stream.size()) {
    size_t n = cuts.empty() ? stream.size() : 1 + static_cast<uint8_t>(cuts[cut++ % cuts.size()]);
    parser.feed(stream.substr(at, n), onEvent);
    at += std::min(n, stream.size() - at);
  }
  parser.finish(onEvent);
  out.failed = parser.failed();
  out.retryMs = parser.retryMs();
  return out;
}

} // namespace

// The first 8 bytes choose the chunk sizes; the rest is the stream. However the stream is cut,
// the events must be the same (the parser promises chunks "split anywhere").
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view cuts = in.substr(0, std::min<size_t>(8, in.size()));
  std::string_view stream = in.substr(cuts.size());
  Parsed whole = parse(stream, {});
  Parsed chunked = parse(stream, cuts);
  if (whole.failed || chunked.failed) return 0; // a line over the bound: no promise
  if (whole.events != chunked.events || whole.retryMs != chunked.retryMs) __builtin_trap();
  return 0;
}
