// The regular-expression dialect of matches/extract (RE2; docs/stdlib.md), exposed so the
// compiler can reject a bad constant pattern with a located error instead of at run time.
#pragma once

#include <string>

namespace awc::stdlib {

/// An empty string when `pattern` is a valid pattern for matches/extract, else why not
/// (syntax error, unsupported construct such as a backreference or lookaround, too large).
std::string checkRegex(const std::string& pattern);

} // namespace awc::stdlib
