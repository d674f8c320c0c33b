// Fault spec parsing and the deterministic fault draw.
#include "awc/sim/faults.h"

#include <charconv>
#include <cstdlib>

namespace awc::sim {
namespace {

constexpr const char* kNames[] = {"", "429", "500", "503", "drop", "hang", "malformed", "schema"};

uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool parseDouble(std::string_view s, double& out) {
  std::string tmp(s);
  char* end = nullptr;
  out = std::strtod(tmp.c_str(), &end);
  return !tmp.empty() && end == tmp.c_str() + tmp.size();
}

} // namespace

const char* faultName(FaultKind kind) {
  int i = static_cast<int>(kind);
  return i >= 0 && i < static_cast<int>(FaultKind::Count) ? kNames[i] : "";
}

bool FaultSpec::any() const {
  for (double r : rates)
    if (r > 0) return true;
  return false;
}

std::optional<FaultSpec> parseFaultSpec(std::string_view spec, std::string& error) {
  FaultSpec out;
  double total = 0;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    while (!item.empty() && item.front() == ' ')
      item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ')
      item.remove_suffix(1);
    if (item.empty()) continue;
    size_t eq = item.find_first_of("=:");
    std::string_view key = item.substr(0, eq);
    std::string_view val = eq == std::string_view::npos ? std::string_view{} : item.substr(eq + 1);
    double number = 1.0;
    if (!val.empty() && !parseDouble(val, number)) {
      error =
          "fault spec: '" + std::string(val) + "' is not a number (in '" + std::string(item) + "')";
      return std::nullopt;
    }
    if (key == "retry_after") {
      if (number < 0 || number > 3600) {
        error = "fault spec: retry_after must be 0..3600 seconds";
        return std::nullopt;
      }
      out.retryAfterSec = static_cast<int>(number);
      continue;
    }
    if (key == "hang_ms") {
      if (number < 0) {
        error = "fault spec: hang_ms must be >= 0";
        return std::nullopt;
      }
      out.hangMs = number;
      continue;
    }
    int kind = -1;
    for (int i = 1; i < static_cast<int>(FaultKind::Count); ++i)
      if (key == kNames[i]) kind = i;
    if (kind < 0) {
      error = "fault spec: unknown fault '" + std::string(key) +
              "' (expected 429, 500, 503, drop, hang, malformed, schema, retry_after, hang_ms)";
      return std::nullopt;
    }
    if (number < 0 || number > 1) {
      error = "fault spec: rate for '" + std::string(key) + "' must be in [0, 1]";
      return std::nullopt;
    }
    out.rates[kind] = number;
  }
  for (double r : out.rates)
    total += r;
  if (total > 1.0 + 1e-9) {
    error = "fault spec: rates add up to more than 1";
    return std::nullopt;
  }
  return out;
}

FaultKind chooseFault(const FaultSpec& spec, uint64_t seed, uint64_t requestHash,
                      uint64_t attempt) {
  if (!spec.any()) return FaultKind::None;
  uint64_t h = mix(mix(seed ^ 0x5157a7e5ULL) ^ requestHash);
  h = mix(h ^ attempt);
  double u = static_cast<double>(h >> 11) / static_cast<double>(1ULL << 53);
  double acc = 0;
  for (int i = 1; i < static_cast<int>(FaultKind::Count); ++i) {
    acc += spec.rates[i];
    if (u < acc) return static_cast<FaultKind>(i);
  }
  return FaultKind::None;
}

} // namespace awc::sim
