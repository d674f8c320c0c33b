// Fuzz target: a profile file (docs/tune.md) through profile::parse. Whatever parses must
// serialise, and the serialised form must parse again to the same bytes: the compiler reads
// what the tuner writes, so a profile that does not survive its own round trip is a bug.
#include "awc/profile/profile.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto profile = awc::profile::parse(text, error);
  if (!profile) {
    if (error.empty()) std::abort(); // a refusal always says why
    return 0;
  }
  std::string once = awc::profile::serialize(*profile);
  auto again = awc::profile::parse(once, error);
  if (!again || awc::profile::serialize(*again) != once) std::abort();
  return 0;
}
