// Tests for the incremental SSE parser: splitting, line endings, multi-line data, comments.
#include "awc/runtime/sse_parser.h"

#include <catch2/catch.hpp>
#include <vector>

using awc::runtime::SseEvent;
using awc::runtime::SseParser;

namespace {
std::vector<SseEvent> parseInPieces(const std::string& stream, std::size_t piece) {
  SseParser parser;
  std::vector<SseEvent> events;
  auto handler = [&](const SseEvent& e) { events.push_back(e); };
  for (std::size_t i = 0; i < stream.size(); i += piece)
    parser.feed(stream.substr(i, piece), handler);
  parser.finish(handler);
  return events;
}
} // namespace

TEST_CASE("SSE events survive any chunking and every line ending", "[sse]") {
  const std::string lf =
      "data: {\"a\":1}\n\n: keep-alive\n\nevent: delta\ndata: x\ndata: y\nid: 7\n\n"
      "data: [DONE]\n\n";
  std::string crlf, cr;
  for (char c : lf) {
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
    cr += c == '\n' ? '\r' : c;
  }
  for (const std::string* stream : std::vector<const std::string*>{&lf, &crlf, &cr}) {
    for (std::size_t piece : {1u, 2u, 3u, 5u, 7u, 1000u}) {
      INFO("piece " << piece);
      auto events = parseInPieces(*stream, piece);
      REQUIRE(events.size() == 3);
      CHECK(events[0].data == "{\"a\":1}");
      CHECK(events[0].event.empty());
      CHECK(events[1].event == "delta");
      CHECK(events[1].data == "x\ny");
      CHECK(events[1].id == "7");
      CHECK(events[2].isDone());
      CHECK(events[2].id == "7"); // last event id persists
    }
  }
}

TEST_CASE("SSE field parsing follows the event-stream rules", "[sse]") {
  auto events = parseInPieces("data:no-space\n\ndata:  two spaces\n\ndata\n\nevent: ping\n\n"
                              "retry: 250\ndata: r\n\n",
                              4);
  REQUIRE(events.size() == 4);
  CHECK(events[0].data == "no-space");
  CHECK(events[1].data == " two spaces");
  CHECK(events[2].data.empty()); // a bare "data" line yields an empty data field
  CHECK(events[3].data == "r");  // "event: ping" without data dispatched nothing
  SseParser parser;
  parser.feed("retry: 250\n\n", [](const SseEvent&) {});
  CHECK(parser.retryMs() == 250);
}

TEST_CASE("SSE strips a BOM split across chunks and flushes an unterminated event", "[sse]") {
  SseParser parser;
  std::vector<SseEvent> events;
  auto handler = [&](const SseEvent& e) { events.push_back(e); };
  parser.feed("\xEF", handler);
  parser.feed("\xBB", handler);
  parser.feed("\xBF"
              "data: first\n\ndata: tail",
              handler);
  REQUIRE(events.size() == 1);
  CHECK(events[0].data == "first");
  parser.finish(handler);
  REQUIRE(events.size() == 2);
  CHECK(events[1].data == "tail");
}

TEST_CASE("SSE CRLF split exactly between CR and LF does not create an empty line", "[sse]") {
  SseParser parser;
  std::vector<SseEvent> events;
  auto handler = [&](const SseEvent& e) { events.push_back(e); };
  parser.feed("data: a\r", handler);
  parser.feed("\ndata: b\r\n\r", handler);
  CHECK(events.size() == 1);
  CHECK(events[0].data == "a\nb");
}

TEST_CASE("SSE refuses unbounded lines", "[sse]") {
  SseParser parser(16);
  int count = 0;
  parser.feed("data: " + std::string(64, 'x'), [&](const SseEvent&) { ++count; });
  CHECK(parser.failed());
  parser.feed("\n\n", [&](const SseEvent&) { ++count; });
  CHECK(count == 0);
}
