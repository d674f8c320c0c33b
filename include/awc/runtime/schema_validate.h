// Validation of JSON values against the JSON Schema subset the compiler emits, with readable paths.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace awc::runtime {

/// One violation, e.g. path "$.items[2].score", message "expected integer".
struct SchemaError {
  std::string path;
  std::string message;
  /// "path: message".
  std::string toString() const { return path + ": " + message; }
};

/// Checks `value` against `schema`. Supported keywords: type (a name or a list of names:
/// string, integer, number, boolean, object, array, null), properties, required,
/// additionalProperties (bool or schema), items, enum, const, anyOf, minItems/maxItems,
/// minLength/maxLength, minimum/maximum; description/title are ignored. Unknown keywords
/// are ignored. Stops after `maxErrors` violations. An empty result means valid.
std::vector<SchemaError> validateSchema(const nlohmann::json& value, const nlohmann::json& schema,
                                        std::size_t maxErrors = 8);

/// All errors joined with "; " (empty when valid) — the text fed back in a repair retry.
std::string formatSchemaErrors(const std::vector<SchemaError>& errors);

/// Parses a model's answer as JSON, tolerating a surrounding ```json fence and leading or
/// trailing prose around a single object/array. On failure returns false and sets `error`.
bool parseModelJson(std::string_view text, nlohmann::json& out, std::string& error);

} // namespace awc::runtime
