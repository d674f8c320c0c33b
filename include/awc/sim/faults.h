// Fault injection for the simulator: which fault (if any) a request gets, drawn
// deterministically from the seed, the request's content hash and its attempt number.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace awc::sim {

enum class FaultKind : int {
  None = 0,
  RateLimit,       ///< 429 with Retry-After
  ServerError,     ///< 500
  Unavailable,     ///< 503
  Drop,            ///< connection closed mid-response (mid-stream when streaming)
  Hang,            ///< no response until the client gives up (or hangMs passes)
  Malformed,       ///< 200 with a body (or SSE chunk) that is not valid JSON
  SchemaViolation, ///< well-formed JSON answer that breaks the requested schema
  Count
};

/// Name used in the spec and the request log: "429", "500", "503", "drop", "hang",
/// "malformed", "schema" (and "" for None).
const char* faultName(FaultKind kind);

struct FaultSpec {
  std::array<double, static_cast<size_t>(FaultKind::Count)> rates{}; ///< probability per kind
  int retryAfterSec = 1;                                             ///< Retry-After for 429
  double hangMs = 600000; ///< how long a hung request holds its connection at most
  bool any() const;
};

/// Parses "429=0.1,500=0.05,drop,retry_after=2,hang_ms=5000". A bare kind means rate 1.
/// Rates must be in [0,1] and sum to at most 1.
std::optional<FaultSpec> parseFaultSpec(std::string_view spec, std::string& error);

/// Deterministic choice: the same (seed, request hash, attempt) always gets the same fault,
/// so a retry of a failed request is a fresh draw but a rerun of the test is not.
FaultKind chooseFault(const FaultSpec& spec, uint64_t seed, uint64_t requestHash, uint64_t attempt);

} // namespace awc::sim
