// The loaded plan as the executor sees it: nodes indexed by small integers, dependency counts
// and dependants precomputed, references resolved to value slots. Private to awc_runtime.
#pragma once

#include "awc/plan/contract.h"
#include "awc/runtime/model_backend.h"
#include "awc/runtime/runtime.h"

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace awc::runtime {

/// The plan contract's node kinds (include/awc/plan/plan_enums.def).
using NodeKind = plan::NodeKind;

struct PlanModel {
  std::string id;
  Provider provider = Provider::OpenAI;
  std::string name;
  std::string endpoint;
  std::string keyEnv;
  ModelPrice price;
  int maxConcurrency = 0;
  int rpm = 0;
  int tpm = 0;
};

struct PlanTool {
  std::string id;
  bool http = false;
  std::string method = "GET";
  std::string url;
  std::vector<std::string> params;
  nlohmann::json resultSchema;
  bool hasResultSchema = false;
  std::int64_t cacheTtlMs = -1;
  std::int64_t timeoutMs = 0;
  int retries = 0;
};

struct Segment {
  bool isStatic = true;
  std::string text;
  nlohmann::json expr;
  bool cacheBreakpoint = false;
};

struct PlanMessage {
  bool system = false;
  std::vector<Segment> segments;
};

struct FusedPart {
  int slot = -1;
  std::string name;
  std::string field;
};

struct Graph;

/// Lets unordered_map<std::string, ...> be searched by string_view without a copy.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct PlanNode {
  std::string id;
  NodeKind kind = NodeKind::Native;
  std::string kindName;
  int order = 0;
  std::string loc;
  /// Indices (in the same graph) of the nodes this one waits for, deduplicated.
  std::vector<int> deps;
  /// Every dep id as written in the plan (for metrics).
  std::vector<std::string> depIds;
  int guardBranch = -1; ///< graph index of the guarding branch, or -1
  int guardArm = 0;
  /// "warm first": the sibling this node waits for until that call's first token (or end),
  /// so the shared prompt prefix is in the server's cache; -1 when none.
  int warmLeader = -1;
  std::vector<int> warmFollowers; ///< nodes waiting for this one's first token
  /// hints.speculate: the step may start before its guarding branch is decided; the value is
  /// the compiler's expected extra cost of doing so (paid when the other arm is taken).
  std::optional<double> speculateExtraUsd;
  double speculateGainMs = 0; ///< hints.speculate.gain_ms: the expected latency saved
  /// Computes locally and reads nothing but its inputs (a native node, or a map whose body is
  /// all native): starting it early costs nothing but CPU.
  bool pure = false;
  nlohmann::json schema;
  bool hasSchema = false;
  double priorityMs = 0;
  bool cacheEnabled = false;
  std::string cacheKey;
  std::int64_t cacheTtlMs = 0;
  int slot = -1; ///< where the node's value lives in its scope
  // input
  std::string inputName;
  std::optional<nlohmann::json> defaultValue;
  // native, output, branch
  nlohmann::json expr;
  // llm
  int model = -1;
  std::vector<PlanMessage> messages;
  std::optional<double> temperature;
  std::optional<int> maxTokens;
  std::optional<int> retries;
  std::optional<std::int64_t> timeoutMs;
  std::string promptCacheKey;
  std::vector<FusedPart> fused;
  std::int64_t estTokens = 0; ///< prompt + output estimate, for tpm limits
  // tool
  int tool = -1;
  nlohmann::json args; ///< {param: expr}
  // map
  nlohmann::json over;
  std::string var;
  bool isReduce = false;
  std::string acc;
  nlohmann::json init;
  nlohmann::json result;
  std::unique_ptr<Graph> body;
};

/// A DAG of nodes: the plan's top level or a map body.
struct Graph {
  std::vector<PlanNode> nodes;
  /// Node ids and fused step names -> value slot.
  std::unordered_map<std::string, int, StringHash, std::equal_to<>> slots;
  int slotCount = 0;
  /// dependants[i]: nodes that wait for node i.
  std::vector<std::vector<int>> dependants;
  /// Unfinished-dependency count each node starts with (sequential mode adds the predecessor).
  std::vector<int> initialPending;
  int outputNode = -1;
};

class Plan {
public:
  std::string workflow;
  std::string mode;
  bool sequential = false;
  int optLevel = 0;
  /// estimate.speculation_budget_usd: what `auto` speculation may spend in expectation.
  double speculationBudgetUsd = 0;
  std::vector<PlanModel> models;
  std::vector<PlanTool> tools;
  std::vector<std::string> hosts;
  std::vector<std::pair<std::string, nlohmann::json>> inputSchemas;
  Graph graph;
};

} // namespace awc::runtime
