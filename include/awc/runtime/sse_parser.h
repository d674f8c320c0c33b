// Incremental Server-Sent Events parser (WHATWG event-stream rules) for streamed model answers.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace awc::runtime {

/// One dispatched event. `event` is empty for the default "message" type.
struct SseEvent {
  std::string event;
  std::string data;
  std::string id;

  /// OpenAI-style end-of-stream marker `data: [DONE]`.
  bool isDone() const { return data == "[DONE]"; }
};

/// Feeds arbitrary chunks (split anywhere, even inside a CRLF) and dispatches complete
/// events. Lines end in CRLF, LF or CR; `data:` lines join with '\n'; `:` lines are comments.
class SseParser {
public:
  using Handler = std::function<void(const SseEvent&)>;

  /// `maxLineBytes` bounds memory on a hostile stream; a longer line sets failed().
  explicit SseParser(std::size_t maxLineBytes = 16u << 20) : maxLineBytes_(maxLineBytes) {}

  /// Parses `chunk`, calling `onEvent` for each event completed by it.
  void feed(std::string_view chunk, const Handler& onEvent);
  /// End of stream. The standard drops an unterminated event; servers that omit the final
  /// blank line are common, so an event with data is dispatched instead.
  void finish(const Handler& onEvent);

  bool failed() const { return failed_; }
  /// Value of the last `retry:` field, or -1.
  long retryMs() const { return retryMs_; }

private:
  void processLine(std::string_view line, const Handler& onEvent);
  void dispatch(const Handler& onEvent);

  std::string line_;
  std::string bomProbe_;
  SseEvent pending_;
  bool hasData_ = false;
  bool lastWasCr_ = false;
  bool sawBom_ = false;
  bool failed_ = false;
  long retryMs_ = -1;
  std::size_t maxLineBytes_;
};

} // namespace awc::runtime
