// Internal to compiler/sema: the analyzer's state, shared by the files that implement
// module loading (modules.cpp), declarations (decls.cpp, resolve_type.cpp) and workflow and
// expression checking (check*.cpp, one file per family of expression kinds).
#pragma once

#include "awc/sema/sema.h"
#include "awc/support/url.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace awc::sema {

/// Work (edit-distance cells and candidates looked at) one compilation may spend on
/// "did you mean" suggestions; past it, names simply get no suggestion.
constexpr size_t kSuggestBudget = 20'000'000;

/// Finds the closest candidate to `name` within a small edit distance, one candidate at a
/// time (so callers need not copy their names into a vector), spending from `budget`.
class NameMatcher {
public:
  NameMatcher(std::string_view name, size_t& budget);
  void consider(std::string_view candidate);
  /// False when no candidate can match (the name is too long, or the budget is spent).
  bool viable() const;
  /// The best candidate, or "" when none is close enough.
  std::string best() const;

private:
  std::string_view name_;
  size_t& budget_;
  size_t limit_;
  size_t bestDist_;
  std::string best_;
};

namespace detail {

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

/// A name found in the scopes of a workflow.
struct Found {
  ast::Binding binding;
  const ast::Node* target;
  const Type* type; // for local variables
  SourceRange defRange;
};

/// Nested checks (expressions, types, and the steps, constants and aliases they pull in on
/// demand) deeper than this stop with AWC5003, so no input can overflow the stack.
constexpr size_t kMaxCheckDepth = 1500;
/// A constant whose value, with the constants it uses expanded, nests deeper than this is
/// rejected (AWC5003): lowering and constant folding expand constants recursively.
constexpr size_t kMaxConstDepth = 1000;
/// Types (lists and records) nested deeper than this are rejected (AWC5004).
constexpr size_t kMaxTypeDepth = 100;

class Analyzer {
public:
  Analyzer(SourceManager& sources, DiagnosticEngine& diags, const AnalyzeOptions& options,
           Program& program);
  void run(FileId root);

  // --- modules and declarations (modules.cpp, sema.cpp, decls.cpp, resolve_type.cpp)
  void loadModules(FileId root);
  void collectGlobals();
  void checkDecls();
  void checkModelDecl(ast::ModelDecl& m);
  void checkLadderDecl(ast::LadderDecl& l);
  void checkToolDecl(ast::ToolDecl& tool);
  // --- right-sizing consent (check_rightsize.cpp)
  /// Resolves a model's `cheaper: [...]` option into ModelDecl::cheaper.
  void checkModelAlternatives(ast::ModelDecl& m);
  /// Reports cycles among the resolved alternatives (after every model is checked).
  void checkAlternativeCycles();
  /// Checks `workflow ... with { options }` and fills WorkflowDecl::rightsizeTasks.
  void checkWorkflowOptions(ast::WorkflowDecl& wf);
  /// Checks the `rightsize` / `norightsize` flags of a model step.
  void checkRightsizeFlags(ast::LlmExpr* e, bool warnings);
  /// Validates one `host "..."` entry; true (and its rule kept) when it is a host[:port].
  bool checkHostEntry(const ast::HostDecl::Entry& entry);
  void checkHttpTool(ast::ToolDecl& tool);
  void chooseWorkflow(FileId root);
  void warnUnusedConsts(FileId root);
  const Type* resolveType(const ast::TypeExpr* te, const std::string& aliasName = {});
  const Type* resolveTypeInner(const ast::TypeExpr* te, const std::string& aliasName);
  const Type* resolveAlias(const ast::TypeAliasDecl* decl);

  // --- workflows, steps, constants (check.cpp)
  void checkWorkflow(ast::WorkflowDecl& wf, bool warnings);
  void warnUnused(ast::WorkflowDecl& wf);
  const Type* checkExpr(ast::Expr* e, Ctx ctx);
  const Type* checkConst(const ast::ConstDecl* c);
  void checkConstDepths();
  const Type* checkBlock(ast::Block& block, Scope& scope, Ctx ctx);
  const Type* checkStep(ast::Step* step);
  void registerSteps(std::vector<std::unique_ptr<ast::Step>>& steps, Scope& scope);
  void reportCycle(const ast::Node* target, const std::string& name, SourceRange ref);
  /// Reports a mismatch unless `from` fits `to` (string literals are checked against enums).
  bool checkAssign(const ast::Expr* value, const Type* from, const Type* to,
                   const std::string& what);
  /// Reports AWC5003 (once per compilation) when the nesting limit is hit at `where`.
  void reportTooDeep(SourceRange where);
  /// `t`, or the error type (with AWC5004, once) when `t` nests deeper than kMaxTypeDepth.
  const Type* limitNesting(const Type* t, SourceRange where);
  /// Places a model call, fan-out or `if` with steps: only a step's whole right-hand side.
  void checkPlacement(const ast::Expr* e, Ctx ctx, const char* what);

  // --- one function per expression kind (check_name.cpp, check_expr.cpp, check_call.cpp,
  // check_llm.cpp, check_control.cpp); `ctx` is the expression's own context.
  const Type* checkName(ast::NameExpr* e, Ctx ctx);
  const Type* checkNameRef(ast::NameExpr* e, const ast::Node* target, bool isConst);
  const Type* reportUnknownName(ast::NameExpr* e, Ctx ctx);
  const Type* checkLiteral(ast::LiteralExpr* e);
  const Type* checkString(ast::StringExpr* e, Ctx sub);
  const Type* checkField(ast::FieldExpr* e, Ctx sub);
  const Type* checkIndex(ast::IndexExpr* e, Ctx sub);
  const Type* checkUnary(ast::UnaryExpr* e, Ctx sub);
  const Type* checkBinary(ast::BinaryExpr* e, Ctx ctx);
  const Type* checkEquality(ast::BinaryExpr* e, const Type* lt, const Type* rt);
  const Type* checkList(ast::ListExpr* e, Ctx sub);
  const Type* checkRecord(ast::RecordExpr* e, Ctx sub);
  const Type* checkIf(ast::IfExpr* e, Ctx ctx);
  const Type* checkMap(ast::MapExpr* e, Ctx ctx);
  const Type* checkReduce(ast::ReduceExpr* e, Ctx ctx);
  const Type* checkFanoutList(ast::Expr* fanout, ast::Expr* list, Ctx sub, const char* what);
  void warnShadowedVar(Scope* scope, const std::string& var, SourceRange varRange);
  const Type* checkCall(ast::CallExpr* e, Ctx ctx);
  const Type* checkToolCall(ast::CallExpr* e, const ast::ToolDecl* tool, Ctx ctx);
  const Type* checkFunctionCall(ast::CallExpr* e, Ctx ctx, bool& known);
  const Type* reportUnknownCallee(ast::CallExpr* e, Ctx sub);
  const Type* checkLlm(ast::LlmExpr* e, Ctx ctx);
  void resolveLlmModel(ast::LlmExpr* e);
  void checkLlmPrompts(ast::LlmExpr* e, Ctx sub);
  void checkLlmOptions(ast::LlmExpr* e, Ctx sub);

  /// "; did you mean 'x'?" or "", spending this compilation's suggestion budget.
  std::string suggest(std::string_view name, const std::vector<std::string>& candidates);

  SourceManager& sources;
  DiagnosticEngine& diags;
  const AnalyzeOptions& options;
  Program& program;
  TypeContext& types;

  /// Every global name (any kind) → its first declaration, for redefinition checks.
  std::map<std::string, const ast::Decl*, std::less<>> globals;
  std::vector<FileId> moduleFiles;
  /// The declared `host` allow-list, parsed (invalid entries reported and left out).
  std::vector<support::HostRule> hostRules;

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

  bool workflowWarnings = false; // warnings are reported for the workflow being checked
  size_t depth = 0;              // nested checkExpr / resolveType calls right now
  bool tooDeepReported = false;  // AWC5003 is reported once
  bool typeTooDeepReported = false;
  size_t suggestBudget = kSuggestBudget;
};

/// The names of the built-in types, which no alias may take.
extern const std::set<std::string, std::less<>> kBuiltinTypes;

/// "a, b and c"
std::string joinNames(const std::vector<std::string>& names);
/// `'x'; did you mean 'y'?` style suffix ("" when nothing is close).
std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates);

/// The common type of two branches or list elements, or null when there is none.
const Type* unify(const Type* a, const Type* b);
/// The value of an int or float literal, possibly negated.
std::optional<double> numericLiteral(const ast::Expr* e);
/// `e` when it is a string literal without holes.
const ast::StringExpr* plainString(const ast::Expr* e);
/// "'name'" for a name, "the value" otherwise.
std::string describeExpr(const ast::Expr* e);
/// Looks `name` up in `s` and its parents: local variables, steps, workflow inputs.
std::optional<Found> lookupLocal(Scope* s, std::string_view name);

/// Counts one level of nesting for as long as it lives.
struct DepthGuard {
  size_t& depth;
  explicit DepthGuard(size_t& d) : depth(d) { ++depth; }
  ~DepthGuard() { --depth; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;
};

} // namespace detail
} // namespace awc::sema
