// awc's abstract syntax tree. compiler/syntax builds it from the parse tree (no ANTLR
// type appears here); sema annotates it in place (resolved names, types). Every node
// carries a source range. Node kinds use LLVM-style RTTI (kind enum + classof), so code
// uses llvm::isa / dyn_cast.
#pragma once

#include "awc/support/source.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awc::sema {
class Type;
}

namespace awc::ast {

enum class NodeKind : uint8_t {
  // Expressions
  FirstExpr,
  Literal = FirstExpr,
  String,
  Name,
  Field,
  Index,
  Unary,
  Binary,
  Call,
  List,
  Record,
  If,
  Llm,
  Map,
  Reduce,
  LastExpr = Reduce,
  // Statements and parts
  Step,
  Param,
  // Declarations
  FirstDecl,
  Import = FirstDecl,
  Host,
  Model,
  Ladder,
  TypeAlias,
  Tool,
  Const,
  Workflow,
  LastDecl = Workflow,
};

/// Base of every AST node.
class Node {
public:
  NodeKind kind() const { return kind_; }
  SourceRange range() const { return range_; }
  void setRange(SourceRange r) { range_ = r; }
  virtual ~Node() = default;

protected:
  Node(NodeKind kind, SourceRange range) : kind_(kind), range_(range) {}

private:
  NodeKind kind_;
  SourceRange range_;
};

// ---------------------------------------------------------------------------
// Types as written

/// A type expression: `string`, `list<Order>`, `enum { a, b }`, `{ x: int "doc" }`.
struct TypeExpr {
  enum class Kind : uint8_t { Named, Generic, Enum, Record };
  struct Member {
    std::string name;
    SourceRange range;
  };
  struct FieldDecl {
    std::string name;
    SourceRange range;
    std::unique_ptr<TypeExpr> type;
    std::string description;
  };

  Kind kind = Kind::Named;
  SourceRange range;
  std::string name;                            // Named, Generic (e.g. "list")
  std::vector<std::unique_ptr<TypeExpr>> args; // Generic
  std::vector<Member> members;                 // Enum
  std::vector<FieldDecl> fields;               // Record
};

// ---------------------------------------------------------------------------
// Expressions

class Expr : public Node {
public:
  /// Filled by sema; null before type checking or when the expression is ill-typed.
  const sema::Type* type = nullptr;
  static bool classof(const Node* n) {
    return n->kind() >= NodeKind::FirstExpr && n->kind() <= NodeKind::LastExpr;
  }

protected:
  using Node::Node;
};
using ExprPtr = std::unique_ptr<Expr>;

/// `42`, `0.08`, `true`, `5m`. Strings are StringExpr.
class LiteralExpr : public Expr {
public:
  enum class Kind : uint8_t { Int, Float, Bool, Duration };
  LiteralExpr(SourceRange r, Kind k) : Expr(NodeKind::Literal, r), literalKind(k) {}
  Kind literalKind;
  int64_t intValue = 0;   // Int; Duration in milliseconds
  double floatValue = 0;  // Float
  bool boolValue = false; // Bool
  static bool classof(const Node* n) { return n->kind() == NodeKind::Literal; }
};

/// A string literal, possibly with `{expr}` holes: parts alternate between text (escapes
/// already decoded) and expressions, in source order.
class StringExpr : public Expr {
public:
  enum class Style : uint8_t { Quoted, Triple, Raw };
  struct Part {
    std::string text; // used when expr is null
    ExprPtr expr;
    SourceRange range;
  };
  StringExpr(SourceRange r, Style s) : Expr(NodeKind::String, r), style(s) {}
  Style style;
  std::vector<Part> parts;
  bool isPlain() const { return parts.empty() || (parts.size() == 1 && !parts[0].expr); }
  std::string plainText() const { return parts.empty() ? std::string() : parts[0].text; }
  static bool classof(const Node* n) { return n->kind() == NodeKind::String; }
};

/// What a NameExpr refers to; filled by sema.
enum class Binding : uint8_t { Unresolved, Input, Step, Const, MapVar, ReduceVar, ReduceAcc };

/// A reference to an input, step, constant or local variable.
class NameExpr : public Expr {
public:
  NameExpr(SourceRange r, std::string n) : Expr(NodeKind::Name, r), name(std::move(n)) {}
  std::string name;
  Binding binding = Binding::Unresolved;
  /// The declaring node: Param (input), Step, ConstDecl, MapExpr or ReduceExpr.
  const Node* target = nullptr;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Name; }
};

/// `base.field`
class FieldExpr : public Expr {
public:
  FieldExpr(SourceRange r, ExprPtr b, std::string f, SourceRange fr)
      : Expr(NodeKind::Field, r), base(std::move(b)), field(std::move(f)), fieldRange(fr) {}
  ExprPtr base;
  std::string field;
  SourceRange fieldRange;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Field; }
};

/// `base[index]`
class IndexExpr : public Expr {
public:
  IndexExpr(SourceRange r, ExprPtr b, ExprPtr i)
      : Expr(NodeKind::Index, r), base(std::move(b)), index(std::move(i)) {}
  ExprPtr base;
  ExprPtr index;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Index; }
};

enum class UnaryOp : uint8_t { Neg, Not };
enum class BinaryOp : uint8_t { Mul, Div, Mod, Add, Sub, Lt, Le, Gt, Ge, Eq, Ne, And, Or };
/// The operator's spelling: "+", "and", ...
const char* spelling(UnaryOp op);
const char* spelling(BinaryOp op);

class UnaryExpr : public Expr {
public:
  UnaryExpr(SourceRange r, UnaryOp o, ExprPtr e)
      : Expr(NodeKind::Unary, r), op(o), operand(std::move(e)) {}
  UnaryOp op;
  ExprPtr operand;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Unary; }
};

class BinaryExpr : public Expr {
public:
  BinaryExpr(SourceRange r, BinaryOp o, ExprPtr l, ExprPtr rr, SourceRange opRange)
      : Expr(NodeKind::Binary, r), op(o), lhs(std::move(l)), rhs(std::move(rr)), opRange(opRange) {}
  BinaryOp op;
  ExprPtr lhs, rhs;
  SourceRange opRange;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Binary; }
};

/// `callee(args)`: a tool call or a stdlib function call (sema decides which).
class CallExpr : public Expr {
public:
  struct Arg {
    std::string name; // empty for positional
    SourceRange nameRange;
    ExprPtr value;
  };
  enum class Target : uint8_t { Unresolved, Tool, Function };
  CallExpr(SourceRange r, std::string c, SourceRange cr)
      : Expr(NodeKind::Call, r), callee(std::move(c)), calleeRange(cr) {}
  std::string callee;
  SourceRange calleeRange;
  std::vector<Arg> args;
  Target target = Target::Unresolved; // filled by sema
  /// For tool calls: the ToolDecl; filled by sema.
  const Node* tool = nullptr;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Call; }
};

class ListExpr : public Expr {
public:
  explicit ListExpr(SourceRange r) : Expr(NodeKind::List, r) {}
  std::vector<ExprPtr> elements;
  static bool classof(const Node* n) { return n->kind() == NodeKind::List; }
};

class RecordExpr : public Expr {
public:
  struct FieldInit {
    std::string name;
    SourceRange nameRange;
    ExprPtr value;
  };
  explicit RecordExpr(SourceRange r) : Expr(NodeKind::Record, r) {}
  std::vector<FieldInit> fields;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Record; }
};

class Step;

/// `{ step* value }` — the body of an if arm or a map/reduce.
struct Block {
  SourceRange range;
  std::vector<std::unique_ptr<Step>> steps;
  ExprPtr value;
};

/// `if cond { ... } else { ... }`; `else if` nests an IfExpr as the else block's value.
class IfExpr : public Expr {
public:
  explicit IfExpr(SourceRange r) : Expr(NodeKind::If, r) {}
  ExprPtr cond;
  Block thenBlock;
  Block elseBlock;
  static bool classof(const Node* n) { return n->kind() == NodeKind::If; }
};

/// `key: value` in an option block or llm block.
struct Option {
  std::string name;
  SourceRange nameRange;
  ExprPtr value;
};

/// `llm MODEL -> TYPE { system ... user ... key: value flag }`
class LlmExpr : public Expr {
public:
  enum class Role : uint8_t { System, User };
  struct Prompt {
    Role role;
    SourceRange roleRange;
    ExprPtr text;
  };
  struct Flag {
    std::string name;
    SourceRange range;
  };
  explicit LlmExpr(SourceRange r) : Expr(NodeKind::Llm, r) {}
  std::string model; // a model name, or the ladder name when isAuto ("" = default ladder)
  SourceRange modelRange;
  bool isAuto = false;
  std::unique_ptr<TypeExpr> resultType;
  std::vector<Prompt> prompts; // in source order
  std::vector<Option> options;
  std::vector<Flag> flags;
  /// Filled by sema: the ModelDecl, or the LadderDecl for `auto`.
  const Node* modelDecl = nullptr;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Llm; }
};

/// `map var in list { ... }` — runs the body for every element, in parallel.
class MapExpr : public Expr {
public:
  explicit MapExpr(SourceRange r) : Expr(NodeKind::Map, r) {}
  std::string var;
  SourceRange varRange;
  ExprPtr list;
  Block body;
  const sema::Type* varType = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Map; }
};

/// `reduce var in list with acc = init { ... }` — a left fold.
class ReduceExpr : public Expr {
public:
  explicit ReduceExpr(SourceRange r) : Expr(NodeKind::Reduce, r) {}
  std::string var;
  SourceRange varRange;
  ExprPtr list;
  std::string acc;
  SourceRange accRange;
  ExprPtr init;
  Block body;
  const sema::Type* varType = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Reduce; }
};

// ---------------------------------------------------------------------------
// Steps and parameters

/// `name [: type] = value` — binds a name exactly once.
class Step : public Node {
public:
  Step(SourceRange r, std::string n, SourceRange nr)
      : Node(NodeKind::Step, r), name(std::move(n)), nameRange(nr) {}
  std::string name;
  SourceRange nameRange;
  std::unique_ptr<TypeExpr> annotation; // optional
  ExprPtr value;
  const sema::Type* type = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Step; }
};

/// A workflow input or tool parameter: `name: type [= default]`.
class Param : public Node {
public:
  Param(SourceRange r, std::string n, SourceRange nr)
      : Node(NodeKind::Param, r), name(std::move(n)), nameRange(nr) {}
  std::string name;
  SourceRange nameRange;
  std::unique_ptr<TypeExpr> typeExpr;
  ExprPtr defaultValue;             // optional
  const sema::Type* type = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Param; }
};

// ---------------------------------------------------------------------------
// Declarations

class Decl : public Node {
public:
  std::string name; // empty for imports and host lists
  SourceRange nameRange;
  static bool classof(const Node* n) {
    return n->kind() >= NodeKind::FirstDecl && n->kind() <= NodeKind::LastDecl;
  }

protected:
  using Node::Node;
};
using DeclPtr = std::unique_ptr<Decl>;

/// `import "file.flow"` or `import std/name`.
class ImportDecl : public Decl {
public:
  explicit ImportDecl(SourceRange r) : Decl(NodeKind::Import, r) {}
  std::string path; // as written (without quotes); "std/x" for standard modules
  bool isStd = false;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Import; }
};

/// `host "a.example", "b.example"`
class HostDecl : public Decl {
public:
  explicit HostDecl(SourceRange r) : Decl(NodeKind::Host, r) {}
  struct Entry {
    std::string host;
    SourceRange range;
  };
  std::vector<Entry> hosts;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Host; }
};

/// `model fast = openai("llama-3.1-8b") { options }`
class ModelDecl : public Decl {
public:
  explicit ModelDecl(SourceRange r) : Decl(NodeKind::Model, r) {}
  std::string provider;
  SourceRange providerRange;
  std::string modelName;
  SourceRange modelNameRange;
  std::vector<Option> options;
  /// One name of the `cheaper: [a, b]` option: a model `rightsize` may move steps to.
  struct Alternative {
    std::string model;
    SourceRange range;
    const Node* decl = nullptr; // ModelDecl, filled by sema
  };
  std::vector<Alternative> cheaper; // filled by sema from the `cheaper` option
  static bool classof(const Node* n) { return n->kind() == NodeKind::Model; }
};

/// `ladder default = [fast, medium, smart]`
class LadderDecl : public Decl {
public:
  explicit LadderDecl(SourceRange r) : Decl(NodeKind::Ladder, r) {}
  struct Rung {
    std::string model;
    SourceRange range;
    const Node* decl = nullptr; // ModelDecl, filled by sema
  };
  std::vector<Rung> rungs; // smallest first
  static bool classof(const Node* n) { return n->kind() == NodeKind::Ladder; }
};

/// `type Name = typeExpr`
class TypeAliasDecl : public Decl {
public:
  explicit TypeAliasDecl(SourceRange r) : Decl(NodeKind::TypeAlias, r) {}
  std::unique_ptr<TypeExpr> type;
  const sema::Type* resolved = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::TypeAlias; }
};

/// `tool name(params) -> T = http GET "url" { options }` or `= host { options }`.
class ToolDecl : public Decl {
public:
  explicit ToolDecl(SourceRange r) : Decl(NodeKind::Tool, r) {}
  enum class Impl : uint8_t { Http, Host };
  std::vector<std::unique_ptr<Param>> params;
  std::unique_ptr<TypeExpr> resultType;
  Impl impl = Impl::Host;
  std::string method; // Http: GET, POST, ...
  SourceRange methodRange;
  std::string url; // Http: URL template with {param} holes
  SourceRange urlRange;
  std::vector<Option> options;
  const sema::Type* result = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Tool; }
};

/// `const NAME [: type] = expr`
class ConstDecl : public Decl {
public:
  explicit ConstDecl(SourceRange r) : Decl(NodeKind::Const, r) {}
  std::unique_ptr<TypeExpr> annotation;
  ExprPtr value;
  static bool classof(const Node* n) { return n->kind() == NodeKind::Const; }
};

/// `workflow name(params) -> T { steps return expr }`
class WorkflowDecl : public Decl {
public:
  explicit WorkflowDecl(SourceRange r) : Decl(NodeKind::Workflow, r) {}
  std::vector<std::unique_ptr<Param>> params;
  std::unique_ptr<TypeExpr> resultType;
  std::vector<Option> options; // `with { rightsize: [classify] }`
  /// Task classes the `rightsize` option opts in to, sorted; filled by sema.
  std::vector<std::string> rightsizeTasks;
  std::vector<std::unique_ptr<Step>> steps;
  ExprPtr result;
  SourceRange returnRange;
  const sema::Type* resultTypeResolved = nullptr; // filled by sema
  static bool classof(const Node* n) { return n->kind() == NodeKind::Workflow; }
};

/// One parsed .flow file.
struct Module {
  FileId file = kNoFile;
  std::vector<DeclPtr> decls;
};

} // namespace awc::ast
