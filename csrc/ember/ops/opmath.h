#pragma once
// float16 and bfloat16 compute in float32 (PyTorch's "opmath" type for them):
// an op given such a tensor runs its float32 kernel on a float32 copy and
// rounds the result once. The elementwise front ends do this at the kernel
// (run_unary, run_binary, run_clamp); reductions, matmul, conv, pooling and
// normalization wrap their kernels with on_float32.
#include "ember/ops/ops.h"

namespace ember {

// f(x) for a float32 `x`, rounded back to `self`'s dtype when that is float16/bfloat16; f(self) otherwise.
template <typename F>
Tensor on_float32(const Tensor& self, F&& f) {
  if (!is_reduced_float(self.dtype())) return f(self);
  return to_dtype(f(to_dtype(self, ScalarType::Float32)), self.dtype());
}

// A float16/bfloat16 tensor as float32 (differentiably); others, and undefined ones, as they are.
inline Tensor float32_of(const Tensor& t) {
  return t.defined() && is_reduced_float(t.dtype()) ? to_dtype(t, ScalarType::Float32) : t;
}

}  // namespace ember
