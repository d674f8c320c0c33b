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
  // Only model and tool calls get a key; the hashed text is the same as before payloads
  // (empty model, tool and a null expression for the kind without them) so keys stay stable.
  const ir::LlmData* l = n.asLlm();
  const ir::ToolData* t = n.asTool();
  const ir::ExprData* e = n.asExpr();
  Hasher h;
  h.add(ir::kindName(n.kind()))
      .add(l ? l->model : "")
      .add(t ? t->name : "")
      .add(e ? e->expr.dump() : ir::Json().dump());
  if (l)
    for (const auto& m : l->messages) {
      h.add(m.role);
      for (const auto& s : m.segments)
        h.add(s.isStatic ? s.text : s.expr.dump());
    }
  if (t)
    for (const auto& [name, arg] : t->args)
      h.add(name).add(arg.dump());
  if (l && l->options.temperature) h.add(fmt::format("t={}", *l->options.temperature));
  if (l && l->options.maxTokens) h.add(fmt::format("m={}", *l->options.maxTokens));
  if (n.type) h.add(n.type->jsonSchema().dump());
  if (l)
    for (const auto& f : l->fused)
      h.add(f.name).add(f.field);
  return h.hex();
}

void apply(ir::Graph& g, const ir::Module& m, PassReport& report) {
  for (auto& np : g.nodes) {
    ir::Node& n = *np;
    if (n.removed) continue;
    ir::CachePolicy policy;
    switch (n.kind()) {
    case ir::NodeKind::Native:
      if (stdlib::isDeterministic(n.expr())) policy = {true, 0, "pure native", {}};
      break;
    case ir::NodeKind::Llm:
      if (n.llm().options.cacheDisabled) break;
      if (n.llm().options.cacheTtlMs)
        policy = {true, *n.llm().options.cacheTtlMs, "step declares cache", {}};
      else if (n.llm().options.temperature && *n.llm().options.temperature == 0)
        policy = {true, 0, "temperature 0", {}};
      break;
    case ir::NodeKind::Tool:
      if (const ir::ToolInfo* t = m.tool(n.tool().name);
          t && t->cacheTtlMs >= 0 && t->effect != "side_effect")
        policy = {true, t->cacheTtlMs, fmt::format("tool declares cache ({})", t->effect), {}};
      break;
    case ir::NodeKind::Map:
      if (n.map().body) apply(*n.map().body, m, report);
      break;
    default:
      break;
    }
    if (policy.enabled) {
      // Native results are cheaper to recompute than to look up: they need no key.
      if (n.kind() != ir::NodeKind::Native) policy.key = staticKey(n);
      n.cache = policy;
      if (n.kind() != ir::NodeKind::Native)
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
