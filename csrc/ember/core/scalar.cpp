// Scalar's checked conversion (core/scalar.h).
#include "ember/core/scalar.h"

#include <cmath>

#include "ember/core/error.h"

namespace ember {

namespace {
// The type's name as PyTorch's Scalar::to<T> prints it.
const char* converted_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "int64_t";
    case ScalarType::Float16: return "c10::Half";
    case ScalarType::BFloat16: return "c10::BFloat16";
    case ScalarType::Float32: return "float";
    default: return "double";
  }
}

bool overflows(const Scalar& v, ScalarType t) {
  if (t == ScalarType::Bool) return false;  // any number converts to a bool
  if (v.is_uint64())  // beyond int64: fits only the float types' ranges
    return t == ScalarType::Int32 || t == ScalarType::Int64 || t == ScalarType::Float16;
  if (!v.is_floating()) {  // an int64 fits int64, float32, float64 and bfloat16's range
    if (t == ScalarType::Int32) return v.to_int() < INT32_MIN || v.to_int() > INT32_MAX;
    if (t == ScalarType::Float16) return v.to_int() < -65504 || v.to_int() > 65504;
    return false;
  }
  const double f = v.to_double();
  switch (t) {
    case ScalarType::Int32: return !(f >= double(INT32_MIN) && f <= double(INT32_MAX));  // NaN too
    case ScalarType::Int64: return !(f >= -0x1p63 && f < 0x1p63);
    case ScalarType::Float64: return false;
    default:  // inf and NaN convert to every float type
      return std::isfinite(f) && (f < -max_finite(t) || f > max_finite(t));
  }
}
}  // namespace

void check_convertible(const Scalar& v, ScalarType t) {
  EMBER_CHECK(!overflows(v, t), "value cannot be converted to type ", converted_type_name(t), " without overflow");
}

void check_assignable(const Scalar& v, ScalarType t) {
  if (!is_reduced_float(t)) check_convertible(v, t);
}

}  // namespace ember
