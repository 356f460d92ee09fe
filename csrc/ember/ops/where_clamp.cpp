// where(cond, a, b) and clamp(x, min, max): the elementwise ops with three operands.
#include "ember/ops/elementwise.h"

namespace ember {
namespace {

// Materializes an operand as a tensor of dtype t (scalars become 0-d tensors).
Tensor as_tensor_of(const Operand& o, ScalarType t, Device d) {
  return o.is_scalar ? scalar_tensor(o.scalar, t, d) : to_dtype(o.tensor, t);
}

using WhereFn = void (*)(const StridedLoop& loop, ScalarType dtype);
DispatchStub<WhereFn> where_stub("where");

void cpu_where(const StridedLoop& L, ScalarType t) {
  EMBER_DISPATCH_ALL(t, "where", [&] {
    ternary_kernel<scalar_t, bool, scalar_t, scalar_t>(
        L, [](bool c, scalar_t a, scalar_t b) { return c ? a : b; });
  });
}

using ClampFn = void (*)(const StridedLoop& loop, ScalarType dtype, bool has_min, bool has_max);
DispatchStub<ClampFn> clamp_stub("clamp");

void cpu_clamp(const StridedLoop& L, ScalarType t, bool has_min, bool has_max) {
  // Operand 2 is min, 3 is max (a dummy when absent). NaN in x propagates.
  EMBER_DISPATCH_NUMERIC(t, "clamp", [&] {
    using T = scalar_t;
    if (has_min && has_max)
      ternary_kernel<T, T, T, T>(L, [](T x, T lo, T hi) {
        if (x != x) return x;
        T y = x < lo ? lo : x;
        return y > hi ? hi : y;
      });
    else if (has_min)
      ternary_kernel<T, T, T, T>(L, [](T x, T lo, T) { return (x != x || x >= lo) ? x : lo; });
    else
      ternary_kernel<T, T, T, T>(L, [](T x, T, T hi) { return (x != x || x <= hi) ? x : hi; });
  });
}

const bool registered = [] {
  where_stub.set(DeviceType::CPU, cpu_where);
  clamp_stub.set(DeviceType::CPU, cpu_clamp);
  return true;
}();

}  // namespace

Tensor where(const Tensor& cond, const Operand& a, const Operand& b) {
  EMBER_CHECK(cond.dtype() == ScalarType::Bool,
              "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              dtype_short_name(cond.dtype()));
  ResultType rt;
  DimVector shape = cond.sizes();
  for (const Operand* o : {&a, &b}) {
    if (o->is_scalar) rt.add(o->scalar);
    else {
      rt.add(o->tensor);
      shape = broadcast_shapes(shape, o->tensor.sizes());
    }
  }
  ScalarType t = rt.result();
  Device d = cond.device();
  Tensor ta = as_tensor_of(a, t, d), tb = as_tensor_of(b, t, d);
  Tensor out = empty(shape, t, d);
  if (out.numel()) {
    auto L = StridedLoop::make(out, {&cond, &ta, &tb});
    where_stub[d](L, t);
  }
  return out;
}

namespace {

ScalarType clamp_dtype(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi) {
  EMBER_CHECK(lo || hi, "torch.clamp: At least one of 'min' or 'max' must not be None");
  ResultType rt;
  rt.add(self);
  for (const auto* o : {&lo, &hi})
    if (*o) {
      if ((*o)->is_scalar) rt.add((*o)->scalar);
      else rt.add((*o)->tensor);
    }
  ScalarType t = rt.result();
  EMBER_CHECK(t != ScalarType::Bool, "\"clamp\" not implemented for 'Bool'");
  return t;
}

void run_clamp(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi,
               ScalarType t, const Tensor& out) {
  if (out.numel() == 0) return;
  Tensor x = to_dtype(self, t);
  Tensor tlo = lo ? as_tensor_of(*lo, t, self.device()) : scalar_tensor(Scalar(int64_t(0)), t);
  Tensor thi = hi ? as_tensor_of(*hi, t, self.device()) : scalar_tensor(Scalar(int64_t(0)), t);
  auto L = StridedLoop::make(out, {&x, &tlo, &thi});
  clamp_stub[out.device()](L, t, bool(lo), bool(hi));
}

DimVector clamp_shape(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi) {
  DimVector shape = self.sizes();
  for (const auto* o : {&lo, &hi})
    if (*o && !(*o)->is_scalar) shape = broadcast_shapes(shape, (*o)->tensor.sizes());
  return shape;
}

}  // namespace

Tensor clamp(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi,
             const OptTensor& out) {
  ScalarType t = clamp_dtype(self, lo, hi);
  Tensor result = empty(clamp_shape(self, lo, hi), t, self.device());
  run_clamp(self, lo, hi, t, result);
  return out ? write_out(result, *out, "clamp") : result;
}

Tensor& clamp_(Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi) {
  ScalarType t = clamp_dtype(self, lo, hi);
  EMBER_CHECK(can_cast(t, self.dtype()), "result type ", dtype_short_name(t),
              " can't be cast to the desired output type ", dtype_short_name(self.dtype()));
  DimVector shape = clamp_shape(self, lo, hi);
  EMBER_CHECK(shape == self.sizes(), "output with shape ", self.sizes(), " doesn't match the broadcast shape ",
              shape);
  if (t == self.dtype()) {
    run_clamp(self, lo, hi, t, self);
  } else {
    Tensor tmp = empty(self.sizes(), t, self.device());
    run_clamp(self, lo, hi, t, tmp);
    copy_(self, tmp);
  }
  self.impl()->bump_version();
  return self;
}

}  // namespace ember
