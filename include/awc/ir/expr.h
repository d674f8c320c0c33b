// A typed view and builders over the evaluator's JSON expression format (docs/plan-format.md,
// "Expressions"), so passes ask "is this a ref, and to what?" instead of probing keys. The JSON
// stays the representation: the IR, the plan and the runtime share it unchanged.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace awc::ir::expr {

using Json = nlohmann::json;

/// What an expression node is; Unknown for anything malformed.
enum class Kind { Lit, Ref, Field, Index, Op, Call, If, List, Record, Text, Unknown };

/// A read-only view of one expression node. Accessors for another kind's parts return an
/// empty view / empty string rather than throwing, so probing malformed trees is safe.
class View {
public:
  explicit View(const Json& e) : e_(&e) { kind_ = classify(e); }
  View(const Json&&) = delete; // a view of a temporary would dangle

  Kind kind() const { return kind_; }
  bool is(Kind k) const { return kind_ == k; }
  const Json& json() const { return *e_; }

  /// Lit: the value (null for other kinds).
  const Json& literal() const { return member("lit"); }
  /// Ref: the name read; Field: the field name; Op: the operator; Call: the function.
  const std::string& name() const {
    const char* key = kind_ == Kind::Ref     ? "ref"
                      : kind_ == Kind::Field ? "field"
                      : kind_ == Kind::Op    ? "op"
                      : kind_ == Kind::Call  ? "call"
                                             : nullptr;
    const Json& v = key ? member(key) : null();
    return v.is_string() ? v.get_ref<const std::string&>() : emptyString();
  }
  /// Field / Index: the value accessed.
  View of() const { return View(member("of")); }
  /// Index: the index expression.
  View index() const { return View(member("index")); }
  /// Op / Call: the operands; Text / List: the parts.
  size_t size() const { return items().is_array() ? items().size() : 0; }
  View operator[](size_t i) const { return i < size() ? View(items()[i]) : View(null()); }
  /// If: the condition and the arms.
  View cond() const { return View(member("if")); }
  View then() const { return View(member("then")); }
  View otherwise() const { return View(member("else")); }
  /// A literal string's text (Lit holding a string), else nullptr.
  const std::string* literalString() const {
    const Json& v = literal();
    return kind_ == Kind::Lit && v.is_string() ? &v.get_ref<const std::string&>() : nullptr;
  }
  /// `{"text": [E]}` (a prompt interpolation of one value) → E; any other node → itself.
  View unwrapText() const { return kind_ == Kind::Text && size() == 1 ? (*this)[0] : *this; }

  static Kind classify(const Json& e) {
    if (!e.is_object()) return Kind::Unknown;
    static const std::pair<const char*, Kind> keys[] = {
        {"lit", Kind::Lit},     {"ref", Kind::Ref},   {"field", Kind::Field},
        {"index", Kind::Index}, {"op", Kind::Op},     {"call", Kind::Call},
        {"if", Kind::If},       {"list", Kind::List}, {"record", Kind::Record},
        {"text", Kind::Text}};
    for (const auto& [key, kind] : keys)
      if (e.contains(key)) return kind;
    return Kind::Unknown;
  }

private:
  static const Json& null() {
    static const Json n;
    return n;
  }
  static const std::string& emptyString() {
    static const std::string s;
    return s;
  }
  const Json& member(const char* key) const {
    if (!e_->is_object()) return null();
    auto it = e_->find(key);
    return it == e_->end() ? null() : *it;
  }
  const Json& items() const {
    switch (kind_) {
    case Kind::Op:
    case Kind::Call:
      return member("args");
    case Kind::Text:
      return member("text");
    case Kind::List:
      return member("list");
    default:
      return null();
    }
  }

  const Json* e_;
  Kind kind_;
};

/// Builders for the same format.
inline Json lit(Json value) {
  return Json{{"lit", std::move(value)}};
}
inline Json ref(std::string name) {
  return Json{{"ref", std::move(name)}};
}
inline Json field(Json of, std::string name) {
  return Json{{"field", std::move(name)}, {"of", std::move(of)}};
}
inline Json index(Json of, Json i) {
  return Json{{"index", std::move(i)}, {"of", std::move(of)}};
}
inline Json op(std::string name, std::vector<Json> args) {
  return Json{{"op", std::move(name)}, {"args", std::move(args)}};
}
inline Json call(std::string name, std::vector<Json> args) {
  return Json{{"call", std::move(name)}, {"args", std::move(args)}};
}
inline Json ifElse(Json cond, Json then, Json otherwise) {
  return Json{{"if", std::move(cond)}, {"then", std::move(then)}, {"else", std::move(otherwise)}};
}
inline Json text(std::vector<Json> parts) {
  return Json{{"text", std::move(parts)}};
}

} // namespace awc::ir::expr
