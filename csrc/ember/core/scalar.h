#pragma once
// A Python number passed to an op: bool, int or float. It is "weak" in type
// promotion (int32 tensor + 2 stays int32; int tensor + 2.5 becomes float).
#include <cstdint>

#include "ember/core/dtype.h"
#include "ember/core/macros.h"

namespace ember {

class Scalar {
 public:
  enum class Kind : int8_t { Bool, Int, Float };
  Scalar() : kind_(Kind::Int), i_(0) {}
  Scalar(double v) : kind_(Kind::Float), d_(v) {}
  Scalar(float v) : kind_(Kind::Float), d_(v) {}
  Scalar(int64_t v) : kind_(Kind::Int), i_(v) {}
  Scalar(int v) : kind_(Kind::Int), i_(v) {}
  Scalar(bool v) : kind_(Kind::Bool), i_(v) {}
  // A Python int in [2**63, 2**64): PyTorch keeps it integral (uint64), so an
  // int tensor + 2**63 stays int and wraps, a float tensor gets 9.2234e18, and
  // a checked conversion to an int type overflows.
  static Scalar from_uint64(uint64_t u) {
    Scalar s{int64_t(u)};
    s.unsigned_ = true;
    return s;
  }

  Kind kind() const { return kind_; }
  bool is_floating() const { return kind_ == Kind::Float; }
  bool is_integral() const { return kind_ == Kind::Int; }
  bool is_bool() const { return kind_ == Kind::Bool; }
  bool is_uint64() const { return unsigned_; }
  double to_double() const {
    return kind_ == Kind::Float ? d_ : unsigned_ ? double(uint64_t(i_)) : double(i_);
  }
  int64_t to_int() const { return kind_ == Kind::Float ? int64_t(d_) : i_; }
  template <typename T>
  T to() const {
    if constexpr (std::is_same_v<T, bool>) return kind_ == Kind::Float ? d_ != 0 : i_ != 0;
    else if constexpr (is_float_v<T>) return T(to_double());
    else return kind_ == Kind::Float ? T(d_) : T(i_);
  }
  // The dtype a tensor made from this number alone gets.
  ScalarType natural_dtype(ScalarType default_float) const {
    return kind_ == Kind::Float ? default_float : kind_ == Kind::Int ? ScalarType::Int64 : ScalarType::Bool;
  }

 private:
  Kind kind_;
  bool unsigned_ = false;
  union {
    double d_;
    int64_t i_;
  };
};

// PyTorch's checked Scalar::to<T>: a value beyond the range of dtype `t` (a
// finite one for float types; NaN too for integer types) raises "value cannot
// be converted to type ... without overflow" instead of wrapping or becoming inf.
EMBER_API void check_convertible(const Scalar& v, ScalarType t);
// The check of t[...] = v and where(c, x, v): the same, except that a
// float16/bfloat16 target takes an out-of-range value as inf (torch 2.13's
// setitem and where do not check those two types).
EMBER_API void check_assignable(const Scalar& v, ScalarType t);

}  // namespace ember
