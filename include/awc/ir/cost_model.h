// The latency and cost model of a plan: per-node token, latency and cost estimates under
// the shared model profiles (support/latency_model.h), an as-soon-as-possible schedule
// with prefix-cache reuse, the critical path and per-node priorities. `explain`, the
// passes' cost gates and the plan's `estimate` all come from here.
#pragma once

#include "awc/ir/graph.h"

#include <cstdint>
#include <string>
#include <vector>

namespace awc::ir {

/// Documented assumptions (docs/plan-format.md, "Estimates").
struct CostAssumptions {
  int64_t dynamicStringTokens = 60;   // an interpolated string of unknown size
  int64_t freeTextOutputTokens = 250; // a free-text answer without max_tokens
  int64_t mapFanout = 4;              // elements of a list of unknown length
  int64_t cacheBlockTokens = 16;      // prefix-cache granularity (as in awc sim)
  double toolLatencyMs = 150;         // an HTTP or host tool call
  /// What a second of latency saved is worth when `speculate` weighs an early start against
  /// the expected waste ($36 an hour: someone waiting on the answer); -fspeculate-value=.
  double speculateUsdPerS = 0.01;
};

struct PlanEstimate {
  double latencyMs = 0;
  double costUsd = 0;
  double modelCalls = 0;
  int64_t promptTokens = 0;
  int64_t cachedTokens = 0;
  int64_t outputTokens = 0;
  std::vector<std::string> criticalPath; // node ids, first to last
  /// When each node of the top-level graph is estimated to finish (ms), by node index.
  std::vector<double> finishMs;
};

/// Tokens a value of this type takes in a prompt or in an answer.
int64_t estimateValueTokens(const sema::Type* type, const CostAssumptions& a);
/// Output tokens a model step is expected to produce (bounded by max_tokens).
int64_t estimateOutputTokens(const Node& node, const CostAssumptions& a);

/// A lower bound on the latency of a structured (JSON-schema) call of `model` answering
/// `outputTokens` tokens: its whole prompt cached. For cost gates that reject cheaply.
double structuredLatencyLowerBoundMs(const ModelInfo* model, int64_t outputTokens);

/// The static text a model step's prompt starts with: what a server's prefix cache can reuse.
std::string staticPromptPrefix(const Node& node);
/// Tokens, in whole cache blocks, that two prompt prefixes share.
int64_t sharedPrefixTokens(const std::string& x, const std::string& y, int64_t blockTokens);

/// Fills estMs, estCostUsd, estPromptTokens, estOutputTokens and priority on every node of
/// the module's graph and returns the whole-plan figures. Deterministic.
PlanEstimate estimate(Module& module, const CostAssumptions& a = {});

/// Estimates as written into plans and reports: milliseconds to 3 decimals, USD to 9. That is
/// finer than any estimate means, and drops binary-fraction noise (0.1 × 0.05) whose last
/// digits could differ between compilers.
double roundMs(double ms);
double roundUsd(double usd);
/// Rounds, throughout `json`, the numbers under keys ending in "_ms" (roundMs) or "_usd"
/// (roundUsd).
void roundEstimates(Json& json);

} // namespace awc::ir
