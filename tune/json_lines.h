// JSON-lines input for tune (json_lines.cpp): the samples file and `awc run --record` files are
// read by one loop, with the same limits and located errors that never quote a line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace awc::tune::detail {

/// Larger JSON-lines inputs are refused rather than read into memory.
inline constexpr std::uintmax_t kMaxJsonLinesFile = std::uintmax_t{1} << 30;

/// A problem at a place: `line` 0 means the whole file.
using LineFail = std::function<void(std::size_t line, std::size_t col, const std::string& msg)>;

/// Opens `path` for reading as a JSON-lines file of `what` ("samples", "record"); refuses one
/// that cannot be read or is larger than 1 GB (through `fail`, line 0).
bool openJsonLines(const std::string& path, const char* what, std::ifstream& in,
                   const LineFail& fail);

/// Parses every non-blank line of `in` and hands it to `onLine` with its number and the column
/// of its first character; stops at the first line over 64 MB or that does not parse (`fail`
/// gets the position only) or when `onLine` returns false. `lines` counts the lines read.
bool readJsonLines(
    std::istream& in,
    const std::function<bool(nlohmann::json& value, std::size_t line, std::size_t col)>& onLine,
    const LineFail& fail, std::size_t& lines);

} // namespace awc::tune::detail
