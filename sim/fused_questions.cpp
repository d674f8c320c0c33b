// A fused call's members answered as their own questions: the quality model's reference answer
// is a function of the question, so one question asked inside a fused call or alone gets the
// same answer from the same model, unless the model is drawn to disagree on it.
#include "fused_questions.h"

#include "awc/sim/answers.h"

#include <cctype>
#include <xxhash.h>

namespace awc::sim {

using nlohmann::json;

namespace {

std::string collapsed(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// How the runtime writes a value into a prompt: strings as they are, the rest as JSON.
std::string asText(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// The schema the runtime sends for a step of this value schema: a record as it is, anything
// else wrapped as {"value": ...}; null for free text (sent without a schema).
json wireSchema(const json& s) {
  if (!s.is_object()) return nullptr;
  std::string type = s.value("type", "");
  if (type == "string" && !s.contains("enum")) return nullptr;
  if (type == "object") return s;
  return {{"type", "object"},
          {"properties", {{"value", s}}},
          {"required", {"value"}},
          {"additionalProperties", false}};
}

// The shared inputs a fused prompt gives after its tasks: `Input "name":` and the value.
void putInputsBack(std::string& task, std::string_view prompt) {
  const std::string head = "\n\nInput \"";
  for (size_t at = prompt.find(head); at != std::string_view::npos;) {
    size_t nameEnd = prompt.find("\":\n", at + head.size());
    if (nameEnd == std::string_view::npos) return;
    std::string name(prompt.substr(at + head.size(), nameEnd - at - head.size()));
    size_t next = prompt.find(head, nameEnd);
    size_t end = next == std::string_view::npos ? prompt.size() : next;
    std::string value(prompt.substr(nameEnd + 3, end - nameEnd - 3));
    replaceAll(task, "(input \"" + name + "\" below)", value);
    at = next;
  }
}

// An earlier task's answer written where a later task refers to it (a vertical fusion).
void putAnswersBack(std::string& task, const std::vector<json>& answers) {
  for (size_t n = 0; n < answers.size(); ++n) {
    std::string ref = "of your answer to task " + std::to_string(n + 1) + ")";
    replaceAll(task, "(your answer to task " + std::to_string(n + 1) + ")", asText(answers[n]));
    for (size_t at = task.find(ref); at != std::string::npos; at = task.find(ref)) {
      size_t open = task.rfind("(the \"", at);
      size_t close = task.rfind("\" ", at);
      if (open == std::string::npos || close == std::string::npos || close < open) break;
      std::string field = task.substr(open + 6, close - open - 6);
      const json& a = answers[n];
      json v = a.is_object() && a.contains(field) ? a[field] : json();
      task.replace(open, at + ref.size() - open, asText(v));
    }
  }
}

} // namespace

bool isFusedSchema(const json& s) {
  if (!s.is_object() || s.value("type", json()) != "object" ||
      s.value("additionalProperties", json(true)) != false)
    return false;
  auto props = s.find("properties");
  auto req = s.find("required");
  if (props == s.end() || !props->is_object() || props->size() < 2 || req == s.end() ||
      !req->is_array() || req->size() != props->size())
    return false;
  for (auto it = props->begin(); it != props->end(); ++it) {
    const std::string& k = it.key();
    if (k.size() < 5 || k[0] != 's' || !std::isdigit(static_cast<unsigned char>(k[1])) ||
        !std::isdigit(static_cast<unsigned char>(k[2])) || k[3] != '_')
      return false;
  }
  return true;
}

std::string_view fusedTaskText(std::string_view prompt, const std::string& key) {
  size_t at = prompt.find("(key \"" + key + "\"):");
  if (at == std::string_view::npos) return {};
  at = prompt.find('\n', at);
  if (at == std::string_view::npos) return {};
  size_t end = std::min(prompt.find("\n\nTask ", at), prompt.find("\n\nInput \"", at));
  return prompt.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
}

bool singleQuestion(const json& body) {
  if (!body.is_object() || body.contains("tools")) return false;
  auto messages = body.find("messages");
  if (messages == body.end() || !messages->is_array()) return false;
  int users = 0;
  for (const json& m : *messages) {
    std::string role = m.is_object() ? m.value("role", "") : "";
    if (role == "user")
      ++users;
    else if (role != "system" && role != "developer")
      return false;
  }
  return users == 1;
}

std::string questionKey(std::string_view system, std::string_view question, const json& schema) {
  return collapsed(system) + '\0' + collapsed(question) + '\0' + schema.dump();
}

uint64_t referenceSeed(std::string_view key, uint64_t seed) {
  return XXH3_64bits_withSeed(key.data(), key.size(), seed ^ 0x2ef0ULL);
}

uint64_t disagreeingSeed(std::string_view model, std::string_view key, uint64_t seed) {
  std::string text = std::string(model) + '\0' + std::string(key);
  return XXH3_64bits_withSeed(text.data(), text.size(), seed ^ 0xd1ffULL);
}

json fusedPartValues(std::string_view system, std::string_view prompt, const json& schema,
                     std::string_view model, const QualityModel& quality, uint64_t seed) {
  json out = json::object();
  std::vector<json> answers; // in task order, for the tasks that refer to them
  for (const auto& [key, part] : schema["properties"].items()) {
    std::string_view text = fusedTaskText(prompt, key);
    json wire = wireSchema(part);
    if (text.empty() || wire.is_null()) {
      answers.push_back(nullptr); // free text, or no task to read: generated as before
      continue;
    }
    std::string task(text.substr(1));
    putInputsBack(task, prompt);
    putAnswersBack(task, answers);
    std::string qkey = questionKey(system, task, wire);
    json value = generateFromSchema(wire, referenceSeed(qkey, seed));
    if (drawsDisagreement(quality, qkey, model, taskClassOf(&wire), seed))
      value = disagreeWith(value, wire, disagreeingSeed(model, qkey, seed));
    if (wire != part) value = value.value("value", json()); // the runtime's {"value": ...}
    out[key] = value;
    answers.push_back(value);
  }
  return out;
}

} // namespace awc::sim
