// Semantic types: interning, printing, JSON Schema for validated results, assignability.
#include "awc/sema/type.h"

#include <algorithm>
#include <fmt/format.h>

namespace awc::sema {

const Type::Field* Type::field(std::string_view name) const {
  for (const Field& f : fields_)
    if (f.name == name) return &f;
  return nullptr;
}

std::string Type::str() const {
  if (!name_.empty()) return name_;
  switch (kind_) {
  case Kind::Error:
    return "<error>";
  case Kind::String:
    return "string";
  case Kind::Int:
    return "int";
  case Kind::Float:
    return "float";
  case Kind::Bool:
    return "bool";
  case Kind::Duration:
    return "duration";
  case Kind::List:
    return "list<" + (element_ ? element_->str() : std::string("<error>")) + ">";
  case Kind::Enum: {
    std::string s = "enum { ";
    for (size_t i = 0; i < members_.size(); ++i)
      s += (i ? ", " : "") + members_[i];
    return s + " }";
  }
  case Kind::Record: {
    std::string s = "{ ";
    for (size_t i = 0; i < fields_.size(); ++i)
      s += (i ? ", " : "") + fields_[i].name + ": " + fields_[i].type->str();
    return s + " }";
  }
  }
  return "<error>";
}

nlohmann::json Type::jsonSchema() const {
  using nlohmann::json;
  switch (kind_) {
  case Kind::Error:
    return json::object();
  case Kind::String:
    return {{"type", "string"}};
  case Kind::Int:
    return {{"type", "integer"}};
  case Kind::Float:
    return {{"type", "number"}};
  case Kind::Bool:
    return {{"type", "boolean"}};
  // Durations travel as milliseconds.
  case Kind::Duration:
    return {{"type", "integer"}, {"description", "duration in milliseconds"}};
  case Kind::Enum:
    return {{"type", "string"}, {"enum", members_}};
  case Kind::List:
    return {{"type", "array"}, {"items", element_ ? element_->jsonSchema() : json::object()}};
  case Kind::Record: {
    json props = json::object();
    json required = json::array();
    for (const Field& f : fields_) {
      json p = f.type->jsonSchema();
      if (!f.description.empty()) p["description"] = f.description;
      props[f.name] = std::move(p);
      required.push_back(f.name);
    }
    return {{"type", "object"},
            {"properties", std::move(props)},
            {"required", std::move(required)},
            {"additionalProperties", false}};
  }
  }
  return json::object();
}

TypeContext::TypeContext() {
  auto prim = [this](Type::Kind k) {
    Type t;
    t.kind_ = k;
    return make(std::move(t));
  };
  error_ = prim(Type::Kind::Error);
  string_ = prim(Type::Kind::String);
  int_ = prim(Type::Kind::Int);
  float_ = prim(Type::Kind::Float);
  bool_ = prim(Type::Kind::Bool);
  duration_ = prim(Type::Kind::Duration);
}

namespace {

// A structural key that identifies a type exactly (names and field docs included);
// subtypes are already interned, so their addresses stand for them.
std::string keyOf(const Type& t) {
  std::string key = fmt::format("{}|{}|{}|", static_cast<int>(t.kind()), t.name(),
                                static_cast<const void*>(t.element()));
  for (const std::string& m : t.members())
    key += fmt::format("{}:{},", m.size(), m);
  for (const Type::Field& f : t.fields())
    key += fmt::format("{}:{}={}#{}:{};", f.name.size(), f.name, static_cast<const void*>(f.type),
                       f.description.size(), f.description);
  return key;
}

} // namespace

const Type* TypeContext::make(Type t) {
  std::string key = keyOf(t);
  auto it = interned_.find(key);
  if (it != interned_.end()) return it->second;
  storage_.push_back(std::move(t));
  const Type* p = &storage_.back();
  interned_.emplace(std::move(key), p);
  return p;
}

const Type* TypeContext::list(const Type* element) {
  Type t;
  t.kind_ = Type::Kind::List;
  t.element_ = element ? element : error_;
  t.depth_ = t.element_->depth() + 1;
  return make(std::move(t));
}

const Type* TypeContext::enumeration(std::vector<std::string> members, std::string name) {
  Type t;
  t.kind_ = Type::Kind::Enum;
  t.members_ = std::move(members);
  t.name_ = std::move(name);
  return make(std::move(t));
}

const Type* TypeContext::record(std::vector<Type::Field> fields, std::string name) {
  Type t;
  t.kind_ = Type::Kind::Record;
  t.depth_ = 1;
  for (Type::Field& f : fields) {
    if (!f.type) f.type = error_;
    t.depth_ = std::max(t.depth_, f.type->depth() + 1);
  }
  t.fields_ = std::move(fields);
  t.name_ = std::move(name);
  return make(std::move(t));
}

namespace {

// Structural equality modulo declared names and field docs, with int→float widening
// allowed at every level when `widen` is set.
bool compatible(const Type* from, const Type* to, bool widen) {
  if (from == to) return true;
  if (from->isError() || to->isError()) return true;
  if (widen && from->kind() == Type::Kind::Int && to->kind() == Type::Kind::Float) return true;
  if (from->kind() != to->kind()) return false;
  switch (from->kind()) {
  case Type::Kind::List:
    return compatible(from->element(), to->element(), widen);
  case Type::Kind::Enum:
    return from->members() == to->members();
  case Type::Kind::Record: {
    if (from->fields().size() != to->fields().size()) return false;
    for (const Type::Field& tf : to->fields()) {
      const Type::Field* ff = from->field(tf.name);
      if (!ff || !compatible(ff->type, tf.type, widen)) return false;
    }
    return true;
  }
  default:
    return true; // same primitive kind
  }
}

} // namespace

bool isAssignable(const Type* from, const Type* to) {
  if (!from || !to) return true; // unknown: already reported
  return compatible(from, to, true);
}

} // namespace awc::sema
