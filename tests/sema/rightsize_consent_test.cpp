// The right-sizing consent in the language: `cheaper: [...]` on models (declared, not itself,
// no cycles), `with { rightsize: [...] }` on workflows, and the rightsize/norightsize flags —
// each mistake a located diagnostic with its code.
#include "sema_test_util.h"

#include <catch2/catch.hpp>
#include <llvm/Support/Casting.h>

using namespace awc;
using namespace awc::sema::test;

namespace {

std::string flowWith(const std::string& models, const std::string& with = "",
                     const std::string& flags = "") {
  return models + "\nworkflow main(t: string) -> bool " + with +
         " {\n  s = llm big -> bool { user \"Spam? {t}\" " + flags + " }\n  return s\n}\n";
}

const char* kModels = "model mini = sim(\"mini\") { size: \"small\" }\n"
                      "model big = sim(\"big\") { size: \"large\", cheaper: [mini] }\n";

} // namespace

TEST_CASE("cheaper alternatives resolve to declared models", "[sema][rightsize]") {
  auto c = checkSource(flowWith(kModels, "with { rightsize: [classify, extract] }", "rightsize"));
  INFO(c->summary());
  CHECK(c->diags.errorCount() == 0);
  CHECK(c->diags.warningCount() == 0);
  const auto* big = llvm::dyn_cast<ast::ModelDecl>(c->program->models.lookup("big"));
  REQUIRE(big);
  REQUIRE(big->cheaper.size() == 1);
  CHECK(big->cheaper[0].model == "mini");
  REQUIRE(c->program->workflow);
  CHECK(c->program->workflow->rightsizeTasks == std::vector<std::string>{"classify", "extract"});
}

TEST_CASE("an unknown alternative is AWC2003 at its name, with a suggestion", "[sema][rightsize]") {
  auto c = checkSource("model mini = sim(\"mini\")\n"
                       "model big = sim(\"big\") { cheaper: [mimi] }\n" +
                       flowWith(""));
  const Diagnostic* d = c->find(DiagCode::UnknownModel);
  REQUIRE(d);
  CHECK(d->message == "unknown model 'mimi' in the cheaper alternatives of 'big'; did you mean "
                      "'mini'?");
  CHECK(c->summary().find("2:36 AWC2003") != std::string::npos);
}

TEST_CASE("a model listing itself, or a cycle of alternatives, is AWC4007", "[sema][rightsize]") {
  auto self = checkSource("model big = sim(\"big\") { cheaper: [big] }\n" + flowWith(""));
  REQUIRE(self->find(DiagCode::AlternativeCycle));
  CHECK(self->find(DiagCode::AlternativeCycle)->message ==
        "model 'big' lists itself as a cheaper alternative");
  CHECK(self->summary().find("1:36 AWC4007") != std::string::npos);

  auto cycle = checkSource("model a = sim(\"a\") { cheaper: [b] }\n"
                           "model b = sim(\"b\") { cheaper: [c] }\n"
                           "model c = sim(\"c\") { cheaper: [a] }\n"
                           "model big = sim(\"big\")\n" +
                           flowWith(""));
  INFO(cycle->summary());
  CHECK(cycle->count(DiagCode::AlternativeCycle) == 1);
  CHECK(cycle->find(DiagCode::AlternativeCycle)->message ==
        "cheaper models form a cycle: a → b → c → a");
  CHECK(cycle->summary().find("3:32 AWC4007") != std::string::npos);
}

TEST_CASE("a long chain of alternatives is checked without recursion", "[sema][rightsize]") {
  std::string models;
  const int n = 20000;
  for (int i = 0; i < n; ++i)
    models += "model m" + std::to_string(i) + " = sim(\"x\")" +
              (i > 0 ? " { cheaper: [m" + std::to_string(i - 1) + "] }" : "") + "\n";
  models += "model big = sim(\"big\")\n";
  auto c = checkSource(flowWith(models));
  CHECK(c->diags.errorCount() == 0);
}

TEST_CASE("bad cheaper and rightsize values are AWC3008 or AWC2009", "[sema][rightsize]") {
  auto notList = checkSource("model mini = sim(\"mini\")\nmodel big = sim(\"big\") { cheaper: "
                             "\"mini\" }\n" +
                             flowWith(""));
  REQUIRE(notList->find(DiagCode::BadOptionValue));
  CHECK(notList->find(DiagCode::BadOptionValue)->message ==
        "option 'cheaper' must be a list of model names");

  auto badTask = checkSource(flowWith(kModels, "with { rightsize: [generate] }"));
  REQUIRE(badTask->find(DiagCode::BadOptionValue));
  CHECK(badTask->find(DiagCode::BadOptionValue)->message ==
        "'generate' is not a task class rightsize may move");

  auto misspelt = checkSource(flowWith(kModels, "with { rightsize: [clasify] }"));
  REQUIRE(misspelt->find(DiagCode::BadOptionValue));
  CHECK(misspelt->find(DiagCode::BadOptionValue)->message ==
        "'clasify' is not a task class rightsize may move; did you mean 'classify'?");

  auto unknown = checkSource(flowWith(kModels, "with { rightsise: [classify] }"));
  REQUIRE(unknown->find(DiagCode::UnknownOption));
  CHECK(unknown->find(DiagCode::UnknownOption)->message ==
        "unknown workflow option 'rightsise'; did you mean 'rightsize'?");

  auto both = checkSource(flowWith(kModels, "", "rightsize norightsize"));
  REQUIRE(both->find(DiagCode::BadOptionValue));
  CHECK(both->find(DiagCode::BadOptionValue)->message ==
        "flags 'rightsize' and 'norightsize' contradict each other");
}

TEST_CASE("a rightsize flag that cannot act is AWC6008", "[sema][rightsize]") {
  auto noAlternatives = checkSource(
      flowWith("model mini = sim(\"mini\")\nmodel big = sim(\"big\")\n", "", "rightsize"));
  REQUIRE(noAlternatives->find(DiagCode::IgnoredOption));
  CHECK(noAlternatives->find(DiagCode::IgnoredOption)->message ==
        "flag 'rightsize' has no effect: model 'big' declares no cheaper alternatives");

  auto onAuto = checkSource(std::string(kModels) + "ladder default = [mini, big]\n" +
                            "workflow main(t: string) -> bool {\n"
                            "  s = llm auto -> bool { user \"Spam? {t}\" rightsize }\n"
                            "  return s\n}\n");
  REQUIRE(onAuto->find(DiagCode::IgnoredOption));
  CHECK(onAuto->summary().find("5:43 AWC6008") != std::string::npos);

  // Warnings off: nothing reported.
  sema::AnalyzeOptions quiet;
  quiet.warnings = false;
  auto silent = checkSource(flowWith("model big = sim(\"big\")\n", "", "rightsize"), quiet);
  CHECK(silent->diags.warningCount() == 0);
}
