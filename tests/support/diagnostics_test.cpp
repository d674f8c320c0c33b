// The diagnostics engine and the gcc-style renderer: the exact text users see.
#include "awc/support/diagnostics.h"

#include <catch2/catch.hpp>
#include <set>

using namespace awc;

TEST_CASE("a diagnostic renders as file:line:col, code, source line and caret", "[diagnostics]") {
  SourceManager sm;
  FileId f = sm.addBuffer("s.flow", "workflow w() -> int {\n  a = ordr_id + 1\n  return a\n}\n");
  DiagnosticEngine d(sm);
  Diagnostic& diag = d.report(DiagCode::UnknownName, {f, 28, 35}, "unknown name 'ordr_id'");
  diag.hints.push_back("did you mean 'order_id'?");
  diag.notes.push_back({SourceRange{f, 0, 8}, "in this workflow"});
  std::string text = renderText(d.diagnostics()[0], sm);
  CHECK(text == "s.flow:2:7: error[AWC2001]: unknown name 'ordr_id'\n"
                "    2 |   a = ordr_id + 1\n"
                "      |       ^~~~~~~\n"
                "s.flow:1:1: note: in this workflow\n"
                "    1 | workflow w() -> int {\n"
                "      | ^~~~~~~~\n"
                "  hint: did you mean 'order_id'?\n");
  CHECK(d.errorCount() == 1);
  CHECK(renderAll(d).find("1 error, 0 warnings") != std::string::npos);
}

TEST_CASE("warnings count separately and use the code's default severity", "[diagnostics]") {
  SourceManager sm;
  FileId f = sm.addBuffer("w.flow", "x\n");
  DiagnosticEngine d(sm);
  d.report(DiagCode::UnusedStep, {f, 0, 1}, "step 'x' is never used");
  CHECK(d.warningCount() == 1);
  CHECK_FALSE(d.hasErrors());
  CHECK(renderBrief(d) == "w.flow:1:1: warning[AWC6001]: step 'x' is never used\n");
}

TEST_CASE("the error count is capped and the cap is reported once", "[diagnostics]") {
  SourceManager sm;
  FileId f = sm.addBuffer("e.flow", "x\n");
  DiagnosticEngine d(sm, 3);
  for (int i = 0; i < 10; ++i)
    d.report(DiagCode::SyntaxError, {f, 0, 1}, "bad");
  REQUIRE(d.diagnostics().size() == 4);
  CHECK(d.diagnostics().back().code == DiagCode::TooManyErrors);
}

TEST_CASE("control characters and invalid UTF-8 in quoted lines become '?'", "[diagnostics]") {
  SourceManager sm;
  FileId f = sm.addBuffer("g.flow", std::string("a\x01\xff\tb \xc3\xa9\n", 9));
  DiagnosticEngine d(sm);
  d.report(DiagCode::InvalidUtf8, {f, 2, 3}, "invalid UTF-8");
  std::string text = renderText(d.diagnostics()[0], sm);
  CHECK(text.find("| a?? b \xc3\xa9\n") != std::string::npos);
}

TEST_CASE("every code in the table has a distinct number and an id", "[diagnostics]") {
  std::set<unsigned> seen;
  for (const DiagInfo& info : allDiagInfos()) {
    CHECK(seen.insert(static_cast<unsigned>(info.code)).second);
    CHECK(diagId(info.code).size() == 7);
  }
  CHECK(diagId(DiagCode::UnknownName) == "AWC2001");
}

TEST_CASE("sorting orders by file then position, stably", "[diagnostics]") {
  SourceManager sm;
  FileId f = sm.addBuffer("o.flow", "abcdef\n");
  DiagnosticEngine d(sm);
  d.report(DiagCode::SyntaxError, {f, 4, 5}, "second");
  d.report(DiagCode::SyntaxError, {f, 1, 2}, "first");
  d.sortByLocation();
  CHECK(d.diagnostics()[0].message == "first");
}
