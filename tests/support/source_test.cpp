// SourceManager: ids, line/column mapping, line text, describe().
#include "awc/support/source.h"

#include <catch2/catch.hpp>

using awc::SourceManager;

TEST_CASE("line and column are 1-based and count bytes", "[source]") {
  SourceManager sm;
  awc::FileId f = sm.addBuffer("a.flow", "ab\ncd\r\n\nxyz");
  CHECK(f == 1);
  CHECK(sm.lineCol(f, 0).line == 1);
  CHECK(sm.lineCol(f, 0).col == 1);
  CHECK(sm.lineCol(f, 4).line == 2);
  CHECK(sm.lineCol(f, 4).col == 2);
  CHECK(sm.lineCol(f, 8).line == 4);
  CHECK(sm.lineCol(f, 8).col == 1);
  CHECK(sm.lineText(f, 2) == "cd"); // CR stripped
  CHECK(sm.lineText(f, 3).empty());
  CHECK(sm.lineText(f, 4) == "xyz");
  CHECK(sm.lineText(f, 5).empty()); // past the end
  CHECK(sm.describe({f, 4, 5}) == "a.flow:2:2");
  CHECK(sm.describe({}) == "<unknown>");
}

TEST_CASE("files are found by name and missing files report an error", "[source]") {
  SourceManager sm;
  awc::FileId f = sm.addBuffer("x.flow", "text");
  CHECK(sm.findFile("x.flow") == f);
  CHECK_FALSE(sm.findFile("y.flow"));
  std::string error;
  CHECK_FALSE(sm.addFile("/nonexistent/dir/file.flow", error));
  CHECK(error.find("cannot open") != std::string::npos);
}

TEST_CASE("ranges join to cover both", "[source]") {
  awc::SourceRange a{1, 4, 6}, b{1, 2, 5};
  auto j = awc::SourceRange::join(a, b);
  CHECK(j.begin == 2);
  CHECK(j.end == 6);
  CHECK(awc::SourceRange::join({}, a).begin == 4);
}
