// Random ops on tensors. The draws themselves (random_kernels.cpp) reproduce
// PyTorch's CPU streams; this file handles dtypes, argument checks, and
// "memory order": PyTorch fills a non-contiguous output in the order of its
// elements in memory, not in logical order, so the values are generated into a
// contiguous buffer and copied through a view whose dims are sorted by stride.
#include <algorithm>
#include <mutex>
#include <numeric>

#include "ember/autograd/autograd.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/random_kernels.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

Generator& gen_or_default(Generator* g) { return g ? *g : default_generator(); }

// self viewed with its dims in memory order (largest stride first).
Tensor memory_order_view(const Tensor& self) {
  Dims perm(self.dim());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(),
                   [&](int64_t a, int64_t b) { return self.strides()[a] > self.strides()[b]; });
  return permute(self, perm);
}

// Generates numel values with `fill(ptr, n)` into self, in memory order.
template <typename T, typename F>
void fill_in_memory_order(Tensor& self, const F& fill) {
  const int64_t n = self.numel();
  if (n == 0) return;
  if (self.is_contiguous()) {
    fill(static_cast<T*>(self.raw_data()), n);
  } else {
    Tensor dst = memory_order_view(self);
    Tensor buf = empty(dst.sizes(), self.dtype(), self.device());
    fill(static_cast<T*>(buf.raw_data()), n);
    copy_(dst, buf);
  }
}

// Overloads that pick the kernel for each element type.
void uniform(Generator& g, float* p, int64_t n, double a, double b) { random::uniform_f32(g, p, n, a, b); }
void uniform(Generator& g, double* p, int64_t n, double a, double b) { random::uniform_f64(g, p, n, a, b); }
void normal(Generator& g, float* p, int64_t n, double m, double s, bool c) { random::normal_f32(g, p, n, m, s, c); }
void normal(Generator& g, double* p, int64_t n, double m, double s, bool c) { random::normal_f64(g, p, n, m, s, c); }
void random_full(Generator& g, float* p, int64_t n) { random::random_full_f32(g, p, n); }
void random_full(Generator& g, double* p, int64_t n) { random::random_full_f64(g, p, n); }
void random_full(Generator& g, int32_t* p, int64_t n) { random::random_full_i32(g, p, n); }
void random_full(Generator& g, int64_t* p, int64_t n) { random::random_full_i64(g, p, n); }
void random_range(Generator& g, float* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_f32(g, p, n, lo, r); }
void random_range(Generator& g, double* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_f64(g, p, n, lo, r); }
void random_range(Generator& g, int32_t* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_i32(g, p, n, lo, r); }
void random_range(Generator& g, int64_t* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_i64(g, p, n, lo, r); }

void check_cpu(const Tensor& self, const char* op) {
  check_inplace(self);
  EMBER_CHECK(self.device().is_cpu(), op, ": random numbers on ", self.device().str(),
              " are not supported by this build");
}

// Off the CPU: the device's own generator (stubs.h), into a contiguous buffer
// when self is not contiguous (bool for bernoulli_). False on the CPU.
bool device_draw(Tensor& self, RandomOp op, double a, double b, Generator* g, const char* name) {
  if (self.device().is_cpu()) return false;
  EMBER_CHECK(g == nullptr, name, ": a generator argument is only supported for CPU tensors; ", self.device().str(),
              " tensors draw from the device's generator (ember.cuda.manual_seed)");
  RandomFn fn = random_stub[self.device()];
  if (op != RandomOp::Bernoulli && self.is_contiguous()) {
    fn(op, self, a, b);
  } else {
    Tensor buf = empty(self.sizes(), op == RandomOp::Bernoulli ? ScalarType::Bool : self.dtype(), self.device());
    fn(op, buf, a, b);
    copy_(self, buf);
  }
  self.impl()->bump_version();
  return true;
}

}  // namespace
DispatchStub<RandomFn> random_stub("random");

Tensor& uniform_(Tensor& self, double from, double to, Generator* g) {
  check_inplace(self);
  EMBER_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  if (device_draw(self, RandomOp::Uniform, from, to, g, "uniform_")) return self;
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  EMBER_DISPATCH_FLOATING(self.dtype(), "check_uniform_bounds", [&] {
    fill_in_memory_order<scalar_t>(self, [&](scalar_t* p, int64_t n) {
      uniform(gen, p, n, from, to);
    });
  });
  self.impl()->bump_version();
  return self;
}

Tensor& normal_(Tensor& self, double mean, double std, Generator* g) {
  check_inplace(self);
  EMBER_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  if (device_draw(self, RandomOp::Normal, mean, std, g, "normal_")) return self;
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  const bool contiguous = self.is_contiguous();
  EMBER_DISPATCH_FLOATING(self.dtype(), "normal_kernel_cpu", [&] {
    fill_in_memory_order<scalar_t>(self, [&](scalar_t* p, int64_t n) {
      normal(gen, p, n, mean, std, contiguous);
    });
  });
  self.impl()->bump_version();
  return self;
}

Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to, Generator* g) {
  check_cpu(self, "random_");
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  const ScalarType t = self.dtype();
  EMBER_CHECK(t != ScalarType::Bool || !from, "random_ with bounds is not supported for bool tensors");
  if (!from && !to) {
    EMBER_DISPATCH_NUMERIC(t, "random_", [&] {
      fill_in_memory_order<scalar_t>(self, [&](scalar_t* p, int64_t n) {
        random_full(gen, p, n);
      });
    });
  } else {
    int64_t lo = from.value_or(0);
    uint64_t range;
    if (to) {
      EMBER_CHECK(lo < *to, "random_ expects 'from' to be less than 'to', but got from=", lo, " >= to=", *to);
      range = uint64_t(*to) - uint64_t(lo);
    } else {  // to = the dtype's largest value + 1
      uint64_t max_plus_one = t == ScalarType::Int32 ? (uint64_t(1) << 31)
                              : t == ScalarType::Float32 ? (uint64_t(1) << 24) + 1
                              : t == ScalarType::Float64 ? (uint64_t(1) << 53) + 1
                                                         : (uint64_t(1) << 63);
      range = max_plus_one - uint64_t(lo);
    }
    if (range == 0 && t == ScalarType::Int64) {  // [-2**63, 2**63): the whole int64 range
      fill_in_memory_order<int64_t>(self, [&](int64_t* p, int64_t n) { random::random_full_range_i64(gen, p, n); });
      self.impl()->bump_version();
      return self;
    }
    EMBER_DISPATCH_NUMERIC(t, "random_from_to", [&] {
      fill_in_memory_order<scalar_t>(self, [&](scalar_t* p, int64_t n) {
        random_range(gen, p, n, lo, range);
      });
    });
  }
  self.impl()->bump_version();
  return self;
}

Tensor& bernoulli_(Tensor& self, double p, Generator* g) {
  check_inplace(self);
  EMBER_CHECK(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=", p);
  if (device_draw(self, RandomOp::Bernoulli, p, 0, g, "bernoulli_")) return self;
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  Tensor dst = self.is_contiguous() ? self : memory_order_view(self);
  Tensor bits = empty(dst.sizes(), ScalarType::Bool, self.device());
  random::bernoulli_scalar(gen, bits.numel(), p, static_cast<uint8_t*>(bits.raw_data()));
  copy_(dst, bits);
  self.impl()->bump_version();
  return self;
}

Tensor bernoulli(const Tensor& p, Generator* g) {
  EMBER_CHECK(p.device().is_cpu(), "bernoulli: random numbers on ", p.device().str(), " are not supported by this build");
  EMBER_CHECK(is_floating(p.dtype()), "bernoulli: expected a floating-point probability tensor, got ",
              dtype_name(p.dtype()));
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  Tensor pc = contiguous(p);
  Tensor bits = empty(p.sizes(), ScalarType::Bool, p.device());
  uint8_t* out = static_cast<uint8_t*>(bits.raw_data());
  if (p.dtype() == ScalarType::Float32) random::bernoulli_tensor_f32(gen, pc.data_ptr<float>(), out, p.numel());
  else random::bernoulli_tensor_f64(gen, pc.data_ptr<double>(), out, p.numel());
  return to_dtype(bits, p.dtype());
}

Tensor randperm(int64_t n, ScalarType dtype, Generator* g, Device device) {
  EMBER_CHECK(n >= 0, "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  EMBER_CHECK(device.is_cpu(), "randperm on ", device.str(), " is not supported by this build");
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  Tensor idx = empty({n}, ScalarType::Int64, device);
  random::randperm_i64(gen, idx.data_ptr<int64_t>(), n);
  return to_dtype(idx, dtype);
}

}  // namespace ember
