#pragma once
// Element types and PyTorch's type promotion.
#include <cstdint>
#include <string>

#include "ember/core/error.h"
#include "ember/core/half.h"

namespace ember {

// Ordered by promotion category: bool < integers < floating (float16 and
// bfloat16 came last, so the first five keep their numbers in saved files).
enum class ScalarType : int8_t { Bool = 0, Int32, Int64, Float32, Float64, Float16, BFloat16, NumTypes };

inline int64_t itemsize(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return 1;
    case ScalarType::Int32: return 4;
    case ScalarType::Int64: return 8;
    case ScalarType::Float32: return 4;
    case ScalarType::Float64: return 8;
    case ScalarType::Float16: return 2;
    case ScalarType::BFloat16: return 2;
    default: return 0;
  }
}

// float16 and bfloat16: stored in 2 bytes, computed in float32 (ops/opmath.h).
inline bool is_reduced_float(ScalarType t) { return t == ScalarType::Float16 || t == ScalarType::BFloat16; }
// The dtype a kernel computes `t` in: float16 and bfloat16 in float32 (PyTorch's opmath type), rounded once at
// the end; the front ends convert (run_unary, run_binary, ...; opmath.h for the other ops).
inline ScalarType opmath_dtype(ScalarType t) { return is_reduced_float(t) ? ScalarType::Float32 : t; }
inline bool is_floating(ScalarType t) {
  return t == ScalarType::Float32 || t == ScalarType::Float64 || is_reduced_float(t);
}
inline bool is_integral(ScalarType t, bool include_bool) {
  return t == ScalarType::Int32 || t == ScalarType::Int64 || (include_bool && t == ScalarType::Bool);
}

// "float32", as in torch.float32
inline const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "bool";
    case ScalarType::Int32: return "int32";
    case ScalarType::Int64: return "int64";
    case ScalarType::Float32: return "float32";
    case ScalarType::Float64: return "float64";
    case ScalarType::Float16: return "float16";
    case ScalarType::BFloat16: return "bfloat16";
    default: return "unknown";
  }
}
// "Float", as in PyTorch's error messages ("expected scalar type Float")
inline const char* dtype_short_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "Bool";
    case ScalarType::Int32: return "Int";
    case ScalarType::Int64: return "Long";
    case ScalarType::Float32: return "Float";
    case ScalarType::Float64: return "Double";
    case ScalarType::Float16: return "Half";
    case ScalarType::BFloat16: return "BFloat16";
    default: return "Unknown";
  }
}

// The largest finite value of a float dtype (std::numeric_limits<T>::max()).
inline double max_finite(ScalarType t) {
  switch (t) {
    case ScalarType::Float16: return 65504.0;
    case ScalarType::BFloat16: return 0x1.fep127;
    case ScalarType::Float32: return 0x1.fffffep127;
    default: return 0x1.fffffffffffffp1023;
  }
}

// Promotion of two tensor dtypes (the lattice is a chain within a category).
inline ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (is_floating(a) && is_floating(b))  // float16 with bfloat16 meet in float32
    return a == ScalarType::Float64 || b == ScalarType::Float64 ? ScalarType::Float64 : ScalarType::Float32;
  if (is_floating(a)) return a;
  if (is_floating(b)) return b;
  return static_cast<int8_t>(a) > static_cast<int8_t>(b) ? a : b;
}

template <typename T> struct CppTypeToScalarType;
template <> struct CppTypeToScalarType<bool> { static constexpr ScalarType value = ScalarType::Bool; };
template <> struct CppTypeToScalarType<int32_t> { static constexpr ScalarType value = ScalarType::Int32; };
template <> struct CppTypeToScalarType<int64_t> { static constexpr ScalarType value = ScalarType::Int64; };
template <> struct CppTypeToScalarType<float> { static constexpr ScalarType value = ScalarType::Float32; };
template <> struct CppTypeToScalarType<double> { static constexpr ScalarType value = ScalarType::Float64; };
template <> struct CppTypeToScalarType<Half> { static constexpr ScalarType value = ScalarType::Float16; };
template <> struct CppTypeToScalarType<BFloat16> { static constexpr ScalarType value = ScalarType::BFloat16; };

}  // namespace ember

// Dtype dispatch: runs the body with `scalar_t` bound to the C++ type of `TYPE`.
// NAME appears in the error for an unsupported dtype.
#define EMBER_DISPATCH_CASE(ENUM, CTYPE, ...) \
  case ::ember::ScalarType::ENUM: {           \
    using scalar_t = CTYPE;                   \
    __VA_ARGS__();                            \
    break;                                    \
  }
// PyTorch's error for a dtype without a kernel: "NAME_cpu" (or _cuda) not implemented for 'Half'.
#define EMBER_DISPATCH_FAIL_ON(NAME, TYPE, DEVICE)                                       \
  default:                                                                             \
    ::ember::throw_error(::ember::ErrorKind::NotImplemented,                           \
                         ::ember::str("\"", NAME, DEVICE "\" not implemented for '",    \
                                      ::ember::dtype_short_name(TYPE), "'"));
#define EMBER_DISPATCH_FAIL(NAME, TYPE) EMBER_DISPATCH_FAIL_ON(NAME, TYPE, "_cpu")
// The cases of each dtype set, shared by the CPU macros here and the CUDA ones (cuda/loop.cuh).
#define EMBER_DISPATCH_CASES_FLOATING(...)             \
  EMBER_DISPATCH_CASE(Float32, float, __VA_ARGS__)    \
  EMBER_DISPATCH_CASE(Float64, double, __VA_ARGS__)
#define EMBER_DISPATCH_CASES_NUMERIC(...)              \
  EMBER_DISPATCH_CASES_FLOATING(__VA_ARGS__)          \
  EMBER_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)    \
  EMBER_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)
#define EMBER_DISPATCH_CASES_ALL(...)                  \
  EMBER_DISPATCH_CASES_NUMERIC(__VA_ARGS__)           \
  EMBER_DISPATCH_CASE(Bool, bool, __VA_ARGS__)
// float16 and bfloat16: only for code that moves or converts values (copy,
// fill, item, indexing) or computes in the element type as PyTorch does
// (linspace); other arithmetic goes through float32 (ops/opmath.h).
#define EMBER_DISPATCH_CASES_HALF(...)                         \
  EMBER_DISPATCH_CASE(Float16, ::ember::Half, __VA_ARGS__)    \
  EMBER_DISPATCH_CASE(BFloat16, ::ember::BFloat16, __VA_ARGS__)

#define EMBER_DISPATCH_FLOATING(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_FLOATING(__VA_ARGS__) EMBER_DISPATCH_FAIL(NAME, TYPE) }
#define EMBER_DISPATCH_NUMERIC(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_NUMERIC(__VA_ARGS__) EMBER_DISPATCH_FAIL(NAME, TYPE) }
#define EMBER_DISPATCH_ALL(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_ALL(__VA_ARGS__) EMBER_DISPATCH_FAIL(NAME, TYPE) }
#define EMBER_DISPATCH_FLOATING_AND_HALF(TYPE, NAME, ...)                                \
  switch (TYPE) {                                                                        \
    EMBER_DISPATCH_CASES_FLOATING(__VA_ARGS__) EMBER_DISPATCH_CASES_HALF(__VA_ARGS__)     \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                                                      \
  }
#define EMBER_DISPATCH_NUMERIC_AND_HALF(TYPE, NAME, ...)                                 \
  switch (TYPE) {                                                                        \
    EMBER_DISPATCH_CASES_NUMERIC(__VA_ARGS__) EMBER_DISPATCH_CASES_HALF(__VA_ARGS__)      \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                                                      \
  }
#define EMBER_DISPATCH_ALL_AND_HALF(TYPE, NAME, ...)                                     \
  switch (TYPE) {                                                                        \
    EMBER_DISPATCH_CASES_ALL(__VA_ARGS__) EMBER_DISPATCH_CASES_HALF(__VA_ARGS__)          \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                                                      \
  }
