// A readable text dump of the IR (every node, removed ones marked), for `--print-after` and
// for debugging passes. Not a stable format: the plan is the interface, this is for people.
#pragma once

#include "awc/ir/graph.h"

#include <string>

namespace awc::ir {

/// The module's graph, one node per line block, map bodies indented. Deterministic.
std::string printModule(const Module& module);

} // namespace awc::ir
