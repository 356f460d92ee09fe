// Factories, fill, and copy/conversion between dtypes.
#include <cmath>

#include "ember/autograd/autograd.h"
#include "ember/core/dispatch.h"
#include "ember/cpu/loops.h"
#include "ember/ops/ops.h"
#include "ember/ops/stubs.h"

namespace ember {

// ---- copy: dst = src (src already broadcast-compatible), any dtype pair -------------------
DispatchStub<CopyFn> copy_stub("copy_");
DispatchStub<FillFn> fill_stub("fill_");

namespace {

template <typename D, typename S>
inline D convert(S v) {
  if constexpr (std::is_same_v<D, bool>) return v != S(0);
  else return static_cast<D>(v);
}

void cpu_copy(const Tensor& dst, const Tensor& src) {
  auto L = StridedLoop::make(dst, {&src});
  EMBER_DISPATCH_ALL_AND_HALF(dst.dtype(), "copy_", [&] {
    using D = scalar_t;
    EMBER_DISPATCH_ALL_AND_HALF(src.dtype(), "copy_", [&] {
      unary_kernel<D, scalar_t>(L, [](scalar_t v) { return convert<D>(v); });
    });
  });
}


void cpu_fill(const Tensor& self, Scalar value) {
  auto L = StridedLoop::make(self, {});
  EMBER_DISPATCH_ALL_AND_HALF(self.dtype(), "fill_", [&] {
    const scalar_t v = value.to<scalar_t>();
    L.run([&](char** p, const int64_t* s, int64_t n) {
      if (s[0] == sizeof(scalar_t)) {
        scalar_t* o = reinterpret_cast<scalar_t*>(p[0]);
        for (int64_t i = 0; i < n; ++i) o[i] = v;
      } else {
        for (int64_t i = 0; i < n; ++i) *reinterpret_cast<scalar_t*>(p[0] + i * s[0]) = v;
      }
    });
  });
}

const bool registered = [] {
  copy_stub.set(DeviceType::CPU, cpu_copy);
  fill_stub.set(DeviceType::CPU, cpu_fill);
  return true;
}();

DeviceMemcpyFn g_device_memcpy = nullptr;

// dst = src across devices. The bytes travel once, as one contiguous block in
// dst's dtype; broadcasting, conversion and strides are handled by the copy
// kernels of the side that has the data.
void cross_device_copy(const Tensor& dst, const Tensor& src) {
  EMBER_CHECK(g_device_memcpy != nullptr, "copy_: cannot copy from ", src.device().str(), " to ",
              dst.device().str(), ": the CUDA backend is not loaded");
  GradModeGuard no_grad(false);
  Tensor staged = src.sizes() == dst.sizes() ? src : expand(src, dst.sizes().vec());
  if (staged.dtype() != dst.dtype() || !staged.is_contiguous()) {
    Tensor t = empty(dst.sizes(), dst.dtype(), src.device());
    copy_stub[src.device()](t, staged);
    staged = t;
  }
  Tensor landing = dst.is_contiguous() ? dst : empty(dst.sizes(), dst.dtype(), dst.device());
  g_device_memcpy(landing.device_data(), dst.device(), staged.device_data(), src.device(),
                  size_t(dst.numel()) * itemsize(dst.dtype()));
  if (!landing.is_same(dst)) copy_stub[dst.device()](dst, landing);
}

}  // namespace

void set_device_memcpy(DeviceMemcpyFn fn) { g_device_memcpy = fn; }

namespace {
Tensor& copy_impl(Tensor& dst, const Tensor& src) {
  if (dst.is_same(src)) return dst;
  check_overlapping_write(dst, {&src});
  if (src.sizes() != dst.sizes()) {
    DimVector b = broadcast_shapes(dst.sizes(), src.sizes());
    EMBER_CHECK(b == dst.sizes(), "output with shape ", dst.sizes(), " doesn't match the broadcast shape ", b);
  }
  if (dst.numel() == 0) return dst;
  if (dst.device() == src.device()) copy_stub[dst.device()](dst, src);
  else cross_device_copy(dst, src);
  dst.impl()->bump_version();
  return dst;
}

Tensor& fill_impl(Tensor& self, Scalar value) {
  if (self.numel()) fill_stub[self.device()](self, value);
  self.impl()->bump_version();
  return self;
}
}  // namespace

Tensor& copy_(Tensor& dst, const Tensor& src) {
  if (!(grad_enabled() && (requires_grad(src) || requires_grad(dst) ||
                           (dst.impl()->is_view() && requires_grad(Tensor(dst.impl()->view_base())))))) {
    return copy_impl(dst, src);
  }
  check_inplace(dst);
  // dst's new value depends on src only: a fresh tensor carrying src's history.
  Tensor result = requires_grad(src) ? to_dtype(expand(src, dst.sizes().vec()), dst.dtype(), true) : Tensor();
  {
    GradModeGuard no_grad(false);
    copy_impl(dst, src);
  }
  rebase_history(dst, result.defined() ? result : detach(dst));
  return dst;
}

namespace {
Tensor& fill_with_grad(Tensor& self, Scalar value) {
  if (grad_enabled() && requires_grad(self)) {
    check_inplace(self);
    fill_impl(self, value);
    rebase_history(self, detach(self));  // the old value gets no gradient
    return self;
  }
  return fill_impl(self, value);
}
}  // namespace

Tensor& fill_(Tensor& self, Scalar value) {
  check_convertible(value, self.dtype());
  return fill_with_grad(self, value);
}

Tensor& assign_scalar_(Tensor& self, Scalar value) {
  check_assignable(value, self.dtype());
  return fill_with_grad(self, value);
}

Tensor& zero_(Tensor& self) { return fill_(self, Scalar(int64_t(0))); }

Tensor full(const DimVector& sizes, Scalar value, ScalarType dtype, Device device) {
  Tensor t = empty(sizes, dtype, device);
  return fill_(t, value);
}
Tensor zeros(const DimVector& sizes, ScalarType dtype, Device device) {
  return full(sizes, Scalar(int64_t(0)), dtype, device);
}
Tensor ones(const DimVector& sizes, ScalarType dtype, Device device) {
  return full(sizes, Scalar(int64_t(1)), dtype, device);
}
Tensor scalar_tensor(Scalar value, ScalarType dtype, Device device) {
  Tensor t = empty({}, dtype, device);
  return assign_scalar_(t, value);
}

Tensor to_dtype(const Tensor& self, ScalarType dtype, bool copy) {
  if (self.dtype() == dtype && !copy) return self;
  Tensor out = empty(self.sizes(), dtype, self.device());
  copy_impl(out, self);
  if (grad_enabled() && requires_grad(self) && is_floating(dtype)) {
    const ScalarType from = self.dtype();
    record(from == dtype ? "CloneBackward0" : "ToCopyBackward0", {&self}, out,
           [from](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{to_dtype(g[0], from)}; }, false);
  }
  return out;
}

Tensor to_device(const Tensor& self, Device device, ScalarType dtype, bool copy) {
  if (!device.is_cpu() && device.index < 0) device = get_allocator(device.type)->resolve(device);
  if (device == self.device()) return to_dtype(self, dtype, copy);
  Tensor out = empty(self.sizes(), dtype, device);
  {
    GradModeGuard no_grad(false);
    copy_impl(out, self);
  }
  if (grad_enabled() && requires_grad(self) && is_floating(dtype)) {
    const ScalarType from = self.dtype();
    const Device from_device = self.device();
    record("ToCopyBackward0", {&self}, out, [from, from_device](Node*, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{to_device(g[0], from_device, from)};
    }, false);
  }
  return out;
}

Tensor contiguous(const Tensor& self) { return self.is_contiguous() ? self : clone(self); }
Tensor Tensor::contiguous() const { return ember::contiguous(*this); }

Tensor clone(const Tensor& self) { return to_dtype(self, self.dtype(), true); }

Tensor eye(int64_t n, int64_t m, ScalarType dtype, Device device) {
  EMBER_CHECK(n >= 0, "n must be greater or equal to 0, got ", n);
  EMBER_CHECK(m >= 0, "m must be greater or equal to 0, got ", m);
  if (!device.is_cpu()) return to_device(eye(n, m, dtype, Device{}), device, dtype);
  Tensor out = zeros({n, m}, dtype, device);
  EMBER_DISPATCH_ALL_AND_HALF(dtype, "eye", [&] {
    scalar_t* p = out.data_ptr<scalar_t>();
    for (int64_t i = 0; i < std::min(n, m); ++i) p[i * m + i] = scalar_t(1);
  });
  return out;
}

}  // namespace ember
