// The judge model for free-text agreement: the prompt (a rubric, the task, the two answers in
// length-delimited sections), the strict verdict parse, and the judge's budgeted calls.
#include "awc/tune/tune.h"
#include "tune_judge.h"

#include <fmt/format.h>

namespace awc::tune::detail {

using nlohmann::json;

const char* const kDefaultRubric =
    "The two answers are equivalent when they state the same facts, reach the same decision or "
    "recommendation, and make the same commitments to the reader (promises, offers, deadlines, "
    "refusals). Wording, tone, order and length may differ. They are not equivalent when one "
    "states a fact, figure, name or date the other contradicts or omits in a way that matters, "
    "decides or recommends differently, or promises something the other does not.";

namespace {

// `s` with invalid UTF-8 replaced (U+FFFD), so the byte counts in the prompt stay true once the
// request is serialised as JSON.
std::string validUtf8(const std::string& s) {
  return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace))
      .get<std::string>();
}

// The longest prefix of `s` of at most `n` bytes that does not cut a UTF-8 character.
std::string_view headOf(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
    --n;
  return s.substr(0, n);
}

std::string_view tailOf(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  std::size_t from = s.size() - n;
  while (from < s.size() && (static_cast<unsigned char>(s[from]) & 0xC0) == 0x80)
    ++from;
  return s.substr(from);
}

void appendText(std::string& out, const json& content) {
  if (content.is_string()) {
    out += content.get<std::string>();
    return;
  }
  if (!content.is_array()) return;
  for (const json& part : content)
    if (part.is_object() && part.contains("text") && part["text"].is_string())
      out += part["text"].get<std::string>();
}

std::string section(const char* name, const std::string& text) {
  return fmt::format("[{}: {} bytes]\n{}\n[end of {}]", name, text.size(), text, name);
}

} // namespace

std::string taskText(const json& body) {
  std::string text;
  if (body.contains("system")) { // Anthropic: the system prompt is beside the messages
    text += "system: ";
    appendText(text, body["system"]);
    text += "\n";
  }
  if (body.contains("messages") && body["messages"].is_array())
    for (const json& m : body["messages"]) {
      if (!m.is_object()) continue;
      text += m.value("role", "user") + ": ";
      if (m.contains("content")) appendText(text, m["content"]);
      text += "\n";
    }
  text = validUtf8(text);
  if (text.size() <= kJudgeTaskBytes) return text;
  const char* gap = "\n[… shortened …]\n";
  std::size_t half = (kJudgeTaskBytes - std::string_view(gap).size()) / 2;
  return std::string(headOf(text, half)) + gap + std::string(tailOf(text, half));
}

std::string judgePrompt(const std::string& task, const std::string& reference,
                        const std::string& candidate) {
  auto bounded = [](const std::string& s) {
    return std::string(headOf(validUtf8(s), kJudgeAnswerBytes));
  };
  return "awc-judge v1: is the candidate answer the same answer as the reference answer, under "
         "the rubric?\n\n" +
         section("task", std::string(headOf(validUtf8(task), kJudgeTaskBytes))) + "\n\n" +
         section("reference answer", bounded(reference)) + "\n\n" +
         section("candidate answer", bounded(candidate)) +
         "\n\nReply with {\"equivalent\": true} or {\"equivalent\": false}.";
}

std::string judgeSystem(const std::string& rubric) {
  return "You compare two answers to the same task and decide whether they are the same answer. "
         "Each text is given between a [NAME: N bytes] line and an [end of NAME] line. Reply with "
         "only a JSON object {\"equivalent\": true} or {\"equivalent\": false}.\n\nRubric: " +
         validUtf8(rubric);
}

std::optional<bool> parseVerdict(const std::string& answer) {
  json v = json::parse(answer, nullptr, false);
  if (v.is_discarded() || !v.is_object() || v.size() != 1) return std::nullopt;
  auto it = v.find("equivalent");
  if (it == v.end() || !it->is_boolean()) return std::nullopt;
  return it->get<bool>();
}

bool sameText(const std::string& a, const std::string& b) {
  auto normal = [](const std::string& s) {
    std::string out;
    bool space = false;
    for (char ch : s) {
      bool ws = ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
      if (ws) {
        space = !out.empty();
        continue;
      }
      if (space) out += ' ';
      space = false;
      out += ch;
    }
    return out;
  };
  return normal(a) == normal(b);
}

json Judge::requestBody(const JudgeItem& item) const {
  runtime::ModelCall call;
  call.provider = route_.provider;
  call.model = route_.name;
  call.system.push_back({judgeSystem(rubric_), false});
  runtime::Message user;
  user.content.push_back({judgePrompt(item.task, item.reference, item.candidate), false});
  call.messages.push_back(std::move(user));
  call.schema = json{{"type", "object"},
                     {"properties", {{"equivalent", {{"type", "boolean"}}}}},
                     {"required", {"equivalent"}},
                     {"additionalProperties", false}};
  call.schemaName = "judge_verdict";
  call.temperature = 0.0;
  call.maxTokens = 64; // the verdict is about 6 tokens; a cut one does not parse (no verdict)
  call.stream = false;
  return runtime::buildRequestBody(call);
}

void Judge::judgeAll(const std::vector<JudgeItem*>& items) {
  std::vector<ReplayJob> jobs;
  std::vector<JudgeItem*> asked;
  for (JudgeItem* ip : items) {
    JudgeItem& item = *ip;
    if (item.asked) continue;
    if (sameText(item.reference, item.candidate)) { // the same text is the same answer
      item.asked = true;
      item.verdict = true;
      continue;
    }
    json body = requestBody(item);
    runtime::Usage expected; // about 4 bytes a token, and a short verdict
    expected.promptTokens = int64_t(body.dump().size() / 4);
    expected.outputTokens = 8;
    jobs.push_back({std::move(body), &route_, callCost(route_, expected), nullptr});
    asked.push_back(ip);
  }
  std::vector<CallResult> results(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i)
    jobs[i].out = &results[i];
  int64_t done = 0, total = int64_t(jobs.size());
  replayAll(transport_, jobs, concurrency_, budget_, [&] {
    if (tick_) tick_(++done, total);
  });
  for (std::size_t j = 0; j < asked.size(); ++j) {
    const CallResult& r = results[j];
    if (!r.done) continue; // the budget refused it: no verdict, not asked
    JudgeItem& item = *asked[j];
    ++calls_;
    costUsd_ += r.costUsd;
    item.asked = true;
    item.called = true;
    item.costUsd = r.costUsd;
    if (!r.ok) {
      item.error = "judge call failed: " + (r.error.empty() ? "no answer" : r.error);
      continue;
    }
    item.verdict = parseVerdict(r.answer);
    if (!item.verdict)
      item.error = r.finishReason == "length" || r.finishReason == "max_tokens"
                       ? "the judge's verdict was cut at its length limit"
                       : "the judge's answer is not {\"equivalent\": true|false}";
  }
}

void FrontJudge::collect(const json& schema, const json& reference, const json& candidate) {
  outputsAgree(schema, reference, candidate, [&](const std::string& a, const std::string& b) {
    if (!sameText(a, b) && index_.emplace(std::pair(a, b), items_.size()).second)
      items_.push_back({task_, a, b, false, std::nullopt, "", false, 0});
    return std::optional<bool>(true);
  });
}

void FrontJudge::run() {
  std::vector<JudgeItem*> items;
  for (JudgeItem& item : items_)
    items.push_back(&item);
  judge_.judgeAll(items);
}

std::optional<bool> FrontJudge::agree(const json& schema, const json& reference,
                                      const json& candidate) const {
  return outputsAgree(schema, reference, candidate,
                      [&](const std::string& a, const std::string& b) -> std::optional<bool> {
                        if (sameText(a, b)) return true;
                        auto it = index_.find(std::pair(a, b));
                        if (it == index_.end()) return std::nullopt;
                        return items_[it->second].verdict;
                      });
}

int64_t FrontJudge::failures() const {
  int64_t n = 0;
  for (const JudgeItem& item : items_)
    n += !item.verdict;
  return n;
}

std::string FrontJudge::firstError() const {
  for (const JudgeItem& item : items_)
    if (!item.verdict) return item.asked ? item.error : "the budget stopped tune first";
  return "";
}

} // namespace awc::tune::detail
