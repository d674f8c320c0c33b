// Deterministic answers: text of a seeded length, schema-valid JSON generated from a
// JSON Schema, and scripted answers from a fixtures file.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace re2 {
class RE2;
}

namespace awc::sim {

/// One scripted answer: when `match` (a substring, or an RE2 regex if `isRegex`) occurs in the
/// last user message — and `model`, if set, occurs in the model name — answer `answer`.
struct Fixture {
  std::string match;
  bool isRegex = false;
  std::string model;
  nlohmann::json answer; ///< a string (text) or any JSON value (structured answer)
  /// The compiled `match` when isRegex. RE2 matches in time linear in the message, so a
  /// fixture's pattern cannot make the simulator backtrack exponentially.
  std::shared_ptr<const re2::RE2> re;
};

/// Parses `[{"match": "...", "answer": ...}, {"regex": "...", "model": "...", "answer": ...}]`.
std::optional<std::vector<Fixture>> parseFixtures(std::string_view text, std::string& error);
std::optional<std::vector<Fixture>> loadFixtures(const std::string& path, std::string& error);

/// First fixture matching the message and model, or nullptr.
const Fixture* findFixture(const std::vector<Fixture>& fixtures, std::string_view lastUserMessage,
                           std::string_view model);

/// What to answer.
struct AnswerRequest {
  uint64_t seed = 0;                      ///< hash of the request: same request, same answer
  const nlohmann::json* schema = nullptr; ///< JSON Schema the answer must satisfy, if any
  size_t maxTokens = 0;                   ///< 0 = no limit
  const Fixture* fixture = nullptr;
  bool violateSchema = false; ///< fault injection: answer valid JSON that breaks the schema
  /// The last user message and the system messages: what a free-text answer's length follows
  /// (askedLength in answer_length.h).
  std::string_view instruction;
  std::string_view system;
  /// The quality model's verdict that this model disagrees with the reference answer drawn
  /// from `seed` (sim/quality.h): the answer is drawn from this seed instead, and an enum,
  /// boolean or number in it differs from the reference's (one field of a record, one item
  /// of a list), free text differs in wording and length.
  std::optional<uint64_t> disagreeSeed;
  /// For a fused call: the parts already decided, by key (the engine gives each typed part the
  /// answer its member's own question gets, sim/fused_questions.h); the rest are generated.
  const nlohmann::json* fusedValues = nullptr;
};

struct Answer {
  std::string text;
  size_t tokens = 0;      ///< approxTokenCount(text)
  bool truncated = false; ///< cut at maxTokens (finish_reason "length")
};

Answer generateAnswer(const AnswerRequest& request);

/// A value valid against `schema` (type, enum, const, properties/required, items,
/// min/max bounds, min/maxLength, min/maxItems, anyOf/oneOf/allOf, local $ref).
nlohmann::json generateFromSchema(const nlohmann::json& schema, uint64_t seed);

/// `value` made valid against `schema`: parts that already fit are kept, the rest generated.
nlohmann::json coerceToSchema(const nlohmann::json& value, const nlohmann::json& schema,
                              uint64_t seed);

/// A value valid against `schema` that differs from `reference` (itself valid): another enum
/// member, the other boolean, another number or string; in a record one field, in a list one
/// item. Unchanged only where the schema allows nothing else (const, one-member enum).
nlohmann::json disagreeWith(const nlohmann::json& reference, const nlohmann::json& schema,
                            uint64_t seed);

/// A JSON value that is well-formed but does not satisfy `schema`.
nlohmann::json violateSchema(const nlohmann::json& schema, uint64_t seed);

} // namespace awc::sim
