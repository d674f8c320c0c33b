// The plan contract: the typed plan (docs/plan-format.md) that the emitter (awc_plan) builds
// and serialises and the runtime's loader parses, with every key and enum declared once in
// plan_keys.def / plan_enums.def. Depends on nlohmann_json only — never on compiler internals.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awc::plan {

using Json = nlohmann::json;

/// The plan format version this contract reads and writes (`awc_plan`).
inline constexpr int kPlanVersion = 1;
/// Deepest JSON nesting a plan may have: expressions nest at most stdlib's 512 levels (two
/// JSON levels each), plus the plan's own framing and map bodies.
inline constexpr int kMaxJsonDepth = 1200;
/// Deepest nesting of map bodies a plan may have.
inline constexpr int kMaxMapNesting = 64;

// ---- enums (plan_enums.def) ---------------------------------------------------------------

/// Spellings of one plan enum, indexed by its value.
template <typename E> struct EnumTraits;

#define AWC_PLAN_ENUM_VALUE(Enumerator, Spelling) Enumerator,
#define AWC_PLAN_ENUM_TYPE(Type, Values) enum class Type : uint8_t { Values };
#include "awc/plan/plan_enums.def"
#undef AWC_PLAN_ENUM_VALUE
#undef AWC_PLAN_ENUM_TYPE

#define AWC_PLAN_ENUM_VALUE(Enumerator, Spelling) Spelling,
#define AWC_PLAN_ENUM_TYPE(Type, Values)                                                           \
  template <> struct EnumTraits<Type> {                                                            \
    static constexpr const char* kType = #Type;                                                    \
    static constexpr const char* kNames[] = {Values};                                              \
  };
#include "awc/plan/plan_enums.def"
#undef AWC_PLAN_ENUM_VALUE
#undef AWC_PLAN_ENUM_TYPE

/// The JSON spelling of a plan enum value ("llm", "side_effect", ...).
template <typename E> const char* name(E value) {
  return EnumTraits<E>::kNames[static_cast<std::size_t>(value)];
}
/// Inverse of name(); nullopt for a spelling the contract does not know.
template <typename E> std::optional<E> parseEnum(std::string_view text) {
  std::size_t i = 0;
  for (const char* n : EnumTraits<E>::kNames) {
    if (text == n) return static_cast<E>(i);
    ++i;
  }
  return std::nullopt;
}
/// Every spelling of E, in declaration order.
template <typename E> std::vector<std::string_view> enumSpellings() {
  return {std::begin(EnumTraits<E>::kNames), std::end(EnumTraits<E>::kNames)};
}
/// A node kind's name, as the plan spells it.
inline const char* kindName(NodeKind kind) {
  return name(kind);
}

// ---- keys and fields (plan_keys.def) ------------------------------------------------------

/// The objects of the plan format, one per distinct JSON object shape.
enum class PlanObject : uint8_t {
  Plan,
  Input,
  Output,
  Model,
  Profile,
  Limits,
  Tool,
  Param,
  Estimate,
  Pass,
  Change,
  Node,
  Guard,
  Cache,
  Hints,
  Speculate,
  Message,
  Segment,
  Options,
  Fused,
  Body,
  Reduce
};
/// What a field holds. Expr and Schema are objects of the evaluator / JSON Schema formats;
/// Enum is a string from plan_enums.def; Any is any JSON value.
enum class FieldType : uint8_t {
  String,
  Integer,
  Number,
  Boolean,
  Object,
  Array,
  Enum,
  Expr,
  Schema,
  Any
};

/// Key constants: key::Node::kMaxTokens is "max_tokens" and so on.
namespace key {
#define AWC_PLAN_FIELD(Object, Name, Spelling, Type)                                               \
  namespace Object {                                                                               \
  inline constexpr const char* k##Name = Spelling;                                                 \
  }
#include "awc/plan/plan_keys.def"
#undef AWC_PLAN_FIELD
} // namespace key

/// One row of plan_keys.def.
struct FieldInfo {
  PlanObject object;
  const char* key;
  FieldType type;
};
/// Every field of the format, in table order.
const std::vector<FieldInfo>& allFields();
/// "node", "options", ... (for messages and the schema test).
const char* objectName(PlanObject object);
/// "string", "integer", ...
const char* typeName(FieldType type);

// ---- the typed plan -----------------------------------------------------------------------

/// hints.speculate: the step may start before its guarding branch is decided.
struct SpeculateHint {
  double gainMs = 0;        ///< expected latency saved
  double extraCostUsd = 0;  ///< expected extra cost (paid when the other arm is taken)
  std::string condition;    ///< the model step the branch condition waits for
  double probability = 0.5; ///< chance that the step's arm is taken (declared, else 1/2)
};

/// Optimisation annotations the passes leave for the runtime (a runtime may ignore them).
struct Hints {
  std::string prefixGroup; ///< steps sharing a cacheable prompt prefix ("" = none)
  std::string waitForWarm; ///< start after this node's first token ("" = none)
  bool warmFirst = false;  ///< other steps wait for this one's first token
  std::optional<SpeculateHint> speculate;
  bool empty() const {
    return prefixGroup.empty() && waitForWarm.empty() && !warmFirst && !speculate;
  }
};

struct Segment {
  bool isStatic = true;
  std::string text;                  ///< static
  Json expr;                         ///< dynamic: an expression tree
  std::optional<std::string> origin; ///< where the text came from (absent for separators)
  bool cacheBreakpoint = false;
};

struct Message {
  Role role = Role::User;
  std::vector<Segment> segments;
};

struct LlmOptions {
  std::optional<double> temperature;
  std::optional<int64_t> maxTokens, retries, timeoutMs;
  std::string promptCacheKey;
};

struct FusedPart {
  std::string name, field;
  Json schema; ///< null when absent
};

struct CacheInfo {
  bool enabled = false;
  std::optional<std::string> reason, key;
  std::optional<int64_t> ttlMs;
};

struct GuardRef {
  std::string branch;
  int arm = 0;
};

struct Node;

/// A map body: its nodes and the per-element result expression.
struct Body {
  std::vector<Node> nodes;
  Json result;
};

struct ReduceSpec {
  std::string acc;
  Json init;
};

/// Fields of `llm` nodes.
struct LlmFields {
  std::string model, autoLadder;
  std::string rightsizedFrom; // the named model `rightsize` moved the step away from
  std::optional<TaskClass> task;
  std::vector<Message> messages;
  LlmOptions options;
  int64_t estPromptTokens = 0, estOutputTokens = 0;
  std::vector<FusedPart> fused;
};

/// Fields of `map` nodes (also reduce).
struct MapFields {
  std::string var;
  Json over;
  std::vector<std::string> captures;
  std::optional<Body> body;
  std::optional<ReduceSpec> reduce;
};

/// One node. The kind-specific groups hold data only for their kind.
struct Node {
  std::string id;
  NodeKind kind = NodeKind::Native;
  int64_t order = 0;
  std::string loc;
  std::vector<std::string> deps;
  std::optional<GuardRef> guard;
  Json schema; ///< null when absent
  double estMs = 0, priorityMs = 0;
  CacheInfo cache;
  Hints hints;
  // input
  std::string inputName;
  std::optional<Json> defaultValue;
  // native, output, branch
  Json expr;
  LlmFields llm;
  // tool
  std::string tool;
  std::map<std::string, Json> args;
  MapFields map;
  /// Where the node was read from (a JSON pointer) and its "node 'id' (loc)" label: for errors.
  std::string pointer, label;
};

struct Input {
  std::string name;
  Json schema = Json::object();
  std::optional<Json> defaultValue;
};

struct Model {
  std::string id;
  Provider provider = Provider::OpenAI;
  std::string name, endpoint, keyEnv;
  double priceIn = 0, priceOut = 0;
  std::optional<double> cachedPriceIn;
  int64_t context = 0;
  std::optional<SizeClass> size;
  double ttftBaseMs = 0, prefillMsPerToken = 0, decodeTokensPerS = 0;
  int64_t maxConcurrency = 0, rpm = 0, tpm = 0;
};

struct ToolParam {
  std::string name;
  Json schema = Json::object();
};

struct Tool {
  std::string id;
  ToolImpl impl = ToolImpl::Host;
  std::string method, url, description;
  std::vector<ToolParam> params;
  Json resultSchema; ///< null when absent
  std::optional<Effect> effect;
  int64_t cacheTtlMs = -1, timeoutMs = 0, retries = 0;
};

struct Estimate {
  double latencyMs = 0, costUsd = 0, modelCalls = 0;
  int64_t promptTokens = 0, cachedTokens = 0, outputTokens = 0;
  std::vector<std::string> criticalPath;
  /// What `--speculate auto` may spend on hinted steps in expectation: the passes' estimated
  /// saving against the -O0 plan (absent: nothing).
  std::optional<double> speculationBudgetUsd;
};

struct PassChange {
  std::string node, message;
  Json detail = Json::object();
};

struct PassReport {
  std::string pass;
  std::vector<PassChange> changes;
};

/// A whole plan.
struct Document {
  int64_t version = kPlanVersion;
  std::string compiler, source, workflow;
  int64_t optLevel = 0;
  ExecMode mode = ExecMode::Parallel;
  std::vector<Input> inputs;
  Json outputSchema = Json::object();
  std::vector<Model> models;
  std::map<std::string, std::vector<std::string>> ladders;
  std::vector<Tool> tools;
  std::vector<std::string> hosts;
  std::vector<Node> nodes;
  Estimate estimate;
  std::vector<PassReport> passes;
};

// ---- JSON ---------------------------------------------------------------------------------

/// The plan JSON of a typed plan (moves the expressions and schemas out of `doc`).
Json toJson(Document&& doc);
/// The `hints` object of one node (empty object when there are none).
Json toJson(const Hints& hints);

/// One problem found while reading a plan: where (a JSON pointer such as
/// "/nodes/3/options/max_tokens"), in which node ("node 'a' (t.flow:2:1)", or "" at top
/// level), and what.
struct PlanError {
  std::string pointer, context, message;
  /// "node 'a' (t.flow:2:1): /nodes/1/options/max_tokens: must be ..." ("plan: ..." at top).
  std::string render() const;
};

/// Reads a plan document, moving subtrees out of `json` (never copying an expression).
/// Every field is type-checked as docs/plan-format.md documents; problems are appended to
/// `errors` (at most kMaxErrors) and the returned document is then incomplete. Cross-node
/// checks (unknown ids, cycles) are the loader's: they need the resolved graph.
Document fromJson(Json&& json, std::vector<PlanError>& errors);
inline constexpr std::size_t kMaxErrors = 64;

/// Parses JSON text with nesting bounded by kMaxJsonDepth (never recursing deeper): on
/// failure returns a discarded value and sets `error`.
Json parseBounded(std::string_view text, std::string& error);
/// True when `json` nests deeper than `limit` levels (checked without recursion).
bool deeperThan(const Json& json, int limit);
/// Checks that `schema` is a JSON Schema of the subset the runtime validates with (known
/// `type` names, object `properties`, ...); "" when it is, else what is wrong.
std::string checkSchema(const Json& schema);

} // namespace awc::plan
