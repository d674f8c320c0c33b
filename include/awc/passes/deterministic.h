// Recognising model steps whose task is deterministic (arithmetic over interpolated
// numbers, percentages, sums, counts, sorting, unit conversion, money formatting, date
// arithmetic, picking a JSON field) — used by the `lower` pass and by lint.
#pragma once

#include "awc/ir/graph.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace awc::passes {

struct DeterministicTask {
  std::string kind;    // "arithmetic", "percentage", "sum", "count", "sort", "convert", "format",
                       // "date", "json"
  nlohmann::json expr; // the native rewrite (plan expression form)
  std::string rewrite; // the rewrite in .flow syntax, for hints and explain
  bool exact = false;  // safe to lower automatically (unambiguous, same result type)
  std::string why;     // when not exact: what makes it ambiguous
};

/// The deterministic task a model step performs, if its prompt asks for one.
std::optional<DeterministicTask> recognizeDeterministicTask(const ir::Node& node);

/// An expression tree in .flow syntax ("round(subtotal * 0.08, 2)").
std::string exprToFlow(const nlohmann::json& expr);

} // namespace awc::passes
