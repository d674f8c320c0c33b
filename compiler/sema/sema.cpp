// Semantic analysis driver: loads the root file and its imports (modules.cpp), collects
// global symbols, checks declarations (decls.cpp, resolve_type.cpp, tool_url.cpp), checks
// every workflow (check*.cpp) and picks the one to compile.
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

namespace awc::sema {

using llvm::dyn_cast;
using llvm::isa;

namespace detail {

Analyzer::Analyzer(SourceManager& s, DiagnosticEngine& d, const AnalyzeOptions& o, Program& p)
    : sources(s), diags(d), options(o), program(p), types(p.types) {}

void Analyzer::run(FileId root) {
  loadModules(root);
  collectGlobals();
  checkDecls();
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* wf = dyn_cast<ast::WorkflowDecl>(decl.get()))
        checkWorkflow(*wf, options.warnings && mod->file == root);
  chooseWorkflow(root);
  // A chain cut short leaves its tail unchecked, hence "unused": no warnings then.
  if (options.warnings && !tooDeepReported) warnUnusedConsts(root);
  diags.sortByLocation();
  if (diags.hasErrors()) program.workflow = nullptr;
}

// ---------------------------------------------------------------------------
// Global symbols

namespace {

const char* declKindName(const ast::Decl* d) {
  switch (d->kind()) {
  case ast::NodeKind::Model:
    return "model";
  case ast::NodeKind::Ladder:
    return "ladder";
  case ast::NodeKind::TypeAlias:
    return "type";
  case ast::NodeKind::Tool:
    return "tool";
  case ast::NodeKind::Const:
    return "constant";
  case ast::NodeKind::Workflow:
    return "workflow";
  default:
    return "declaration";
  }
}

} // namespace

void Analyzer::collectGlobals() {
  std::set<std::string> hosts;
  for (auto& mod : program.modules) {
    for (auto& declPtr : mod->decls) {
      ast::Decl* decl = declPtr.get();
      if (auto* host = dyn_cast<ast::HostDecl>(decl)) {
        for (auto& e : host->hosts)
          if (checkHostEntry(e)) hosts.insert(e.host);
        continue;
      }
      if (isa<ast::ImportDecl>(decl) || decl->name.empty()) continue;
      auto [it, inserted] = globals.emplace(decl->name, decl);
      if (!inserted) {
        auto& d = diags.report(DiagCode::Redefinition, decl->nameRange,
                               fmt::format("'{}' is already defined", decl->name));
        d.notes.push_back(
            {it->second->nameRange,
             fmt::format("{} '{}' first defined here", declKindName(it->second), decl->name)});
        continue;
      }
      if (isa<ast::TypeAliasDecl>(decl) && kBuiltinTypes.count(decl->name))
        diags.report(DiagCode::ReservedName, decl->nameRange,
                     fmt::format("'{}' is a built-in type and cannot be redefined", decl->name));
      if (auto* m = dyn_cast<ast::ModelDecl>(decl))
        program.models[m->name] = m;
      else if (auto* l = dyn_cast<ast::LadderDecl>(decl))
        program.ladders[l->name] = l;
      else if (auto* t = dyn_cast<ast::TypeAliasDecl>(decl))
        program.typeAliases[t->name] = t;
      else if (auto* tool = dyn_cast<ast::ToolDecl>(decl))
        program.tools[tool->name] = tool;
      else if (auto* c = dyn_cast<ast::ConstDecl>(decl))
        program.consts[c->name] = c;
      else if (auto* w = dyn_cast<ast::WorkflowDecl>(decl))
        program.workflows[w->name] = w;
    }
  }
  program.hosts.assign(hosts.begin(), hosts.end());
}

void Analyzer::chooseWorkflow(FileId root) {
  std::vector<const ast::WorkflowDecl*> inRoot;
  for (auto& mod : program.modules)
    if (mod->file == root)
      for (auto& decl : mod->decls)
        if (auto* w = dyn_cast<ast::WorkflowDecl>(decl.get()); w && !w->name.empty())
          inRoot.push_back(w);
  SourceRange where{root, 0, 0};
  std::vector<std::string> names;
  for (auto* w : inRoot)
    names.push_back(w->name);
  if (!options.workflow.empty()) {
    auto it = program.workflows.find(options.workflow);
    if (it != program.workflows.end()) {
      program.workflow = it->second;
      return;
    }
    std::vector<std::string> all;
    for (auto& w : program.workflows)
      all.push_back(w.getKey().str());
    std::sort(all.begin(), all.end());
    diags.report(DiagCode::NoWorkflow, where,
                 fmt::format("no workflow named '{}'{}; workflows: {}", options.workflow,
                             suggest(options.workflow, all),
                             all.empty() ? "none" : joinNames(all)));
    return;
  }
  if (inRoot.size() == 1) {
    program.workflow = inRoot[0];
    return;
  }
  for (auto* w : inRoot)
    if (w->name == "main") {
      program.workflow = w;
      return;
    }
  if (inRoot.empty()) {
    // After a syntax error the workflow may simply not have parsed: don't pile on.
    if (!diags.hasErrors()) diags.report(DiagCode::NoWorkflow, where, "no workflow in this file");
    return;
  }
  auto& d = diags.report(
      DiagCode::NoWorkflow, where,
      fmt::format("several workflows ({}) and none is named 'main'", joinNames(names)));
  d.hints.push_back("choose one with --workflow NAME");
}

void Analyzer::warnUnusedConsts(FileId root) {
  for (auto& mod : program.modules) {
    if (mod->file != root) continue;
    for (auto& decl : mod->decls)
      if (auto* c = dyn_cast<ast::ConstDecl>(decl.get());
          c && !c->name.empty() && c->name[0] != '_')
        if (!info[c].used && program.consts.lookup(c->name) == c)
          diags.report(DiagCode::UnusedConst, c->nameRange,
                       fmt::format("constant '{}' is never used", c->name));
  }
}

} // namespace detail

std::unique_ptr<Program> analyze(FileId root, SourceManager& sources, DiagnosticEngine& diags,
                                 const AnalyzeOptions& options) {
  auto program = std::make_unique<Program>();
  detail::Analyzer analyzer(sources, diags, options, *program);
  analyzer.run(root);
  return program;
}

} // namespace awc::sema
