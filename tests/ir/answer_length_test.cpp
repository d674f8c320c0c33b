// The estimate of a free-text answer's length from the step's static prompt text, and its
// agreement in expectation with what `awc sim` answers to the same phrasings (the two are
// separate implementations on purpose: the simulator stands for a real server).
#include "awc/sim/answer_length.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>

using namespace awc::testing;

namespace {
/// The estimated output tokens of a free-text step with this user prompt (and system prompt).
int64_t estimated(const std::string& user, const std::string& system = "") {
  std::string flow = "workflow main(doc: string) -> string {\n  s = llm big -> string {\n";
  if (!system.empty()) flow += "    system \"" + system + "\"\n";
  flow += "    user \"" + user + "\"\n  }\n  return s\n}\n";
  auto c = compileFlow(flow, 0);
  INFO(diagnostics(c));
  REQUIRE(c.ok());
  return node(c, "s")->estOutputTokens;
}
} // namespace

TEST_CASE("answer length: explicit limits, formats, kinds, questions, the default") {
  CHECK(estimated("{doc} Summarise the thread in at most 50 words.") == 55);
  CHECK(estimated("{doc} Summarise this meeting in one paragraph.") == 130);
  CHECK(estimated("{doc} Answer in two sentences.") == 44);
  CHECK(estimated("{doc} Give me five bullet points.") == 90);
  CHECK(estimated("Write the cover note.", "The note is two short paragraphs.") == 260);
  CHECK(estimated("{doc} What is the legal name of the supplier? Only the name.") == 10);
  CHECK(estimated("{doc} When does it end? Give it as YYYY-MM-DD.") == 10);
  CHECK(estimated("{doc} What is the invoice number?") == 25);
  CHECK(estimated("{doc} Why did the build fail?") == 150);
  CHECK(estimated("{doc} Write the executive summary of the quarterly report.") == 200);
  CHECK(estimated("{doc} Summarise the report.") == 200);
  CHECK(estimated("{doc} Draft the reply to the customer.") == 220);
  CHECK(estimated("{doc} Write a short personal email proposing a demo.") == 110);
  CHECK(estimated("{doc} Write an audit memo for the head of procurement.") == 450);
  CHECK(estimated("{doc} Explain in detail how TCP works.") == 240);
  // Interpolated counts are unknown: no limit, the kind decides.
  CHECK(estimated("{doc} Write a summary in {doc} words.") == 200);
  // No cue: the documented default (CostAssumptions::freeTextOutputTokens).
  CHECK(estimated("{doc}") == awc::ir::CostAssumptions{}.freeTextOutputTokens);
  CHECK(estimated("{doc}", "Be concise.") == 125);
}

TEST_CASE("answer length: max_tokens still bounds the estimate") {
  auto c = compileFlow(R"(workflow main(doc: string) -> string {
  s = llm big -> string { user "{doc} Write an audit memo." max_tokens: 100 }
  return s
})",
                       0);
  REQUIRE(c.ok());
  CHECK(node(c, "s")->estOutputTokens == 100);
}

// The common phrasings of docs/simulator.md's table: the compiler's estimate and the mean of
// the simulator's answers (its typical length) within 10 %.
TEST_CASE("answer length: the estimate agrees with the simulator's answers") {
  const char* kPhrasings[] = {
      "Summarise this meeting in one paragraph for people who missed it.",
      "Summarise this support ticket in at most two sentences for the engineer.",
      "Write a summary for the managers in at most 200 words.",
      "Answer in one sentence.",
      "List 5 bullet points about the risks.",
      "Write 150 words or less.",
      "Give me a 100-word summary.",
      "What is the legal name of the supplier in this contract? Only the name.",
      "On what date does the initial term end? Give it as YYYY-MM-DD.",
      "By when must it be answered? ISO 8601 timestamp.",
      "What is the invoice number?",
      "What day of the week is it?",
      "Why did the deployment fail?",
      "Answer the question from the passages, citing passage ids.",
      "Write the executive summary of the quarterly report.",
      "Write the highlights section of the quarterly report.",
      "Write an audit memo for the head of procurement.",
      "Write a shortlist memo for the hiring manager.",
      "Propose an itinerary: which flight and which hotel to book and why, day by day.",
      "Draft the reply to the customer.",
      "Write the follow-up email to all participants.",
      "Write a polite email to the supplier asking them to correct these problems.",
      "Write a short personal email proposing a demo slot this week.",
      "Write a short status page entry about this disruption.",
      "Write a short packing list.",
      "Suggest public replies to the two most critical reviews.",
      "Write a title for this post.",
      "Describe the product briefly.",
      "Explain in detail how the cache works.",
      "Summarise the report.",
      "Tell me about it.",
  };
  for (const char* p : kPhrasings) {
    std::string user = std::string("{doc}\\n\\n") + p;
    double sim = awc::sim::askedLength(std::string("A document.\n\n") + p, "").tokens;
    INFO(p);
    CHECK(static_cast<double>(estimated(user)) == Approx(sim).epsilon(0.10));
  }
}
