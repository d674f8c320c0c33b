// The plan: the versioned JSON the runtime executes (docs/plan-format.md,
// docs/plan.schema.json), and the DAG as DOT or Mermaid. Byte-identical for the same input.
#pragma once

#include "awc/ir/cost_model.h"
#include "awc/ir/graph.h"
#include "awc/passes/pass.h"
#include "awc/plan/contract.h"
#include "awc/support/source.h"

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace awc::plan {

/// The typed plan of a compiled module (include/awc/plan/contract.h).
Document buildPlan(const ir::Module& module, const ir::PlanEstimate& estimate,
                   const std::vector<passes::PassReport>& reports, const SourceManager& sources);

/// The plan JSON of a compiled module: toJson(buildPlan(...)).
nlohmann::json emitPlan(const ir::Module& module, const ir::PlanEstimate& estimate,
                        const std::vector<passes::PassReport>& reports,
                        const SourceManager& sources);

/// Serialises a plan the one way awc always does (2-space indent, sorted keys, final newline).
std::string serialize(const nlohmann::json& plan);

/// The graph as Graphviz DOT or a Mermaid flowchart.
std::string toDot(const ir::Module& module);
std::string toMermaid(const ir::Module& module);

} // namespace awc::plan
