// Semantic types of .flow values. Types are interned in a TypeContext, so equality is
// pointer equality and a Type* is cheap to store on every expression.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace awc::sema {

class Type {
public:
  enum class Kind { Error, String, Int, Float, Bool, Duration, Enum, Record, List };

  struct Field {
    std::string name;
    const Type* type;
    std::string description; // shown to the model in the JSON Schema
  };

  Kind kind() const { return kind_; }
  bool isError() const { return kind_ == Kind::Error; }
  bool isNumeric() const { return kind_ == Kind::Int || kind_ == Kind::Float; }
  /// Enum members in declaration order.
  const std::vector<std::string>& members() const { return members_; }
  /// Record fields in declaration order.
  const std::vector<Field>& fields() const { return fields_; }
  const Field* field(std::string_view name) const;
  /// List element type.
  const Type* element() const { return element_; }
  /// How deeply lists and records nest: 0 for scalars and enums, 1 + the deepest part
  /// otherwise (sema bounds it, so code that recurses over types stays shallow).
  size_t depth() const { return depth_; }
  /// The declared name (`type Mood = ...`), empty for anonymous types.
  const std::string& name() const { return name_; }

  /// "string", "list<int>", "enum { a, b }", "{ x: int }" or the declared name.
  std::string str() const;
  /// The JSON Schema the runtime validates model and tool results against.
  nlohmann::json jsonSchema() const;

private:
  friend class TypeContext;
  Kind kind_ = Kind::Error;
  std::vector<std::string> members_;
  std::vector<Field> fields_;
  const Type* element_ = nullptr;
  std::string name_;
  size_t depth_ = 0;
};

/// Owns and interns every type of one compilation.
class TypeContext {
public:
  TypeContext();
  const Type* error() const { return error_; }
  const Type* string() const { return string_; }
  const Type* integer() const { return int_; }
  const Type* floating() const { return float_; }
  const Type* boolean() const { return bool_; }
  const Type* duration() const { return duration_; }
  const Type* list(const Type* element);
  const Type* enumeration(std::vector<std::string> members, std::string name = {});
  const Type* record(std::vector<Type::Field> fields, std::string name = {});

private:
  const Type* make(Type t);
  std::deque<Type> storage_;
  std::map<std::string, const Type*> interned_; // structural key → type
  const Type *error_, *string_, *int_, *float_, *bool_, *duration_;
};

/// Whether a value of type `from` may be used where `to` is expected (int widens to float;
/// an Error type is compatible with everything so one mistake reports once).
bool isAssignable(const Type* from, const Type* to);

} // namespace awc::sema
