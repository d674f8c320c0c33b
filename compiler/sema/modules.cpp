// Module loading: the root file and everything it imports, each file once, import cycles
// reported. Imports are confined: only `.flow` files under the importing file's folder,
// under a folder given with --import-root, or (for `import std/x`) in the standard module
// folder — resolved with realpath, so `..` and symlinks cannot escape. A refused import is
// never read, so its contents can never appear in a diagnostic.
#include "analyzer.h"
#include "awc/syntax/parser.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <llvm/Support/Casting.h>

#ifndef AWC_DEFAULT_STDLIB_DIR
#define AWC_DEFAULT_STDLIB_DIR "stdlib/flow"
#endif

namespace awc::sema::detail {

namespace fs = std::filesystem;
using llvm::dyn_cast;

namespace {

/// Imports nested deeper than this (a imports b imports c ...) stop with AWC5003.
constexpr size_t kMaxImportDepth = 256;

std::string displayName(std::string_view path) {
  return fs::path(std::string(path)).filename().string();
}

std::string stdlibDirectory(const AnalyzeOptions& options) {
  if (!options.stdlibDir.empty()) return options.stdlibDir;
  if (const char* env = std::getenv("AWC_STDLIB_DIR"); env && *env) return env;
  return AWC_DEFAULT_STDLIB_DIR;
}

/// The real path of an existing file or folder (symlinks and `..` resolved), or "".
fs::path realPath(const fs::path& p) {
  std::error_code ec;
  fs::path r = fs::canonical(p, ec);
  return ec ? fs::path() : r;
}

/// The folder of a file given by name; made absolute and real when it exists.
fs::path folderOf(std::string_view file) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(std::string(file)), ec).parent_path();
  fs::path real = realPath(abs);
  return real.empty() ? abs.lexically_normal() : real;
}

/// Whether real path `file` lies inside real folder `dir`.
bool isUnder(const fs::path& file, const fs::path& dir) {
  if (dir.empty()) return false;
  auto f = file.begin();
  for (auto d = dir.begin(); d != dir.end(); ++d, ++f) {
    if (d->empty() && std::next(d) == dir.end()) break; // a trailing separator
    if (f == file.end() || *f != *d) return false;
  }
  return f != file.end();
}

bool hasFlowExtension(const fs::path& p) {
  return p.extension() == ".flow";
}

} // namespace

/// Where an import may come from; refusals are reported at the import.
struct ImportResolver {
  Analyzer& a;
  std::string stdDir;
  std::vector<fs::path> roots; // real paths of --import-root folders

  /// The real path `imp` (in `importer`) refers to, or "" after reporting why not.
  fs::path resolve(const ast::ImportDecl& imp, FileId importer) {
    SourceRange where = imp.range();
    if (imp.path.empty() || imp.path.find('\0') != std::string::npos) {
      a.diags.report(DiagCode::ImportNotAllowed, where, "an import needs a file name");
      return {};
    }
    fs::path target;
    std::vector<fs::path> allowed;
    if (imp.isStd) {
      std::string rest = imp.path.rfind("std/", 0) == 0 ? imp.path.substr(4) : imp.path;
      target = fs::path(stdDir) / (rest + ".flow");
      allowed.push_back(realPath(stdDir));
    } else {
      if (!hasFlowExtension(imp.path)) {
        auto& d = a.diags.report(
            DiagCode::ImportNotAllowed, where,
            fmt::format("cannot import '{}': only .flow files can be imported", imp.path));
        d.hints.push_back("an import names another flow file, like \"common/models.flow\"");
        return {};
      }
      fs::path folder = folderOf(a.sources.name(importer));
      target = (folder / imp.path).lexically_normal();
      allowed = roots;
      allowed.push_back(folder);
    }
    std::error_code ec;
    fs::path real = realPath(target);
    if (real.empty() || !fs::is_regular_file(real, ec)) {
      auto& d =
          a.diags.report(DiagCode::ImportNotFound, where,
                         imp.isStd ? fmt::format("no standard module '{}' (looked for '{}')",
                                                 imp.path, target.string())
                                   : fmt::format("cannot find imported file '{}' (looked for '{}')",
                                                 imp.path, target.string()));
      if (imp.isStd)
        d.hints.push_back("set AWC_STDLIB_DIR or --stdlib-dir to awc's stdlib/flow folder");
      return {};
    }
    bool inside = std::any_of(allowed.begin(), allowed.end(),
                              [&](const fs::path& dir) { return isUnder(real, dir); });
    if (!inside || !hasFlowExtension(real)) {
      auto& d = a.diags.report(
          DiagCode::ImportNotAllowed, where,
          !inside ? fmt::format("cannot import '{}': it is outside the folders flows may "
                                "import from",
                                imp.path)
                  : fmt::format("cannot import '{}': it leads to a file that is not a .flow file",
                                imp.path));
      if (!imp.isStd)
        d.hints.push_back("imports stay under the importing file's folder; pass --import-root "
                          "DIR to allow another folder");
      return {};
    }
    return real;
  }
};

void Analyzer::loadModules(FileId root) {
  enum class Load { Visiting, Done };
  std::map<std::string, Load> state;
  std::vector<std::string> canonStack;
  std::vector<std::string> displayStack;
  ImportResolver resolver{*this, stdlibDirectory(options), {}};
  for (const std::string& r : options.importRoots)
    if (fs::path real = realPath(r); !real.empty()) resolver.roots.push_back(real);

  auto load = [&](auto& self, FileId file, const std::string& canon) -> void {
    state[canon] = Load::Visiting;
    canonStack.push_back(canon);
    displayStack.push_back(displayName(sources.name(file)));
    std::unique_ptr<ast::Module> mod = syntax::parseModule(file, sources, diags);
    if (!mod) mod = std::make_unique<ast::Module>();
    mod->file = file;
    for (auto& decl : mod->decls) {
      auto* imp = dyn_cast<ast::ImportDecl>(decl.get());
      if (!imp || (imp->path.empty() && !imp->nameRange.valid())) continue;
      fs::path real = resolver.resolve(*imp, file);
      if (real.empty()) continue;
      std::string canonTarget = real.string();
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
      if (canonStack.size() >= kMaxImportDepth) {
        diags.report(DiagCode::ChainTooDeep, imp->range(),
                     fmt::format("imports nested deeper than {} files", kMaxImportDepth));
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
  fs::path rootReal = realPath(rootName);
  std::string rootCanon = !rootReal.empty() ? rootReal.string() : "<buffer>" + rootName;
  load(load, root, rootCanon);
}

} // namespace awc::sema::detail
