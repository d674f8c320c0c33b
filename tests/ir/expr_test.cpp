// The typed expression view and builders agree with the evaluator's JSON format.
#include "awc/ir/expr.h"
#include "awc/stdlib/eval.h"

#include <catch2/catch.hpp>

using namespace awc::ir::expr;

TEST_CASE("expr: builders make trees the evaluator accepts") {
  Json e = op("+", {lit(1), call("len", {ref("xs")})});
  CHECK(awc::stdlib::validate(e).empty());
  CHECK(e.dump() == R"({"args":[{"lit":1},{"args":[{"ref":"xs"}],"call":"len"}],"op":"+"})");
  CHECK(awc::stdlib::validate(ifElse(lit(true), field(ref("r"), "a"), index(ref("l"), lit(0))))
            .empty());
  CHECK(awc::stdlib::validate(text({lit("n = "), ref("n")})).empty());
  Json xs = Json::array({1, 2});
  auto r = awc::stdlib::evaluate(e, [&](std::string_view) { return &xs; });
  REQUIRE(r.ok());
  CHECK(r.value() == 3);
}

TEST_CASE("expr: the view classifies and reads every kind") {
  Json product = Json::parse(R"({"op": "*", "args": [{"ref": "a"}, {"lit": 2}]})");
  View v(product);
  CHECK(v.is(Kind::Op));
  CHECK(v.name() == "*");
  REQUIRE(v.size() == 2);
  CHECK(v[0].is(Kind::Ref));
  CHECK(v[0].name() == "a");
  CHECK(v[1].literal() == 2);
  CHECK(v[5].kind() == Kind::Unknown); // out of range: an empty view, not a throw

  Json f = field(ref("order"), "price");
  CHECK(View(f).is(Kind::Field));
  CHECK(View(f).name() == "price");
  CHECK(View(f).of().name() == "order");

  Json t = text({ref("x")});
  CHECK(View(t).unwrapText().is(Kind::Ref));
  Json t2 = text({lit("a"), ref("x")});
  CHECK(View(t2).unwrapText().is(Kind::Text));
  CHECK(*View(t2)[0].literalString() == "a");
  CHECK(View(t2)[1].literalString() == nullptr);

  Json i = Json::parse(R"({"else": {"lit": 1}, "if": {"lit": true}, "then": {"lit": 2}})");
  CHECK(View(i).is(Kind::If));
  CHECK(View(i).cond().literal() == true);
  CHECK(View(i).otherwise().literal() == 1);
  Json list = Json::parse(R"({"list": [{"lit": 1}]})");
  Json record = Json::parse(R"({"record": {}})");
  Json litRecord = Json::parse(R"({"lit": {"ref": "x"}})");
  Json three = 3;
  Json what = Json::parse(R"({"what": 1})");
  CHECK(View(list).size() == 1);
  CHECK(View(record).is(Kind::Record));
  CHECK(View(litRecord).is(Kind::Lit)); // a literal record, not a ref
  CHECK(View(three).kind() == Kind::Unknown);
  CHECK(View(what).name().empty());
}
