// Recognising model steps whose task is deterministic (arithmetic, percentages, rounding,
// thresholds → bool, bands → enum, list aggregates, counts and sorting, dates, currency at a
// given rate, units, money/number/date formatting, constant-table lookups) — used by the
// `lower` pass and by lint. Implementation: compiler/passes/deterministic*.cpp.
#pragma once

#include "awc/ir/graph.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace awc::passes {

struct DeterministicTask {
  std::string kind;    // "arithmetic", "percentage", "round", "compare", "bands", "lookup",
                       // "sum", "avg", "min_of", "max_of", "minmax", "count", "sort",
                       // "convert", "currency", "format", "date"
  nlohmann::json expr; // the native rewrite (plan expression form)
  std::string rewrite; // the rewrite in .flow syntax, for hints and explain
  bool exact = false;  // safe to lower automatically (unambiguous, same result type)
  bool typeOk = false; // the rewrite's value is assignable to the step's result type
  std::string why;     // when not exact: what makes it ambiguous
};

/// The deterministic task a model step performs, if its prompt asks for one.
std::optional<DeterministicTask> recognizeDeterministicTask(const ir::Node& node);

/// An expression tree in .flow syntax ("round(subtotal * 0.08, 2)").
std::string exprToFlow(const nlohmann::json& expr);

} // namespace awc::passes
