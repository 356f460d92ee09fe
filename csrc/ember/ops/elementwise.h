#pragma once
// Shared pieces of the elementwise front ends (unary.cpp, binary.cpp).
#include "ember/core/dispatch.h"
#include "ember/cpu/loops.h"
#include "ember/ops/ops.h"

namespace ember {

// Whether a value of dtype `from` may be written into a tensor of dtype `to`
// by an in-place op or out= (no float -> int, no number -> bool).
inline bool can_cast(ScalarType from, ScalarType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != ScalarType::Bool && to == ScalarType::Bool) return false;
  return true;
}

// Writes `result` into `out` (resizing an out= tensor of another shape, as PyTorch does).
Tensor write_out(const Tensor& result, const Tensor& out, const char* op);

// A scalar converted to dtype `t`, stored in 8 bytes a loop can point at.
struct ScalarBuffer {
  alignas(8) unsigned char bytes[8];
  ScalarBuffer(Scalar s, ScalarType t) {
    EMBER_DISPATCH_ALL_AND_HALF(t, "scalar", [&] { *reinterpret_cast<scalar_t*>(bytes) = s.to<scalar_t>(); });
  }
  void* ptr() { return bytes; }
};

}  // namespace ember
