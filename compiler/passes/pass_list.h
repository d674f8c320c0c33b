// Declarations of every pass function listed in pass_list.def.
#pragma once

#include "awc/passes/pass.h"

namespace awc::passes {
#define AWC_PASS(Name, Fn, Level, Description) PassReport Fn(PassContext& ctx);
#include "pass_list.def"
} // namespace awc::passes
