// The lowering corpus (tests/passes/lowering_corpus/): every must-lower phrasing is recognised,
// its rewrite type-checks as the step's value and evaluates to the expected answer; no
// must-not-lower phrasing is recognised at all. Prints the counts it measured.
#include "awc/passes/deterministic.h"
#include "awc/stdlib/eval.h"
#include "ir_test_util.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>

using namespace awc::testing;
using Json = nlohmann::json;

namespace {

struct Case {
  std::string file;
  int line = 0;
  std::string tag; // "lower", "miss", "not"
  std::string params, type, prompt, inputs, expected;
};

std::string trim(std::string s) {
  size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Lines "tag | params | type | prompt [| inputs => expected]"; "prelude:" lines declare the
// types and constants the cases use; '#' starts a comment line.
std::vector<Case> load(const std::string& name, std::string& prelude) {
  std::ifstream in(std::string(AWC_CORPUS_DIR) + "/" + name);
  REQUIRE(in.good());
  std::vector<Case> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (trim(line).empty() || trim(line)[0] == '#') continue;
    if (line.rfind("prelude:", 0) == 0) {
      prelude += line.substr(8) + "\n";
      continue;
    }
    std::vector<std::string> parts;
    for (size_t from = 0;;) {
      size_t bar = line.find(" | ", from);
      parts.push_back(trim(line.substr(from, bar - from)));
      if (bar == std::string::npos) break;
      from = bar + 3;
    }
    INFO(name << ":" << n << ": " << line);
    REQUIRE(parts.size() >= 4);
    Case c{name, n, parts[0], parts[1], parts[2], parts[3], "", ""};
    if (parts.size() > 4) {
      size_t arrow = parts[4].find("=>");
      REQUIRE(arrow != std::string::npos);
      c.inputs = trim(parts[4].substr(0, arrow));
      c.expected = trim(parts[4].substr(arrow + 2));
    }
    out.push_back(c);
  }
  return out;
}

std::string flowFor(const std::string& prelude, const Case& c, const std::string& value) {
  return prelude + "workflow main(" + c.params + ") -> " + c.type + " {\n  the_step: " + c.type +
         " = " + value + "\n  return the_step\n}\n";
}

std::string llmStep(const Case& c) {
  std::string text;
  for (char ch : c.prompt)
    text += ch == '"' ? std::string("\\\"") : std::string(1, ch);
  return "llm small -> " + c.type + " { user \"" + text + "\" }";
}

bool sameValue(const Json& got, const Json& want) {
  if (want.is_number_float() && got.is_number_float())
    return std::fabs(got.get<double>() - want.get<double>()) <=
           1e-9 * std::max(1.0, std::fabs(want.get<double>()));
  if (want.is_number_integer())
    return got.is_number_integer() && got.get<int64_t>() == want.get<int64_t>();
  return got == want && !(want.is_number_float() || got.is_number_float());
}

struct Counts {
  int exact = 0, suggested = 0, missed = 0, knownMiss = 0, knownMissLowered = 0, falseFlags = 0,
      wrong = 0, mustLower = 0, mustNot = 0;
  std::string str() const {
    return std::to_string(mustLower) + " must-lower (" + std::to_string(exact) + " exact, " +
           std::to_string(suggested) + " suggested, " + std::to_string(missed) + " missed), " +
           std::to_string(knownMiss) + " known misses (" + std::to_string(knownMissLowered) +
           " now recognised), " + std::to_string(mustNot) + " must-not (" +
           std::to_string(falseFlags) + " false lowerings), " + std::to_string(wrong) +
           " wrong rewrites";
  }
};

// Recognises every case, compiles and evaluates every rewrite; failures are reported per case
// (a miss only when `missesFail`).
Counts measure(const std::string& prelude, const std::vector<Case>& cases, bool missesFail) {
  Counts k;
  // AWC_CORPUS_VERBOSE=1 prints every case's outcome, to see what a recogniser change did.
  const bool verbose = std::getenv("AWC_CORPUS_VERBOSE") != nullptr;
  for (const Case& c : cases) {
    INFO(c.file << ":" << c.line << ": " << c.prompt);
    auto comp = compileFlow(flowFor(prelude, c, llmStep(c)), 0);
    REQUIRE(comp.ok());
    const awc::ir::Node* n = node(comp, "the_step");
    REQUIRE(n);
    auto task = awc::passes::recognizeDeterministicTask(*n);
    if (verbose)
      std::cout << c.file << ":" << c.line << ": " << c.tag << ": "
                << (task ? task->rewrite + (task->exact ? " (exact)" : " (suggested)") : "-")
                << "\n";
    if (c.tag == "not") {
      ++k.mustNot;
      if (task) {
        ++k.falseFlags;
        FAIL_CHECK("false lowering: " << task->kind << " → " << task->rewrite);
      }
      continue;
    }
    if (c.tag.rfind("miss(", 0) == 0) {
      ++k.knownMiss;
      k.knownMissLowered += task ? 1 : 0;
      if (!task) continue;
    } else {
      REQUIRE(c.tag == "lower");
      ++k.mustLower;
    }
    if (!task) {
      ++k.missed;
      if (missesFail) FAIL_CHECK("not recognised");
      continue;
    }
    (task->exact ? k.exact : k.suggested)++;
    INFO("rewrite: " << task->rewrite << (task->exact ? " (exact)" : " (suggested: ") << task->why
                     << ")");
    // The rewrite, written as the step's value, must type-check as the step's type ...
    auto native = compileFlow(flowFor(prelude, c, task->rewrite), 0);
    if (!native.ok()) {
      ++k.wrong;
      FAIL_CHECK("rewrite does not compile: " << diagnostics(native));
      continue;
    }
    // ... and compute the expected answer on the sample inputs.
    REQUIRE(!c.expected.empty());
    Json inputs = Json::parse(c.inputs.empty() ? "{}" : c.inputs);
    Json want = Json::parse(c.expected);
    std::map<std::string, Json> env;
    for (const auto& [key, v] : inputs.items())
      env["input." + key] = v;
    auto got = awc::stdlib::evaluate(task->expr, [&](std::string_view name) -> const Json* {
      auto it = env.find(std::string(name));
      return it == env.end() ? nullptr : &it->second;
    });
    if (!got.ok() || !sameValue(got.value(), want)) {
      ++k.wrong;
      FAIL_CHECK("wrong rewrite: got " << (got.ok() ? got.value().dump() : got.error()) << ", want "
                                       << want.dump());
    }
  }
  return k;
}

} // namespace

TEST_CASE("lowering corpus: must-lower phrasings lower and compute the answer and must-not "
          "phrasings stay untouched") {
  std::string prelude;
  std::vector<Case> cases = load("must_lower.txt", prelude);
  std::vector<Case> nots = load("must_not_lower.txt", prelude);
  cases.insert(cases.end(), nots.begin(), nots.end());
  Counts k = measure(prelude, cases, /*missesFail=*/true);
  std::cout << "lowering corpus: " << k.str() << "\n";
  CHECK(k.mustLower >= 150);
  CHECK(k.mustNot >= 150);
  CHECK(k.falseFlags == 0);
  CHECK(k.missed == 0);
  CHECK(k.wrong == 0);
}

// A set written on a date before the recogniser was changed for it, measured on its own so its
// figures stay a held-out estimate (what the recogniser does on phrasings it was not tuned to).
TEST_CASE("lowering corpus, held-out set of 2026-12-06: no false or wrong lowerings") {
  std::string prelude;
  load("must_lower.txt", prelude); // the shared type and constant declarations
  std::vector<Case> cases = load("heldout_2026-12-06_must_lower.txt", prelude);
  std::vector<Case> nots = load("heldout_2026-12-06_must_not_lower.txt", prelude);
  cases.insert(cases.end(), nots.begin(), nots.end());
  Counts k = measure(prelude, cases, /*missesFail=*/false);
  std::cout << "held-out 2026-12-06: " << k.str() << "\n";
  // Measured before the recogniser change of 2026-12-06: 15 exact, 1 suggested, 57 missed, 0
  // false lowerings, 0 wrong rewrites; after it: 45 exact, 8 suggested, 20 missed, 0 false,
  // 0 wrong. A miss here is allowed (it is an estimate of what the recogniser does on text it
  // was not tuned to); a false or wrong lowering never is, and the floor below keeps the
  // recognised count from sliding back.
  CHECK(k.mustLower >= 60);
  CHECK(k.mustNot >= 60);
  CHECK(k.exact + k.suggested >= 53);
  CHECK(k.falseFlags == 0);
  CHECK(k.wrong == 0);
}
