// Lowering from the checked AST to the dataflow IR.
#pragma once

#include "awc/ir/graph.h"
#include "awc/sema/sema.h"
#include "awc/support/diagnostics.h"

#include <memory>

namespace awc::ir {

/// Builds the IR of `program.workflow`: one node per input, step and tool call, prompts
/// flattened into static and dynamic segments, constants folded to values. Reports
/// problems only sema cannot see (e.g. a constant that fails to evaluate). Returns null
/// when the program has no workflow.
std::unique_ptr<Module> buildModule(const sema::Program& program, const SourceManager& sources,
                                    DiagnosticEngine& diags);

} // namespace awc::ir
