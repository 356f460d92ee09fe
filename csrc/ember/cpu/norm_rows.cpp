#include "ember/cpu/norm_rows.h"

#include <cstring>

#include "ember/cpu/clones.h"

namespace ember {
namespace rows {
namespace {

// Eight lanes of float widened to double, as GCC vector types: each clone
// lowers them to its widest registers (plain loops over eight accumulators
// were left scalar). Lane k sums the elements i with i % 8 == k, the tail
// goes to lane 0, and the lanes combine as a tree: the order of the generic
// loops in ops/norm.cpp.
typedef float Floats8 __attribute__((vector_size(32)));
typedef double Doubles8 __attribute__((vector_size(64)));

inline Doubles8 load8(const float* p) {
  Floats8 v;
  std::memcpy(&v, p, sizeof v);
  return __builtin_convertvector(v, Doubles8);
}

inline double total(const Doubles8& a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); }

inline Doubles8 splat(double v) { return Doubles8{v, v, v, v, v, v, v, v}; }

}  // namespace

EMBER_CLONES double sum_f32_as_double(const float* x, int64_t n) {
  Doubles8 s = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) s += load8(x + i);
  for (; i < n; ++i) s[0] += double(x[i]);
  return total(s);
}

EMBER_CLONES double dot_dev_f32(const float* g, const float* x, int64_t n, double mean) {
  Doubles8 s = {};
  const Doubles8 m = splat(mean);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) s += load8(g + i) * (load8(x + i) - m);
  for (; i < n; ++i) s[0] += double(g[i]) * (double(x[i]) - mean);
  return total(s);
}

EMBER_CLONES std::pair<double, double> shifted_sums_f32(const float* x, int64_t n, double shift) {
  Doubles8 s1 = {}, s2 = {};
  const Doubles8 k = splat(shift);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const Doubles8 d = load8(x + i) - k;
    s1 += d;
    s2 += d * d;
  }
  for (; i < n; ++i) {
    const double d = double(x[i]) - shift;
    s1[0] += d;
    s2[0] += d * d;
  }
  return {total(s1), total(s2)};
}

EMBER_CLONES std::pair<double, double> dot_and_sum_f32(const float* x, const float* y, int64_t n) {
  Doubles8 d = {}, t = {};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const Doubles8 yv = load8(y + i);
    d += load8(x + i) * yv;
    t += yv;
  }
  for (; i < n; ++i) {
    d[0] += double(x[i]) * double(y[i]);
    t[0] += double(y[i]);
  }
  return {total(d), total(t)};
}

EMBER_CLONES void affine_f32(const float* x, int64_t n, float scale, float shift, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

EMBER_CLONES void combine_f32(const float* g, const float* x, int64_t n, float a, float b, float c, float* y) {
  for (int64_t i = 0; i < n; ++i) y[i] = a * g[i] + b * x[i] + c;
}

}  // namespace rows
}  // namespace ember
