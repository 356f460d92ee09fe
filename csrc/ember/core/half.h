#pragma once
// float16 (IEEE binary16) and bfloat16: 2-byte storage types. A value converts
// to float exactly; a float converts back rounded to nearest, ties to even
// (NaN becomes the quiet NaN with the same sign), as PyTorch's c10::Half and
// c10::BFloat16 do. Arithmetic on them happens in float: ops given these
// dtypes run their float32 kernels and round the result once (see
// ops/opmath.h), which is how PyTorch's CPU kernels compute them too.
// Plain integer code, so the same functions serve host and device.
#include <cstdint>
#include <cstring>
#include <type_traits>

#if defined(__CUDACC__)
#define EMBER_HOST_DEVICE __host__ __device__
#else
#define EMBER_HOST_DEVICE
#endif

namespace ember {
namespace half_bits {

EMBER_HOST_DEVICE inline uint32_t of_float(float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  return u;
}
EMBER_HOST_DEVICE inline float to_float(uint32_t u) {
  float f;
  memcpy(&f, &u, 4);
  return f;
}

// Rounds the low `shift` bits off `v`, to nearest, ties to even.
EMBER_HOST_DEVICE inline uint32_t round_shift(uint32_t v, int shift) {
  const uint32_t kept = v >> shift, rest = v & ((uint32_t(1) << shift) - 1), half = uint32_t(1) << (shift - 1);
  return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

EMBER_HOST_DEVICE inline uint16_t float16_from_float(float f) {
  const uint32_t x = of_float(f), a = x & 0x7fffffffu;
  const uint16_t sign = uint16_t((x >> 16) & 0x8000u);
  if (a > 0x7f800000u) return sign | 0x7e00u;              // NaN
  if (a >= 0x47800000u) return sign | 0x7c00u;             // |f| >= 2^16 (and inf): inf
  if (a >= 0x38800000u)                                    // a normal half: rebias the exponent by 127 - 15
    return sign | uint16_t(round_shift(a - 0x38000000u, 13));  // a carry past 0x7bff makes inf, as it should
  if (a < 0x33000000u) return sign;                        // below 2^-25: zero (2^-25 itself ties to 0)
  // a subnormal half: the 24-bit significand in units of 2^-24
  const int e = int(a >> 23);                              // 102 .. 112
  return sign | uint16_t(round_shift((a & 0x7fffffu) | 0x800000u, 126 - e));
}

EMBER_HOST_DEVICE inline float float16_to_float(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
  if (e == 0x1f) return to_float(sign | 0x7f800000u | (m << 13));
  if (e == 0) {
    const float v = float(m) * 5.9604644775390625e-8f;  // m * 2^-24, exact
    return sign ? -v : v;
  }
  return to_float(sign | ((e + 112) << 23) | (m << 13));
}

EMBER_HOST_DEVICE inline uint16_t bfloat16_from_float(float f) {
  const uint32_t x = of_float(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return uint16_t((x >> 16) | 0x40u);  // NaN stays NaN (quiet)
  return uint16_t((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

EMBER_HOST_DEVICE inline float bfloat16_to_float(uint16_t b) { return to_float(uint32_t(b) << 16); }

}  // namespace half_bits

// The two types share their shape: bits, a rounding constructor from float, an
// exact conversion to float, and arithmetic through float rounded once.
#define EMBER_DEFINE_HALF_TYPE(NAME, FROM, TO)                                                     \
  struct NAME {                                                                                    \
    uint16_t x;                                                                                    \
    NAME() = default;                                                                              \
    EMBER_HOST_DEVICE NAME(float f) : x(half_bits::FROM(f)) {}                                     \
    EMBER_HOST_DEVICE operator float() const { return half_bits::TO(x); }                          \
    EMBER_HOST_DEVICE static NAME from_bits(uint16_t b) {                                          \
      NAME h;                                                                                      \
      h.x = b;                                                                                     \
      return h;                                                                                    \
    }                                                                                              \
    EMBER_HOST_DEVICE NAME& operator+=(NAME o) { return *this = NAME(float(*this) + float(o)); }    \
    EMBER_HOST_DEVICE NAME& operator-=(NAME o) { return *this = NAME(float(*this) - float(o)); }    \
    EMBER_HOST_DEVICE NAME& operator*=(NAME o) { return *this = NAME(float(*this) * float(o)); }    \
    EMBER_HOST_DEVICE NAME& operator/=(NAME o) { return *this = NAME(float(*this) / float(o)); }    \
  };                                                                                               \
  EMBER_HOST_DEVICE inline NAME operator+(NAME a, NAME b) { return NAME(float(a) + float(b)); }    \
  EMBER_HOST_DEVICE inline NAME operator-(NAME a, NAME b) { return NAME(float(a) - float(b)); }    \
  EMBER_HOST_DEVICE inline NAME operator*(NAME a, NAME b) { return NAME(float(a) * float(b)); }    \
  EMBER_HOST_DEVICE inline NAME operator/(NAME a, NAME b) { return NAME(float(a) / float(b)); }    \
  EMBER_HOST_DEVICE inline NAME operator-(NAME a) { return NAME::from_bits(a.x ^ 0x8000u); }

EMBER_DEFINE_HALF_TYPE(Half, float16_from_float, float16_to_float)
EMBER_DEFINE_HALF_TYPE(BFloat16, bfloat16_from_float, bfloat16_to_float)
#undef EMBER_DEFINE_HALF_TYPE

// Floating types for `if constexpr` in generic kernels (std::is_floating_point
// is false for the two structs and may not be specialized).
template <typename T>
constexpr bool is_reduced_float_v = std::is_same_v<T, Half> || std::is_same_v<T, BFloat16>;
template <typename T>
constexpr bool is_float_v = std::is_floating_point_v<T> || is_reduced_float_v<T>;

}  // namespace ember
