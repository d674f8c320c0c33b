// The tune tests' one way to read the profile `awc tune` wrote: parsed with the contract's own
// parser, the test stopped with the parser's message when it does not parse.
#pragma once

#include "awc/profile/profile.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>

namespace awc::test {

inline awc::profile::Profile readProfileFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string error;
  auto p = awc::profile::parse(text.str(), error);
  INFO(error);
  REQUIRE(p);
  return *p;
}

} // namespace awc::test
