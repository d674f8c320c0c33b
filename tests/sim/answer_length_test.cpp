// The simulator's free-text length model: explicit limits, formats, kinds of text, questions,
// brevity, the default, the seeded variation around the typical length, and the answers that
// follow it (plain text and the free-text parts of a fused answer).
#include "awc/sim/answer_length.h"
#include "awc/sim/answers.h"
#include "awc/support/tokenizer.h"

#include <catch2/catch.hpp>

using namespace awc::sim;
using nlohmann::json;

namespace {
double typical(std::string_view instruction, std::string_view system = "") {
  return askedLength(instruction, system).tokens;
}
std::string ruleOf(std::string_view instruction, std::string_view system = "") {
  return std::string(askedLength(instruction, system).rule);
}
} // namespace

TEST_CASE("explicit limits set the length", "[answers][length]") {
  CHECK(typical("Summarise the thread in 50 words.") == Approx(65));
  CHECK(typical("Summarise the thread in at most 50 words.") == Approx(50 * 1.3 * 0.85));
  CHECK(askedLength("Answer in at most 50 words.", "").ceiling == Approx(65));
  CHECK(typical("Answer in one sentence.") == Approx(22));
  CHECK(typical("Answer in a single sentence.") == Approx(22));
  CHECK(typical("Use two or three sentences.") == Approx(55));
  CHECK(typical("Summarise this meeting in one paragraph for people who missed it.") ==
        Approx(130));
  CHECK(typical("Give me five bullet points about the risks.") == Approx(90));
  CHECK(typical("Reply in one line.") == Approx(14));
  CHECK(typical("Give me a 100-word summary of this.") == Approx(130));
  CHECK(typical("Keep it to 50-100 words.") == Approx(97.5));
  CHECK(typical("Write 150 words or less.") == Approx(150 * 1.3 * 0.85));
  CHECK(typical("Hi.", "Keep every answer under eighty words.") == Approx(80 * 1.3 * 0.85));
  // A whole answer's limit is the largest one; a part's ("a three-sentence summary") is smaller.
  CHECK(typical("Write the brief: a three-sentence executive summary, then one section per theme. "
                "At most 700 words.") == Approx(700 * 1.3 * 0.85));
  // The system prompt's limit holds when the instruction has none.
  CHECK(typical("Write the cover note.", "The note is two short paragraphs.") == Approx(260));
  // Counts that are data, not limits.
  CHECK(ruleOf("Expense report: 5 lines, 1234 EUR in total. 2 lines are flagged.") != "line");
  CHECK(ruleOf("Budget: 25 points if a budget is approved.") == "default");
}

TEST_CASE("formats and factual questions are short, kinds of text are long", "[answers][length]") {
  CHECK(ruleOf("CONTRACT. What is the legal name of the supplier? Only the name.") == "value");
  CHECK(ruleOf("When does it end? Give it as YYYY-MM-DD.") == "value");
  CHECK(ruleOf("By when must it be answered? ISO 8601 timestamp.") == "value");
  CHECK(ruleOf("Which region had the highest revenue? Region name only.") == "value");
  CHECK(typical("INVOICE. What is the invoice number?") == Approx(25));
  CHECK(typical("Why is the sky blue?") == Approx(150));
  CHECK(typical("Answer the question from the passages, citing passage ids.") == Approx(150));
  CHECK(typical("Write the executive summary of the quarterly report.") == Approx(200));
  CHECK(typical("Draft the reply to the customer.") == Approx(220));
  CHECK(typical("Write the follow-up email to all participants.") == Approx(220));
  CHECK(typical("Write an audit memo for the head of procurement.") == Approx(450));
  CHECK(typical("Propose an itinerary: which flight and which hotel.") == Approx(450));
  CHECK(typical("Write a title for this post.") == Approx(12));
  // Brevity and detail, as an adjective of the text asked for or said of every answer.
  CHECK(typical("Write a short personal email proposing a demo.") == Approx(110));
  CHECK(typical("Write a short packing list.") == Approx(75));
  CHECK(typical("Describe the product briefly.") == Approx(75));
  CHECK(typical("Explain in detail how TCP works.") == Approx(240));
  CHECK(typical("Write a shortlist memo.") == Approx(450)); // "shortlist" is not "short"
  // A document's own words do not ask: a noun after an instruction verb does.
  CHECK(typical("My email stopped working.\n\nWrite the handover note for on-call.") ==
        Approx(220));
  // No cue at all: the documented default; a system prompt's kind when the user's has none.
  CHECK(ruleOf("hello") == "default");
  CHECK(typical("hello") == Approx(250));
  CHECK(typical("{document}", "Summarise the document you are given.") == Approx(200));
  CHECK(typical("Summarise the report.") == Approx(200)); // the report is the input
}

TEST_CASE("an answer's length varies around the typical one, seeded by the request",
          "[answers][length]") {
  AskedLength asked = askedLength("Draft the reply to the customer.", "");
  double sum = 0;
  const int n = 2000;
  for (uint64_t seed = 0; seed < n; ++seed) {
    size_t t = drawAnswerTokens(asked, seed);
    CHECK(t >= 165);
    CHECK(t <= 275);
    sum += static_cast<double>(t);
  }
  CHECK(sum / n == Approx(220).epsilon(0.02)); // the typical length is the mean
  CHECK(drawAnswerTokens(asked, 7) == drawAnswerTokens(asked, 7));
  AskedLength capped = askedLength("Answer in at most 10 words.", "");
  for (uint64_t seed = 0; seed < 200; ++seed)
    CHECK(drawAnswerTokens(capped, seed) <= 13);
}

TEST_CASE("plain and fused answers follow what the request asks", "[answers][length]") {
  AnswerRequest memo{11};
  memo.instruction = "CONTRACT TEXT\n\nWrite an audit memo for the head of procurement.";
  Answer long_ = generateAnswer(memo);
  CHECK(long_.tokens >= 337);
  CHECK(long_.tokens <= 563);
  CHECK(long_.tokens == awc::approxTokenCount(long_.text));
  AnswerRequest name{11};
  name.instruction = "CONTRACT TEXT\n\nWhat is the supplier's name? Name only.";
  CHECK(generateAnswer(name).tokens <= 13);

  // A fused call: each free-text part as long as its own task asks.
  json schema = json::parse(R"({"type": "object", "additionalProperties": false,
    "properties": {"s01_supplier": {"type": "string"}, "s02_memo": {"type": "string"}},
    "required": ["s01_supplier", "s02_memo"]})");
  AnswerRequest fused{5, &schema};
  fused.instruction = "Complete the 2 tasks below, in order.\n\nTask 1 (key \"s01_supplier\"):\n"
                      "What is the supplier's name? Name only.\n\nTask 2 (key \"s02_memo\"):\n"
                      "Write an audit memo for the head of procurement.\n\nInput \"contract\":\n"
                      "Only the name.";
  json v = json::parse(generateAnswer(fused).text);
  CHECK(awc::approxTokenCount(v["s01_supplier"].get<std::string>()) <= 13);
  CHECK(awc::approxTokenCount(v["s02_memo"].get<std::string>()) >= 337);
  // Under the fused call's max_tokens (the sum of its parts' bounds) the free text is shortened
  // to fit, as each part would have been cut at its own bound: the object stays whole.
  fused.maxTokens = 80;
  Answer bounded = generateAnswer(fused);
  CHECK_FALSE(bounded.truncated);
  CHECK(bounded.tokens <= 80);
  CHECK(json::parse(bounded.text)["s02_memo"].get<std::string>().size() > 0);
}
