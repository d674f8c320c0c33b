// Test helper: validate a JSON document against a JSON Schema (valijson), returning the
// problems found as text ("" when valid). Shared by golden, lint, plan, passes and real-server
// tests; compiled once in json_schema.cpp, because valijson's templates cost ~15 s per file.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace awc::testing {

/// Validates `document` against the schema in `schemaPath`: "" when valid, else up to 20
/// problems, one per line.
std::string validateAgainstSchema(const nlohmann::json& document, const std::string& schemaPath);

/// The same with the schema already parsed.
std::string validateAgainstSchemaJson(const nlohmann::json& document,
                                      const nlohmann::json& schemaJson);

} // namespace awc::testing
