// Valid input: a file using every construct of the grammar, checked node by node
// (shape, values and exact ranges), plus string, number and triple-string rules.
#include "test_util.h"

#include <catch2/catch.hpp>
#include <llvm/Support/Casting.h>

using namespace awc;
using llvm::cast;
using llvm::dyn_cast;
using llvm::isa;

namespace {

const char* kRich = R"FLOW(import "common.flow"
import std/prompts
host "orders.internal", "api.example"
model fast = openai("llama-3.1-8b") { price_in: 0.05, price_out: 0.08 }
model smart = anthropic("claude") { type: "big" size: "l" }
ladder default = [fast, smart,]
type Mood = enum { positive, neutral, "very negative" }
type Order = { status: string "the status", eta_days: int, tags: list<string>, }
tool order_status(id: string) -> Order = http GET "https://orders.internal/api/{id}" { cache: 5m }
tool notify(to: string, text: string = "hi") -> bool = host
const LIMIT: int = 1_000
const POLICY = """
    Be nice.
      Indented.
    """
workflow support(query: string, n: int = 3) -> string {
  order = order_status(query)
  mood = llm fast -> Mood { system POLICY user "Sentiment of: {query}" temperature: 0, json }
  pick: Mood = llm auto -> Mood { user 'q {query}' }
  pick2 = llm auto(cheap) -> string { user r"raw {no} \n" }
  total = -order.eta_days * 2 + n % 3 - 1
  ok = not (total >= 1) and total != 2 or total < 0
  items = [1, 2.5, 10ms, true, false,]
  first = items[0]
  rec = { a: 1, type: 2 }
  label = if total > 10 { big = "big"  big } else if total > 5 { "mid" } else { "small" }
  doubled = map v in items { v * 2 }
  sum = reduce v in [1, 2] with acc = 0 { acc + v }
  called = fmt(total, width: 3)
  return "{mood}: {total}"
}
)FLOW";

} // namespace

TEST_CASE("a file with every construct parses to the expected AST", "[syntax]") {
  auto p = test::parse(kRich);
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().empty());
  auto& decls = p->module->decls;
  REQUIRE(decls.size() == 13);

  auto* imp = cast<ast::ImportDecl>(decls[0].get());
  CHECK(imp->path == "common.flow");
  CHECK(!imp->isStd);
  CHECK(p->at(imp->range()) == "1:1");
  CHECK(p->text(imp->range()) == "import \"common.flow\"");
  auto* std = cast<ast::ImportDecl>(decls[1].get());
  CHECK(std->path == "std/prompts");
  CHECK(std->isStd);

  auto* host = cast<ast::HostDecl>(decls[2].get());
  REQUIRE(host->hosts.size() == 2);
  CHECK(host->hosts[1].host == "api.example");
  CHECK(p->at(host->hosts[1].range) == "3:25");

  auto* fast = cast<ast::ModelDecl>(decls[3].get());
  CHECK(fast->name == "fast");
  CHECK(fast->provider == "openai");
  CHECK(fast->modelName == "llama-3.1-8b");
  REQUIRE(fast->options.size() == 2);
  CHECK(fast->options[1].name == "price_out");
  CHECK(cast<ast::LiteralExpr>(fast->options[1].value.get())->floatValue == 0.08);
  auto* smart = cast<ast::ModelDecl>(decls[4].get());
  REQUIRE(smart->options.size() == 2);
  CHECK(smart->options[0].name == "type"); // keywords may be option keys

  auto* ladder = cast<ast::LadderDecl>(decls[5].get());
  CHECK(ladder->name == "default");
  REQUIRE(ladder->rungs.size() == 2);
  CHECK(ladder->rungs[1].model == "smart");

  auto* mood = cast<ast::TypeAliasDecl>(decls[6].get());
  REQUIRE(mood->type->kind == ast::TypeExpr::Kind::Enum);
  REQUIRE(mood->type->members.size() == 3);
  CHECK(mood->type->members[2].name == "very negative");
  auto* order = cast<ast::TypeAliasDecl>(decls[7].get());
  REQUIRE(order->type->kind == ast::TypeExpr::Kind::Record);
  REQUIRE(order->type->fields.size() == 3);
  CHECK(order->type->fields[0].description == "the status");
  CHECK(order->type->fields[2].type->kind == ast::TypeExpr::Kind::Generic);
  CHECK(order->type->fields[2].type->name == "list");
  CHECK(order->type->fields[2].type->args[0]->name == "string");
  CHECK(p->text(order->type->fields[2].type->range) == "list<string>");

  auto* tool = cast<ast::ToolDecl>(decls[8].get());
  CHECK(tool->impl == ast::ToolDecl::Impl::Http);
  CHECK(tool->method == "GET");
  CHECK(tool->url == "https://orders.internal/api/{id}");
  REQUIRE(tool->options.size() == 1);
  CHECK(cast<ast::LiteralExpr>(tool->options[0].value.get())->intValue == 300000);
  auto* notify = cast<ast::ToolDecl>(decls[9].get());
  CHECK(notify->impl == ast::ToolDecl::Impl::Host);
  REQUIRE(notify->params.size() == 2);
  CHECK(notify->params[1]->defaultValue != nullptr);

  auto* limit = cast<ast::ConstDecl>(decls[10].get());
  CHECK(limit->annotation->name == "int");
  CHECK(cast<ast::LiteralExpr>(limit->value.get())->intValue == 1000);
  auto* policy = cast<ast::ConstDecl>(decls[11].get());
  auto* text = cast<ast::StringExpr>(policy->value.get());
  CHECK(text->style == ast::StringExpr::Style::Triple);
  CHECK(text->plainText() == "Be nice.\n  Indented.\n");

  auto* wf = cast<ast::WorkflowDecl>(decls[12].get());
  CHECK(wf->name == "support");
  CHECK(p->at(wf->nameRange) == "16:10");
  REQUIRE(wf->params.size() == 2);
  CHECK(wf->params[1]->name == "n");
  CHECK(wf->resultType->name == "string");
  REQUIRE(wf->steps.size() == 13);
  CHECK(p->at(wf->returnRange) == "30:3");
  auto* result = cast<ast::StringExpr>(wf->result.get());
  REQUIRE(result->parts.size() == 3);
  CHECK(cast<ast::NameExpr>(result->parts[0].expr.get())->name == "mood");
  CHECK(result->parts[1].text == ": ");
  CHECK(p->at(result->parts[2].expr->range()) == "30:20");

  auto step = [&](size_t i) { return wf->steps[i].get(); };
  CHECK(p->at(step(0)->range()) == "17:3");
  CHECK(p->text(step(0)->range()) == "order = order_status(query)");
  auto* call = cast<ast::CallExpr>(step(0)->value.get());
  CHECK(call->callee == "order_status");
  CHECK(p->at(call->calleeRange) == "17:11");

  auto* llm = cast<ast::LlmExpr>(step(1)->value.get());
  CHECK(llm->model == "fast");
  CHECK(!llm->isAuto);
  CHECK(llm->resultType->name == "Mood");
  REQUIRE(llm->prompts.size() == 2);
  CHECK(llm->prompts[0].role == ast::LlmExpr::Role::System);
  CHECK(llm->prompts[1].role == ast::LlmExpr::Role::User);
  auto* user = cast<ast::StringExpr>(llm->prompts[1].text.get());
  REQUIRE(user->parts.size() == 2);
  CHECK(user->parts[0].text == "Sentiment of: ");
  CHECK(p->text(user->parts[1].range) == "{query}");
  CHECK(p->at(user->parts[1].expr->range()) == "18:64");
  REQUIRE(llm->options.size() == 1);
  CHECK(llm->options[0].name == "temperature");
  REQUIRE(llm->flags.size() == 1);
  CHECK(llm->flags[0].name == "json");

  CHECK(step(2)->annotation->name == "Mood");
  auto* autoLlm = cast<ast::LlmExpr>(step(2)->value.get());
  CHECK(autoLlm->isAuto);
  CHECK(autoLlm->model.empty());
  auto* single = cast<ast::StringExpr>(autoLlm->prompts[0].text.get());
  REQUIRE(single->parts.size() == 2); // single quotes interpolate too
  auto* cheap = cast<ast::LlmExpr>(step(3)->value.get());
  CHECK(cheap->isAuto);
  CHECK(cheap->model == "cheap");
  auto* raw = cast<ast::StringExpr>(cheap->prompts[0].text.get());
  CHECK(raw->style == ast::StringExpr::Style::Raw);
  CHECK(raw->plainText() == "raw {no} \\n");

  // total = -order.eta_days * 2 + n % 3 - 1  ==>  ((((-(order.eta_days)) * 2) + (n % 3)) - 1)
  auto* sub = cast<ast::BinaryExpr>(step(4)->value.get());
  CHECK(sub->op == ast::BinaryOp::Sub);
  CHECK(p->text(sub->opRange) == "-");
  auto* add = cast<ast::BinaryExpr>(sub->lhs.get());
  CHECK(add->op == ast::BinaryOp::Add);
  auto* mul = cast<ast::BinaryExpr>(add->lhs.get());
  CHECK(mul->op == ast::BinaryOp::Mul);
  auto* neg = cast<ast::UnaryExpr>(mul->lhs.get());
  CHECK(neg->op == ast::UnaryOp::Neg);
  CHECK(cast<ast::FieldExpr>(neg->operand.get())->field == "eta_days");
  CHECK(cast<ast::BinaryExpr>(add->rhs.get())->op == ast::BinaryOp::Mod);
  CHECK(p->text(sub->range()) == "-order.eta_days * 2 + n % 3 - 1");

  // ok = not (total >= 1) and total != 2 or total < 0  ==>  ((not (..)) and (..)) or (..)
  auto* orE = cast<ast::BinaryExpr>(step(5)->value.get());
  CHECK(orE->op == ast::BinaryOp::Or);
  auto* andE = cast<ast::BinaryExpr>(orE->lhs.get());
  CHECK(andE->op == ast::BinaryOp::And);
  CHECK(cast<ast::UnaryExpr>(andE->lhs.get())->op == ast::UnaryOp::Not);
  CHECK(cast<ast::BinaryExpr>(andE->rhs.get())->op == ast::BinaryOp::Ne);

  auto* list = cast<ast::ListExpr>(step(6)->value.get());
  REQUIRE(list->elements.size() == 5);
  CHECK(cast<ast::LiteralExpr>(list->elements[1].get())->literalKind ==
        ast::LiteralExpr::Kind::Float);
  CHECK(cast<ast::LiteralExpr>(list->elements[2].get())->intValue == 10);
  CHECK(cast<ast::LiteralExpr>(list->elements[4].get())->boolValue == false);

  auto* index = cast<ast::IndexExpr>(step(7)->value.get());
  CHECK(cast<ast::NameExpr>(index->base.get())->name == "items");

  auto* rec = cast<ast::RecordExpr>(step(8)->value.get());
  REQUIRE(rec->fields.size() == 2);
  CHECK(rec->fields[1].name == "type");

  auto* iff = cast<ast::IfExpr>(step(9)->value.get());
  REQUIRE(iff->thenBlock.steps.size() == 1);
  CHECK(iff->thenBlock.steps[0]->name == "big");
  CHECK(cast<ast::NameExpr>(iff->thenBlock.value.get())->name == "big");
  auto* elif = cast<ast::IfExpr>(iff->elseBlock.value.get());
  CHECK(iff->elseBlock.steps.empty());
  CHECK(p->text(elif->range()).rfind("if total > 5", 0) == 0);
  CHECK(cast<ast::StringExpr>(elif->elseBlock.value.get())->plainText() == "small");

  auto* map = cast<ast::MapExpr>(step(10)->value.get());
  CHECK(map->var == "v");
  CHECK(isa<ast::BinaryExpr>(map->body.value.get()));
  auto* reduce = cast<ast::ReduceExpr>(step(11)->value.get());
  CHECK(reduce->var == "v");
  CHECK(reduce->acc == "acc");
  CHECK(cast<ast::LiteralExpr>(reduce->init.get())->intValue == 0);

  auto* fmtCall = cast<ast::CallExpr>(step(12)->value.get());
  REQUIRE(fmtCall->args.size() == 2);
  CHECK(fmtCall->args[0].name.empty());
  CHECK(fmtCall->args[1].name == "width");
}

TEST_CASE("string escapes and holes", "[syntax][strings]") {
  auto p = test::parse("const A = \"a\\n\\t\\\"\\'\\\\\\{x\\}\\u00e9 {1 + 2}!\"\n");
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().empty());
  auto* s = cast<ast::StringExpr>(cast<ast::ConstDecl>(p->module->decls[0].get())->value.get());
  REQUIRE(s->parts.size() == 3);
  CHECK(s->parts[0].text == "a\n\t\"'\\{x}\xC3\xA9 ");
  auto* sum = cast<ast::BinaryExpr>(s->parts[1].expr.get());
  CHECK(p->at(sum->range()) == "1:36");
  CHECK(p->text(sum->range()) == "1 + 2");
  CHECK(s->parts[2].text == "!");
}

TEST_CASE("byte offsets stay exact after multi-byte UTF-8", "[syntax][strings]") {
  // "é" and "→" are 2 and 3 bytes; columns count bytes.
  auto p = test::parse(
      "// caf\xC3\xA9 \xE2\x86\x92\nconst A = \"\xC3\xA9\xE2\x86\x92{x}\" const B = 1\n");
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().empty());
  auto* s = cast<ast::StringExpr>(cast<ast::ConstDecl>(p->module->decls[0].get())->value.get());
  REQUIRE(s->parts.size() == 2);
  CHECK(s->parts[0].text == "\xC3\xA9\xE2\x86\x92");
  CHECK(p->at(s->parts[1].expr->range()) == "2:18");
  CHECK(p->text(s->parts[1].expr->range()) == "x");
  CHECK(p->at(p->module->decls[1]->range()) == "2:22");
}

TEST_CASE("triple-quoted strings: leading newline and common indentation are removed",
          "[syntax][strings]") {
  auto text = [](const char* src) {
    auto p = test::parse(std::string("const A = ") + src + "\n");
    INFO(p->all());
    REQUIRE(p->diags.diagnostics().empty());
    auto* s = cast<ast::StringExpr>(cast<ast::ConstDecl>(p->module->decls[0].get())->value.get());
    std::string out;
    for (auto& part : s->parts)
      out += part.expr ? "<hole>" : part.text;
    return out;
  };
  CHECK(text("\"\"\"one line\"\"\"") == "one line");
  CHECK(text("\"\"\"\n  a\n    b\n  c\"\"\"") == "a\n  b\nc");
  CHECK(text("\"\"\"\n  a\n\n  b\n  \"\"\"") == "a\n\nb\n");
  CHECK(text("\"\"\"\n\ta\n\t{x}\n\t\"\"\"") == "a\n<hole>\n");
  CHECK(text("\"\"\"\n  say \"hi\"\\n\n  \"\"\"") == "say \"hi\"\n\n");
  CHECK(text("r\"\"\"\n  raw {x} \\n\n  \"\"\"") == "raw {x} \\n\n");
}

TEST_CASE("numbers: separators, floats and durations", "[syntax]") {
  auto p =
      test::parse("const A = [1_000_000, 2.5e3, 1.5, 250ms, 3s, 2m, 1h, 9223372036854775807]\n");
  INFO(p->all());
  REQUIRE(p->diags.diagnostics().empty());
  auto* list = cast<ast::ListExpr>(cast<ast::ConstDecl>(p->module->decls[0].get())->value.get());
  auto lit = [&](size_t i) { return cast<ast::LiteralExpr>(list->elements[i].get()); };
  CHECK(lit(0)->intValue == 1000000);
  CHECK(lit(1)->floatValue == 2500.0);
  CHECK(lit(2)->floatValue == 1.5);
  CHECK(lit(3)->intValue == 250);
  CHECK(lit(4)->intValue == 3000);
  CHECK(lit(5)->intValue == 120000);
  CHECK(lit(6)->intValue == 3600000);
  CHECK(lit(6)->literalKind == ast::LiteralExpr::Kind::Duration);
  CHECK(lit(7)->intValue == INT64_MAX);
}

TEST_CASE("printAst dumps nodes with positions", "[syntax][printer]") {
  auto p = test::parse("workflow w(x: int) -> int {\n  a = x + 1\n  return a\n}\n");
  REQUIRE(p->diags.diagnostics().empty());
  CHECK(p->dump() == "(module \"test.flow\"\n"
                     "  (workflow w @1:1\n"
                     "    (param x @1:12\n"
                     "      (type int @1:15))\n"
                     "    (result int @1:23)\n"
                     "    (step a @2:3\n"
                     "      (binary + @2:7\n"
                     "        (name x @2:7)\n"
                     "        (int 1 @2:11)))\n"
                     "    (return @3:3\n"
                     "      (name a @3:10))))\n");
}

TEST_CASE("a byte order mark is ignored", "[syntax]") {
  auto p = test::parse("\xEF\xBB\xBF"
                       "const A = 1\n");
  CHECK(p->diags.diagnostics().empty());
  REQUIRE(p->module->decls.size() == 1);
  CHECK(p->at(p->module->decls[0]->range()) == "1:4");
}
