#pragma once
// PyTorch's result_type: dimensioned tensors outrank 0-d tensors, which
// outrank Python numbers; a lower tier only matters when its category
// (bool < integer < floating) is higher than every higher tier's.
#include "ember/core/dtype.h"
#include "ember/core/macros.h"
#include "ember/core/scalar.h"
#include "ember/core/tensor.h"

namespace ember {

EMBER_API ScalarType default_dtype();
EMBER_API void set_default_dtype(ScalarType t);

class ResultType {
 public:
  void add(const Tensor& t) {
    ScalarType& slot = t.dim() == 0 ? zero_dim_ : dimensioned_;
    slot = slot == kNone ? t.dtype() : promote_types(slot, t.dtype());
  }
  void add(const Scalar& s) {
    ScalarType st = s.natural_dtype(default_dtype());
    wrapped_ = wrapped_ == kNone ? st : promote_types(wrapped_, st);
  }
  ScalarType result() const {
    ScalarType r = combine(dimensioned_, zero_dim_);
    return combine(r, wrapped_);
  }

 private:
  static constexpr ScalarType kNone = ScalarType::NumTypes;
  static int category(ScalarType t) { return is_floating(t) ? 2 : t == ScalarType::Bool ? 0 : 1; }
  static ScalarType combine(ScalarType higher, ScalarType lower) {
    if (higher == kNone) return lower;
    if (lower == kNone) return higher;
    return category(higher) >= category(lower) ? higher : lower;
  }
  ScalarType dimensioned_ = kNone, zero_dim_ = kNone, wrapped_ = kNone;
};

}  // namespace ember
