// The latency and cost model of a plan: per-node token, latency and cost estimates under
// the shared model profiles (support/latency_model.h), an as-soon-as-possible schedule
// with prefix-cache reuse, the critical path and per-node priorities. `explain`, the
// passes' cost gates and the plan's `estimate` all come from here.
#pragma once

#include "awc/ir/graph.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace awc::ir {

/// Documented assumptions (docs/plan-format.md, "Estimates").
struct CostAssumptions {
  int64_t dynamicStringTokens = 60;   // an interpolated string of unknown size
  int64_t freeTextOutputTokens = 250; // a free-text answer whose prompt asks for no length
  /// A string inside a structured answer (a record's field, a list's element): a short phrase
  /// with its quotes, as `awc sim` writes one (1-4 words). Not the 60 of an interpolated string:
  /// that is a document in a prompt, this a name, an id or a line in an answer.
  int64_t answerStringTokens = 5;
  int64_t mapFanout = 4;         // elements of a list of unknown length
  int64_t cacheBlockTokens = 16; // prefix-cache granularity (as in awc sim)
  double toolLatencyMs = 150;    // an HTTP or host tool call
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

/// Tokens a value of this type takes in a structured answer (a string: answerStringTokens).
int64_t estimateValueTokens(const sema::Type* type, const CostAssumptions& a);
/// Tokens a fused call's answer spends on its outer braces, and on each part besides the key's
/// own tokens (quotes, colon, separator); calibrated in docs/simulator.md (Fused answers).
constexpr int64_t kFusedObjectFramingTokens = 2;
constexpr int64_t kFusedFieldExtraTokens = 5;
/// Tokens the {"value": …} wrapper around a non-object structured answer costs (`{"value":` and
/// `}` under the shared tokenizer): separate typed calls pay it, a fused call's parts do not.
constexpr int64_t kWrappedAnswerFramingTokens = 6;
/// Tokens one part of a fused answer spends on its key and framing, beside its value.
int64_t fusedFieldFramingTokens(const std::string& field);
/// Output tokens a model step is expected to produce (bounded by max_tokens).
int64_t estimateOutputTokens(const Node& node, const CostAssumptions& a);
/// Output tokens of a free-text answer to these messages: what their static text asks for — a
/// bare value ("YYYY-MM-DD", "name only"), an explicit limit ("in at most 50 words"), the kind of
/// text ("write the follow-up email"), a question — else a.freeTextOutputTokens
/// (compiler/ir/answer_length.cpp; docs/optimizations.md, "The cost model").
int64_t freeTextOutputTokens(const std::vector<Message>& messages, const CostAssumptions& a);
/// The same for one free-text part of a fused call, from its task's text in the fused prompt.
int64_t fusedFreeTextOutputTokens(const Node& fused, const FusedPart& part,
                                  const CostAssumptions& a);

/// A lower bound on the latency of a structured (JSON-schema) call of `model` answering
/// `outputTokens` tokens: its whole prompt cached. For cost gates that reject cheaply.
double structuredLatencyLowerBoundMs(const ModelInfo* model, int64_t outputTokens);

/// The start of a model step's prompt that is the same bytes wherever one run sends it: its
/// static text, and its interpolated values up to the first that can differ between two
/// evaluations (a non-deterministic call such as `now()`). A value is written as a marker
/// (promptValueMarker) naming its expression and its estimated tokens, so two steps that
/// interpolate the same value at the same place share the prefix — at run time, as a server's
/// prefix cache sees it — while the static text before the first marker is shared across runs.
std::string promptPrefix(const Node& node, const CostAssumptions& a = {});
/// The marker promptPrefix writes for an interpolated value: bytes that never occur in
/// prompt text (0xFF is not UTF-8), the value's estimated tokens, its expression.
std::string promptValueMarker(const Segment& dynamicSegment, const CostAssumptions& a = {});
/// Tokens a prompt prefix takes: static text through the tokenizer, markers by their estimate.
int64_t prefixTokenCount(std::string_view prefix);
/// The shortest start of `prefix` that holds at least `tokens` tokens (a marker is never cut),
/// or "" when the whole prefix holds fewer.
std::string_view prefixHead(std::string_view prefix, int64_t tokens);
/// The static text a model step's prompt starts with: what a prefix cache reuses across runs.
std::string staticPromptPrefix(const Node& node);
/// Tokens, in whole cache blocks, that two prompt prefixes (as promptPrefix writes them) share.
int64_t sharedPrefixTokens(const std::string& x, const std::string& y, int64_t blockTokens);
/// The bytes sharedPrefixTokens counts: the common start of x and y, never cutting a marker.
/// Its tokens are a function of x's start alone, so a caller comparing one leader with many
/// prompts can count them once per length.
size_t sharedPrefixBytes(const std::string& x, const std::string& y);

/// Fills estMs, estCostUsd, estPromptTokens, estOutputTokens and priority on every node of
/// the module's graph and returns the whole-plan figures. Deterministic.
PlanEstimate estimate(Module& module, const CostAssumptions& a = {});

/// Estimates as written into plans and reports: milliseconds to 3 decimals, USD to 9. That is
/// finer than any estimate means, and drops binary-fraction noise (0.1 × 0.05) whose last
/// digits could differ between compilers.
double roundMs(double ms);
double roundUsd(double usd);
/// Rounds, throughout `json`, the numbers under keys whose unit is "_ms" (roundMs) or "_usd"
/// (roundUsd), at the end of the key or before a qualifier ("cost_usd_before").
void roundEstimates(Json& json);

} // namespace awc::ir
