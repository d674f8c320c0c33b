// Tune's small pieces: the samples file reader (located errors that never quote the file)
// and answer agreement.
#include "awc/tune/tune.h"

#include <filesystem>
#include <fmt/format.h>
#include <fstream>

namespace awc::tune {

using nlohmann::json;

namespace {

// Larger files and lines are refused rather than read into memory.
constexpr std::uintmax_t kMaxSamplesFile = std::uintmax_t{1} << 30;
constexpr std::size_t kMaxSampleLine = std::size_t{64} << 20;

std::string located(const std::string& path, std::size_t line, std::size_t col,
                    const std::string& msg) {
  return fmt::format("{}:{}:{}: error: {}", path, line, col, msg);
}

} // namespace

bool readSamples(const std::string& path, std::vector<Sample>& out, std::string& error) {
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > kMaxSamplesFile) {
    error = fmt::format("{}: error: samples file larger than 1 GB", path);
    return false;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: error: cannot read the samples file", path);
    return false;
  }
  std::string text;
  std::size_t lineNo = 0;
  while (std::getline(in, text)) {
    ++lineNo;
    if (text.size() > kMaxSampleLine) {
      error = located(path, lineNo, 1, "line longer than 64 MB");
      return false;
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    json value;
    try {
      value = json::parse(text);
    } catch (const json::parse_error& e) {
      // e.what() quotes what it read: only the position is reported.
      error = located(path, lineNo, e.byte ? e.byte : 1, "not valid JSON (a syntax error here)");
      return false;
    } catch (const json::exception&) {
      // out_of_range: a number too large for a double; nlohmann gives no position.
      error = located(path, lineNo, 1, "not valid JSON (a number out of range)");
      return false;
    }
    if (!value.is_object()) {
      error = located(
          path, lineNo, text.find_first_not_of(" \t") + 1,
          fmt::format("a sample must be a JSON object of inputs, not {}", value.type_name()));
      return false;
    }
    out.push_back(std::move(value));
  }
  if (out.empty()) {
    error = fmt::format("{}: error: no samples (one JSON object of inputs per line)", path);
    return false;
  }
  return true;
}

bool answersAgree(bool freeText, const std::string& reference, const std::string& candidate,
                  const std::string& finishReason) {
  if (finishReason == "length" || finishReason == "max_tokens") return false;
  if (!freeText) {
    json a = json::parse(reference, nullptr, false), b = json::parse(candidate, nullptr, false);
    if (a.is_discarded() || b.is_discarded()) return reference == candidate;
    return a == b; // objects compare field-wise, regardless of key order
  }
  // Free text: no judge declared, so only the length and the format are checked — within half
  // to twice the reference's length, and JSON where the reference is JSON.
  if (candidate.empty() != reference.empty()) return false;
  double ratio = reference.empty() ? 1.0 : double(candidate.size()) / double(reference.size());
  if (ratio < 0.5 || ratio > 2.0) return false;
  bool refJson = !json::parse(reference, nullptr, false).is_discarded();
  return !refJson || !json::parse(candidate, nullptr, false).is_discarded();
}

std::optional<bool> outputsAgree(const json& schema, const json& a, const json& b,
                                 const FreeTextCompare& freeText) {
  std::string type = schema.is_object() ? schema.value("type", "") : "";
  // A definite difference anywhere decides; a part without a verdict only when none differs.
  auto all = [&](std::size_t n, const auto& part) -> std::optional<bool> {
    bool unknown = false;
    for (std::size_t i = 0; i < n; ++i) {
      std::optional<bool> v = part(i);
      if (v == false) return false;
      unknown = unknown || !v;
    }
    return unknown ? std::nullopt : std::optional<bool>(true);
  };
  if (type == "object" && schema.contains("properties") && a.is_object() && b.is_object()) {
    if (a.size() != b.size()) return false;
    std::vector<std::pair<std::string, const json*>> fields;
    for (const auto& [key, value] : a.items())
      fields.emplace_back(key, &value);
    return all(fields.size(), [&](std::size_t i) -> std::optional<bool> {
      auto other = b.find(fields[i].first);
      const json& sub = schema["properties"].value(fields[i].first, json::object());
      if (other == b.end()) return false;
      return outputsAgree(sub, *fields[i].second, *other, freeText);
    });
  }
  if (type == "array" && schema.contains("items") && a.is_array() && b.is_array()) {
    if (a.size() != b.size()) return false;
    return all(a.size(),
               [&](std::size_t i) { return outputsAgree(schema["items"], a[i], b[i], freeText); });
  }
  if (type == "string" && !schema.contains("enum") && a.is_string() && b.is_string())
    return freeText(a.get<std::string>(), b.get<std::string>());
  return a == b;
}

bool outputsAgree(const json& schema, const json& a, const json& b) {
  return outputsAgree(schema, a, b,
                      [](const std::string& x, const std::string& y) {
                        return std::optional<bool>(answersAgree(true, x, y, ""));
                      })
      .value_or(false);
}

} // namespace awc::tune
