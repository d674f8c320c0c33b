// The registry of native functions: names, signatures the compiler type-checks, docs, and the
// implementations the evaluator calls. Every function is documented in docs/stdlib.md.
#pragma once

#include "awc/stdlib/value.h"

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace awc::stdlib {

/// The type classes that appear in function signatures.
enum class Kind {
  Any,    ///< any value (the implementation checks at run time)
  Int,    ///< int64
  Float,  ///< double; as a parameter an int is accepted and promoted
  Number, ///< int or float; as a result: int if every Number argument is int, else float
  String, ///< string (enum values are strings too)
  Bool,
  List,  ///< list; `elem` narrows the element kind
  Record ///< JSON object
};

/// A parameter or result type. For results, at most one of sameAsArg / elemOfArg / listOfArg
/// is set and it takes precedence over `kind`:
///  - sameAsArg = i: the result has exactly argument i's type (e.g. sort, reverse, abs);
///  - elemOfArg = i: the result is argument i's element type (first, last, sum);
///  - listOfArg = i: the result is list<type of argument i>.
/// A result of Kind::Number with no arg link means numeric promotion of the Number arguments.
struct TypeSpec {
  Kind kind = Kind::Any;
  Kind elem = Kind::Any; ///< element kind when kind == List
  int sameAsArg = -1;
  int elemOfArg = -1;
  int listOfArg = -1;
};

/// One parameter. Optional parameters come last; their defaults are in the function's doc.
struct Param {
  std::string_view name;
  TypeSpec type;
  bool optional = false;
};

/// A function implementation. `args` holds only the arguments given (optional ones may be
/// missing); kinds were already checked against the signature by the evaluator.
using Impl = EvalResult (*)(std::span<const nlohmann::json> args);

/// A native function of the standard library.
struct Function {
  std::string_view name;
  std::string_view module; ///< "math", "list", "string", "json", "date", "units", "regex", "time",
                           ///< "branch"
  std::string_view doc;    ///< one line
  std::vector<Param> params;
  TypeSpec result;
  bool deterministic = true; ///< false: never fold or cache (now, today)
  Impl impl = nullptr;

  /// Number of parameters that are not optional.
  size_t minArgs() const;
  size_t maxArgs() const { return params.size(); }
};

/// The function with this name, or nullptr.
const Function* findFunction(std::string_view name);
/// Every function, sorted by module then name (stable order for docs and `awc` listings).
const std::vector<Function>& allFunctions();

/// Human-readable kind name used in messages and docs ("int", "number", "list<string>").
std::string kindName(const TypeSpec& t);
/// True when a runtime value is accepted by a parameter of this type (ints accepted for Float).
bool valueMatches(const TypeSpec& t, const nlohmann::json& v);

/// "round() takes 1 to 2 arguments, got 3": the message for a wrong argument count.
std::string arityError(const Function& f, size_t given);

/// Checks arity and argument kinds, then calls the implementation. Never throws.
EvalResult callFunction(const Function& f, std::span<const nlohmann::json> args);

} // namespace awc::stdlib
