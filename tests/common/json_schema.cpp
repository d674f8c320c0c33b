// validateAgainstSchema (json_schema.h) with valijson, compiled once for every test binary.
#include "json_schema.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace awc::testing {

std::string validateAgainstSchemaJson(const nlohmann::json& document,
                                      const nlohmann::json& schemaJson) {
  try {
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schemaAdapter(schemaJson);
    parser.populateSchema(schemaAdapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter docAdapter(document);
    if (validator.validate(schema, docAdapter, &results)) return "";
    std::ostringstream out;
    valijson::ValidationResults::Error error;
    int shown = 0;
    while (results.popError(error) && shown++ < 20) {
      for (const auto& c : error.context)
        out << c;
      out << ": " << error.description << "\n";
    }
    return out.str();
  } catch (const std::exception& e) {
    return std::string("schema error: ") + e.what();
  }
}

std::string validateAgainstSchema(const nlohmann::json& document, const std::string& schemaPath) {
  std::ifstream in(schemaPath);
  if (!in) return "cannot open schema " + schemaPath;
  nlohmann::json schemaJson = nlohmann::json::parse(in, nullptr, false);
  if (schemaJson.is_discarded()) return "schema error: " + schemaPath + " is not JSON";
  return validateAgainstSchemaJson(document, schemaJson);
}

} // namespace awc::testing
