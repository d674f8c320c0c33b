// The Wilson score lower bound tune's acceptance uses (docs/tune.md, "Accepted"): a rate
// observed on a few samples is only an estimate, and the user's bar must hold on unseen inputs.
#include "confidence.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <numbers>

namespace awc::tune {

namespace {

// Acklam's coefficients (central region and tails).
constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                         1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                         6.680131188771972e+01, -1.328068155288572e+01};
constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                         3.754408661907416e+00};
constexpr double kLow = 0.02425;

double acklam(double p) {
  if (p < kLow || p > 1 - kLow) {
    double q = std::sqrt(-2 * std::log(p < kLow ? p : 1 - p));
    double x = (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
               ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
    return p < kLow ? x : -x;
  }
  double q = p - 0.5, r = q * q;
  return (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
         (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
}

} // namespace

double normalQuantile(double p) {
  if (!(p > 0 && p < 1)) return p >= 1 ? INFINITY : -INFINITY;
  if (p == 0.5) return 0;
  double x = acklam(p);
  // One Halley step against the exact CDF brings the approximation's 1e-9 to machine precision.
  double e = 0.5 * std::erfc(-x / std::sqrt(2.0)) - p;
  double u = e * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

double agreementLowerBound(int64_t agreed, int64_t samples, double confidence) {
  if (samples <= 0) return 0;
  double n = double(samples), p = double(std::clamp<int64_t>(agreed, 0, samples)) / n;
  double z = normalQuantile(confidence);
  double z2 = z * z;
  double centre = p + z2 / (2 * n);
  double spread = z * std::sqrt(p * (1 - p) / n + z2 / (4 * n * n));
  return std::clamp((centre - spread) / (1 + z2 / n), 0.0, 1.0);
}

bool meetsBar(int64_t agreed, int64_t samples, double bar, double confidence) {
  // 0 samples: a bound of 0, so only a bar of 0 is met (as the observed rate 0 met it).
  return agreementLowerBound(agreed, samples, confidence) >= bar;
}

std::string describeBound(int64_t agreed, int64_t samples, double confidence) {
  return fmt::format("lower bound {:.1f} % at {:g} % confidence",
                     100 * agreementLowerBound(agreed, samples, confidence),
                     std::round(confidence * 1000) / 10);
}

} // namespace awc::tune
