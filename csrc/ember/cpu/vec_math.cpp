#include "ember/cpu/vec_math.h"

#include <cmath>
#include <cstring>

#include "ember/cpu/clones.h"
#include "ember/cpu/cascade_sum.h"

namespace ember {
namespace vec {
namespace {

// exp for |x| <= 87 (Cephes' range reduction and polynomial, ~1 ulp), written
// without branches or library calls so the loop vectorizes. Arguments outside
// that range (and NaN) are redone with std::exp afterwards.
inline float exp_core(float x) {
  const float fx = x * 1.44269504088896341f;
  const float n = __builtin_floorf(fx + 0.5f);
  float r = x - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  const float z = r * r;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * z + r + 1.0f;
  int32_t bits = (int32_t(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

constexpr float kExpSafe = 87.0f;

inline bool out_of_range(float x) { return !(x >= -kExpSafe && x <= kExpSafe); }

}  // namespace

EMBER_CLONES void exp_f32(const float* x, float* y, int64_t n) {
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float c = v < -kExpSafe ? -kExpSafe : (v > kExpSafe ? kExpSafe : v);
    y[i] = exp_core(c);
    bad |= out_of_range(v);
  }
  if (bad)
    for (int64_t i = 0; i < n; ++i)
      if (out_of_range(x[i])) y[i] = std::exp(x[i]);
}

EMBER_CLONES void sigmoid_f32(const float* x, float* y, int64_t n) {
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = -x[i];
    const float c = v < -kExpSafe ? -kExpSafe : (v > kExpSafe ? kExpSafe : v);
    y[i] = 1.0f / (1.0f + exp_core(c));
    bad |= out_of_range(v);
  }
  if (bad)
    for (int64_t i = 0; i < n; ++i)
      if (out_of_range(-x[i])) y[i] = 1.0f / (1.0f + std::exp(-x[i]));
}

EMBER_CLONES void tanh_f32(const float* x, float* y, int64_t n) {
  // Cephes: an odd polynomial for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1);
  // both computed and one chosen, so the loop has no branches.
  int bad = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i];
    const float a = v < 0 ? -v : v;
    const float z = v * v;
    float p = -5.70498872745e-3f;
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    const float small = p * z * v + v;
    const float e = exp_core(2.0f * (a < 9.0f ? a : 9.0f));  // tanh(9) rounds to 1 in float
    float large = 1.0f - 2.0f / (e + 1.0f);
    large = v < 0 ? -large : large;
    y[i] = a < 0.625f ? small : large;
    bad |= v != v;
  }
  if (bad)
    for (int64_t i = 0; i < n; ++i)
      if (x[i] != x[i]) y[i] = x[i];
}

// Adds only (no multiplies to fuse), so every clone gives the same bits.
EMBER_CLONES float sum_f32(const float* x, int64_t n) { return cascade::inner_sum(x, n); }
EMBER_CLONES double sum_f64(const double* x, int64_t n) { return cascade::inner_sum(x, n); }
EMBER_CLONES void column_sums_f32(const float* x, int64_t R, int64_t cols, int64_t ld, float* out) {
  cascade::column_sums(x, R, cols, ld, out);
}
EMBER_CLONES void column_sums_f64(const double* x, int64_t R, int64_t cols, int64_t ld, double* out) {
  cascade::column_sums(x, R, cols, ld, out);
}

}  // namespace vec
}  // namespace ember
