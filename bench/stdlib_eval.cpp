// Micro-benchmark of the native expression evaluator on typical plan expressions
// (arithmetic on record fields, prompt interpolation, a stdlib call). Prints ns per evaluation.
#include "awc/stdlib/eval.h"

#include <chrono>
#include <cstdio>
#include <map>
#include <string>

using nlohmann::json;
using Clock = std::chrono::steady_clock;

int main() {
  std::map<std::string, json, std::less<>> env{
      {"order", {{"status", "shipped"}, {"price", 19.99}, {"qty", 3}, {"eta_days", 2}}},
      {"mood", "neutral"},
      {"input.query", "Where is my order? It has been a week."},
      {"scores", {3, 9, 4, 7, 1, 8}}};
  auto resolve = [&](std::string_view name) -> const json* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : &it->second;
  };
  const std::pair<const char*, const char*> cases[] = {
      {"total = order.price * order.qty",
       R"({"op": "*", "args": [{"field": "price", "of": {"ref": "order"}},
                               {"field": "qty", "of": {"ref": "order"}}]})"},
      {"prompt text interpolation",
       R"({"text": [{"lit": "Order "}, {"field": "status", "of": {"ref": "order"}},
                    {"lit": ", total "}, {"call": "format_money", "args": [{"op": "*", "args": [
                      {"field": "price", "of": {"ref": "order"}}, {"field": "qty", "of": {"ref": "order"}}]}]},
                    {"lit": ", mood "}, {"ref": "mood"}, {"lit": ". Answer: "}, {"ref": "input.query"}]})"},
      {"if eta_days > 3 then ... else ...",
       R"({"if": {"op": ">", "args": [{"field": "eta_days", "of": {"ref": "order"}}, {"lit": 3}]},
           "then": {"lit": "late"}, "else": {"lit": "on time"}})"},
      {"round(avg(scores), 1)",
       R"({"call": "round", "args": [{"call": "avg", "args": [{"ref": "scores"}]}, {"lit": 1}]})"},
  };
  for (const auto& [label, text] : cases) {
    json expr = json::parse(text);
    const int iterations = 200000;
    size_t sink = 0;
    auto start = Clock::now();
    for (int i = 0; i < iterations; ++i) {
      awc::stdlib::EvalResult r = awc::stdlib::evaluate(expr, resolve);
      sink += r.ok() ? 1 : 0;
    }
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - start).count() / iterations;
    std::printf("%-40s %8.1f ns/eval (%zu ok)\n", label, ns, sink);
  }
}
