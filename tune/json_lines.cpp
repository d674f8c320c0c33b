// The JSON-lines loop shared by the samples and record readers.
#include "json_lines.h"

#include <filesystem>
#include <fstream>

namespace awc::tune::detail {

namespace {

// Larger lines are refused rather than read into memory.
constexpr std::size_t kMaxLine = std::size_t{64} << 20;

} // namespace

bool openJsonLines(const std::string& path, const char* what, std::ifstream& in,
                   const LineFail& fail) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  in.open(path, std::ios::binary);
  if (ec || !in) {
    fail(0, 0, std::string("cannot read the ") + what + " file");
    return false;
  }
  if (size > kMaxJsonLinesFile) {
    fail(0, 0, std::string(what) + " file larger than 1 GB");
    return false;
  }
  return true;
}

bool readJsonLines(std::istream& in,
                   const std::function<bool(nlohmann::json&, std::size_t, std::size_t)>& onLine,
                   const LineFail& fail, std::size_t& lines) {
  std::string text;
  lines = 0;
  while (std::getline(in, text)) {
    ++lines;
    if (text.size() > kMaxLine) {
      fail(lines, 1, "line longer than 64 MB");
      return false;
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json value;
    try {
      value = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
      // e.what() quotes what it read: only the position is reported.
      fail(lines, e.byte ? e.byte : 1, "not valid JSON (a syntax error here)");
      return false;
    } catch (const nlohmann::json::exception&) {
      // out_of_range: a number too large for a double; nlohmann gives no position.
      fail(lines, 1, "not valid JSON (a number out of range)");
      return false;
    }
    if (!onLine(value, lines, text.find_first_not_of(" \t") + 1)) return false;
  }
  return true;
}

} // namespace awc::tune::detail
