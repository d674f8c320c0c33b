// A fused call's questions, recovered from its prompt (fused_questions.cpp): so that the quality
// model answers each member of a fused call as it answers the member's own question asked
// alone (docs/simulator.md, Fused answers).
#pragma once

#include "awc/sim/quality.h"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace awc::sim {

/// Whether a schema is the answer of an awc fused call (compiler/passes/fuse.cpp): a closed
/// object whose keys are all required and numbered "s01_...", "s02_..." in answer order.
bool isFusedSchema(const nlohmann::json& s);

/// The instructions of one task of a fused prompt (fuse lays it out as `Task N (key
/// "sNN_name"):` then the task's text, tasks one after another, shared inputs last), from the
/// newline after the task's heading; "" when the prompt has no such task.
std::string_view fusedTaskText(std::string_view prompt, const std::string& key);

/// Whether a request body asks one question: system (or developer) messages and exactly one
/// user message, no tools (a repair turn, a conversation or a tool loop is not one).
bool singleQuestion(const nlohmann::json& body);

/// What a typed answer's reference is seeded by: the system text and the question, each with
/// its whitespace runs made one space and trimmed (how the compiler laid the prompt out is not
/// part of the question), and the answer's schema as sent.
std::string questionKey(std::string_view system, std::string_view question,
                        const nlohmann::json& schema);

/// The typed parts of a fused answer, by key: each member's question rebuilt from the fused
/// prompt (its task's text, the shared inputs put back, an earlier task's answer written in
/// where the task refers to it), answered as that question alone would be — the reference
/// answer seeded by its questionKey, unless `model` is drawn to disagree on it. Parts whose
/// question cannot be rebuilt, and free-text parts, are left out (generated as before).
/// `seed` is the simulator's --seed.
nlohmann::json fusedPartValues(std::string_view system, std::string_view prompt,
                               const nlohmann::json& schema, std::string_view model,
                               const QualityModel& quality, uint64_t seed);

/// The seeds the engine draws a reference answer and a disagreeing one from (engine.cpp).
uint64_t referenceSeed(std::string_view key, uint64_t seed);
uint64_t disagreeingSeed(std::string_view model, std::string_view key, uint64_t seed);

} // namespace awc::sim
