// Tune's small pieces: the samples file reader (located errors that never quote the file)
// and answer agreement.
#include "awc/tune/tune.h"
#include "json_lines.h"

#include <fmt/format.h>
#include <fstream>

namespace awc::tune {

using nlohmann::json;

bool readSamples(const std::string& path, std::vector<Sample>& out, std::string& error) {
  auto fail = [&](std::size_t line, std::size_t col, const std::string& msg) {
    error = line ? fmt::format("{}:{}:{}: error: {}", path, line, col, msg)
                 : fmt::format("{}: error: {}", path, msg);
  };
  std::ifstream in;
  if (!detail::openJsonLines(path, "samples", in, fail)) return false;
  std::size_t lines = 0;
  bool ok = detail::readJsonLines(
      in,
      [&](json& value, std::size_t line, std::size_t col) {
        if (!value.is_object()) {
          fail(line, col,
               fmt::format("a sample must be a JSON object of inputs, not {}", value.type_name()));
          return false;
        }
        out.push_back(std::move(value));
        return true;
      },
      fail, lines);
  if (ok && out.empty()) {
    fail(0, 0, "no samples (one JSON object of inputs per line)");
    return false;
  }
  return ok;
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
