// Fuzz target: plan JSON text through the runtime's loader (loadPlanText), then planInfo.
#include "awc/runtime/runtime.h"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string error;
  auto plan = awc::runtime::loadPlanText(
      std::string_view(reinterpret_cast<const char*>(data), size), error);
  // A refused plan says why.
  if (plan == nullptr && error.empty()) __builtin_trap();
  if (plan) (void)awc::runtime::planInfo(*plan);
  return 0;
}
