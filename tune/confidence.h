// The statistical bar of `awc tune`: the Wilson score lower bound of an agreement rate.
#pragma once

#include <cstdint>
#include <string>

namespace awc::tune {

/// The standard normal quantile: the z with P(Z ≤ z) = p, for p in (0, 1) (Acklam's rational
/// approximation refined by one Halley step on std::erfc: about 1e-15 relative error).
double normalQuantile(double p);

/// The one-sided Wilson score lower bound of the rate agreed/samples at `confidence` (in
/// [0.5, 1)): the true rate is at least this with that confidence. 0 samples give 0; confidence
/// 0.5 (z = 0) gives the observed rate.
double agreementLowerBound(int64_t agreed, int64_t samples, double confidence);

/// Whether agreed/samples meets `bar` by the lower bound at `confidence`.
bool meetsBar(int64_t agreed, int64_t samples, double bar, double confidence);

/// "lower bound 89.9 % at 90 % confidence" — what `why` says of the bound.
std::string describeBound(int64_t agreed, int64_t samples, double confidence);

} // namespace awc::tune
