// Semantic analysis driver: loads the root file and its imports, collects global symbols,
// checks declarations (types, models, ladders, tools, consts), picks the workflow.
// Workflow bodies and expressions are checked in check.cpp.
#include "analyzer.h"
#include "awc/syntax/parser.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>
#include <set>

#ifndef AWC_DEFAULT_STDLIB_DIR
#define AWC_DEFAULT_STDLIB_DIR "stdlib/flow"
#endif

namespace awc::sema {

using llvm::dyn_cast;
using llvm::isa;

std::string closestName(std::string_view name, const std::vector<std::string>& candidates) {
  // Optimal string alignment distance: a transposition costs 1, as typos usually do.
  auto distance = [](std::string_view a, std::string_view b) {
    std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); ++i)
      d[i][0] = i;
    for (size_t j = 0; j <= b.size(); ++j)
      d[0][j] = j;
    for (size_t i = 1; i <= a.size(); ++i)
      for (size_t j = 1; j <= b.size(); ++j) {
        size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
        d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
          d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    return d[a.size()][b.size()];
  };
  // Very short names are too easily "close" to anything.
  size_t limit = name.size() <= 3 ? 1 : 2;
  std::string best;
  size_t bestDist = limit + 1;
  for (const std::string& c : candidates) {
    if (c == name || c.empty()) continue;
    size_t dist = distance(name, c);
    if (dist < bestDist || (dist == bestDist && c < best)) {
      best = c;
      bestDist = dist;
    }
  }
  return bestDist <= limit ? best : std::string();
}

namespace detail {

std::string joinNames(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) s += i + 1 == names.size() ? " and " : ", ";
    s += "'" + names[i] + "'";
  }
  return s;
}

std::string didYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best = closestName(name, candidates);
  return best.empty() ? std::string() : fmt::format("; did you mean '{}'?", best);
}

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
  if (options.warnings) warnUnusedConsts(root);
  diags.sortByLocation();
  if (diags.hasErrors()) program.workflow = nullptr;
}

// ---------------------------------------------------------------------------
// Module loading

namespace {

std::string canonicalPath(const std::string& path) {
  std::error_code ec;
  auto canon = std::filesystem::weakly_canonical(path, ec);
  return ec ? path : canon.string();
}

std::string displayName(std::string_view path) {
  return std::filesystem::path(std::string(path)).filename().string();
}

std::string stdlibDirectory(const AnalyzeOptions& options) {
  if (!options.stdlibDir.empty()) return options.stdlibDir;
  if (const char* env = std::getenv("AWC_STDLIB_DIR"); env && *env) return env;
  return AWC_DEFAULT_STDLIB_DIR;
}

} // namespace

void Analyzer::loadModules(FileId root) {
  enum class Load { Visiting, Done };
  std::map<std::string, Load> state;
  std::vector<std::string> canonStack;
  std::vector<std::string> displayStack;
  std::string stdDir = stdlibDirectory(options);

  auto load = [&](auto& self, FileId file, const std::string& canon) -> void {
    state[canon] = Load::Visiting;
    canonStack.push_back(canon);
    displayStack.push_back(displayName(sources.name(file)));
    std::unique_ptr<ast::Module> mod = syntax::parseModule(file, sources, diags);
    if (!mod) mod = std::make_unique<ast::Module>();
    mod->file = file;
    for (auto& decl : mod->decls) {
      auto* imp = dyn_cast<ast::ImportDecl>(decl.get());
      if (!imp || imp->path.empty()) continue;
      std::string target;
      if (imp->isStd) {
        std::string rest = imp->path.rfind("std/", 0) == 0 ? imp->path.substr(4) : imp->path;
        target = (std::filesystem::path(stdDir) / (rest + ".flow")).string();
      } else {
        std::filesystem::path base = std::filesystem::path(std::string(sources.name(file)));
        target = (base.parent_path() / imp->path).lexically_normal().string();
      }
      std::error_code ec;
      if (!std::filesystem::is_regular_file(target, ec)) {
        auto& d = diags.report(
            DiagCode::ImportNotFound, imp->range(),
            imp->isStd ? fmt::format("no standard module '{}' (looked for '{}')", imp->path, target)
                       : fmt::format("cannot find imported file '{}' (looked for '{}')", imp->path,
                                     target));
        if (imp->isStd)
          d.hints.push_back("set AWC_STDLIB_DIR or --stdlib-dir to awc's stdlib/flow folder");
        continue;
      }
      std::string canonTarget = canonicalPath(target);
      auto it = state.find(canonTarget);
      if (it != state.end()) {
        if (it->second == Load::Done) continue;
        // A cycle: the target is on the stack.
        auto pos =
            std::find(canonStack.begin(), canonStack.end(), canonTarget) - canonStack.begin();
        std::string path;
        for (size_t i = pos; i < displayStack.size(); ++i)
          path += displayStack[i] + " → ";
        path += displayName(canonTarget);
        diags.report(DiagCode::ImportCycle, imp->range(), fmt::format("import cycle: {}", path));
        continue;
      }
      std::string error;
      std::optional<FileId> id = sources.findFile(canonTarget);
      if (!id) id = sources.addFile(canonTarget, error);
      if (!id) {
        diags.report(DiagCode::ImportNotFound, imp->range(),
                     fmt::format("cannot read imported file '{}': {}", imp->path, error));
        continue;
      }
      self(self, *id, canonTarget);
    }
    moduleFiles.push_back(file);
    program.modules.push_back(std::move(mod));
    state[canon] = Load::Done;
    canonStack.pop_back();
    displayStack.pop_back();
  };
  std::string rootName(sources.name(root));
  std::error_code ec;
  std::string rootCanon =
      std::filesystem::exists(rootName, ec) ? canonicalPath(rootName) : "<buffer>" + rootName;
  load(load, root, rootCanon);
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

const std::set<std::string, std::less<>> kBuiltinTypes = {"string", "int",      "float",
                                                          "bool",   "duration", "list"};

} // namespace

void Analyzer::collectGlobals() {
  std::set<std::string> hosts;
  for (auto& mod : program.modules) {
    for (auto& declPtr : mod->decls) {
      ast::Decl* decl = declPtr.get();
      if (auto* host = dyn_cast<ast::HostDecl>(decl)) {
        for (auto& e : host->hosts)
          if (!e.host.empty()) hosts.insert(e.host);
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

// ---------------------------------------------------------------------------
// Types as written

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
                 fmt::format("unknown type '{}'{}", n, didYouMean(n, candidates)));
    return types.error();
  }
  case ast::TypeExpr::Kind::Generic: {
    if (te->name == "list" && te->args.size() == 1)
      return types.list(resolveType(te->args[0].get()));
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
    return types.record(std::move(fields), aliasName);
  }
  }
  return types.error();
}

// ---------------------------------------------------------------------------
// Declarations

namespace {

enum class OptKind { String, Number, Int, Bool, Duration, DurationOrBool, Size, Effect };

const char* optKindName(OptKind k) {
  switch (k) {
  case OptKind::String:
    return "a string";
  case OptKind::Number:
    return "a number";
  case OptKind::Int:
    return "an int";
  case OptKind::Bool:
    return "a bool";
  case OptKind::Duration:
    return "a duration (like 30s)";
  case OptKind::DurationOrBool:
    return "a duration or a bool";
  case OptKind::Size:
    return "one of \"small\", \"medium\", \"large\"";
  case OptKind::Effect:
    return "one of pure, idempotent, side_effect";
  }
  return "a value";
}

const std::map<std::string, OptKind, std::less<>> kModelOptions = {
    {"endpoint", OptKind::String},
    {"key_env", OptKind::String},
    {"price_in", OptKind::Number},
    {"price_out", OptKind::Number},
    {"cached_price_in", OptKind::Number},
    {"context", OptKind::Int},
    {"max_concurrency", OptKind::Int},
    {"rpm", OptKind::Int},
    {"tpm", OptKind::Int},
    {"size", OptKind::Size},
    {"ttft_ms", OptKind::Number},
    {"tokens_per_s", OptKind::Number},
    {"structured_tokens_per_s", OptKind::Number},
    {"structured_ttft_ms", OptKind::Number},
};

const std::map<std::string, OptKind, std::less<>> kToolOptions = {
    {"effect", OptKind::Effect}, {"cache", OptKind::DurationOrBool}, {"timeout", OptKind::Duration},
    {"retries", OptKind::Int},   {"description", OptKind::String},
};

const std::vector<std::string> kProviders = {"openai", "anthropic", "sim"};

} // namespace

namespace {

// Checks `opts` against a table; values are checked as constants.
void checkOptions(Analyzer& a, std::vector<ast::Option>& opts,
                  const std::map<std::string, OptKind, std::less<>>& table, const char* what) {
  std::map<std::string, SourceRange> seen;
  std::vector<std::string> names;
  for (auto& [n, k] : table)
    names.push_back(n);
  for (ast::Option& opt : opts) {
    auto it = table.find(opt.name);
    if (it == table.end()) {
      auto& d = a.diags.report(
          DiagCode::UnknownOption, opt.nameRange,
          fmt::format("unknown {} option '{}'{}", what, opt.name, didYouMean(opt.name, names)));
      d.hints.push_back(fmt::format("{} options are: {}", what, joinNames(names)));
      continue;
    }
    auto [sit, inserted] = seen.emplace(opt.name, opt.nameRange);
    if (!inserted) {
      auto& d = a.diags.report(DiagCode::BadOptionValue, opt.nameRange,
                               fmt::format("option '{}' given twice", opt.name));
      d.notes.push_back({sit->second, "first given here"});
    }
    if (!opt.value) continue;
    OptKind kind = it->second;
    if (kind == OptKind::Effect || kind == OptKind::Size) {
      // Bare names (effect: pure) or strings (size: "small"); never resolved as values.
      std::string v;
      bool ok = false;
      if (auto* n = dyn_cast<ast::NameExpr>(opt.value.get()))
        v = n->name, ok = true;
      else if (auto* s = dyn_cast<ast::StringExpr>(opt.value.get()); s && s->isPlain())
        v = s->plainText(), ok = true;
      std::vector<std::string> allowed =
          kind == OptKind::Effect ? std::vector<std::string>{"pure", "idempotent", "side_effect"}
                                  : std::vector<std::string>{"small", "medium", "large"};
      opt.value->type = a.types.string();
      if (!ok || std::find(allowed.begin(), allowed.end(), v) == allowed.end())
        a.diags.report(DiagCode::BadOptionValue, opt.value->range(),
                       fmt::format("option '{}' must be {}{}", opt.name, optKindName(kind),
                                   ok ? didYouMean(v, allowed) : std::string()));
      continue;
    }
    const Type* t = a.checkExpr(opt.value.get(), Ctx{nullptr, true, false});
    if (t->isError()) continue;
    bool good = false;
    switch (kind) {
    case OptKind::String:
      good = t->kind() == Type::Kind::String;
      break;
    case OptKind::Number:
      good = t->isNumeric();
      break;
    case OptKind::Int:
      good = t->kind() == Type::Kind::Int;
      break;
    case OptKind::Bool:
      good = t->kind() == Type::Kind::Bool;
      break;
    case OptKind::Duration:
      good = t->kind() == Type::Kind::Duration;
      break;
    case OptKind::DurationOrBool:
      good = t->kind() == Type::Kind::Duration || t->kind() == Type::Kind::Bool;
      break;
    default:
      break;
    }
    if (!good) {
      a.diags.report(
          DiagCode::BadOptionValue, opt.value->range(),
          fmt::format("option '{}' must be {}, not {}", opt.name, optKindName(kind), t->str()));
      continue;
    }
    // Negative counts and prices make no sense.
    if (auto* u = dyn_cast<ast::UnaryExpr>(opt.value.get()); u && u->op == ast::UnaryOp::Neg)
      a.diags.report(DiagCode::BadOptionValue, opt.value->range(),
                     fmt::format("option '{}' cannot be negative", opt.name));
  }
}

bool allowedInSignature(const Type* t) {
  if (!t) return true;
  switch (t->kind()) {
  case Type::Kind::Duration:
    return false;
  case Type::Kind::List:
    return allowedInSignature(t->element());
  case Type::Kind::Record:
    for (auto& f : t->fields())
      if (!allowedInSignature(f.type)) return false;
    return true;
  default:
    return true;
  }
}

} // namespace

void Analyzer::checkDecls() {
  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* t = dyn_cast<ast::TypeAliasDecl>(decl.get())) {
        // A redefinition is checked for errors but not registered.
        if (program.typeAliases.lookup(t->name) == t)
          resolveAlias(t);
        else
          t->resolved = resolveType(t->type.get(), t->name);
      }

  std::vector<std::string> modelNames;
  for (auto& m : program.models)
    modelNames.push_back(m.getKey().str());
  std::sort(modelNames.begin(), modelNames.end());

  for (auto& mod : program.modules) {
    for (auto& declPtr : mod->decls) {
      ast::Decl* decl = declPtr.get();
      if (auto* m = dyn_cast<ast::ModelDecl>(decl)) {
        if (!m->provider.empty() &&
            std::find(kProviders.begin(), kProviders.end(), m->provider) == kProviders.end()) {
          auto& d = diags.report(DiagCode::UnknownProvider, m->providerRange,
                                 fmt::format("unknown model provider '{}'{}", m->provider,
                                             didYouMean(m->provider, kProviders)));
          d.hints.push_back("providers are 'openai', 'anthropic' and 'sim'");
        }
        checkOptions(*this, m->options, kModelOptions, "model");
      } else if (auto* l = dyn_cast<ast::LadderDecl>(decl)) {
        for (auto& rung : l->rungs) {
          auto it = program.models.find(rung.model);
          if (it != program.models.end()) {
            rung.decl = it->second;
            continue;
          }
          diags.report(DiagCode::UnknownModel, rung.range,
                       fmt::format("unknown model '{}' in ladder '{}'{}", rung.model, l->name,
                                   didYouMean(rung.model, modelNames)));
        }
      } else if (auto* tool = dyn_cast<ast::ToolDecl>(decl)) {
        std::map<std::string, SourceRange> seen;
        for (auto& p : tool->params) {
          if (!p) continue;
          p->type = resolveType(p->typeExpr.get());
          if (!allowedInSignature(p->type))
            diags.report(DiagCode::BadToolSignature, p->typeExpr ? p->typeExpr->range : p->range(),
                         fmt::format("tool parameter '{}' cannot be a {}; pass a number of seconds "
                                     "or a string",
                                     p->name, p->type->str()));
          auto [it, inserted] = seen.emplace(p->name, p->nameRange);
          if (!inserted) {
            auto& d = diags.report(DiagCode::Redefinition, p->nameRange,
                                   fmt::format("parameter '{}' listed twice", p->name));
            d.notes.push_back({it->second, "first listed here"});
          }
          if (p->defaultValue) {
            const Type* dt = checkExpr(p->defaultValue.get(), Ctx{nullptr, true, false});
            if (!isAssignable(dt, p->type))
              diags.report(DiagCode::TypeMismatch, p->defaultValue->range(),
                           fmt::format("default value of '{}' is {}, expected {}", p->name,
                                       dt->str(), p->type->str()));
          }
        }
        tool->result = resolveType(tool->resultType.get());
        if (!allowedInSignature(tool->result))
          diags.report(
              DiagCode::BadToolSignature, tool->resultType->range,
              fmt::format("tool result cannot contain a duration ({})", tool->result->str()));
        if (tool->impl == ast::ToolDecl::Impl::Http) {
          static const std::vector<std::string> methods = {"GET", "POST", "PUT", "PATCH", "DELETE"};
          if (std::find(methods.begin(), methods.end(), tool->method) == methods.end())
            diags.report(DiagCode::BadOptionValue, tool->methodRange,
                         fmt::format("unknown HTTP method '{}'{}", tool->method,
                                     didYouMean(tool->method, methods)));
          // The host: between "://" and the next '/', ':' or '?'.
          const std::string& url = tool->url;
          size_t start = url.find("://");
          start = start == std::string::npos ? 0 : start + 3;
          size_t end = url.find_first_of("/:?#", start);
          std::string host =
              url.substr(start, end == std::string::npos ? std::string::npos : end - start);
          if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
            diags.report(DiagCode::BadOptionValue, tool->urlRange,
                         fmt::format("HTTP tool URL must start with http:// or https://"));
          } else if (!std::binary_search(program.hosts.begin(), program.hosts.end(), host)) {
            auto& d = diags.report(
                DiagCode::UndeclaredHost, tool->urlRange,
                fmt::format("tool '{}' calls host '{}', which is not declared", tool->name, host));
            d.hints.push_back(fmt::format("add `host \"{}\"` to allow it", host));
          }
          // {param} holes.
          for (size_t pos = url.find('{'); pos != std::string::npos; pos = url.find('{', pos + 1)) {
            size_t close = url.find('}', pos);
            if (close == std::string::npos) break;
            std::string hole = url.substr(pos + 1, close - pos - 1);
            bool found = std::any_of(tool->params.begin(), tool->params.end(),
                                     [&](auto& p) { return p && p->name == hole; });
            if (!found) {
              std::vector<std::string> names;
              for (auto& p : tool->params)
                if (p) names.push_back(p->name);
              SourceRange r{tool->urlRange.file, tool->urlRange.begin + 1 + uint32_t(pos),
                            tool->urlRange.begin + 2 + uint32_t(close)};
              if (r.end > tool->urlRange.end) r = tool->urlRange;
              diags.report(DiagCode::UnknownName, r,
                           fmt::format("URL hole '{{{}}}' names no parameter of tool '{}'{}", hole,
                                       tool->name, didYouMean(hole, names)));
            }
          }
        }
        checkOptions(*this, tool->options, kToolOptions, "tool");
      }
    }
  }

  for (auto& mod : program.modules)
    for (auto& decl : mod->decls)
      if (auto* c = dyn_cast<ast::ConstDecl>(decl.get())) checkConst(c);
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
                             didYouMean(options.workflow, all),
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
