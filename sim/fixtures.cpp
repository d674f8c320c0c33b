// Fixtures: the answers a test or benchmark pins for requests whose message contains a
// substring or matches a regular expression (RE2), optionally for one model only
// (docs/simulator.md, "Answers"). Parsed once at start; looked up per request.
#include "awc/sim/answers.h"
#include "awc/support/source.h"

#include <re2/re2.h>

namespace awc::sim {

using json = nlohmann::json;

std::optional<std::vector<Fixture>> parseFixtures(std::string_view text, std::string& error) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded()) {
    error = "fixtures file is not valid JSON";
    return std::nullopt;
  }
  if (!j.is_array()) {
    error = "fixtures file must be a JSON array of {\"match\"|\"regex\", \"answer\"} objects";
    return std::nullopt;
  }
  std::vector<Fixture> out;
  size_t index = 0;
  for (const auto& e : j) {
    std::string where = "fixture " + std::to_string(index++);
    if (!e.is_object() || !e.contains("answer")) {
      error = where + ": needs an \"answer\"";
      return std::nullopt;
    }
    Fixture f;
    f.answer = e["answer"];
    if (e.contains("regex") && e["regex"].is_string()) {
      f.isRegex = true;
      f.match = e["regex"].get<std::string>();
      RE2::Options options;
      options.set_log_errors(false);
      auto re = std::make_shared<const RE2>(f.match, options);
      if (!re->ok()) {
        error = where + ": bad regex '" + f.match + "': " + re->error();
        return std::nullopt;
      }
      f.re = std::move(re);
    } else if (e.contains("match") && e["match"].is_string()) {
      f.match = e["match"].get<std::string>();
    } else {
      error = where + ": needs a string \"match\" or \"regex\"";
      return std::nullopt;
    }
    if (e.contains("model")) {
      if (!e["model"].is_string()) {
        error = where + ": \"model\" must be a string";
        return std::nullopt;
      }
      f.model = e["model"].get<std::string>();
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::optional<std::vector<Fixture>> loadFixtures(const std::string& path, std::string& error) {
  auto text = readFile(path, error, "fixtures file");
  if (!text) return std::nullopt;
  auto r = parseFixtures(*text, error);
  if (!r) error = path + ": " + error;
  return r;
}

const Fixture* findFixture(const std::vector<Fixture>& fixtures, std::string_view message,
                           std::string_view model) {
  for (const Fixture& f : fixtures) {
    if (!f.model.empty() && model.find(f.model) == std::string_view::npos) continue;
    if (f.isRegex) {
      if (RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *f.re)) return &f;
    } else if (message.find(f.match) != std::string_view::npos) {
      return &f;
    }
  }
  return nullptr;
}

} // namespace awc::sim
