// The lint rules. A file is compiled once at -O2; compiler warnings and pass reports are
// mapped to rules (so no analysis is computed twice), and the remaining rules walk the
// checked AST and the optimised IR. Then levels come from the configuration and inline
// suppressions drop what the author silenced.
#include "awc/ast/walker.h"
#include "awc/ir/cost_model.h"
#include "awc/lint/lint.h"
#include "awc/passes/deterministic.h"
#include "awc/sema/type.h"
#include "lint_internal.h"

#include <algorithm>
#include <cctype>
#include <fmt/format.h>
#include <functional>
#include <llvm/Support/Casting.h>
#include <map>
#include <set>

namespace awc::lint {

using llvm::dyn_cast;
using llvm::dyn_cast_or_null;
using llvm::isa;

size_t FileResult::count(Level level) const {
  return static_cast<size_t>(std::count_if(findings.begin(), findings.end(),
                                           [&](const Finding& f) { return f.level == level; }));
}

namespace {

// ---------------------------------------------------------------------------
// IR helpers

const ir::Node* findNode(const ir::Graph& g, const std::string& id) {
  const ir::Node* removedMatch = nullptr;
  for (const auto& n : g.nodes) {
    if (n->id == id) {
      if (!n->removed) return n.get();
      if (!removedMatch) removedMatch = n.get();
    }
    if (const ir::MapData* m = n->asMap(); m && m->body)
      if (const ir::Node* inner = findNode(*m->body, id);
          inner && (!inner->removed || !removedMatch))
        return inner;
  }
  return removedMatch;
}

void forEachNode(const ir::Graph& g,
                 const std::function<void(const ir::Graph&, const ir::Node&)>& fn) {
  for (const auto& n : g.nodes) {
    if (n->removed) continue;
    fn(g, *n);
    if (const ir::MapData* m = n->asMap(); m && m->body) forEachNode(*m->body, fn);
  }
}

// ---------------------------------------------------------------------------

struct Linter {
  Compilation& c;
  FileId root = kNoFile;
  std::vector<Finding> out;
  std::map<uint32_t, const ast::Step*> stepsByBegin; // root-file steps by range begin
  std::vector<const ast::Step*> steps;

  Finding& add(std::string_view rule, SourceRange range, std::string message) {
    Finding f;
    f.ruleId = std::string(rule);
    const RuleInfo* info = findRule(rule);
    f.level = info ? info->level : Level::Error;
    f.range = range;
    f.message = std::move(message);
    out.push_back(std::move(f));
    return out.back();
  }

  const ast::Step* stepAt(SourceRange r) const {
    if (r.file != root) return nullptr;
    auto it = stepsByBegin.find(r.begin);
    return it == stepsByBegin.end() ? nullptr : it->second;
  }

  std::string_view text(SourceRange r) const {
    return c.sources->text(r.file).substr(r.begin, r.end - r.begin);
  }

  // Indentation of the line holding `offset`.
  std::string indentAt(uint32_t offset) const {
    std::string_view t = c.sources->text(root);
    size_t lineStart = t.rfind('\n', offset == 0 ? 0 : offset - 1);
    lineStart = lineStart == std::string_view::npos ? 0 : lineStart + 1;
    size_t e = lineStart;
    while (e < t.size() && (t[e] == ' ' || t[e] == '\t'))
      ++e;
    return std::string(t.substr(lineStart, e - lineStart));
  }

  void run() {
    const sema::Program* program = c.program.get();
    if (program && !program->modules.empty())
      root = program->modules.back()->file;
    else if (c.sources->fileCount() > 0)
      root = 1;
    if (program && program->workflow) {
      ast::walkSteps(program->workflow->steps, [&](const ast::Step& s) {
        steps.push_back(&s);
        stepsByBegin[s.range().begin] = &s;
      });
    }
    mapCompilerDiagnostics();
    if (!program || c.diags->hasErrors()) return;
    if (c.module) mapPassReports();
    astRules();
    if (c.module) irRules();
    secretRule();
  }

  // Compiler diagnostics: errors keep their AWC code; warnings map to rules.
  void mapCompilerDiagnostics() {
    for (const Diagnostic& d : c.diags->diagnostics()) {
      std::string rule;
      switch (d.code) {
      case DiagCode::UnusedStep:
        rule = "AWL301";
        break;
      case DiagCode::UnusedInput:
        rule = "AWL302";
        break;
      case DiagCode::UnusedConst:
        rule = "AWL303";
        break;
      case DiagCode::UnboundedOutput:
        rule = "AWL103";
        break;
      case DiagCode::DeterministicModelTask:
        rule = "AWL101";
        break;
      case DiagCode::OversizedModel:
        rule = "AWL201";
        break;
      case DiagCode::UndeclaredHost:
      case DiagCode::BadUrl:
        rule = "AWL403";
        break;
      default:
        break;
      }
      if (rule.empty() && d.severity != Severity::Error) continue; // other warnings have no rule
      Finding& f = add(rule.empty() ? diagId(d.code) : rule, d.range, d.message);
      if (rule.empty() || d.severity == Severity::Error) f.level = Level::Error;
      f.notes = d.notes;
      f.hints = d.hints;
      f.fixes = d.fixes;
      if (d.code == DiagCode::DeterministicModelTask && c.module) {
        // The unlowered node still holds the prompt: recover the structured rewrite.
        forEachNode(c.module->graph, [&](const ir::Graph&, const ir::Node& n) {
          if (n.kind() == ir::NodeKind::Llm && n.loc.file == d.range.file &&
              n.loc.begin == d.range.begin)
            if (auto task = passes::recognizeDeterministicTask(n))
              addRewriteFix(f, n.loc, task->rewrite);
        });
      }
    }
  }

  void addRewriteFix(Finding& f, SourceRange stepRange, const std::string& rewrite) {
    const ast::Step* s = stepAt(stepRange);
    if (!s || !s->value) return;
    f.fixes.push_back(FixIt{s->value->range(), rewrite});
    f.fixIsSafe = false; // a model's answer and native code can differ: never applied by --fix
  }

  void mapPassReports() {
    std::set<std::pair<FileId, uint32_t>> unusedSteps; // AWL301 already said it
    for (const Finding& f : out)
      if (f.ruleId == "AWL301") unusedSteps.insert({f.range.file, f.range.begin});
    for (const auto& report : c.reports) {
      for (const auto& ch : report.changes) {
        if (report.pass == "lower" && !ch.detail.contains("lowered")) {
          const ir::Node* n = findNode(c.module->graph, ch.node);
          if (!n) continue;
          std::string kind = ch.detail.value("kind", std::string("deterministic"));
          std::string rewrite = ch.detail.value("rewrite", std::string());
          Finding& f = add("AWL101", n->loc,
                           fmt::format("model step '{}' is asked to do a deterministic task ({})",
                                       ch.node, kind));
          f.notes.push_back(
              {SourceRange{},
               "awc -O2 replaces this call with native code; -O0 still calls the model"});
          f.hints.push_back(fmt::format("compute it natively: `{} = {}`",
                                        ch.node.substr(ch.node.rfind('/') + 1), rewrite));
          addRewriteFix(f, n->loc, rewrite);
        } else if (report.pass == "fold" && ch.detail.contains("taken_arm")) {
          const ir::Node* n = findNode(c.module->graph, ch.node);
          if (!n) continue;
          int taken = ch.detail["taken_arm"].get<int>();
          Finding& f =
              add("AWL304", n->loc,
                  fmt::format("condition is always {}: the {} branch can never be taken",
                              taken == 0 ? "true" : "false", taken == 0 ? "else" : "then"));
          f.hints.push_back("remove the condition and keep the arm that runs");
        } else if (report.pass == "dce") {
          const ir::Node* n = findNode(c.module->graph, ch.node);
          if (!n || n->loc.file != root) continue;
          const ast::Step* s = stepAt(n->loc);
          if (!s) continue;
          if (unusedSteps.count({s->nameRange.file, s->nameRange.begin})) continue;
          Finding& f = add(
              "AWL305", s->nameRange,
              fmt::format("step '{}' is computed but its value never reaches the result", s->name));
          f.notes.push_back({SourceRange{}, "it is only read by steps that are themselves unused"});
        }
      }
    }
  }

  // AWL304 for conditions the AST shows are constant (value-only ifs never become branch nodes).
  void constantConditionRule() {
    std::set<uint32_t> reported;
    for (const Finding& f : out)
      if (f.ruleId == "AWL304") reported.insert(f.range.begin);
    for (const ast::Step* s : steps) {
      forEachExpr(s->value.get(), [&](const ast::Expr* e) {
        auto* i = dyn_cast<ast::IfExpr>(e);
        if (!i || !i->cond || !isConstantExpr(i->cond.get()) || e->range().file != root) return;
        if (!reported.insert(i->cond->range().begin).second) return;
        Finding& f = add(
            "AWL304", i->cond->range(),
            "the condition is a compile-time constant: one branch of this `if` can never be taken");
        f.hints.push_back("remove the condition and keep the arm that runs");
      });
    }
  }

  // -------------------------------------------------------------------------
  // Steps whose prompt has dynamic parts shared with sibling steps (the hoist pass says so): for
  // them the dynamic-first order is what lets the siblings share a cached prefix.
  std::set<const ast::Step*> stepsSharingValues() const {
    std::set<const ast::Step*> out;
    if (!c.module) return out;
    for (const auto& report : c.reports) {
      if (report.pass != "hoist") continue;
      for (const auto& ch : report.changes)
        if (ch.detail.contains("shared_value_parts"))
          if (const ir::Node* n = findNode(c.module->graph, ch.node))
            if (const ast::Step* s = stepAt(n->loc)) out.insert(s);
    }
    return out;
  }

  void astRules() {
    const sema::Program& p = *c.program;
    constantConditionRule();
    std::set<const ast::Step*> sharing = stepsSharingValues();
    // Per model: the leading static text of each step's system message, for AWL102.
    std::map<std::string, std::vector<std::pair<const ast::Step*, std::string>>> systemPrefixes;
    for (const ast::Step* s : steps) {
      auto* llm = dyn_cast_or_null<ast::LlmExpr>(s->value.get());
      if (!llm) continue;
      if (!sharing.count(s)) cacheOrderRule(*s, *llm);
      volatileRule(*s, *llm);
      injectionRule(*s, *llm);
      samplingCacheRule(*s, *llm);
      std::string prefix;
      bool any = false;
      for (const auto& pr : llm->prompts) {
        if (pr.role != ast::LlmExpr::Role::System) continue;
        auto t = staticText(pr.text.get());
        if (!t) break;
        prefix += (any ? "\n\n" : "") + trimmed(*t);
        any = true;
      }
      if (any && !prefix.empty()) systemPrefixes[llm->model].push_back({s, prefix});
    }
    for (auto& [model, list] : systemPrefixes) {
      for (size_t i = 1; i < list.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          const auto& [a, ta] = list[j];
          const auto& [b, tb] = list[i];
          if (ta == tb || collapseSpace(ta) != collapseSpace(tb)) continue;
          Finding& f = add(
              "AWL102", b->nameRange,
              fmt::format(
                  "the system prompt of '{}' differs from the one of '{}' only in whitespace, so "
                  "the two steps cannot share a cached prefix",
                  b->name, a->name));
          f.notes.push_back({a->nameRange, fmt::format("'{}' is here", a->name)});
          f.hints.push_back(
              "use one constant for the shared instructions so the bytes are identical");
          break;
        }
      }
    }
    // Tools of the root file without a timeout.
    for (const auto& mod : p.modules) {
      if (mod->file != root) continue;
      for (const auto& d : mod->decls) {
        auto* tool = dyn_cast_or_null<ast::ToolDecl>(d.get());
        if (!tool) continue;
        bool hasTimeout = std::any_of(tool->options.begin(), tool->options.end(),
                                      [](const ast::Option& o) { return o.name == "timeout"; });
        if (hasTimeout) continue;
        Finding& f = add("AWL502", tool->nameRange,
                         fmt::format("tool '{}' has no timeout (the default is 30s)", tool->name));
        f.hints.push_back("add `timeout: 5s` (or what the dependency needs) to the tool's options");
      }
    }
  }

  // AWL102: within one message, a static part after a dynamic one. Fix: static first.
  void cacheOrderRule(const ast::Step& s, const ast::LlmExpr& llm) {
    for (auto role : {ast::LlmExpr::Role::System, ast::LlmExpr::Role::User}) {
      std::vector<const ast::LlmExpr::Prompt*> items;
      for (const auto& pr : llm.prompts)
        if (pr.role == role && pr.text) items.push_back(&pr);
      const ast::LlmExpr::Prompt* firstDynamic = nullptr;
      const ast::LlmExpr::Prompt* lateStatic = nullptr;
      for (const auto* pr : items) {
        bool st = isStaticExpr(pr->text.get());
        if (!st && !firstDynamic) firstDynamic = pr;
        if (st && firstDynamic && !lateStatic) lateStatic = pr;
      }
      if (!lateStatic) continue;
      const char* roleName = role == ast::LlmExpr::Role::System ? "system" : "user";
      Finding& f =
          add("AWL102", lateStatic->roleRange,
              fmt::format(
                  "static {} text of step '{}' comes after dynamic text, so no request can reuse "
                  "a cached prefix that includes it",
                  roleName, s.name));
      f.notes.push_back({firstDynamic->roleRange, "the first dynamic part is here"});
      f.hints.push_back("put static prompt parts first (awc lint --fix reorders them)");
      // The fix permutes the items' text in place: statics first, each group in source order.
      std::vector<const ast::LlmExpr::Prompt*> order;
      for (const auto* pr : items)
        if (isStaticExpr(pr->text.get())) order.push_back(pr);
      for (const auto* pr : items)
        if (!isStaticExpr(pr->text.get())) order.push_back(pr);
      for (size_t i = 0; i < items.size(); ++i) {
        if (items[i] == order[i]) continue;
        SourceRange slot{root, items[i]->roleRange.begin, items[i]->text->range().end};
        SourceRange from{root, order[i]->roleRange.begin, order[i]->text->range().end};
        f.fixes.push_back(FixIt{slot, std::string(text(from))});
      }
      f.fixIsSafe = !f.fixes.empty();
    }
  }

  // AWL102: a volatile value followed by static text inside a message.
  void volatileRule(const ast::Step& s, const ast::LlmExpr& llm) {
    for (auto role : {ast::LlmExpr::Role::System, ast::LlmExpr::Role::User}) {
      std::vector<const ast::LlmExpr::Prompt*> items;
      for (const auto& pr : llm.prompts)
        if (pr.role == role && pr.text) items.push_back(&pr);
      for (size_t i = 0; i < items.size(); ++i) {
        const ast::Expr* t = items[i]->text.get();
        const ast::CallExpr* call = nullptr;
        bool staticAfter = false;
        if (auto* str = dyn_cast<ast::StringExpr>(t)) {
          for (const auto& part : str->parts) {
            if (!call && part.expr)
              call = volatileCall(part.expr.get());
            else if (call && !part.expr && trimmed(part.text).size() > 0)
              staticAfter = true;
          }
        } else {
          call = volatileCall(t);
        }
        if (!call) continue;
        for (size_t j = i + 1; j < items.size(); ++j)
          if (isStaticExpr(items[j]->text.get())) staticAfter = true;
        if (!staticAfter && role == ast::LlmExpr::Role::User) continue;
        Finding& f =
            add("AWL102", call->range(),
                fmt::format(
                    "'{}()' changes on every run and sits inside the prompt prefix of step '{}': "
                    "nothing after it can be served from the prefix cache",
                    call->callee, s.name));
        f.hints.push_back("move the volatile value to the very end of the user prompt");
        break;
      }
    }
  }

  // AWL401: workflow input reaching a system prompt.
  void injectionRule(const ast::Step& s, const ast::LlmExpr& llm) {
    for (const auto& pr : llm.prompts) {
      if (pr.role != ast::LlmExpr::Role::System || !pr.text) continue;
      std::string input;
      if (!readsInput(pr.text.get(), input)) continue;
      Finding& f = add(
          "AWL401", pr.text->range(),
          fmt::format(
              "workflow input '{}' reaches the system prompt of step '{}' (prompt-injection risk)",
              input, s.name));
      f.hints.push_back("keep the system prompt static and pass caller-provided text in the user "
                        "prompt, delimited");
    }
  }

  // AWL501: temperature > 0 on a step with an explicit cache.
  void samplingCacheRule(const ast::Step& s, const ast::LlmExpr& llm) {
    const ast::Option* temp = nullptr;
    const ast::Option* cache = nullptr;
    for (const auto& o : llm.options) {
      if (o.name == "temperature") temp = &o;
      if (o.name == "cache") cache = &o;
    }
    if (!temp || !cache) return;
    auto* t = dyn_cast_or_null<ast::LiteralExpr>(temp->value.get());
    if (!t) return;
    double v =
        t->literalKind == ast::LiteralExpr::Kind::Float ? t->floatValue : double(t->intValue);
    if (v <= 0) return;
    if (auto* cv = dyn_cast_or_null<ast::LiteralExpr>(cache->value.get());
        cv && cv->literalKind == ast::LiteralExpr::Kind::Bool && !cv->boolValue)
      return;
    bool nocache = std::any_of(llm.flags.begin(), llm.flags.end(),
                               [](const auto& fl) { return fl.name == "nocache"; });
    if (nocache) return;
    Finding& f =
        add("AWL501", cache->nameRange,
            fmt::format(
                "step '{}' samples with temperature {} but caches its answer: one random draw is "
                "served to every identical request",
                s.name, v));
    f.notes.push_back({temp->nameRange, "temperature is set here"});
    f.hints.push_back("use `temperature: 0` for a cached step, or remove `cache`");
  }

  // -------------------------------------------------------------------------
  void irRules() {
    const ir::Module& m = *c.module;
    forEachNode(m.graph, [&](const ir::Graph& g, const ir::Node& n) {
      if (n.kind() != ir::NodeKind::Llm) return;
      // AWL202: prompt + answer larger than the model's context.
      if (const ir::ModelInfo* info = m.model(n.llm().model); info && info->context > 0) {
        int64_t need = n.estPromptTokens + n.llm().options.maxTokens.value_or(0);
        if (n.estPromptTokens > 0 && need > info->context) {
          Finding& f = add(
              "AWL202", n.loc,
              fmt::format(
                  "step '{}' needs about {} tokens ({} prompt + {} answer) but model '{}' has a "
                  "context of {}",
                  n.id, need, n.estPromptTokens, n.llm().options.maxTokens.value_or(0),
                  n.llm().model, info->context));
          f.notes.push_back(
              {SourceRange{},
               "prompt size is estimated with awc's tokenizer (docs/plan-format.md)"});
        }
      }
      // AWL105: a bound the compiler inferred, offered as explicit text.
      if (n.llm().options.maxTokensInferred && n.llm().fused.empty() && n.llm().options.maxTokens)
        inferredBoundRule(n);
      // AWL104: a model step reading another on the same model, not fused because options differ.
      if (!n.llm().fused.empty()) return;
      for (ir::NodeIndex d : n.deps) {
        const ir::Node& a = *g.nodes[d];
        if (a.removed || a.kind() != ir::NodeKind::Llm || !a.llm().fused.empty() ||
            a.llm().model != n.llm().model)
          continue;
        if (a.llm().flags.nofuse || n.llm().flags.nofuse) continue;
        std::string why;
        if (a.llm().options.temperature != n.llm().options.temperature)
          why = fmt::format(
              "temperatures differ ({} vs {})",
              a.llm().options.temperature ? fmt::format("{}", *a.llm().options.temperature)
                                          : "default",
              n.llm().options.temperature ? fmt::format("{}", *n.llm().options.temperature)
                                          : "default");
        else if (a.llm().options.cacheDisabled != n.llm().options.cacheDisabled)
          why = "one step disables caching and the other does not";
        if (why.empty()) continue;
        Finding& f = add(
            "AWL104", n.loc,
            fmt::format(
                "steps '{}' and '{}' run one after the other on model '{}' and could be one call, "
                "but {}",
                a.id, n.id, n.llm().model, why));
        f.notes.push_back({a.loc, fmt::format("'{}' is here", a.id)});
        f.hints.push_back("align the options so awc fuses them, or mark one step `nofuse` to keep "
                          "them apart on purpose");
        break;
      }
    });
  }

  void inferredBoundRule(const ir::Node& n) {
    const ast::Step* s = stepAt(n.loc);
    auto* llm = s ? dyn_cast_or_null<ast::LlmExpr>(s->value.get()) : nullptr;
    if (!llm) return;
    uint32_t lastEnd = 0;
    for (const auto& p : llm->prompts)
      if (p.text) lastEnd = std::max(lastEnd, p.text->range().end);
    for (const auto& o : llm->options)
      if (o.value) lastEnd = std::max(lastEnd, o.value->range().end);
    for (const auto& fl : llm->flags)
      lastEnd = std::max(lastEnd, fl.range.end);
    if (lastEnd == 0) return;
    Finding& f = add("AWL105", s->nameRange,
                     fmt::format("step '{}' has no max_tokens; awc infers {} from its result type",
                                 s->name, *n.llm().options.maxTokens));
    f.hints.push_back(
        fmt::format("write `max_tokens: {}` so the bound is visible", *n.llm().options.maxTokens));
    // Items in an llm block are separated by newlines: add one after the last item.
    std::string insert =
        fmt::format("\n{}max_tokens: {}", indentAt(lastEnd), *n.llm().options.maxTokens);
    f.fixes.push_back(FixIt{SourceRange{root, lastEnd, lastEnd}, insert});
    f.fixIsSafe = true;
  }

  void secretRule() {
    for (const SecretHit& hit : findSecrets(c.sources->text(root))) {
      Finding& f =
          add("AWL402", SourceRange{root, hit.begin, hit.end},
              fmt::format("this looks like a secret ({}); never commit credentials", hit.kind));
      f.hints.push_back(
          "read it from the environment (`key_env: \"NAME\"`) and rotate the exposed credential");
    }
  }
};

} // namespace

FileResult lintCompilation(std::string path, Compilation compilation, const Config& config) {
  FileResult result;
  result.path = std::move(path);
  result.compilation = std::move(compilation);
  Linter linter{result.compilation};
  linter.run();
  Suppressions supp(*result.compilation.sources, result.compilation.program.get());
  for (Finding& f : linter.out) {
    if (const RuleInfo* rule = findRule(f.ruleId)) {
      f.level = config.levelFor(*rule, result.path);
      if (f.level == Level::Off) continue;
    }
    // Compile errors can be silenced only by fixing them; rules by a suppression comment.
    if (f.level != Level::Error || findRule(f.ruleId)) {
      if (supp.suppressed(f.ruleId, f.range)) {
        ++result.suppressed;
        continue;
      }
    }
    result.findings.push_back(std::move(f));
  }
  std::stable_sort(result.findings.begin(), result.findings.end(),
                   [](const Finding& a, const Finding& b) {
                     if (a.range.file != b.range.file) return a.range.file < b.range.file;
                     if (a.range.begin != b.range.begin) return a.range.begin < b.range.begin;
                     return a.ruleId < b.ruleId;
                   });
  return result;
}

FileResult lintFile(const std::string& path, const Config& config, const LintOptions& options) {
  Compilation c = compileFile(path, options.compile);
  if (c.sources->fileCount() == 0) {
    // The root could not be read: an I/O error (exit 2), not a finding.
    FileResult r;
    r.path = path;
    r.ioError = true;
    r.error = c.diags->diagnostics().empty() ? "cannot read file"
                                             : c.diags->diagnostics().front().message;
    return r;
  }
  return lintCompilation(path, std::move(c), config);
}

FileResult lintSource(const std::string& name, std::string text, const Config& config,
                      const LintOptions& options) {
  return lintCompilation(name, compileSource(name, std::move(text), options.compile), config);
}

} // namespace awc::lint
