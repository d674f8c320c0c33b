// Where the lint tests' cases live; shared by the files of awc_lint_tests.
#pragma once

#include <string>

namespace awc::lint::test {

/// tests/lint/cases/<rule>/{bad,good}.flow in the source tree.
inline const std::string kCases = AWC_SOURCE_DIR "/tests/lint/cases";

} // namespace awc::lint::test
