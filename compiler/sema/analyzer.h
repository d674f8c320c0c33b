// Internal to compiler/sema: the analyzer's state, shared by the files that implement
// module loading and declarations (sema.cpp) and workflow/expression checking (check.cpp).
#pragma once

#include "awc/sema/sema.h"

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace awc::sema::detail {

/// A lexical scope inside a workflow: the steps of one block plus local variables.
struct Scope {
  Scope* parent = nullptr;
  const ast::WorkflowDecl* workflow = nullptr; // set on the workflow's top scope
  std::map<std::string, ast::Step*, std::less<>> steps;
  struct Var {
    std::string name;
    ast::Binding binding;
    const ast::Node* target;
    const Type* type;
  };
  std::vector<Var> vars;
};

/// How an expression is being checked.
struct Ctx {
  Scope* scope = nullptr;
  bool constMode = false; // only literals, consts and deterministic stdlib calls
  bool atStepTop = false; // the expression is the whole right-hand side of a step
};

class Analyzer {
public:
  Analyzer(SourceManager& sources, DiagnosticEngine& diags, const AnalyzeOptions& options,
           Program& program);
  void run(FileId root);

  // --- declarations (sema.cpp)
  void loadModules(FileId root);
  void collectGlobals();
  void checkDecls();
  void chooseWorkflow(FileId root);
  void warnUnusedConsts(FileId root);
  const Type* resolveType(const ast::TypeExpr* te, const std::string& aliasName = {});
  const Type* resolveAlias(const ast::TypeAliasDecl* decl);

  // --- workflows and expressions (check.cpp)
  void checkWorkflow(ast::WorkflowDecl& wf, bool warnings);
  const Type* checkExpr(ast::Expr* e, Ctx ctx);
  const Type* checkConst(const ast::ConstDecl* c);
  const Type* checkBlock(ast::Block& block, Scope& scope, Ctx ctx);
  const Type* checkStep(ast::Step* step);
  void registerSteps(std::vector<std::unique_ptr<ast::Step>>& steps, Scope& scope);
  void reportCycle(const ast::Node* target, const std::string& name, SourceRange ref);
  const Type* checkName(ast::NameExpr* e, Ctx ctx);
  const Type* checkCall(ast::CallExpr* e, Ctx ctx, bool top);
  const Type* checkLlm(ast::LlmExpr* e, Ctx ctx);
  /// Reports a mismatch unless `from` fits `to` (string literals are checked against enums).
  bool checkAssign(const ast::Expr* value, const Type* from, const Type* to,
                   const std::string& what);

  SourceManager& sources;
  DiagnosticEngine& diags;
  const AnalyzeOptions& options;
  Program& program;
  TypeContext& types;

  /// Every global name (any kind) → its first declaration, for redefinition checks.
  std::map<std::string, const ast::Decl*, std::less<>> globals;
  std::vector<FileId> moduleFiles;

  enum class State : uint8_t { NotStarted, InProgress, Done };
  struct StepInfo {
    State state = State::NotStarted;
    const Type* type = nullptr;
    Scope* scope = nullptr;
    bool used = false;
    bool inCycle = false;
  };
  std::unordered_map<const ast::Node*, StepInfo> info; // steps, consts, params
  std::unordered_map<const ast::TypeAliasDecl*, State> aliasState;

  /// What is being checked right now, for dependency-cycle paths.
  struct Frame {
    const ast::Node* node;
    std::string name;
    SourceRange nameRange;
    SourceRange refToNext; // where this node refers to the next frame's node
  };
  std::vector<Frame> stack;
  /// Steps of the workflow being checked (all blocks), for unused-step warnings.
  std::vector<const ast::Step*> workflowSteps;
};

/// "a, b and c"
std::string joinNames(const std::vector<std::string>& names);
/// `'x'; did you mean 'y'?` style suffix ("" when nothing is close).
std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates);

} // namespace awc::sema::detail
