// Types as written, resolved to semantic types: built-in names, aliases (cycles reported
// with their path), list<T>, enums and records. Nesting is bounded (AWC5003, AWC5004).
#include "analyzer.h"

#include <algorithm>
#include <fmt/format.h>
#include <set>

namespace awc::sema::detail {

const std::set<std::string, std::less<>> kBuiltinTypes = {"string", "int",      "float",
                                                          "bool",   "duration", "list"};

const Type* Analyzer::resolveAlias(const ast::TypeAliasDecl* decl) {
  State& st = aliasState[decl];
  if (st == State::Done) return decl->resolved ? decl->resolved : types.error();
  auto* mutableDecl = const_cast<ast::TypeAliasDecl*>(decl);
  if (st == State::InProgress) {
    // Report once, at the alias where the cycle was entered.
    auto pos =
        std::find_if(stack.begin(), stack.end(), [&](const Frame& f) { return f.node == decl; });
    std::string path;
    for (auto it = pos; it != stack.end(); ++it)
      path += it->name + " → ";
    path += decl->name;
    auto& d = diags.report(DiagCode::TypeAliasCycle, decl->nameRange,
                           fmt::format("type alias '{}' refers to itself: {}", decl->name, path));
    for (auto it = pos; it != stack.end(); ++it)
      if (it->refToNext.valid())
        d.notes.push_back(
            {it->refToNext, fmt::format("'{}' uses '{}' here", it->name,
                                        it + 1 != stack.end() ? (it + 1)->name : decl->name)});
    mutableDecl->resolved = types.error();
    return types.error();
  }
  st = State::InProgress;
  stack.push_back({decl, decl->name, decl->nameRange, {}});
  const Type* t = resolveType(decl->type.get(), decl->name);
  stack.pop_back();
  if (aliasState[decl] == State::InProgress) {
    if (!mutableDecl->resolved) mutableDecl->resolved = t;
    aliasState[decl] = State::Done;
  }
  return mutableDecl->resolved;
}

const Type* Analyzer::resolveType(const ast::TypeExpr* te, const std::string& aliasName) {
  if (!te) return types.error();
  DepthGuard guard(depth);
  if (depth > kMaxCheckDepth) {
    reportTooDeep(te->range);
    return types.error();
  }
  return resolveTypeInner(te, aliasName);
}

const Type* Analyzer::resolveTypeInner(const ast::TypeExpr* te, const std::string& aliasName) {
  switch (te->kind) {
  case ast::TypeExpr::Kind::Named: {
    const std::string& n = te->name;
    if (n == "string") return types.string();
    if (n == "int") return types.integer();
    if (n == "float") return types.floating();
    if (n == "bool") return types.boolean();
    if (n == "duration") return types.duration();
    if (n.empty()) return types.error();
    auto it = program.typeAliases.find(n);
    if (it != program.typeAliases.end()) {
      if (!stack.empty() && !stack.back().refToNext.valid()) stack.back().refToNext = te->range;
      const Type* t = resolveAlias(it->second);
      if (!stack.empty()) stack.back().refToNext = {};
      return t;
    }
    if (n == "list") {
      diags.report(DiagCode::UnknownType, te->range,
                   "'list' needs an element type, as in list<string>");
      return types.error();
    }
    std::vector<std::string> candidates(kBuiltinTypes.begin(), kBuiltinTypes.end());
    for (auto& a : program.typeAliases)
      candidates.push_back(a.getKey().str());
    diags.report(DiagCode::UnknownType, te->range,
                 fmt::format("unknown type '{}'{}", n, suggest(n, candidates)));
    return types.error();
  }
  case ast::TypeExpr::Kind::Generic: {
    if (te->name == "list" && te->args.size() == 1)
      return limitNesting(types.list(resolveType(te->args[0].get())), te->range);
    if (te->name == "list") {
      diags.report(DiagCode::UnknownType, te->range, "'list' takes exactly one element type");
      return types.error();
    }
    diags.report(DiagCode::UnknownType, te->range,
                 fmt::format("unknown generic type '{}'; only list<T> is generic", te->name));
    for (auto& a : te->args)
      resolveType(a.get());
    return types.error();
  }
  case ast::TypeExpr::Kind::Enum: {
    std::vector<std::string> members;
    std::map<std::string, SourceRange> seen;
    for (const auto& m : te->members) {
      auto [it, inserted] = seen.emplace(m.name, m.range);
      if (!inserted) {
        auto& d = diags.report(DiagCode::DuplicateEnumMember, m.range,
                               fmt::format("enum member '{}' listed twice", m.name));
        d.notes.push_back({it->second, "first listed here"});
        continue;
      }
      members.push_back(m.name);
    }
    return types.enumeration(std::move(members), aliasName);
  }
  case ast::TypeExpr::Kind::Record: {
    std::vector<Type::Field> fields;
    std::map<std::string, SourceRange> seen;
    for (const auto& f : te->fields) {
      const Type* ft = resolveType(f.type.get());
      auto [it, inserted] = seen.emplace(f.name, f.range);
      if (!inserted) {
        auto& d = diags.report(DiagCode::DuplicateField, f.range,
                               fmt::format("field '{}' listed twice", f.name));
        d.notes.push_back({it->second, "first listed here"});
        continue;
      }
      fields.push_back({f.name, ft, f.description});
    }
    return limitNesting(types.record(std::move(fields), aliasName), te->range);
  }
  }
  return types.error();
}

} // namespace awc::sema::detail
