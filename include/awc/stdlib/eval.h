// The native expression evaluator: runs the JSON expression trees the compiler emits into the
// plan (see docs/stdlib.md for the format). Used by the runtime and for constant folding.
#pragma once

#include "awc/stdlib/value.h"
#include "awc/support/function_ref.h"

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace awc::stdlib {

/// Looks up a name in the environment ("order", "input.query", a map element, an accumulator).
/// Returns nullptr when the name is unknown. The pointee must outlive the evaluate() call.
using Resolver = awc::FunctionRef<const nlohmann::json*(std::string_view name)>;

/// Expressions nested deeper than this are rejected with an error instead of recursing further.
inline constexpr int kMaxExprDepth = 512;

/// Budgets of one evaluation. Exceeding one is an error whose EvalResult::overLimit() is true,
/// never an exhausted memory or an endless computation.
struct EvalLimits {
  /// The largest value (approxValueBytes) any sub-expression may build.
  size_t maxValueBytes = kMaxValueBytes;
  /// Evaluation steps: one per expression node visited plus one per 64 bytes of values built.
  uint64_t maxSteps = 200'000'000;
};

/// The budgets constant folding uses: a folded value is written into the plan, so it is kept
/// small; a larger one is left for the runtime to compute (docs/optimizations.md, "fold").
inline constexpr EvalLimits kFoldLimits{size_t{1} << 20, 2'000'000};

/// Evaluates one expression tree. Never throws; malformed trees, type errors, overflow,
/// division by zero, out-of-range indexes, missing fields, unknown refs and exceeded budgets
/// are errors.
EvalResult evaluate(const nlohmann::json& expr, Resolver resolve, const EvalLimits& limits = {});

/// Evaluates a tree that has no refs (constant folding); any ref is an error.
EvalResult evaluateConstant(const nlohmann::json& expr, const EvalLimits& limits = {});

/// Appends every name the tree reads through {"ref": ...}, in tree order, without duplicates
/// already present in `out`. Malformed parts are skipped (validate() reports them).
void collectRefs(const nlohmann::json& expr, std::vector<std::string>& out);

/// Checks the tree's structure without evaluating it: known node kinds and operators, operator
/// arity, known functions with an accepted argument count, depth bound. Returns an empty string
/// when the tree is well formed, else the first problem found.
std::string validate(const nlohmann::json& expr);

/// False when the tree calls a non-deterministic function (now, today): such trees must not be
/// folded or cached. Refs do not make a tree non-deterministic.
bool isDeterministic(const nlohmann::json& expr);

} // namespace awc::stdlib
