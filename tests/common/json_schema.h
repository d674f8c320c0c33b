// Test helper: validate a JSON document against a JSON Schema file (valijson), returning
// the problems found as text ("" when valid). Shared by golden, lint, plan and passes tests;
// compiled once in json_schema.cpp, because valijson's templates cost ~15 s per file.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace awc::testing {

/// Validates `document` against the schema in `schemaPath`: "" when valid, else up to 20
/// problems, one per line.
std::string validateAgainstSchema(const nlohmann::json& document, const std::string& schemaPath);

} // namespace awc::testing
