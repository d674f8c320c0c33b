// Answers recorded from a real server (`awc run --record`), served again by the simulator:
// with the answers fixed, what is left between a real run and its simulation is the
// simulator's model of time, caching and load — not a model that writes other text.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace awc::sim {

struct RecordedAnswer {
  std::string text;
  size_t completionTokens = 0; ///< as the recording server counted them
  bool truncated = false;      ///< finish_reason "length"
};

/// The identity of a chat-completions request for replay: its model, messages, tools,
/// response format and token limit, as sent (temperature and streaming do not change it).
std::string replayKey(const nlohmann::json& requestBody);

/// Recorded answers by request. A request recorded several times (a sampled step in a cold and
/// then a warm run) is answered in recorded order; past the last, the last repeats.
class ReplayBook {
public:
  /// JSON lines of `awc run --record`: {"request": {...}, "answer": "...",
  /// "usage": {"completion_tokens": N, ...}, "finish_reason": "..."}.
  static std::optional<ReplayBook> parse(std::string_view text, std::string& error);
  static std::optional<ReplayBook> load(const std::string& path, std::string& error);

  /// Answers recorded for this request, in order; nullptr when there are none.
  const std::vector<RecordedAnswer>* find(const nlohmann::json& requestBody) const;
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

private:
  std::unordered_map<std::string, std::vector<RecordedAnswer>> byKey_;
  size_t size_ = 0;
};

} // namespace awc::sim
