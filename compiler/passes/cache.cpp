// Caching policy. The algorithm:
//  1. Native nodes whose code is deterministic are cacheable ("pure native").
//  2. Model steps are cacheable when their answer is reproducible — temperature 0 — or the
//     author asked for it with `cache: true` / `cache: <ttl>`; `nocache` / `cache: false`
//     opt out.
//  3. Tools are cacheable only when declared so (`cache:`) and not side-effecting.
//  4. Every cacheable node gets a static key: a content hash of what the compiler knows
//     (kind, model, options, static prompt text, schema, tool). The runtime adds the hash
//     of the upstream values it renders, so an edit to one step invalidates exactly that
//     step and its dependants.
#include "awc/sema/type.h"
#include "awc/stdlib/eval.h"
#include "awc/support/hash.h"
#include "pass_list.h"

#include <fmt/format.h>

namespace awc::passes {
namespace {

std::string staticKey(const ir::Node& n) {
  Hasher h;
  h.add(ir::kindName(n.kind)).add(n.model).add(n.tool).add(n.expr.dump());
  for (const auto& m : n.messages) {
    h.add(m.role);
    for (const auto& s : m.segments)
      h.add(s.isStatic ? s.text : s.expr.dump());
  }
  for (const auto& [name, arg] : n.args)
    h.add(name).add(arg.dump());
  if (n.options.temperature) h.add(fmt::format("t={}", *n.options.temperature));
  if (n.options.maxTokens) h.add(fmt::format("m={}", *n.options.maxTokens));
  if (n.type) h.add(n.type->jsonSchema().dump());
  for (const auto& f : n.fused)
    h.add(f.name).add(f.field);
  return h.hex();
}

void apply(ir::Graph& g, const ir::Module& m, PassReport& report) {
  for (auto& np : g.nodes) {
    ir::Node& n = *np;
    if (n.removed) continue;
    ir::CachePolicy policy;
    switch (n.kind) {
    case ir::NodeKind::Native:
      if (stdlib::isDeterministic(n.expr)) policy = {true, 0, "pure native", {}};
      break;
    case ir::NodeKind::Llm:
      if (n.options.cacheDisabled) break;
      if (n.options.cacheTtlMs)
        policy = {true, *n.options.cacheTtlMs, "step declares cache", {}};
      else if (n.options.temperature && *n.options.temperature == 0)
        policy = {true, 0, "temperature 0", {}};
      break;
    case ir::NodeKind::Tool:
      if (const ir::ToolInfo* t = m.tool(n.tool);
          t && t->cacheTtlMs >= 0 && t->effect != "side_effect")
        policy = {true, t->cacheTtlMs, fmt::format("tool declares cache ({})", t->effect), {}};
      break;
    case ir::NodeKind::Map:
      if (n.body) apply(*n.body, m, report);
      break;
    default:
      break;
    }
    if (policy.enabled) {
      // Native results are cheaper to recompute than to look up: they need no key.
      if (n.kind != ir::NodeKind::Native) policy.key = staticKey(n);
      n.cache = policy;
      if (n.kind != ir::NodeKind::Native)
        report.changes.push_back({n.id, "cacheable: " + policy.reason, {{"ttl_ms", policy.ttlMs}}});
    }
  }
}

} // namespace

PassReport runCache(PassContext& ctx) {
  PassReport report;
  apply(ctx.module.graph, ctx.module, report);
  return report;
}

} // namespace awc::passes
