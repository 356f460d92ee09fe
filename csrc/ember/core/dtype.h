#pragma once
// Element types and PyTorch's type promotion.
#include <cstdint>
#include <string>

#include "ember/core/error.h"

namespace ember {

// Ordered by promotion category: bool < integers < floating.
enum class ScalarType : int8_t { Bool = 0, Int32, Int64, Float32, Float64, NumTypes };

inline int64_t itemsize(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return 1;
    case ScalarType::Int32: return 4;
    case ScalarType::Int64: return 8;
    case ScalarType::Float32: return 4;
    case ScalarType::Float64: return 8;
    default: return 0;
  }
}

inline bool is_floating(ScalarType t) { return t == ScalarType::Float32 || t == ScalarType::Float64; }
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
    default: return "Unknown";
  }
}

// Promotion of two tensor dtypes (the lattice is a chain within a category).
inline ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  if (is_floating(a) && is_floating(b)) return ScalarType::Float64;
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

}  // namespace ember

// Dtype dispatch: runs the body with `scalar_t` bound to the C++ type of `TYPE`.
// NAME appears in the error for an unsupported dtype.
#define EMBER_DISPATCH_CASE(ENUM, CTYPE, ...) \
  case ::ember::ScalarType::ENUM: {           \
    using scalar_t = CTYPE;                   \
    __VA_ARGS__();                            \
    break;                                    \
  }
#define EMBER_DISPATCH_FAIL(NAME, TYPE)                                                  \
  default:                                                                             \
    ::ember::throw_error(::ember::ErrorKind::NotImplemented,                           \
                         ::ember::str("\"", NAME, "_cpu\" not implemented for '",       \
                                      ::ember::dtype_short_name(TYPE), "'"));
#define EMBER_DISPATCH_FLOATING(TYPE, NAME, ...)               \
  switch (TYPE) {                                             \
    EMBER_DISPATCH_CASE(Float32, float, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Float64, double, __VA_ARGS__)         \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                           \
  }
#define EMBER_DISPATCH_NUMERIC(TYPE, NAME, ...)                \
  switch (TYPE) {                                             \
    EMBER_DISPATCH_CASE(Float32, float, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Float64, double, __VA_ARGS__)         \
    EMBER_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)          \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                           \
  }
#define EMBER_DISPATCH_ALL(TYPE, NAME, ...)                    \
  switch (TYPE) {                                             \
    EMBER_DISPATCH_CASE(Float32, float, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Float64, double, __VA_ARGS__)         \
    EMBER_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Int32, int32_t, __VA_ARGS__)          \
    EMBER_DISPATCH_CASE(Bool, bool, __VA_ARGS__)              \
    EMBER_DISPATCH_FAIL(NAME, TYPE)                           \
  }
