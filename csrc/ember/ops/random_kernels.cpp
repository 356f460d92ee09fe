// Random kernels reproducing PyTorch 2.13's CPU streams bit for bit
// (RNG-NOTES.md; PyTorch's AVX2 kernel set, which is what x86-64 CPUs with
// AVX2+FMA run).
//
// Floating point discipline: this file MUST be compiled with
// -ffp-contract=off. PyTorch's compiled kernels fuse some multiply-adds and
// not others; the places where it fused are written as explicit std::fma
// calls below, and every other `a * b + c` must round twice. Letting the
// compiler contract on its own could change values. (clang honours the pragma
// below; GCC needs the command-line flag.) Constants are C++17 hex-float
// literals, with the float32 bit patterns of RNG-NOTES in comments.
#include "ember/ops/random_kernels.h"

#include <cmath>
#include <cstring>

#if defined(__clang__)
#pragma clang fp contract(off)
#endif

namespace ember {
namespace random {

namespace {

// ---------------------------------------------------------------------------
// Shared building blocks (RNG-NOTES 2)
// ---------------------------------------------------------------------------

// float32 uniform in [0, 1) from the low 24 bits of one 32-bit word (exact).
inline float u24(uint32_t r) {
  return static_cast<float>(r & 0xFFFFFFu) * (1.0f / 16777216.0f);
}

// float64 uniform in [0, 1) from the low 53 bits of one random64() (exact).
inline double u53(uint64_t r) {
  return static_cast<double>(r & ((uint64_t{1} << 53) - 1)) * (1.0 / 9007199254740992.0);
}

inline float float_from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, sizeof f);
  return f;
}

inline uint32_t bits_from_float(float f) {
  uint32_t b;
  std::memcpy(&b, &f, sizeof b);
  return b;
}

// 2*pi as PyTorch spells it: c10::pi<double> * 2, and its float32 rounding
// (0x40C90FDB) that the AVX2 float kernel broadcasts.
constexpr double kTwoPi = 6.283185307179586;
constexpr float kTwoPiF = 0x1.921fb6p+2f;  // 0x40C90FDB

// ---------------------------------------------------------------------------
// Uniform (RNG-NOTES 3)
// ---------------------------------------------------------------------------

// x * span + lo is fused in PyTorch's AVX2 build. A result that rounds up to
// `hi` is mapped back to `lo` so the interval stays half-open.
template <typename T>
inline T uniform_from_unit(T x, T lo, T hi, T span) {
  T v = std::fma(x, span, lo);
  return v == hi ? lo : v;
}

// ---------------------------------------------------------------------------
// Normal, float32 block path: PyTorch's avx_mathfun.h (Cephes) log and
// sincos, evaluated one lane at a time with the fusions the compiler made.
// ---------------------------------------------------------------------------

// Cephes logf polynomial P0..P8 (7.0376836292e-2 ... 3.3333331174e-1), with
// the float32 bit patterns of RNG-NOTES 4.1.
constexpr float kLogP[9] = {
    0x1.204376p-4f,   // 0x3D9021BB
    -0x1.d7a37p-4f,   // 0xBDEBD1B8
    0x1.de4a34p-4f,   // 0x3DEF251A
    -0x1.fcba9ep-4f,  // 0xBDFE5D4F
    0x1.23d37ep-3f,   // 0x3E11E9BF
    -0x1.555cap-3f,   // 0xBE2AAE50
    0x1.999d58p-3f,   // 0x3E4CCEAC
    -0x1.fffff8p-3f,  // 0xBE7FFFFC
    0x1.555554p-2f,   // 0x3EAAAAAA
};
constexpr float kLogQ1 = -0x1.bd0106p-13f;  // 0xB95E8083, -2.12194440e-4
constexpr float kLogQ2 = 0x1.63p-1f;  // 0x3F318000, 0.693359375
constexpr float kSqrtHalf = 0x1.6a09e6p-1f;  // 0x3F3504F3

// log(x) for x in (0, 1], as log256_ps computes it.
float cephes_logf(float x) {
  // Clamp to the smallest normal (cuts off denormals), split x = m * 2^e with
  // m in [0.5, 1).
  x = std::fmax(x, 0x1p-126f);  // 0x00800000
  uint32_t bits = bits_from_float(x);
  float e = static_cast<float>(static_cast<int32_t>(bits >> 23) - 127);
  e = e + 1.0f;
  float m = float_from_bits((bits & 0x807FFFFFu) | 0x3F000000u);

  // Map m into [sqrt(1/2), sqrt(2)) - 1 to keep the polynomial argument small.
  float t;
  if (m < kSqrtHalf) {
    e = e - 1.0f;
    t = (m - 1.0f) + m;
  } else {
    t = m - 1.0f;
  }

  float z = t * t;
  float y = kLogP[0];
  for (int k = 1; k <= 8; ++k) y = std::fma(y, t, kLogP[k]);
  y = y * t;
  float e_q1 = e * kLogQ1;  // rounded before the fma
  y = std::fma(y, z, e_q1);
  y = y - 0.5f * z;
  float r = t + y;
  return r + e * kLogQ2;  // e * Q2 is exact
}

// Cephes sinf/cosf coefficients and the three-part pi/4 (DP1 + DP2 + DP3).
constexpr float kFourOverPi = 0x1.45f306p+0f;  // 0x3FA2F983
constexpr float kDP1 = 0x1.92p-1f;  // 0x3F490000
constexpr float kDP2 = 0x1.fb4p-13f;  // 0x397DA000
constexpr float kDP3 = 0x1.4442d2p-25f;  // 0x33222169
constexpr float kCosC0 = 0x1.99eb9cp-16f;  // 0x37CCF5CE
constexpr float kCosC1 = -0x1.6c0c34p-10f;  // 0xBAB6061A
constexpr float kCosC2 = 0x1.55554ap-5f;  // 0x3D2AAAA5
constexpr float kSinS0 = -0x1.9943f2p-13f;  // 0xB94CA1F9
constexpr float kSinS1 = 0x1.11073cp-7f;  // 0x3C08839E
constexpr float kSinS2 = -0x1.555546p-3f;  // 0xBE2AAAA3

// sin and cos of theta >= 0, as sincos256_ps computes them.
void cephes_sincosf(float theta, float* sin_out, float* cos_out) {
  // Octant index j, rounded up to even, and the reduced argument
  // x = theta - j*pi/4 in extended precision (three fmas).
  int32_t j = static_cast<int32_t>(theta * kFourOverPi);  // truncation
  j = (j + 1) & ~1;
  float y = static_cast<float>(j);
  float x = std::fma(y, -kDP1, theta);
  x = std::fma(y, -kDP2, x);
  x = std::fma(y, -kDP3, x);

  float z = x * x;
  float h = z * 0.5f;

  float c = std::fma(kCosC0, z, kCosC1);
  c = std::fma(c, z, kCosC2);
  c = z * c;
  c = std::fma(z, c, -h);
  c = c + 1.0f;

  float s = std::fma(kSinS0, z, kSinS1);
  s = std::fma(s, z, kSinS2);
  s = z * s;
  s = std::fma(x, s, x);

  // Octants 1,2 (mod 4) swap the polynomials; signs follow the quadrant.
  bool swap = (j & 2) != 0;
  float sn = swap ? c : s;
  float cs = swap ? s : c;
  if (j & 4) sn = -sn;
  if (((j - 2) & 4) == 0) cs = -cs;
  *sin_out = sn;
  *cos_out = cs;
}

// Box-Muller on one block of 16: lanes j and j+8 pair up.
void normal_block16_f32(float* d, float mean, float stddev) {
  for (int j = 0; j < 8; ++j) {
    float u1 = 1.0f - d[j];  // [0,1) -> (0,1], safe for log
    float u2 = d[j + 8];
    float radius = std::sqrt(cephes_logf(u1) * -2.0f);
    float theta = kTwoPiF * u2;
    float sn, cs;
    cephes_sincosf(theta, &sn, &cs);
    float n_cos = radius * cs;
    float n_sin = radius * sn;
    d[j] = std::fma(n_cos, stddev, mean);
    d[j + 8] = std::fma(n_sin, stddev, mean);
  }
}

// float64 block: the generic (non-vector) PyTorch code with glibc libm.
void normal_block16_f64(double* d, double mean, double stddev) {
  for (int j = 0; j < 8; ++j) {
    double u1 = 1.0 - d[j];
    double u2 = d[j + 8];
    double radius = std::sqrt(-2.0 * std::log(u1));
    double theta = kTwoPi * u2;
    double n_cos = radius * std::cos(theta);
    double n_sin = radius * std::sin(theta);
    d[j] = std::fma(n_cos, stddev, mean);
    d[j + 8] = std::fma(n_sin, stddev, mean);
  }
}

// The block path (n >= 16, contiguous output), RNG-NOTES 4.1:
// fill all n uniforms, transform each full block of 16 in place, and if n is
// not a multiple of 16, draw 16 *fresh* uniforms over the last 16 slots and
// transform those. PyTorch's vector kernel only works on whole blocks, so it
// recomputes an overlapping final block rather than handling a short tail;
// that costs 16 extra draws and overwrites values already produced.
template <typename T, typename DrawUniform, typename Block16>
void normal_block_path(T* out, int64_t n, DrawUniform draw, Block16 block16) {
  for (int64_t i = 0; i < n; ++i) out[i] = draw();
  for (int64_t i = 0; i + 16 <= n; i += 16) block16(out + i);
  if (n % 16 != 0) {
    T* tail = out + n - 16;
    for (int i = 0; i < 16; ++i) tail[i] = draw();
    block16(tail);
  }
}

// ---------------------------------------------------------------------------
// Normal, scalar path (n < 16 or non-contiguous output), RNG-NOTES 4.2
// ---------------------------------------------------------------------------

// One standard normal in double. Box-Muller yields two values per pair of
// uniforms; the sine one is kept as the generator's spare and handed out by
// the next call (of any float type), which then draws nothing.
double scalar_standard_normal(Generator& gen) {
  if (gen.has_spare_normal()) return gen.take_spare_normal();
  double u1 = u53(gen.random64());
  double u2 = u53(gen.random64());
  double r = std::sqrt(-2.0 * std::log1p(-u2));
  double theta = kTwoPi * u1;
  gen.set_spare_normal(r * std::sin(theta));
  return r * std::cos(theta);
}

// ---------------------------------------------------------------------------
// Integers (RNG-NOTES 5)
// ---------------------------------------------------------------------------

// PyTorch switches to 64-bit draws at 2**28 (not 2**32), for every dtype.
constexpr uint64_t kWideRangeCut = uint64_t{1} << 28;

// value = from + (r mod range), computed in uint64 and read back as int64,
// then converted to the output type, exactly as PyTorch's uniform_int_from_to.
template <typename T>
void random_range(Generator& gen, T* out, int64_t n, int64_t from, uint64_t range) {
  const bool wide = range >= kWideRangeCut;
  for (int64_t i = 0; i < n; ++i) {
    uint64_t r = wide ? gen.random64() : static_cast<uint64_t>(gen.random());
    out[i] = static_cast<T>(static_cast<int64_t>((r % range) + static_cast<uint64_t>(from)));
  }
}

}  // namespace

// ---------------------------------------------------------------------------
// Public kernels
// ---------------------------------------------------------------------------

void uniform_f32(Generator& gen, float* out, int64_t n, double from, double to) {
  const float lo = static_cast<float>(from);
  const float hi = static_cast<float>(to);
  const float span = hi - lo;  // float subtraction, as PyTorch does
  for (int64_t i = 0; i < n; ++i) {
    out[i] = uniform_from_unit(u24(gen.random()), lo, hi, span);
  }
}

void uniform_f64(Generator& gen, double* out, int64_t n, double from, double to) {
  const double span = to - from;
  for (int64_t i = 0; i < n; ++i) {
    out[i] = uniform_from_unit(u53(gen.random64()), from, to, span);
  }
}

void normal_f32(Generator& gen, float* out, int64_t n, double mean, double stddev,
                bool out_is_contiguous) {
  if (n >= 16 && out_is_contiguous) {
    // The vector kernel takes mean and std already rounded to float.
    const float mean_f = static_cast<float>(mean);
    const float std_f = static_cast<float>(stddev);
    normal_block_path(
        out, n, [&gen] { return u24(gen.random()); },
        [=](float* block) { normal_block16_f32(block, mean_f, std_f); });
    return;
  }
  // Scalar path: computed in double with the unrounded mean/std, then narrowed.
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<float>(std::fma(scalar_standard_normal(gen), stddev, mean));
  }
}

void normal_f64(Generator& gen, double* out, int64_t n, double mean, double stddev,
                bool out_is_contiguous) {
  if (n >= 16 && out_is_contiguous) {
    normal_block_path(
        out, n, [&gen] { return u53(gen.random64()); },
        [=](double* block) { normal_block16_f64(block, mean, stddev); });
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    out[i] = std::fma(scalar_standard_normal(gen), stddev, mean);
  }
}

void random_range_i64(Generator& gen, int64_t* out, int64_t n, int64_t from, uint64_t range) {
  random_range(gen, out, n, from, range);
}
void random_range_i32(Generator& gen, int32_t* out, int64_t n, int64_t from, uint64_t range) {
  random_range(gen, out, n, from, range);
}
void random_range_f32(Generator& gen, float* out, int64_t n, int64_t from, uint64_t range) {
  random_range(gen, out, n, from, range);
}
void random_range_f64(Generator& gen, double* out, int64_t n, int64_t from, uint64_t range) {
  random_range(gen, out, n, from, range);
}

void random_range_bool(Generator& gen, bool* out, int64_t n, int64_t from, uint64_t range) {
  random_range(gen, out, n, from, range);
}

void random_full_range_i64(Generator& gen, int64_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<int64_t>(gen.random64());
}

// random_() without bounds: the draw width follows the dtype (64-bit for
// int64/float64), the modulus is max+1 for integers and 2**digits + 1 for
// floats (every integer a float can hold exactly, both ends included).
void random_full_i64(Generator& gen, int64_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<int64_t>(gen.random64() % (uint64_t{1} << 63));
  }
}
void random_full_i32(Generator& gen, int32_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<int32_t>(gen.random() % (uint64_t{1} << 31));
  }
}
void random_full_f32(Generator& gen, float* out, int64_t n, int digits) {
  const uint64_t modulus = (uint64_t{1} << digits) + 1;
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(gen.random() % modulus);
}
void random_full_f64(Generator& gen, double* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    out[i] = static_cast<double>(gen.random64() % ((uint64_t{1} << 53) + 1));
  }
}

void random_full_bool(Generator& gen, bool* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = (gen.random() & 1) != 0;
}

void randperm_i64(Generator& gen, int64_t* out, int64_t n) {
  if (n <= 0) return;
  // Below this size PyTorch keeps its original Fisher-Yates with 32-bit
  // draws. Above it, r mod (n-i) on 32-bit words would be visibly biased, so
  // it switches to the "inside-out" shuffle with 64-bit draws.
  const int64_t kSmallLimit = static_cast<int64_t>(UINT32_MAX / 20);  // 214748364
  if (n < kSmallLimit) {
    for (int64_t i = 0; i < n; ++i) out[i] = i;
    for (int64_t i = 0; i < n - 1; ++i) {
      int64_t z = static_cast<int64_t>(gen.random()) % (n - i);
      int64_t tmp = out[i];
      out[i] = out[i + z];
      out[i + z] = tmp;
    }
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    int64_t z = static_cast<int64_t>(gen.random64() % static_cast<uint64_t>(i + 1));
    if (z != i) out[i] = out[z];  // (z == i would read an unset slot)
    out[z] = i;
  }
}

void bernoulli_scalar(Generator& gen, int64_t n, double p, uint8_t* out_bool) {
  for (int64_t i = 0; i < n; ++i) out_bool[i] = u53(gen.random64()) < p ? 1 : 0;
}

void bernoulli_tensor_f32(Generator& gen, const float* p, uint8_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = u24(gen.random()) < p[i] ? 1 : 0;
}

void bernoulli_tensor_f64(Generator& gen, const double* p, uint8_t* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) out[i] = u53(gen.random64()) < p[i] ? 1 : 0;
}

// ---------------------------------------------------------------------------
// Exponential and multinomial (not in RNG-NOTES: read from PyTorch's CPU kernels, checked against torch 2.13)
// ---------------------------------------------------------------------------

void exponential_f64(Generator& gen, double* out, int64_t n, double lambda) {
  for (int64_t i = 0; i < n; ++i) out[i] = -1.0 / lambda * std::log1p(-u53(gen.random64()));
}

void exponential_f32(Generator& gen, float* out, int64_t n, double lambda) {
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(-1.0 / lambda * std::log1p(-u53(gen.random64())));
}

namespace {
template <typename T>
void multinomial_search(Generator& gen, T* cdf, int64_t n_categories, int64_t* out, int64_t n_sample) {
  cdf[n_categories - 1] = T(1);
  for (int64_t s = 0; s < n_sample; ++s) {
    const double u = u53(gen.random64());
    int64_t lo = 0, hi = n_categories;
    while (hi > lo) {
      const int64_t mid = lo + (hi - lo) / 2;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    out[s] = lo;
  }
}
}  // namespace

void multinomial_search_f32(Generator& gen, float* cdf, int64_t n_categories, int64_t* out, int64_t n_sample) {
  multinomial_search(gen, cdf, n_categories, out, n_sample);
}
void multinomial_search_f64(Generator& gen, double* cdf, int64_t n_categories, int64_t* out, int64_t n_sample) {
  multinomial_search(gen, cdf, n_categories, out, n_sample);
}

}  // namespace random
}  // namespace ember
