// The hashes that tie a profile to a flow: the whole flow's (`Profile::sourceHash`) and one
// model step's (`StepProfile::hash`). The tuner and the compiler must compute them the same
// way, so both call these. The step's canonical form is built from the IR by
// awc::profileHashes (include/awc/compiler/profile_use.h); this header has no IR dependency.
#pragma once

#include <string>
#include <string_view>

namespace awc::profile {

/// FNV-1a 64 of the bytes, spelled "fnv1a64:" + 16 lowercase hex digits. Deterministic
/// everywhere (no seed, no platform dependence).
std::string hashBytes(std::string_view bytes);

/// The whole flow's hash: of the root .flow file's text exactly as read.
inline std::string flowHash(std::string_view sourceText) {
  return hashBytes(sourceText);
}

} // namespace awc::profile
