// where(cond, a, b) and clamp(x, min, max): the elementwise ops with three operands.
#include "ember/autograd/autograd.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// Materializes an operand as a tensor of dtype t (scalars become 0-d tensors).
Tensor as_tensor_of(const Operand& o, ScalarType t, Device d) {
  return o.is_scalar ? scalar_tensor(o.scalar, t, d) : to_dtype(o.tensor, t);
}


void cpu_where(const StridedLoop& L, ScalarType t) {
  EMBER_DISPATCH_ALL_AND_HALF(t, "where", [&] {
    ternary_kernel<scalar_t, bool, scalar_t, scalar_t>(
        L, [](bool c, scalar_t a, scalar_t b) { return c ? a : b; });
  });
}


void cpu_clamp(const StridedLoop& L, ScalarType t, bool has_min, bool has_max) {
  // Operand 2 is min, 3 is max (a dummy when absent). NaN in x or in a bound
  // propagates, as PyTorch's clamp does (a NaN scalar bound gives all NaN).
  EMBER_DISPATCH_ALL(t, "clamp", [&] {
    using T = scalar_t;
    if (has_min && has_max)
      ternary_kernel<T, T, T, T>(L, [](T x, T lo, T hi) {
        if (x != x) return x;
        if (lo != lo) return lo;
        if (hi != hi) return hi;
        T y = x < lo ? lo : x;
        return y > hi ? hi : y;
      });
    else if (has_min)
      ternary_kernel<T, T, T, T>(L, [](T x, T lo, T) { return (x != x || x >= lo) ? x : lo; });
    else
      ternary_kernel<T, T, T, T>(L, [](T x, T, T hi) { return (x != x || x <= hi) ? x : hi; });
  });
}

}  // namespace
DispatchStub<WhereFn> where_stub("where");
DispatchStub<ClampFn> clamp_stub("clamp");
namespace {
const bool registered = [] {
  where_stub.set(DeviceType::CPU, cpu_where);
  clamp_stub.set(DeviceType::CPU, cpu_clamp);
  return true;
}();

}  // namespace

namespace {
Tensor where_impl(const Tensor& cond, const Operand& a, const Operand& b) {
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
  check_same_device("where", {&cond, a.is_scalar ? nullptr : &a.tensor, b.is_scalar ? nullptr : &b.tensor});
  Tensor ta = as_tensor_of(a, t, d), tb = as_tensor_of(b, t, d);
  Tensor out = empty(shape, t, d);
  if (out.numel()) {
    auto L = StridedLoop::make(out, {&cond, &ta, &tb});
    where_stub[d](L, t);
  }
  return out;
}
}  // namespace

Tensor where(const Tensor& cond, const Operand& a, const Operand& b) {
  const Tensor* ta = a.is_scalar ? nullptr : &a.tensor;
  const Tensor* tb = b.is_scalar ? nullptr : &b.tensor;
  const bool rec = grad_enabled() && any_requires_grad({ta, tb});
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = where_impl(cond, a, b);
  }
  if (rec && is_floating(out.dtype()))
    record("WhereBackward0", {ta, tb}, out, [c = SavedTensor(cond, false)](Node* n, const std::vector<Tensor>& g) {
      Tensor cv = c.unpack(n);
      Operand zero(Scalar(0.0));
      return std::vector<Tensor>{where(cv, g[0], zero), where(cv, zero, g[0])};
    });
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
  for (const auto* o : {&lo, &hi})  // a scalar bound must fit the result type (PyTorch checks it, float16 too)
    if (*o && (*o)->is_scalar) check_convertible((*o)->scalar, t);
  const bool tensor_bound = (lo && !lo->is_scalar) || (hi && !hi->is_scalar);
  EMBER_CHECK_KIND(NotImplemented, t != ScalarType::Bool || tensor_bound, "\"clamp_cpu\" not implemented for 'Bool'");
  return t;
}

void run_clamp(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi,
               ScalarType t, const Tensor& out) {
  if (out.numel() == 0) return;
  if (is_reduced_float(t))  // computed in float32 and rounded once, as PyTorch's opmath
    return write_via_float32(out, [&](const Tensor& o) { run_clamp(self, lo, hi, ScalarType::Float32, o); });
  check_same_device("clamp", {&self, &out, lo && !lo->is_scalar ? &lo->tensor : nullptr,
                              hi && !hi->is_scalar ? &hi->tensor : nullptr});
  Tensor x = to_dtype(self, t);
  // A missing bound is a dummy operand on the same device (the kernel ignores it).
  Tensor tlo = lo ? as_tensor_of(*lo, t, self.device()) : scalar_tensor(Scalar(int64_t(0)), t, self.device());
  Tensor thi = hi ? as_tensor_of(*hi, t, self.device()) : scalar_tensor(Scalar(int64_t(0)), t, self.device());
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

namespace {
// Gradients of clamp: x passes where it is inside [lo, hi]; a tensor bound gets the rest.
void record_clamp(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi,
                  const Tensor& out, const char* grad_name) {
  const Tensor* tlo = lo && !lo->is_scalar ? &lo->tensor : nullptr;
  const Tensor* thi = hi && !hi->is_scalar ? &hi->tensor : nullptr;
  auto bound = [](const std::optional<Operand>& o) { return o ? o->is_scalar ? 0 : 1 : -1; };
  record(grad_name ? grad_name : tlo || thi ? "ClampBackward0" : "ClampBackward1", {&self, tlo, thi}, out,
         [X = SavedTensor(self, false), L = SavedTensor(tlo ? *tlo : Tensor(), false),
          H = SavedTensor(thi ? *thi : Tensor(), false), ls = lo ? lo->scalar : Scalar(), hs = hi ? hi->scalar : Scalar(),
          kl = bound(lo), kh = bound(hi)](Node* n, const std::vector<Tensor>& g) {
           Tensor x = X.unpack(n);
           Tensor nan = binary(BinaryOp::Ne, x, Operand(x));  // NaN inputs get no gradient, as PyTorch
           auto opnd = [&](int kind, const SavedTensor& s, Scalar v) { return kind == 1 ? Operand(s.unpack(n)) : Operand(v); };
           Operand zero(Scalar(0.0));
           Tensor below = kl >= 0 ? binary(BinaryOp::Lt, x, opnd(kl, L, ls)) : Tensor();
           Tensor above = kh >= 0 ? binary(BinaryOp::Gt, x, opnd(kh, H, hs)) : Tensor();
           Tensor gx = where(nan, zero, g[0]);
           if (below.defined()) gx = where(below, zero, gx);
           if (above.defined()) gx = where(above, zero, gx);
           Tensor glo = kl == 1 ? where(below, g[0], zero) : Tensor();
           Tensor ghi = kh == 1 ? where(above, g[0], zero) : Tensor();
           if (glo.defined() && above.defined()) glo = where(above, zero, glo);
           return std::vector<Tensor>{gx, glo, ghi};
         });
}
}  // namespace

Tensor clamp(const Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi,
             const OptTensor& out, const char* grad_name) {
  ScalarType t = clamp_dtype(self, lo, hi);
  const Tensor* tlo = lo && !lo->is_scalar ? &lo->tensor : nullptr;
  const Tensor* thi = hi && !hi->is_scalar ? &hi->tensor : nullptr;
  const bool rec = grad_enabled() && any_requires_grad({&self, tlo, thi});
  EMBER_CHECK(!(rec && out), "clamp(): functions with out=... arguments don't support automatic differentiation, "
              "but one of the arguments requires grad.");
  Tensor result = empty(clamp_shape(self, lo, hi), t, self.device());
  {
    GradModeGuard no_grad(false);
    run_clamp(self, lo, hi, t, result);
  }
  if (rec) record_clamp(self, lo, hi, result, grad_name);
  return out ? write_out(result, *out, "clamp") : result;
}

Tensor& clamp_(Tensor& self, const std::optional<Operand>& lo, const std::optional<Operand>& hi) {
  const Tensor* tlo = lo && !lo->is_scalar ? &lo->tensor : nullptr;
  const Tensor* thi = hi && !hi->is_scalar ? &hi->tensor : nullptr;
  check_overlapping_write(self, {tlo, thi});
  if (grad_enabled() && any_requires_grad({&self, tlo, thi})) {
    check_inplace(self);
    Tensor result = clamp(clone(self), lo, hi);
    {
      GradModeGuard no_grad(false);
      copy_(self, result);
    }
    rebase_history(self, result);
    return self;
  }
  GradModeGuard no_grad(false);
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
