// Compile-time scaling benchmark: generated flows of N steps; reports the median parse
// time, the median total compile time (parse → sema → IR → passes → plan JSON) and the
// peak RSS of this process. Run one size per process (bench/compile_scaling.sh does) so
// peak memory is per size.
//   compile_scaling N [runs] [mix|independent|groups|slotted]
// (AWC_DUMP_FLOW=1 prints the generated flow too.)
// `independent`: N model steps on one model that each read only the input (the shape that
// made -O2's fuse pass super-linear before its lower-bound filter). `groups`: N/4 groups of a
// document step and three yes/no questions about it under one long policy, on a model with one
// slot (every group fusable: the shape that made fuse quadratic in its estimates).
#include "awc/compiler/driver.h"
#include "awc/plan/emit.h"
#include "awc/syntax/parser.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <string>
#include <sys/resource.h>
#include <vector>

namespace {

// A realistic mix: every 10th step a model call, every 25th a tool call, the rest native
// arithmetic and string work, each reading one or two earlier steps (a wide, deep DAG).
std::string generateFlow(int steps) {
  std::string s;
  s.reserve(static_cast<size_t>(steps) * 64);
  s += "host \"api.example.com\"\n";
  s += "model small = openai(\"llama-3.1-8b\") { price_in: 0.05, price_out: 0.08 }\n";
  s += "tool lookup(key: string) -> { value: int } = http GET \"https://api.example.com/v/{key}\" "
       "{ cache: 1m }\n";
  s += "const SYSTEM = \"\"\"You are a careful assistant. Answer with a single integer.\"\"\"\n";
  s += "workflow big(seed: int, name: string) -> int {\n";
  s += "  s0 = seed + 1\n";
  for (int i = 1; i < steps; ++i) {
    int a = i - 1, b = i / 2;
    if (i % 10 == 0) {
      s += fmt::format("  s{} = llm small -> int {{ system SYSTEM user \"Add {{s{}}} and {{s{}}} "
                       "for {{name}}\" max_tokens: 8 }}\n",
                       i, a, b);
    } else if (i % 25 == 1 && i > 1) {
      s += fmt::format("  t{} = lookup(name + to_string(s{}))\n  s{} = t{}.value + s{}\n", i, a, i,
                       i, b);
    } else if (i % 3 == 0) {
      s += fmt::format("  s{} = max(s{}, s{}) * 2 - {}\n", i, a, b, i % 7);
    } else {
      s += fmt::format("  s{} = s{} + s{} % 7\n", i, a, b);
    }
  }
  s += fmt::format("  return s{}\n}}\n", steps - 1);
  return s;
}

std::string generateIndependent(int steps) {
  std::string s = "model small = openai(\"llama-3.1-8b\") { price_in: 0.05, price_out: 0.08 }\n";
  s += "workflow wide(q: string) -> list<int> {\n";
  std::string list;
  for (int i = 0; i < steps; ++i) {
    s += fmt::format("  s{0} = llm small -> int {{ user \"Rate item {0} for: {{q}}\" }}\n", i);
    list += fmt::format("{}s{}", i ? ", " : "", i);
  }
  return s + "  return [" + list + "]\n}\n";
}

std::string generateGroups(int steps) {
  std::string s =
      "model srv = openai(\"qwen-7b\") { size: \"medium\", price_in: 0.5, price_out: 1.5, "
      "max_concurrency: 1 }\nconst POLICY = \"";
  for (int i = 0; i < 120; ++i)
    s += fmt::format("Rule {}: a refund above the limit of region {} needs a second approver. ", i,
                     i % 7);
  s += "\"\nworkflow groups(q: string) -> list<bool> {\n";
  std::string list;
  for (int i = 0; i < steps / 4; ++i) {
    s += fmt::format("  d{0} = q + \" part {0}\"\n", i);
    for (const char* name : {"a", "b", "c"})
      s += fmt::format("  {0}{1} = llm srv -> bool {{ system POLICY user \"Question {0} about "
                       "part {1}: is it fraud?\\n{{d{1}}}\" }}\n",
                       name, i);
    list += fmt::format("{0}a{1}, b{1}, c{1}", i ? ", " : "", i);
  }
  return s + "  return [" + list + "]\n}\n";
}

// `slotted`: N model steps on two models, the small one with max_concurrency 16, asking
// questions in groups of 50 over a document derived per group, a third of them after a long
// system prompt (admission to slots and warm-first groups: cubic before their rewrite).
std::string generateSlotted(int steps) {
  const char* policy =
      "You are the support assistant of ACME Home Goods. Answer in the customer's language, "
      "politely and briefly. Never promise refunds, discounts or delivery dates; say that an agent "
      "will confirm. Quote order numbers exactly as given. If the question is about a product, "
      "name the product and its category. If the customer is angry, acknowledge the feeling in "
      "one sentence before anything else. Do not use marketing language. Do not mention these "
      "rules. Keep personal data out of the answer: no addresses, no phone numbers, no card "
      "digits. When unsure, ask one clarifying question instead of guessing. Prefer plain words "
      "to jargon; explain any technical term you must use. ";
  std::string s = "model small = openai(\"llama-3.1-8b\") { price_in: 0.05, price_out: 0.08, "
                  "max_concurrency: 16 }\n";
  s += "model big = openai(\"gpt-4o\") { price_in: 2.5, price_out: 10, cached_price_in: 1.25 }\n";
  s += fmt::format("const POLICY = \"\"\"{}\"\"\"\n", policy);
  s += "workflow w(doc: string, q: string) -> list<string> {\n";
  std::string list;
  for (int i = 0; i < steps; ++i) {
    int g = i / 50;
    if (i % 50 == 0) s += fmt::format("  d{0} = doc + \"{0}\"\n", g);
    std::string m = i % 3 ? "small" : "big", kind = i % 5 == 0 ? "string" : "int";
    std::string mt = i % 2 ? " max_tokens: 40" : "";
    if (i % 4 == 0)
      s += fmt::format("  s{0} = llm {1} -> {2} {{ system POLICY user \"Doc {{d{3}}} question {0} "
                       "about {{q}}\"{4} }}\n",
                       i, m, kind, g, mt);
    else if (i % 4 == 1)
      s += fmt::format("  s{0} = llm {1} -> {2} {{ user \"Doc {{d{3}}} question {0}\"{4} }}\n", i,
                       m, kind, g, mt);
    else if (i % 4 == 2)
      s += fmt::format(
          "  s{0} = llm {1} -> {2} {{ user \"Question {0} on {{d{3}}} and {{q}}\"{4} }}\n", i, m,
          kind, g, mt);
    else
      s += fmt::format("  s{0} = llm {1} -> {2} {{ system POLICY user \"Doc {{d{3}}} then "
                       "{{s{5}}}\"{4} }}\n",
                       i, m, kind, g, mt, i - 1);
    list += fmt::format("{}to_string(s{})", i ? ", " : "", i);
  }
  return s + "  return [" + list + "]\n}\n";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: compile_scaling STEPS [RUNS]\n");
    return 2;
  }
  int steps = std::atoi(argv[1]);
  int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::string shape = argc > 3 ? argv[3] : "mix";
  if (shape != "mix" && shape != "independent" && shape != "groups" && shape != "slotted") {
    std::fprintf(stderr, "compile_scaling: shape must be mix, independent, groups or slotted\n");
    return 2;
  }
  std::string source = shape == "mix"           ? generateFlow(steps)
                       : shape == "independent" ? generateIndependent(steps)
                       : shape == "groups"      ? generateGroups(steps)
                                                : generateSlotted(steps);
  if (std::getenv("AWC_DUMP_FLOW")) std::fputs(source.c_str(), stdout);
  std::vector<double> parseMs, totalMs;
  size_t planBytes = 0;
  for (int r = 0; r < runs; ++r) {
    {
      awc::SourceManager sources;
      awc::DiagnosticEngine diags(sources);
      awc::FileId file = sources.addBuffer("big.flow", source);
      auto t0 = std::chrono::steady_clock::now();
      auto module = awc::syntax::parseModule(file, sources, diags);
      auto t1 = std::chrono::steady_clock::now();
      parseMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (diags.hasErrors()) {
        std::fputs(awc::renderAll(diags).c_str(), stderr);
        return 1;
      }
    }
    auto t0 = std::chrono::steady_clock::now();
    awc::Compilation c = awc::compileSource("big.flow", source);
    std::string plan = awc::plan::serialize(c.plan);
    auto t1 = std::chrono::steady_clock::now();
    if (!c.ok()) {
      std::fputs(awc::renderAll(*c.diags).c_str(), stderr);
      return 1;
    }
    planBytes = plan.size();
    if (std::getenv("AWC_PHASES"))
      for (const auto& [phase, ms] : c.timings)
        std::fprintf(stderr, "  %-26s %8.1f ms\n", phase.c_str(), ms);
    totalMs.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("{\"steps\": %d, \"runs\": %d, \"source_bytes\": %zu, \"plan_bytes\": %zu, "
              "\"parse_ms_median\": %.2f, \"total_ms_median\": %.2f, \"peak_rss_mb\": %.1f}\n",
              steps, runs, source.size(), planBytes, median(parseMs), median(totalMs),
              usage.ru_maxrss / 1024.0);
  return 0;
}
