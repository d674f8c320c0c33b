// How plan values appear in error messages: short and printable whatever a plan holds, so a
// hostile plan cannot make an error message huge or make quoting it throw.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace awc::plan {

/// `text` cut to at most `max` bytes (on a UTF-8 boundary) with "..." after a cut.
std::string clip(std::string_view text, std::size_t max = 80);
/// A JSON value as error messages quote it: compact, invalid UTF-8 replaced, clipped;
/// objects and arrays are named, not printed.
std::string quote(const nlohmann::json& value);

} // namespace awc::plan
