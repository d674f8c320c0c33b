// Helpers both wire protocols share: message content as prompt text, the last user message,
// response ids.
#include "protocol.h"

namespace awc::sim {

using nlohmann::json;

void appendContent(std::string& out, const json& content) {
  if (content.is_string()) {
    out += content.get_ref<const std::string&>();
  } else if (content.is_array()) {
    for (const auto& part : content) {
      if (part.is_string()) {
        out += part.get_ref<const std::string&>();
      } else if (part.is_object()) {
        auto t = part.find("text");
        if (t != part.end() && t->is_string())
          out += t->get_ref<const std::string&>();
        else
          out += part.dump(); // images, tool results: their JSON stands in for their tokens
      }
    }
  } else if (!content.is_null()) {
    out += content.dump();
  }
}

std::string lastUserText(const json& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->is_object() && it->value("role", "") == "user" && it->contains("content")) {
      std::string s;
      appendContent(s, (*it)["content"]);
      return s;
    }
  return "";
}

std::string systemText(const json& messages) {
  std::string s;
  for (const auto& m : messages)
    if (m.is_object() && m.contains("content") &&
        (m.value("role", "") == "system" || m.value("role", "") == "developer")) {
      if (!s.empty()) s += '\n';
      appendContent(s, m["content"]);
    }
  return s;
}

bool isTrue(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && *it == true;
}

std::string toJsonText(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string hex(uint64_t v) {
  static const char* d = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4)
    out[i] = d[v & 15];
  return out;
}

} // namespace awc::sim
