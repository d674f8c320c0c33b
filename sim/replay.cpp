// Loading `awc run --record` files and matching requests to their recorded answers.
#include "awc/sim/replay.h"

#include "awc/support/source.h"

namespace awc::sim {

using nlohmann::json;

std::string replayKey(const json& body) {
  // json objects dump with sorted keys, so equal requests give equal keys.
  json identity = json::object();
  for (const char* field :
       {"model", "messages", "tools", "response_format", "max_tokens", "max_completion_tokens"})
    if (auto it = body.find(field); it != body.end() && !it->is_null()) identity[field] = *it;
  return identity.dump();
}

std::optional<ReplayBook> ReplayBook::parse(std::string_view text, std::string& error) {
  ReplayBook book;
  size_t lineNo = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++lineNo;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    json record = json::parse(line, nullptr, false);
    auto bad = [&](const std::string& why) {
      error = "replay line " + std::to_string(lineNo) + ": " + why;
      return std::nullopt;
    };
    if (record.is_discarded() || !record.is_object()) return bad("not a JSON object");
    if (record.contains("run")) continue; // a run's last line (for awc tune): no exchange
    auto request = record.find("request");
    if (request == record.end() || !request->is_object() || !request->contains("model"))
      return bad("needs a \"request\" object with a \"model\"");
    auto answer = record.find("answer");
    if (answer == record.end() || !answer->is_string()) return bad("needs a string \"answer\"");
    RecordedAnswer recorded{answer->get<std::string>(), 0, false};
    if (auto usage = record.find("usage"); usage != record.end() && usage->is_object())
      if (auto tokens = usage->find("completion_tokens");
          tokens != usage->end() && tokens->is_number_unsigned())
        recorded.completionTokens = tokens->get<size_t>();
    if (recorded.completionTokens == 0)
      return bad("needs \"usage\": {\"completion_tokens\": N} with N > 0");
    recorded.truncated = record.value("finish_reason", "") == "length";
    book.byKey_[replayKey(*request)].push_back(std::move(recorded));
    ++book.size_;
  }
  return book;
}

std::optional<ReplayBook> ReplayBook::load(const std::string& path, std::string& error) {
  auto text = readFile(path, error, "replay file");
  if (!text) return std::nullopt;
  return parse(*text, error);
}

const std::vector<RecordedAnswer>* ReplayBook::find(const json& body) const {
  auto it = byKey_.find(replayKey(body));
  return it == byKey_.end() ? nullptr : &it->second;
}

} // namespace awc::sim
