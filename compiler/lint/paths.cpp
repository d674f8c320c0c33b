// Which files `awc lint PATH...` reads: files as given, directories recursively (*.flow,
// hidden directories skipped), glob patterns through glob(3). Sorted and de-duplicated so
// output is stable across machines.
#include "awc/lint/lint.h"

#include <algorithm>
#include <filesystem>
#include <glob.h>
#include <set>

namespace awc::lint {
namespace fs = std::filesystem;

namespace {

void walk(const fs::path& dir, std::set<std::string>& out) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      if (name.size() > 1 && name[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (p.extension() == ".flow" && it->is_regular_file(ec))
      out.insert(p.lexically_normal().generic_string());
  }
}

bool hasGlobChars(const std::string& s) {
  return s.find_first_of("*?[") != std::string::npos;
}

} // namespace

std::vector<std::string> expandPaths(const std::vector<std::string>& args,
                                     std::vector<std::string>& missing) {
  std::set<std::string> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      walk(arg, out);
      continue;
    }
    if (fs::exists(arg, ec)) {
      out.insert(fs::path(arg).lexically_normal().generic_string());
      continue;
    }
    if (hasGlobChars(arg)) {
      glob_t g{};
      int rc = glob(arg.c_str(), GLOB_NOSORT, nullptr, &g);
      size_t before = out.size();
      if (rc == 0) {
        for (size_t i = 0; i < g.gl_pathc; ++i) {
          fs::path p(g.gl_pathv[i]);
          if (fs::is_directory(p, ec))
            walk(p, out);
          else
            out.insert(p.lexically_normal().generic_string());
        }
      }
      globfree(&g);
      if (out.size() > before) continue;
    }
    missing.push_back(arg);
  }
  return {out.begin(), out.end()};
}

} // namespace awc::lint
