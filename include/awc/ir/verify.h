// The IR verifier: checks a module's structural invariants (graph shape, per-kind fields,
// expressions, estimates) so a pass that breaks them is caught right after it runs.
#pragma once

#include "awc/ir/graph.h"

#include <string>
#include <vector>

namespace awc::ir {

/// One broken invariant: the node it concerns ("" for the module) and what is wrong.
struct VerifyProblem {
  std::string node;
  std::string message;
};

/// Checks every invariant the passes and the plan emitter rely on (docs/optimizations.md,
/// "Verifying the IR"). Returns the problems found, in a deterministic order; empty = valid.
std::vector<VerifyProblem> verify(const Module& module);

/// The problems as lines "node: message" for error messages and test output.
std::string formatProblems(const std::vector<VerifyProblem>& problems);

} // namespace awc::ir
