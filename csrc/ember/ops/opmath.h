#pragma once
// float16 and bfloat16 compute in float32 (PyTorch's "opmath" type for them):
// an op given such a tensor runs its float32 kernel on a float32 copy and
// rounds the result once. The elementwise front ends and the CPU GEMM do this
// at the kernel (write_via_float32); reductions, matmul, conv, pooling and
// normalization wrap their ops with on_float32.
#include "ember/ops/ops.h"

namespace ember {

// f(x) for a float32 `x`, rounded back to `self`'s dtype when that is float16/bfloat16; f(self) otherwise.
template <typename F>
Tensor on_float32(const Tensor& self, F&& f) {
  if (!is_reduced_float(self.dtype())) return f(self);
  return to_dtype(f(to_dtype(self, ScalarType::Float32)), self.dtype());
}

// kernel(dst) for an `out` that a float32 kernel fills: dst is out itself, or for a float16/bfloat16 `out` a
// float32 temporary then rounded into it.
template <typename F>
void write_via_float32(const Tensor& out, F&& kernel) {
  if (!is_reduced_float(out.dtype())) return kernel(out);
  Tensor tmp = empty(out.sizes(), ScalarType::Float32, out.device()), o = out;
  kernel(tmp);
  copy_(o, tmp);
}

// A float16/bfloat16 tensor as float32 (differentiably); others, and undefined ones, as they are.
inline Tensor float32_of(const Tensor& t) {
  return t.defined() && is_reduced_float(t.dtype()) ? to_dtype(t, ScalarType::Float32) : t;
}

}  // namespace ember
