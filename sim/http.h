// Minimal HTTP/1.1 request parsing and response framing for the simulator's event loop
// (internal to awc_sim).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awc::sim::http {

struct Request {
  std::string method;
  std::string target;                                       ///< path without the query string
  std::vector<std::pair<std::string, std::string>> headers; ///< names lower-cased
  std::string body;
  bool keepAlive = true;
  const std::string* header(std::string_view lowerName) const;
};

enum class ParseStatus { NeedMore, Complete, Error };

struct ParseResult {
  ParseStatus status = ParseStatus::NeedMore;
  size_t consumed = 0;         ///< bytes of input used by a Complete request
  int errorStatus = 400;       ///< for Error
  std::string errorMessage;    ///< for Error
  bool expectContinue = false; ///< headers complete, body pending, client waits for 100
};

/// Parses one request from the front of `in`. Headers are bounded to 64 KiB and the
/// body to `maxBody` bytes; Content-Length and chunked bodies are accepted.
ParseResult parseRequest(std::string_view in, size_t maxBody, Request& out);

const char* reasonPhrase(int status);

/// A full response with Content-Length.
std::string response(int status, std::string_view contentType, std::string_view body,
                     bool keepAlive,
                     const std::vector<std::pair<std::string, std::string>>& extraHeaders = {});

/// Headers of a streamed (chunked) response; each piece then goes through chunk().
std::string streamHead(std::string_view contentType, bool keepAlive);
std::string chunk(std::string_view data);
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

} // namespace awc::sim::http
