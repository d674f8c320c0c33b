// The dataflow IR: a DAG of input, llm, tool, native, branch, map and output nodes whose
// edges are data dependencies; each node has common fields and a per-kind payload (InputData,
// ExprData, LlmData, ToolData, MapData) behind checked accessors. Built from the checked AST
// (ir/builder.h), rewritten by the passes, emitted as the plan. Native code and dynamic prompt
// parts are expression trees in the plan's JSON form (docs/plan-format.md), so the IR, the constant
// folder and the runtime all evaluate the same thing.
#pragma once

#include "awc/plan/contract.h"
#include "awc/support/latency_model.h"
#include "awc/support/source.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace awc::sema {
class Type;
}

namespace awc::ir {

using Json = nlohmann::json;
using NodeIndex = uint32_t;
inline constexpr NodeIndex kNoNode = ~NodeIndex(0);

/// The node kinds are the plan contract's (include/awc/plan/plan_enums.def).
using plan::kindName;
using plan::NodeKind;

/// One piece of a prompt: static text (known at compile time) or a dynamic expression.
struct Segment {
  bool isStatic = true;
  std::string text;             // static
  Json expr;                    // dynamic: an expression tree
  std::string origin;           // where the text came from: "const POLICY", "literal", "expr"
  bool cacheBreakpoint = false; // the end of a cacheable static prefix (Anthropic cache_control)
  const sema::Type* type = nullptr; // dynamic: the interpolated value's type
};

/// A static segment of text from `origin`.
inline Segment staticSegment(std::string text, std::string origin) {
  Segment s;
  s.text = std::move(text);
  s.origin = std::move(origin);
  return s;
}
/// The blank line between two prompt parts of one message (part boundaries matter to hoisting).
inline Segment separatorSegment() {
  return staticSegment("\n\n", "separator");
}

/// A chat message built from segments, rendered by the runtime in order.
struct Message {
  std::string role; // "system" or "user"
  std::vector<Segment> segments;
};

struct LlmOptions {
  std::optional<double> temperature;
  std::optional<int64_t> maxTokens;
  bool maxTokensInferred = false; // set by the response-bounds pass
  std::optional<int64_t> retries;
  std::optional<int64_t> timeoutMs;
  std::optional<int64_t> cacheTtlMs; // 0 = never expires
  bool cacheDisabled = false;
  std::string promptCacheKey; // stable key for providers' prefix-cache routing
};

/// Flags an author sets on a step to opt out of an optimisation.
struct StepFlags {
  bool nofuse = false, nocache = false, nohoist = false, nolower = false, nospeculate = false;
  /// Consent to (or refusal of) moving this step to a cheaper model (the `rightsize` pass).
  bool rightsize = false, norightsize = false;
};

/// How a node's result may be cached by the runtime.
struct CachePolicy {
  bool enabled = false;
  int64_t ttlMs = 0; // 0 = no expiry
  std::string
      reason;      // why (for explain): "pure native", "temperature 0", "tool declares cache: 5m"
  std::string key; // content hash of the node's static parts; the runtime adds upstream values
};

/// The node is only evaluated when `branch` (a Branch node) selects `arm` (0 = then, 1 = else).
struct Guard {
  NodeIndex branch = kNoNode;
  int arm = 0;
};

/// For fused llm nodes: one original step whose value is a field of the fused answer.
struct FusedPart {
  std::string name;  // the original step's node id
  std::string field; // the key in the fused answer object
  const sema::Type* type = nullptr;
  std::optional<int64_t> maxTokens; // the original step's own bound, if any
};

struct Graph;

/// Input: the value used when the caller leaves the input out.
struct InputData {
  Json defaultValue; // null when required
};

/// Native, Branch (the condition) and Output: one expression tree.
struct ExprData {
  Json expr;
};

/// Llm: one model call.
struct LlmData {
  std::string model;          // a model id of the plan
  std::string autoLadder;     // non-empty for `llm auto` before right-sizing
  std::string rightsizedFrom; // the named model `rightsize` moved this step away from
  std::vector<Message> messages;
  LlmOptions options;
  StepFlags flags;
  std::vector<FusedPart> fused; // non-empty for fused calls
  std::string taskClass;        // classify / extract / generate / reason (right-sizing)
};

/// Tool: one tool call.
struct ToolData {
  std::string name;                 // the tool's id in the module
  std::map<std::string, Json> args; // parameter → expression
};

/// Map (also reduce: a sequential fold when accName is set).
struct MapData {
  std::string var;
  Json over;     // the list expression
  Json captures; // the outer values the body reads: a list of {"ref": name}
  std::unique_ptr<Graph> body;
  Json bodyResult;
  std::string accName;
  Json accInit;
};

/// A node's kind-specific fields. ExprData comes first so a default Node (Native) matches.
using Payload = std::variant<ExprData, InputData, LlmData, ToolData, MapData>;

/// A fresh, empty payload of the type `kind` carries.
Payload payloadFor(NodeKind kind);
/// Whether `payload` is of the type `kind` carries.
bool payloadMatches(NodeKind kind, const Payload& payload);

struct Node;
/// Every expression the node reads, in a fixed order: a native, branch or output node's
/// expression, each map capture, the list and initial value, tool arguments, dynamic prompt
/// parts. What dependency wiring and the verifier scan for names.
std::vector<const Json*> exprsOf(const Node& node);

/// Thrown when a checked payload accessor is used on a node of another kind: a programming
/// error in a pass, caught by the tests rather than left as undefined behaviour.
struct PayloadKindError : std::logic_error {
  using std::logic_error::logic_error;
};

struct NodeTestAccess; // tests/ir: builds a node whose payload disagrees with its kind

struct Node {
  NodeIndex index = kNoNode;
  std::string id; // stable, derived from names: "order", "input.query", "pick/then/x", "output"
  SourceRange loc;
  std::vector<NodeIndex> deps;      // sorted, unique
  const sema::Type* type = nullptr; // the value's type
  Json schema; // when set (fused nodes), the value's JSON Schema instead of type's
  std::optional<Guard> guard;
  int sourceOrder = 0;  // position in the source, for -O0's sequential order
  bool removed = false; // deleted by a pass; skipped everywhere, compacted on emit

  /// The node's kind; its payload always has the matching type.
  NodeKind kind() const { return kind_; }
  /// Changes the kind and replaces the payload with a fresh one of the new kind (the only way
  /// to change a kind, so kind and payload never disagree). Read the old payload first.
  void setKind(NodeKind kind);
  /// The payload, for code that handles every kind (std::visit).
  const Payload& payload() const { return payload_; }

  /// Checked accessors: throw PayloadKindError on a node of another kind.
  InputData& input() { return get<InputData>("input"); }
  const InputData& input() const { return get<InputData>("input"); }
  /// The expression of a native, branch or output node.
  Json& expr() { return get<ExprData>("native, branch or output").expr; }
  const Json& expr() const { return get<ExprData>("native, branch or output").expr; }
  LlmData& llm() { return get<LlmData>("llm"); }
  const LlmData& llm() const { return get<LlmData>("llm"); }
  ToolData& tool() { return get<ToolData>("tool"); }
  const ToolData& tool() const { return get<ToolData>("tool"); }
  MapData& map() { return get<MapData>("map"); }
  const MapData& map() const { return get<MapData>("map"); }

  /// Probing accessors: the payload when the node is of that kind, else null.
  InputData* asInput() { return std::get_if<InputData>(&payload_); }
  const InputData* asInput() const { return std::get_if<InputData>(&payload_); }
  ExprData* asExpr() { return std::get_if<ExprData>(&payload_); }
  const ExprData* asExpr() const { return std::get_if<ExprData>(&payload_); }
  LlmData* asLlm() { return std::get_if<LlmData>(&payload_); }
  const LlmData* asLlm() const { return std::get_if<LlmData>(&payload_); }
  ToolData* asTool() { return std::get_if<ToolData>(&payload_); }
  const ToolData* asTool() const { return std::get_if<ToolData>(&payload_); }
  MapData* asMap() { return std::get_if<MapData>(&payload_); }
  const MapData* asMap() const { return std::get_if<MapData>(&payload_); }

  // Filled by analyses and passes
  CachePolicy cache;
  double estMs = 0;      // estimated latency of this node alone
  double estCostUsd = 0; // estimated cost of this node alone
  double priority = 0;   // longest remaining path (ms) from this node to the output
  int64_t estPromptTokens = 0;
  int64_t estOutputTokens = 0;
  plan::Hints hints; // pass annotations for the runtime: prefix groups, speculation, warm-first

private:
  friend struct NodeTestAccess;

  template <class T> T& get(const char* want) {
    if (T* p = std::get_if<T>(&payload_)) return *p;
    throwWrongKind(want);
  }
  template <class T> const T& get(const char* want) const {
    if (const T* p = std::get_if<T>(&payload_)) return *p;
    throwWrongKind(want);
  }
  [[noreturn]] void throwWrongKind(const char* want) const;

  NodeKind kind_ = NodeKind::Native;
  Payload payload_;
};

/// A graph of nodes; map bodies are nested graphs.
struct Graph {
  std::vector<std::unique_ptr<Node>> nodes;
  std::map<std::string, NodeIndex> byId;

  Node& add(std::string id, NodeKind kind, SourceRange loc);
  Node* find(const std::string& id);
  const Node* find(const std::string& id) const;
  /// Live nodes in a topological order (ties broken by source order): deterministic.
  std::vector<NodeIndex> topoOrder() const;
  /// Consumers of each node (live nodes only).
  std::vector<std::vector<NodeIndex>> users() const;
  /// True when the live nodes have no dependency cycle.
  bool isAcyclic() const;
};

/// Calls fn on `g` and then on every map/reduce body inside it (live map nodes only), depth
/// first, in node order: how a pass sees every graph of a module. Deterministic.
void forEachGraph(Graph& g, const std::function<void(Graph&)>& fn);

/// One model the plan may call, with what the estimates and the runtime need.
struct ModelInfo {
  std::string id;       // the flow's name for it
  std::string provider; // openai | anthropic | sim
  std::string name;     // the provider's model name
  std::string endpoint;
  std::string keyEnv;
  double priceIn = 0, priceOut = 0, cachedPriceIn = -1; // USD per 1M tokens (-1 = priceIn / 10)
  int64_t context = 0;
  int64_t maxConcurrency = 0, rpm = 0, tpm = 0;
  std::string sizeClass; // small | medium | large
  /// The declaration's `cheaper: [...]` alternatives, in source order (the author's consent
  /// to what `rightsize` may move this model's steps to).
  std::vector<std::string> cheaper;
  /// The latency profile the estimates use: the size class's, with the declaration's
  /// ttft_ms, tokens_per_s, structured_tokens_per_s and structured_ttft_ms over it.
  ModelProfile latency;
};

struct ToolInfo {
  std::string id;
  std::string impl; // http | host
  std::string method, url;
  std::vector<std::pair<std::string, const sema::Type*>> params;
  const sema::Type* result = nullptr;
  std::string effect;      // pure | idempotent | side_effect
  int64_t cacheTtlMs = -1; // -1 = not cacheable
  int64_t timeoutMs = 0;
  int64_t retries = 0;
  std::string description;
};

/// Execution mode: -O0 runs one node at a time in source order (the plan contract's enum).
using plan::ExecMode;

/// The whole compiled workflow.
struct Module {
  std::string sourceName;
  std::string workflow;
  std::vector<std::pair<std::string, const sema::Type*>> inputs;
  const sema::Type* resultType = nullptr;
  std::vector<ModelInfo> models;
  std::map<std::string, std::vector<std::string>> ladders;
  std::vector<ToolInfo> tools;
  std::vector<std::string> hosts;
  Graph graph;
  ExecMode mode = ExecMode::Parallel;
  int optLevel = 2;
  /// Set by `speculate` when it marks steps: the passes' estimated saving against -O0, which
  /// `--speculate auto` may spend on early starts (plan `estimate.speculation_budget_usd`).
  std::optional<double> speculationBudgetUsd;
  /// Task classes the workflow's `with { rightsize: [...] }` opts in to.
  std::set<std::string> rightsizeTasks;

  const ModelInfo* model(const std::string& id) const;
  const ToolInfo* tool(const std::string& id) const;
};

} // namespace awc::ir
