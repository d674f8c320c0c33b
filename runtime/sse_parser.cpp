// Server-Sent Events: line splitting across chunks, field parsing, dispatch on blank lines.
#include "awc/runtime/sse_parser.h"

#include <cctype>

namespace awc::runtime {

void SseParser::feed(std::string_view chunk, const Handler& onEvent) {
  if (failed_) return;
  if (!sawBom_) {
    // A UTF-8 BOM may open the stream, itself split across chunks: hold bytes until decided.
    static constexpr std::string_view bom = "\xEF\xBB\xBF";
    bomProbe_.append(chunk);
    if (bomProbe_.size() < bom.size() && bom.substr(0, bomProbe_.size()) == bomProbe_) return;
    sawBom_ = true;
    std::string data = std::move(bomProbe_);
    bomProbe_.clear();
    if (data.compare(0, bom.size(), bom) == 0) data.erase(0, bom.size());
    feed(data, onEvent);
    return;
  }
  std::size_t start = 0;
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    char c = chunk[i];
    if (c != '\r' && c != '\n') continue;
    if (c == '\n' && lastWasCr_ && i == start && line_.empty()) {
      // Second half of a CRLF whose CR ended the previous line.
      lastWasCr_ = false;
      start = i + 1;
      continue;
    }
    if (line_.empty()) {
      processLine(chunk.substr(start, i - start), onEvent);
    } else {
      line_.append(chunk.substr(start, i - start));
      processLine(line_, onEvent);
      line_.clear();
    }
    lastWasCr_ = (c == '\r');
    start = i + 1;
    if (failed_) return;
  }
  if (start < chunk.size()) {
    lastWasCr_ = false;
    line_.append(chunk.substr(start));
    if (line_.size() > maxLineBytes_) {
      failed_ = true;
      line_.clear();
    }
  }
}

void SseParser::finish(const Handler& onEvent) {
  if (failed_) return;
  if (!sawBom_) {
    // Shorter than a BOM and a prefix of one: nothing but (part of) a BOM arrived.
    sawBom_ = true;
    bomProbe_.clear();
  }
  if (!line_.empty()) {
    std::string last = std::move(line_);
    line_.clear();
    processLine(last, onEvent);
  }
  if (hasData_) dispatch(onEvent);
}

void SseParser::processLine(std::string_view line, const Handler& onEvent) {
  if (line.empty()) {
    dispatch(onEvent);
    return;
  }
  if (line.front() == ':') return; // comment / keep-alive
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (hasData_) pending_.data.push_back('\n');
    pending_.data.append(value);
    hasData_ = true;
  } else if (field == "event") {
    pending_.event.assign(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) pending_.id.assign(value);
  } else if (field == "retry") {
    bool digits = !value.empty();
    for (char c : value)
      digits = digits && std::isdigit(static_cast<unsigned char>(c));
    if (digits && value.size() < 10) retryMs_ = std::stol(std::string(value));
  }
}

void SseParser::dispatch(const Handler& onEvent) {
  if (hasData_) {
    if (onEvent) onEvent(pending_);
  }
  // The id persists across events (last-event-id); type and data do not.
  pending_.event.clear();
  pending_.data.clear();
  hasData_ = false;
}

} // namespace awc::runtime
