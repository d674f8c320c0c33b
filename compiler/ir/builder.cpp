// AST → IR lowering. The algorithm:
//  1. Collect models, ladders, tools and hosts into the module's tables.
//  2. Create an input node per workflow parameter.
//  3. Lower each step into one node (llm, tool, native, map) — `if` with steps becomes a
//     branch node, guarded arm nodes and a native node that selects the taken arm's value.
//  4. Lower `return` into the output node; derive every node's deps from the refs its
//     expressions read (plus its guard's branch).
// Over ~600 lines because the Builder is one class whose members share the lowering state
// (step ids, constant values and their budgets); splitting it is part of the per-kind IR work.
#include "awc/ir/builder.h"

#include "awc/ir/expr.h"
#include "awc/stdlib/eval.h"
#include "awc/stdlib/regex.h"
#include "awc/stdlib/value.h"
#include "awc/support/latency_model.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::ir {
namespace {

using llvm::cast;
using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

// JSON object builders that move their children in: brace-initialised nlohmann::json copies
// every subtree (initializer lists are const), which made lowering quadratic in depth.
Json obj(const char* k, Json v) {
  Json j(Json::value_t::object);
  j.get_ref<Json::object_t&>().emplace(k, std::move(v));
  return j;
}
Json obj(const char* k1, Json v1, const char* k2, Json v2) {
  Json j = obj(k1, std::move(v1));
  j.get_ref<Json::object_t&>().emplace(k2, std::move(v2));
  return j;
}
Json obj(const char* k1, Json v1, const char* k2, Json v2, const char* k3, Json v3) {
  Json j = obj(k1, std::move(v1), k2, std::move(v2));
  j.get_ref<Json::object_t&>().emplace(k3, std::move(v3));
  return j;
}
Json arr(Json a) {
  Json j(Json::value_t::array);
  j.push_back(std::move(a));
  return j;
}
Json arr(Json a, Json b) {
  Json j = arr(std::move(a));
  j.push_back(std::move(b));
  return j;
}

class Builder {
public:
  Builder(const sema::Program& program, const SourceManager& sources, DiagnosticEngine& diags)
      : program_(program), sources_(sources), diags_(diags) {}

  std::unique_ptr<Module> build();

private:
  // Tables
  void collectModels(Module& m);
  void collectTools(Module& m);

  // Expressions
  Json lowerExpr(const ast::Expr* e);
  Json constValue(const ast::ConstDecl* c, SourceRange use);
  Json evalConst(const ast::ConstDecl* c);
  void checkConstantPattern(const ast::CallExpr& call, const Json& args);
  std::optional<Json> evalOption(const ast::Expr* e);
  std::vector<Segment> flattenPrompt(const ast::Expr* e);

  // Steps
  void lowerSteps(Graph& g, const std::vector<std::unique_ptr<ast::Step>>& steps,
                  const std::string& prefix, std::optional<Guard> guard);
  void lowerStep(Graph& g, const ast::Step& step, const std::string& id,
                 std::optional<Guard> guard);
  Json lowerBlockValue(Graph& g, const ast::Block& block, const std::string& prefix,
                       std::optional<Guard> guard);
  Json lowerIf(Graph& g, const ast::IfExpr& ifExpr, const std::string& prefix,
               std::optional<Guard> guard);
  void lowerLlm(Node& n, const ast::LlmExpr& llm);
  void lowerMap(Graph& g, Node& n, const ast::Expr& e);
  void wireDeps(Graph& g, std::set<std::string>* outerRefs);

  static bool blockHasSteps(const ast::Block& b) { return !b.steps.empty(); }
  static bool ifHasSteps(const ast::IfExpr& e);

  const sema::Program& program_;
  const SourceManager& sources_;
  DiagnosticEngine& diags_;
  std::map<const ast::Node*, std::string> stepIds_;
  std::map<const ast::ConstDecl*, Json> constValues_;
  std::map<const ast::ConstDecl*, size_t> constBytes_; // approxValueBytes of each value
  size_t inlinedConstBytes_ = 0;                       // copied into the IR so far
  bool inlinedTooMuch_ = false;
  std::set<const ast::ConstDecl*> failedConsts_; // reported once; readers stay quiet
  bool readFailedConst_ = false;                 // the expression being lowered read one
  std::set<const ast::ConstDecl*> constsInProgress_;
  int order_ = 0;
};

bool Builder::ifHasSteps(const ast::IfExpr& e) {
  if (blockHasSteps(e.thenBlock) || blockHasSteps(e.elseBlock)) return true;
  if (auto* nested = dyn_cast<ast::IfExpr>(e.elseBlock.value.get())) return ifHasSteps(*nested);
  if (auto* nested = dyn_cast<ast::IfExpr>(e.thenBlock.value.get())) return ifHasSteps(*nested);
  return false;
}

/// The most bytes of constant values the IR may hold copies of (each use is a copy).
constexpr size_t kMaxInlinedConstBytes = size_t{256} << 20;

// A constant's value for one use, charged against the budget of copies in the IR.
Json Builder::constValue(const ast::ConstDecl* c, SourceRange use) {
  Json value = evalConst(c);
  if (failedConsts_.count(c)) readFailedConst_ = true;
  size_t& bytes = constBytes_[c];
  if (bytes == 0) bytes = stdlib::approxValueBytes(value);
  inlinedConstBytes_ += bytes;
  if (inlinedConstBytes_ <= kMaxInlinedConstBytes) return value;
  if (!inlinedTooMuch_)
    diags_.report(DiagCode::ConstNotConstant, use,
                  fmt::format("constant '{}' is used where its copies would take more than {} MB "
                              "in all",
                              c->name, kMaxInlinedConstBytes >> 20));
  inlinedTooMuch_ = true;
  return nullptr;
}

// A regex pattern known at compile time is checked now (RE2 has no backreferences or
// lookaround), so the author hears about it at the pattern, not when the step runs.
void Builder::checkConstantPattern(const ast::CallExpr& call, const Json& args) {
  if ((call.callee != "matches" && call.callee != "extract") || call.args.size() < 2) return;
  ir::expr::View pattern(args[1]);
  const std::string* text = pattern.literalString();
  if (!text) return;
  std::string problem = stdlib::checkRegex(*text);
  if (!problem.empty()) diags_.report(DiagCode::BadRegex, call.args[1].value->range(), problem);
}

Json Builder::evalConst(const ast::ConstDecl* c) {
  if (auto it = constValues_.find(c); it != constValues_.end()) return it->second;
  if (!constsInProgress_.insert(c).second) {
    diags_.report(DiagCode::ConstNotConstant, c->nameRange,
                  "constant '" + c->name + "' depends on itself");
    return nullptr;
  }
  Json value = nullptr;
  if (c->value) {
    bool outerRead = readFailedConst_;
    readFailedConst_ = false;
    Json expr = lowerExpr(c->value.get());
    // Constants are compile-time values by definition: over the folding budget is an error.
    // One error per cause: a constant built from a failed one fails silently.
    stdlib::EvalResult r = readFailedConst_ ? stdlib::EvalResult(stdlib::fail(""))
                                            : stdlib::evaluateConstant(expr, stdlib::kFoldLimits);
    if (r.ok())
      value = std::move(r).value();
    else if (!readFailedConst_)
      diags_.report(DiagCode::ConstNotConstant, c->value->range(),
                    "constant '" + c->name + "' cannot be evaluated: " + r.error());
    if (!r.ok()) failedConsts_.insert(c);
    readFailedConst_ = outerRead;
  }
  constsInProgress_.erase(c);
  constValues_[c] = value;
  return value;
}

Json Builder::lowerExpr(const ast::Expr* e) {
  if (!e) return obj("lit", nullptr);
  switch (e->kind()) {
  case ast::NodeKind::Literal: {
    auto* lit = cast<ast::LiteralExpr>(e);
    switch (lit->literalKind) {
    case ast::LiteralExpr::Kind::Int:
    case ast::LiteralExpr::Kind::Duration:
      return obj("lit", lit->intValue);
    case ast::LiteralExpr::Kind::Float:
      return obj("lit", lit->floatValue);
    case ast::LiteralExpr::Kind::Bool:
      return obj("lit", lit->boolValue);
    }
    break;
  }
  case ast::NodeKind::String: {
    auto* s = cast<ast::StringExpr>(e);
    if (s->isPlain()) return obj("lit", s->plainText());
    Json parts = Json::array();
    for (const auto& p : s->parts)
      parts.push_back(p.expr ? lowerExpr(p.expr.get()) : obj("lit", p.text));
    return obj("text", std::move(parts));
  }
  case ast::NodeKind::Name: {
    auto* n = cast<ast::NameExpr>(e);
    switch (n->binding) {
    case ast::Binding::Input:
      return obj("ref", "input." + n->name);
    case ast::Binding::Step: {
      auto it = stepIds_.find(n->target);
      return obj("ref", it != stepIds_.end() ? it->second : n->name);
    }
    case ast::Binding::Const:
      return obj("lit", constValue(static_cast<const ast::ConstDecl*>(n->target), n->range()));
    case ast::Binding::MapVar:
    case ast::Binding::ReduceVar:
    case ast::Binding::ReduceAcc:
    case ast::Binding::Unresolved:
      return obj("ref", n->name);
    }
    break;
  }
  case ast::NodeKind::Field: {
    auto* f = cast<ast::FieldExpr>(e);
    return obj("field", f->field, "of", lowerExpr(f->base.get()));
  }
  case ast::NodeKind::Index: {
    auto* ix = cast<ast::IndexExpr>(e);
    return obj("index", lowerExpr(ix->index.get()), "of", lowerExpr(ix->base.get()));
  }
  case ast::NodeKind::Unary: {
    auto* u = cast<ast::UnaryExpr>(e);
    return obj("op", u->op == ast::UnaryOp::Neg ? "neg" : "not", "args",
               arr(lowerExpr(u->operand.get())));
  }
  case ast::NodeKind::Binary: {
    auto* b = cast<ast::BinaryExpr>(e);
    // Left-deep chains (a + b + c ...) are lowered without recursing down the left spine.
    std::vector<const ast::BinaryExpr*> spine{b};
    while (auto* l = dyn_cast<ast::BinaryExpr>(spine.back()->lhs.get()))
      spine.push_back(l);
    Json acc = lowerExpr(spine.back()->lhs.get());
    for (auto it = spine.rbegin(); it != spine.rend(); ++it)
      acc = obj("op", ast::spelling((*it)->op), "args",
                arr(std::move(acc), lowerExpr((*it)->rhs.get())));
    return acc;
  }
  case ast::NodeKind::Call: {
    auto* c = cast<ast::CallExpr>(e);
    Json args = Json::array();
    for (const auto& a : c->args)
      args.push_back(lowerExpr(a.value.get()));
    checkConstantPattern(*c, args);
    return obj("call", c->callee, "args", std::move(args));
  }
  case ast::NodeKind::List: {
    Json items = Json::array();
    for (const auto& x : cast<ast::ListExpr>(e)->elements)
      items.push_back(lowerExpr(x.get()));
    return obj("list", std::move(items));
  }
  case ast::NodeKind::Record: {
    Json fields = Json::object();
    for (const auto& f : cast<ast::RecordExpr>(e)->fields)
      fields[f.name] = lowerExpr(f.value.get());
    return obj("record", std::move(fields));
  }
  case ast::NodeKind::If: {
    auto* i = cast<ast::IfExpr>(e);
    return obj("if", lowerExpr(i->cond.get()), "then", lowerExpr(i->thenBlock.value.get()), "else",
               lowerExpr(i->elseBlock.value.get()));
  }
  default:
    break;
  }
  // llm / map / reduce inside an expression: sema rejects these (AWC4003).
  return obj("lit", nullptr);
}

std::optional<Json> Builder::evalOption(const ast::Expr* e) {
  if (!e) return std::nullopt;
  stdlib::EvalResult r = stdlib::evaluateConstant(lowerExpr(e));
  if (!r.ok()) {
    diags_.report(DiagCode::BadOptionValue, e->range(),
                  "option value is not a constant: " + r.error());
    return std::nullopt;
  }
  return std::move(r).value();
}

std::vector<Segment> Builder::flattenPrompt(const ast::Expr* e) {
  std::vector<Segment> out;
  auto addStatic = [&](std::string text, std::string origin) {
    if (text.empty()) return;
    if (!out.empty() && out.back().isStatic && out.back().origin == origin) {
      out.back().text += text;
      return;
    }
    out.push_back(staticSegment(std::move(text), std::move(origin)));
  };
  auto addDynamic = [&](const ast::Expr* x) {
    Segment seg{false, {}, obj("text", arr(lowerExpr(x))), "expr"};
    seg.type = x->type;
    out.push_back(std::move(seg));
  };
  // Iterative over `+` chains; interpolation holes that name constants become static text.
  std::vector<const ast::Expr*> stack{e};
  while (!stack.empty()) {
    const ast::Expr* x = stack.back();
    stack.pop_back();
    if (!x) continue;
    if (auto* b = dyn_cast<ast::BinaryExpr>(x); b && b->op == ast::BinaryOp::Add) {
      stack.push_back(b->rhs.get());
      stack.push_back(b->lhs.get());
    } else if (auto* s = dyn_cast<ast::StringExpr>(x)) {
      for (const auto& p : s->parts) {
        if (!p.expr) {
          addStatic(p.text, "literal");
        } else if (auto* n = dyn_cast<ast::NameExpr>(p.expr.get());
                   n && n->binding == ast::Binding::Const) {
          addStatic(
              stdlib::toText(constValue(static_cast<const ast::ConstDecl*>(n->target), n->range())),
              "const " + n->name);
        } else {
          addDynamic(p.expr.get());
        }
      }
    } else if (auto* n = dyn_cast<ast::NameExpr>(x); n && n->binding == ast::Binding::Const) {
      addStatic(
          stdlib::toText(constValue(static_cast<const ast::ConstDecl*>(n->target), n->range())),
          "const " + n->name);
    } else {
      addDynamic(x);
    }
  }
  return out;
}

void Builder::lowerLlm(Node& n, const ast::LlmExpr& llm) {
  LlmData& l = n.llm();
  if (auto* model = dyn_cast_or_null<ast::ModelDecl>(llm.modelDecl)) {
    l.model = model->name;
  } else if (auto* ladder = dyn_cast_or_null<ast::LadderDecl>(llm.modelDecl)) {
    l.autoLadder = ladder->name;
    // Until right-sizing chooses, `auto` means the ladder's largest (safest) model.
    if (!ladder->rungs.empty()) l.model = ladder->rungs.back().model;
  }
  for (const auto& p : llm.prompts) {
    std::string role = p.role == ast::LlmExpr::Role::System ? "system" : "user";
    auto it = std::find_if(l.messages.begin(), l.messages.end(),
                           [&](const Message& m) { return m.role == role; });
    if (it == l.messages.end()) {
      l.messages.push_back(Message{role, {}});
      it = l.messages.end() - 1;
    } else {
      it->segments.push_back(separatorSegment());
    }
    for (auto& s : flattenPrompt(p.text.get()))
      it->segments.push_back(std::move(s));
  }
  // System first, then user, whatever the source order.
  std::stable_sort(l.messages.begin(), l.messages.end(), [](const Message& a, const Message& b) {
    return a.role == "system" && b.role != "system";
  });
  for (const auto& opt : llm.options) {
    std::optional<Json> v = evalOption(opt.value.get());
    if (!v) continue;
    if (opt.name == "temperature" && v->is_number())
      l.options.temperature = v->get<double>();
    else if (opt.name == "max_tokens" && v->is_number_integer())
      l.options.maxTokens = v->get<int64_t>();
    else if (opt.name == "retries" && v->is_number_integer())
      l.options.retries = v->get<int64_t>();
    else if (opt.name == "timeout" && v->is_number_integer())
      l.options.timeoutMs = v->get<int64_t>();
    else if (opt.name == "cache") {
      if (v->is_boolean())
        l.options.cacheDisabled = !v->get<bool>();
      else if (v->is_number_integer())
        l.options.cacheTtlMs = v->get<int64_t>();
    }
  }
  for (const auto& f : llm.flags) {
    if (f.name == "nofuse")
      l.flags.nofuse = true;
    else if (f.name == "nocache")
      l.flags.nocache = true;
    else if (f.name == "nohoist")
      l.flags.nohoist = true;
    else if (f.name == "nolower")
      l.flags.nolower = true;
    else if (f.name == "nospeculate")
      l.flags.nospeculate = true;
    else if (f.name == "rightsize")
      l.flags.rightsize = true;
    else if (f.name == "norightsize")
      l.flags.norightsize = true;
  }
  if (l.flags.nocache) l.options.cacheDisabled = true;
}

void Builder::lowerMap(Graph& g, Node& n, const ast::Expr& e) {
  (void)g;
  MapData& m = n.map();
  m.body = std::make_unique<Graph>();
  const ast::Block* body = nullptr;
  if (auto* me = dyn_cast<ast::MapExpr>(&e)) {
    m.var = me->var;
    m.over = lowerExpr(me->list.get());
    body = &me->body;
  } else {
    auto* r = cast<ast::ReduceExpr>(&e);
    m.var = r->var;
    m.over = lowerExpr(r->list.get());
    m.accName = r->acc;
    m.accInit = lowerExpr(r->init.get());
    body = &r->body;
  }
  m.bodyResult = lowerBlockValue(*m.body, *body, n.id + "/", std::nullopt);
  std::set<std::string> outer;
  wireDeps(*m.body, &outer);
  std::vector<std::string> refs;
  stdlib::collectRefs(m.bodyResult, refs);
  for (auto& r : refs)
    if (!m.body->find(r)) outer.insert(r);
  outer.erase(m.var);
  if (!m.accName.empty()) outer.erase(m.accName);
  // Outer refs become the map node's own inputs, recorded as its captures so deps see them.
  m.captures = Json::array();
  for (const auto& r : outer)
    m.captures.push_back(obj("ref", r));
}

Json Builder::lowerBlockValue(Graph& g, const ast::Block& block, const std::string& prefix,
                              std::optional<Guard> guard) {
  lowerSteps(g, block.steps, prefix, guard);
  if (auto* nested = dyn_cast_or_null<ast::IfExpr>(block.value.get());
      nested && ifHasSteps(*nested))
    return lowerIf(g, *nested, prefix, guard);
  return lowerExpr(block.value.get());
}

Json Builder::lowerIf(Graph& g, const ast::IfExpr& ifExpr, const std::string& prefix,
                      std::optional<Guard> guard) {
  Node& cond =
      g.add(prefix + "if", NodeKind::Branch, ifExpr.cond ? ifExpr.cond->range() : ifExpr.range());
  cond.sourceOrder = order_++;
  cond.guard = guard;
  cond.expr() = lowerExpr(ifExpr.cond.get());
  cond.type = ifExpr.cond ? ifExpr.cond->type : nullptr;
  NodeIndex branch = cond.index;
  Json thenValue = lowerBlockValue(g, ifExpr.thenBlock, prefix + "then/", Guard{branch, 0});
  Json elseValue = lowerBlockValue(g, ifExpr.elseBlock, prefix + "else/", Guard{branch, 1});
  return obj("if", obj("ref", g.nodes[branch]->id), "then", std::move(thenValue), "else",
             std::move(elseValue));
}

void Builder::lowerSteps(Graph& g, const std::vector<std::unique_ptr<ast::Step>>& steps,
                         const std::string& prefix, std::optional<Guard> guard) {
  for (const auto& s : steps)
    stepIds_[s.get()] = prefix + s->name;
  for (const auto& s : steps)
    lowerStep(g, *s, prefix + s->name, guard);
}

void Builder::lowerStep(Graph& g, const ast::Step& step, const std::string& id,
                        std::optional<Guard> guard) {
  const ast::Expr* value = step.value.get();
  auto make = [&](NodeKind kind) -> Node& {
    Node& n = g.add(id, kind, step.range());
    n.sourceOrder = order_++;
    n.guard = guard;
    n.type = step.type ? step.type : (value ? value->type : nullptr);
    return n;
  };
  if (auto* llm = dyn_cast_or_null<ast::LlmExpr>(value)) {
    lowerLlm(make(NodeKind::Llm), *llm);
  } else if (auto* call = dyn_cast_or_null<ast::CallExpr>(value);
             call && call->target == ast::CallExpr::Target::Tool) {
    Node& n = make(NodeKind::Tool);
    ToolData& t = n.tool();
    t.name = call->callee;
    auto* tool = dyn_cast_or_null<ast::ToolDecl>(call->tool);
    size_t position = 0;
    for (const auto& a : call->args) {
      std::string name = a.name;
      if (name.empty() && tool && position < tool->params.size())
        name = tool->params[position]->name;
      ++position;
      t.args[name] = lowerExpr(a.value.get());
    }
    if (tool) // defaults for omitted parameters
      for (const auto& p : tool->params)
        if (!t.args.count(p->name) && p->defaultValue)
          t.args[p->name] = lowerExpr(p->defaultValue.get());
  } else if (value && (isa<ast::MapExpr>(value) || isa<ast::ReduceExpr>(value))) {
    Node& n = make(NodeKind::Map);
    lowerMap(g, n, *value);
  } else if (auto* ifExpr = dyn_cast_or_null<ast::IfExpr>(value); ifExpr && ifHasSteps(*ifExpr)) {
    Json selected = lowerIf(g, *ifExpr, id + "/", guard);
    Node& n = make(NodeKind::Native);
    n.expr() = std::move(selected);
  } else {
    Node& n = make(NodeKind::Native);
    n.expr() = lowerExpr(value);
  }
}

void Builder::wireDeps(Graph& g, std::set<std::string>* outerRefs) {
  for (auto& np : g.nodes) {
    Node& n = *np;
    std::vector<std::string> refs;
    for (const Json* e : exprsOf(n))
      stdlib::collectRefs(*e, refs);
    std::set<NodeIndex> deps;
    for (const auto& r : refs) {
      auto it = g.byId.find(r);
      if (it != g.byId.end() && it->second != n.index)
        deps.insert(it->second);
      else if (outerRefs && it == g.byId.end())
        outerRefs->insert(r);
    }
    if (n.guard) deps.insert(n.guard->branch);
    n.deps.assign(deps.begin(), deps.end());
  }
}

void Builder::collectModels(Module& m) {
  std::vector<const ast::ModelDecl*> decls;
  for (const auto& entry : program_.models)
    decls.push_back(entry.second);
  std::sort(decls.begin(), decls.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const ast::ModelDecl* d : decls) {
    ModelInfo info;
    info.id = d->name;
    info.provider = d->provider;
    info.name = d->modelName;
    std::optional<std::string> sizeClass;
    std::optional<double> ttft, tps;
    double structuredTps = 0, structuredTtft = 0;
    for (const auto& alt : d->cheaper)
      info.cheaper.push_back(alt.model);
    for (const auto& opt : d->options) {
      if (opt.name == "cheaper") continue; // model names, resolved by sema into d->cheaper
      std::optional<Json> v = evalOption(opt.value.get());
      if (!v) continue;
      auto num = [&] { return v->is_number() ? v->get<double>() : 0.0; };
      auto integer = [&] { return v->is_number_integer() ? v->get<int64_t>() : int64_t(0); };
      if (opt.name == "endpoint" && v->is_string())
        info.endpoint = v->get<std::string>();
      else if (opt.name == "key_env" && v->is_string())
        info.keyEnv = v->get<std::string>();
      else if (opt.name == "price_in")
        info.priceIn = num();
      else if (opt.name == "price_out")
        info.priceOut = num();
      else if (opt.name == "cached_price_in")
        info.cachedPriceIn = num();
      else if (opt.name == "context")
        info.context = integer();
      else if (opt.name == "max_concurrency")
        info.maxConcurrency = integer();
      else if (opt.name == "rpm")
        info.rpm = integer();
      else if (opt.name == "tpm")
        info.tpm = integer();
      else if (opt.name == "size" && v->is_string())
        sizeClass = v->get<std::string>();
      else if (opt.name == "ttft_ms")
        ttft = num();
      else if (opt.name == "tokens_per_s")
        tps = num();
      else if (opt.name == "structured_tokens_per_s")
        structuredTps = num();
      else if (opt.name == "structured_ttft_ms")
        structuredTtft = num();
    }
    ModelProfile profile = sizeClass ? defaultProfile(*sizeClass) : profileForModelName(info.name);
    if (!sizeClass) {
      // Recover the class the name heuristic chose, for explain and right-sizing.
      for (const char* cls : {"small", "medium", "large"})
        if (defaultProfile(cls).decodeTokensPerSec == profile.decodeTokensPerSec &&
            defaultProfile(cls).ttftBaseMs == profile.ttftBaseMs)
          sizeClass = cls;
    }
    info.sizeClass = sizeClass.value_or("large");
    if (info.cachedPriceIn < 0) info.cachedPriceIn = info.priceIn * profile.cachedInputCostFactor;
    info.latency = std::move(profile);
    info.latency.ttftBaseMs = ttft.value_or(info.latency.ttftBaseMs);
    info.latency.decodeTokensPerSec = tps.value_or(info.latency.decodeTokensPerSec);
    info.latency.structuredDecodeTokensPerSec = structuredTps;
    info.latency.structuredTtftMs = structuredTtft;
    m.models.push_back(std::move(info));
  }
  for (const auto& entry : program_.ladders) {
    std::vector<std::string> rungs;
    for (const auto& r : entry.second->rungs)
      rungs.push_back(r.model);
    m.ladders[entry.first().str()] = std::move(rungs);
  }
}

void Builder::collectTools(Module& m) {
  std::vector<const ast::ToolDecl*> decls;
  for (const auto& entry : program_.tools)
    decls.push_back(entry.second);
  std::sort(decls.begin(), decls.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const ast::ToolDecl* d : decls) {
    ToolInfo info;
    info.id = d->name;
    info.impl = d->impl == ast::ToolDecl::Impl::Http ? "http" : "host";
    info.method = d->method;
    info.url = d->url;
    for (const auto& p : d->params)
      info.params.emplace_back(p->name, p->type);
    info.result = d->result;
    // Without a declaration, only an HTTP GET is assumed free of side effects.
    info.effect =
        (d->impl == ast::ToolDecl::Impl::Http && d->method == "GET") ? "idempotent" : "side_effect";
    bool retriesGiven = false;
    for (const auto& opt : d->options) {
      retriesGiven = retriesGiven || opt.name == "retries";
      if (opt.name == "effect") {
        if (auto* n = dyn_cast_or_null<ast::NameExpr>(opt.value.get())) info.effect = n->name;
        continue;
      }
      std::optional<Json> v = evalOption(opt.value.get());
      if (!v) continue;
      if (opt.name == "cache") {
        if (v->is_boolean())
          info.cacheTtlMs = v->get<bool>() ? 0 : -1;
        else if (v->is_number_integer())
          info.cacheTtlMs = v->get<int64_t>();
      } else if (opt.name == "timeout" && v->is_number_integer())
        info.timeoutMs = v->get<int64_t>();
      else if (opt.name == "retries" && v->is_number_integer())
        info.retries = v->get<int64_t>();
      else if (opt.name == "description" && v->is_string())
        info.description = v->get<std::string>();
    }
    // docs/language.md: `retries` defaults to 2, but a side effect is never repeated unasked.
    if (!retriesGiven) info.retries = info.effect == "side_effect" ? 0 : 2;
    m.tools.push_back(std::move(info));
  }
  m.hosts = program_.hosts;
}

std::unique_ptr<Module> Builder::build() {
  const ast::WorkflowDecl* wf = program_.workflow;
  if (!wf) return nullptr;
  auto m = std::make_unique<Module>();
  m->workflow = wf->name;
  m->sourceName = std::string(sources_.name(wf->range().file));
  m->resultType = wf->resultTypeResolved;
  m->rightsizeTasks.insert(wf->rightsizeTasks.begin(), wf->rightsizeTasks.end());
  collectModels(*m);
  collectTools(*m);
  Graph& g = m->graph;
  for (const auto& p : wf->params) {
    Node& n = g.add("input." + p->name, NodeKind::Input, p->range());
    n.sourceOrder = order_++;
    n.type = p->type;
    if (p->defaultValue) {
      stdlib::EvalResult r = stdlib::evaluateConstant(lowerExpr(p->defaultValue.get()));
      if (r.ok()) n.input().defaultValue = std::move(r).value();
    }
    m->inputs.emplace_back(p->name, p->type);
  }
  lowerSteps(g, wf->steps, "", std::nullopt);
  Node& out = g.add("output", NodeKind::Output, wf->result ? wf->result->range() : wf->returnRange);
  out.sourceOrder = order_++;
  out.expr() = lowerExpr(wf->result.get());
  out.type = wf->resultTypeResolved;
  wireDeps(g, nullptr);
  return m;
}

} // namespace

std::unique_ptr<Module> buildModule(const sema::Program& program, const SourceManager& sources,
                                    DiagnosticEngine& diags) {
  return Builder(program, sources, diags).build();
}

} // namespace awc::ir
