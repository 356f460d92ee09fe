// Random ops on tensors. The draws themselves (random_kernels.cpp) reproduce
// PyTorch's CPU streams; this file handles dtypes, argument checks, and
// "memory order": PyTorch fills a non-contiguous output in the order of its
// elements in memory, not in logical order, so the values are generated into a
// contiguous buffer and copied through a view whose dims are sorted by stride.
#include <algorithm>
#include <cmath>
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

// Generates numel values of type T with `fill(ptr, n)` into self, in memory
// order. T is float32 for a float16/bfloat16 tensor: PyTorch draws those in
// float32 (its opmath type) and rounds each value once, which copy_ does.
template <typename T, typename F>
void fill_in_memory_order(Tensor& self, const F& fill) {
  const int64_t n = self.numel();
  if (n == 0) return;
  constexpr ScalarType kDrawType = CppTypeToScalarType<T>::value;
  if (self.is_contiguous() && self.dtype() == kDrawType) {
    fill(static_cast<T*>(self.raw_data()), n);
    return;
  }
  Tensor dst = self.is_contiguous() ? self : memory_order_view(self);
  Tensor buf = empty(dst.sizes(), kDrawType, self.device());
  fill(static_cast<T*>(buf.raw_data()), n);
  copy_(dst, buf);
}

// The type values of scalar_t are drawn in.
template <typename scalar_t>
using draw_t = std::conditional_t<is_reduced_float_v<scalar_t>, float, scalar_t>;

// Overloads that pick the kernel for each element type.
void uniform(Generator& g, float* p, int64_t n, double a, double b) { random::uniform_f32(g, p, n, a, b); }
void uniform(Generator& g, double* p, int64_t n, double a, double b) { random::uniform_f64(g, p, n, a, b); }
void normal(Generator& g, float* p, int64_t n, double m, double s, bool c) { random::normal_f32(g, p, n, m, s, c); }
void normal(Generator& g, double* p, int64_t n, double m, double s, bool c) { random::normal_f64(g, p, n, m, s, c); }
void random_full(Generator& g, float* p, int64_t n, int digits) { random::random_full_f32(g, p, n, digits); }
void random_full(Generator& g, double* p, int64_t n, int) { random::random_full_f64(g, p, n); }
void random_full(Generator& g, int32_t* p, int64_t n, int) { random::random_full_i32(g, p, n); }
void random_full(Generator& g, int64_t* p, int64_t n, int) { random::random_full_i64(g, p, n); }
void random_full(Generator& g, bool* p, int64_t n, int) { random::random_full_bool(g, p, n); }
void random_range(Generator& g, float* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_f32(g, p, n, lo, r); }
void random_range(Generator& g, double* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_f64(g, p, n, lo, r); }
void random_range(Generator& g, int32_t* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_i32(g, p, n, lo, r); }
void random_range(Generator& g, int64_t* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_i64(g, p, n, lo, r); }
void random_range(Generator& g, bool* p, int64_t n, int64_t lo, uint64_t r) { random::random_range_bool(g, p, n, lo, r); }
void exponential(Generator& g, float* p, int64_t n, double lambd) { random::exponential_f32(g, p, n, lambd); }
void exponential(Generator& g, double* p, int64_t n, double lambd) { random::exponential_f64(g, p, n, lambd); }
void search(Generator& g, float* cdf, int64_t k, int64_t* out, int64_t n) { random::multinomial_search_f32(g, cdf, k, out, n); }
void search(Generator& g, double* cdf, int64_t k, int64_t* out, int64_t n) { random::multinomial_search_f64(g, cdf, k, out, n); }

// random_(-2**63, None): every 64-bit draw, read as int64 and converted.
template <typename T>
void random_all_64_bits(Generator& g, T* p, int64_t n) {
  if constexpr (std::is_same_v<T, int64_t>) random::random_full_range_i64(g, p, n);
  else for (int64_t i = 0; i < n; ++i) p[i] = T(static_cast<int64_t>(g.random64()));
}

// float16/bfloat16 uniform_: a float32 value that rounds up to `to` becomes
// `from`, so the interval stays half-open after rounding.
template <typename T>
void keep_rounded_below(float* p, int64_t n, double from, double to) {
  const float to_rounded = float(T(float(to))), from_rounded = float(T(float(from)));
  for (int64_t i = 0; i < n; ++i)
    if (float(T(p[i])) == to_rounded) p[i] = from_rounded;
}

// float16/bfloat16 normal_: on the block path each block of 16 takes 16
// fresh float32 uniforms, and the redrawn tail follows the whole blocks (the
// float32 path draws all n uniforms first, so its tail comes later in the
// stream). The scalar path is float32's.
void normal_reduced(Generator& g, float* p, int64_t n, double mean, double std, bool contiguous) {
  if (!contiguous || n < 16) return random::normal_f32(g, p, n, mean, std, false);
  for (int64_t i = 0; i + 16 <= n; i += 16) random::normal_f32(g, p + i, 16, mean, std, true);
  if (n % 16 != 0) random::normal_f32(g, p + n - 16, 16, mean, std, true);
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

// The integers a float type holds exactly run to 2**digits (PyTorch's
// std::numeric_limits<T>::digits).
int float_digits(ScalarType t) {
  switch (t) {
    case ScalarType::Float16: return 11;
    case ScalarType::BFloat16: return 8;
    case ScalarType::Float32: return 24;
    default: return 53;
  }
}

// static_cast<int64_t>(static_cast<T>(v)) for a float type T, with x86's
// answer (INT64_MIN) where the value does not fit.
int64_t through_float_type(int64_t v, ScalarType t) {
  double r = double(v);
  switch (t) {
    case ScalarType::Float16: r = float(Half(float(v))); break;
    case ScalarType::BFloat16: r = float(BFloat16(float(v))); break;
    case ScalarType::Float32: r = float(v); break;
    default: break;
  }
  return r >= -0x1p63 && r < 0x1p63 ? int64_t(r) : INT64_MIN;
}

int64_t floor_log2(uint64_t v) {
  int64_t n = 0;
  while (v >>= 1) ++n;
  return n;
}

// PyTorch's update_from / update_to: a bound the float type cannot hold is
// moved inward to the next value it can.
int64_t float_from(int64_t from, ScalarType t) {
  // PyTorch's from + 1 overflows here and its loop then never ends; from is
  // kept, and random_bounds rejects it as above the dtype's largest integer.
  if (from == INT64_MAX) return from;
  const int64_t from_plus_1 = through_float_type(from + 1, t);
  if (from_plus_1 >= from) return from;
  return from_plus_1 + (int64_t(1) << (floor_log2(std::abs(from + 1)) - float_digits(t) + 1));
}
int64_t float_to(int64_t to, ScalarType t) {
  const int64_t to_minus_1 = through_float_type(to - 1, t);
  if (to_minus_1 < to) return to;
  return to_minus_1 - (int64_t(1) << (floor_log2(std::abs(to - 1)) - float_digits(t) + 1));
}

// The dtype's name as PyTorch's messages print it (its TypeMeta name).
const char* type_meta_name(ScalarType t) {
  switch (t) {
    case ScalarType::Float16: return "c10::Half";
    case ScalarType::BFloat16: return "c10::BFloat16";
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "long int";
    default: return "bool";
  }
}

// PyTorch's check_from_to_in_range: an error outside the dtype's values, a
// warning beyond the integers a float type holds exactly.
void check_in_dtype_range(int64_t value, const char* name, ScalarType t) {
  double lo, hi;
  switch (t) {
    case ScalarType::Int32: lo = INT32_MIN, hi = INT32_MAX; break;
    case ScalarType::Bool: lo = 0, hi = 1; break;
    case ScalarType::Int64: return;  // every int64 fits
    default: lo = -max_finite(t), hi = max_finite(t);
  }
  EMBER_CHECK(double(value) >= lo && double(value) <= hi, name, " is out of bounds for ", type_meta_name(t));
  if (!is_floating(t)) return;
  const int digits = float_digits(t);
  if (value < -(int64_t(1) << digits) || value > (int64_t(1) << digits))
    warn(str(name, " is out of bounds [-(2^", digits, "), 2^", digits, "]. Due to precision limitations ",
             type_meta_name(t), " can support discrete uniform distribution only within this range. ",
             "This warning will become an error in version 1.7 release, please fix the code in advance"));
}

// What random_(from, to) draws, as PyTorch's random_from_to_impl decides it.
struct RandomBounds {
  enum Kind { DtypeRange, Range, All64Bits } kind;
  int64_t from = 0;
  uint64_t range = 0;  // Range: from + (r mod range)
};

RandomBounds random_bounds(ScalarType t, std::optional<int64_t> from_opt, std::optional<int64_t> to) {
  if (!from_opt && !to) return {RandomBounds::DtypeRange};  // random_(): 0 .. the dtype's own limit
  int64_t from = from_opt.value_or(0);
  if (to) {  // [from, to)
    int64_t end = *to;
    EMBER_CHECK(from < end, "random_ expects 'from' to be less than 'to', but got from=", from, " >= to=", end);
    if (is_floating(t)) {
      from = float_from(from, t);
      end = float_to(end, t);
      EMBER_CHECK(from < end, "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got from=",
                  from, " >= to=", end);
    }
    check_in_dtype_range(from, "from", t);
    check_in_dtype_range(end - 1, "to - 1", t);
    return {RandomBounds::Range, from, uint64_t(end) - uint64_t(from)};
  }
  if (from == INT64_MIN) {  // [-2**63, 2**63): every 64-bit draw
    EMBER_CHECK_KIND(NotImplemented, t != ScalarType::Float16 && t != ScalarType::Bool,
                     "\"random_full_64_bits_range_kernel_cpu\" not implemented for '", dtype_short_name(t), "'");
    EMBER_CHECK(t != ScalarType::Int32, "random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16");
    return {RandomBounds::All64Bits};
  }
  // [from, the dtype's largest value]
  int64_t to_inc;
  if (is_floating(t)) {
    to_inc = t == ScalarType::Float64 ? int64_t(1) << 53 : int64_t(1) << float_digits(t);
    from = float_from(from, t);
    EMBER_CHECK(from < to_inc, "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to "
                "dtype, but got from=", from, " > to_inc=", to_inc);
  } else {
    to_inc = t == ScalarType::Int32 ? INT32_MAX : t == ScalarType::Bool ? 1 : INT64_MAX;
  }
  check_in_dtype_range(from, "from", t);
  check_in_dtype_range(to_inc, "to - 1", t);
  return {RandomBounds::Range, from, uint64_t(to_inc) - uint64_t(from) + 1};
}

// PyTorch's check_uniform_bounds: finite bounds within the dtype, in order, whose
// distance the dtype can hold.
void check_uniform_bounds(ScalarType t, double from, double to) {
  EMBER_CHECK_KIND(NotImplemented, is_floating(t), "\"check_uniform_bounds\" not implemented for '",
                   dtype_short_name(t), "'");
  const double hi = max_finite(t);
  EMBER_CHECK(from >= -hi && from <= hi, "from is out of bounds for ", type_meta_name(t));
  EMBER_CHECK(to >= -hi && to <= hi, "to is out of bounds for ", type_meta_name(t));
  EMBER_CHECK(from <= to, "uniform_ expects to return a [from, to) range, but found from=", from, " > to=", to);
  EMBER_CHECK(to - from <= hi, "uniform_ expects to-from <= std::numeric_limits<", dtype_short_name(t),
              ">::max(), but found to=", to, " and from=", from, " which result in to-from to exceed the limit");
}

}  // namespace
DispatchStub<RandomFn> random_stub("random");

namespace {
// Off the CPU, random_ and bernoulli(p) are built from the device's uniform
// draws (ember's own CUDA stream, docs/cuda.md), not from PyTorch's kernels.

// n uniform draws in [0, 1) of `dtype` on `device`.
Tensor device_uniform(const DimVector& sizes, ScalarType dtype, Device device, Generator* g, const char* name) {
  Tensor u = empty(sizes, dtype, device);
  device_draw(u, RandomOp::Uniform, 0.0, 1.0, g, name);
  return u;
}

// floor(u * scale) of float64 uniforms u, as int64: `scale` (at most 2**53) equally likely values.
Tensor uniform_ints(const DimVector& sizes, Device device, Generator* g, double scale) {
  Tensor u = device_uniform(sizes, ScalarType::Float64, device, g, "random_");
  Tensor v = to_dtype(unary(UnaryOp::Floor, binary(BinaryOp::Mul, u, Scalar(scale))), ScalarType::Int64);
  // u * scale can round up to scale itself when scale is near 2**53
  return binary(BinaryOp::Minimum, v, Scalar(int64_t(scale) - 1));
}

Tensor& device_random_(Tensor& self, const RandomBounds& b, Generator* g) {
  const ScalarType t = self.dtype();
  int64_t from = b.from;
  uint64_t range = b.range;  // 0: all 2**64 values
  if (b.kind == RandomBounds::DtypeRange) {
    from = 0;
    range = is_floating(t) ? (uint64_t(1) << float_digits(t)) + 1
            : t == ScalarType::Int32 ? uint64_t(1) << 31 : t == ScalarType::Bool ? 2 : uint64_t(1) << 63;
  } else if (b.kind == RandomBounds::All64Bits) {
    from = INT64_MIN;
    range = 0;
  }
  const DimVector sizes = self.sizes();
  const Device d = self.device();
  GradModeGuard no_grad(false);  // a fill that leaves self's autograd history alone, as the CPU kernel does
  Tensor r;  // int64 values in [0, range) (offset by from below), or any int64 for the full range
  if (range != 0 && range <= (uint64_t(1) << 53)) {
    r = uniform_ints(sizes, d, g, double(range));
  } else if (range == 0 || range <= uint64_t(1) << 63) {
    // 63 or 64 random bits from two draws: high bits times 2**32 plus 32 low bits, no overflow
    // (for 2**64 the high part runs over [-2**31, 2**31), already offset by from = -2**63);
    // a range between 2**53 and 2**63 takes the 63 bits modulo the range, as PyTorch's draws do.
    Tensor hi = uniform_ints(sizes, d, g, range == 0 ? 0x1p32 : 0x1p31);
    if (range == 0) hi = binary(BinaryOp::Sub, hi, Scalar(int64_t(1) << 31));
    Tensor lo = uniform_ints(sizes, d, g, 0x1p32);
    r = binary(BinaryOp::Add, binary(BinaryOp::Mul, hi, Scalar(int64_t(1) << 32)), lo);
    if (range == 0) from = 0;
    else if (range < uint64_t(1) << 63) r = binary(BinaryOp::Remainder, r, Scalar(int64_t(range)));
  } else {
    EMBER_CHECK_KIND(NotImplemented, false, "random_ on ", d.str(), " draws at most 2**63 values, or all 2**64; got "
                     "from=", from, " with ", range, " values");
  }
  if (from != 0) r = binary(BinaryOp::Add, r, Scalar(from));
  copy_(self, to_dtype(r, t));
  return self;
}
}  // namespace

Tensor& uniform_(Tensor& self, double from, double to, Generator* g) {
  check_inplace(self);
  assert_no_internal_overlap(self);
  check_uniform_bounds(self.dtype(), from, to);
  if (device_draw(self, RandomOp::Uniform, from, to, g, "uniform_")) return self;
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  EMBER_DISPATCH_FLOATING_AND_HALF(self.dtype(), "check_uniform_bounds", [&] {
    fill_in_memory_order<draw_t<scalar_t>>(self, [&](auto* p, int64_t n) {
      uniform(gen, p, n, from, to);
      if constexpr (is_reduced_float_v<scalar_t>) keep_rounded_below<scalar_t>(p, n, from, to);
    });
  });
  self.impl()->bump_version();
  return self;
}

Tensor& normal_(Tensor& self, double mean, double std, Generator* g) {
  check_inplace(self);
  assert_no_internal_overlap(self);
  EMBER_CHECK(std >= 0.0, "normal expects std >= 0.0, but found std ", std);
  if (device_draw(self, RandomOp::Normal, mean, std, g, "normal_")) return self;
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  const bool contiguous = self.is_contiguous();
  EMBER_DISPATCH_FLOATING_AND_HALF(self.dtype(), "normal_kernel_cpu", [&] {
    fill_in_memory_order<draw_t<scalar_t>>(self, [&](auto* p, int64_t n) {
      if constexpr (is_reduced_float_v<scalar_t>) normal_reduced(gen, p, n, mean, std, contiguous);
      else normal(gen, p, n, mean, std, contiguous);
    });
  });
  self.impl()->bump_version();
  return self;
}

Tensor& random_(Tensor& self, std::optional<int64_t> from, std::optional<int64_t> to, Generator* g) {
  check_inplace(self);
  assert_no_internal_overlap(self);
  const ScalarType t = self.dtype();
  const RandomBounds bounds = random_bounds(t, from, to);
  if (self.numel() == 0) return self;
  if (!self.device().is_cpu()) return device_random_(self, bounds, g);
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  EMBER_DISPATCH_ALL_AND_HALF(t, "random_", [&] {
    using T = draw_t<scalar_t>;
    fill_in_memory_order<T>(self, [&](T* p, int64_t n) {
      switch (bounds.kind) {
        case RandomBounds::DtypeRange: random_full(gen, p, n, float_digits(t)); break;
        case RandomBounds::Range: random_range(gen, p, n, bounds.from, bounds.range); break;
        case RandomBounds::All64Bits: random_all_64_bits(gen, p, n); break;
      }
    });
  });
  self.impl()->bump_version();
  return self;
}

Tensor& bernoulli_(Tensor& self, double p, Generator* g) {
  check_inplace(self);
  assert_no_internal_overlap(self);
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
  EMBER_CHECK(is_floating(p.dtype()), "bernoulli: expected a floating-point probability tensor, got ",
              dtype_name(p.dtype()));
  if (!p.device().is_cpu()) {  // a device uniform draw per element, compared with its probability
    const ScalarType compute = opmath_dtype(p.dtype());
    Tensor u = device_uniform(p.sizes(), compute, p.device(), g, "bernoulli");
    return to_dtype(binary(BinaryOp::Lt, u, to_dtype(p, compute)), p.dtype());
  }
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  // float16/bfloat16 probabilities are compared as float32, with 32-bit draws.
  Tensor pc = contiguous(to_dtype(p, opmath_dtype(p.dtype())));
  EMBER_DISPATCH_FLOATING(pc.dtype(), "bernoulli", [&] {
    const scalar_t* q = pc.data_ptr<scalar_t>();
    for (int64_t i = 0; i < pc.numel(); ++i)  // NaN fails too
      EMBER_CHECK(q[i] >= 0 && q[i] <= 1, "Expected p_in >= 0 && p_in <= 1 to be true, but got false.");
  });
  Tensor bits = empty(p.sizes(), ScalarType::Bool, p.device());
  uint8_t* out = static_cast<uint8_t*>(bits.raw_data());
  if (pc.dtype() == ScalarType::Float32) random::bernoulli_tensor_f32(gen, pc.data_ptr<float>(), out, p.numel());
  else random::bernoulli_tensor_f64(gen, pc.data_ptr<double>(), out, p.numel());
  return to_dtype(bits, p.dtype());
}

Tensor& exponential_(Tensor& self, double lambd, Generator* g) {
  check_inplace(self);
  EMBER_CHECK(lambd > 0.0, "exponential_ expects lambda > 0.0, but found lambda=", lambd);
  EMBER_CHECK(is_floating(self.dtype()), "Exponential distribution is a continuous probability distribution. dtype "
              "must be a floating point but you specified ", dtype_short_name(self.dtype()));
  if (!self.device().is_cpu()) {  // -log1p(-u) / lambda of the device's uniforms
    GradModeGuard no_grad(false);
    Tensor u = device_uniform(self.sizes(), opmath_dtype(self.dtype()), self.device(), g, "exponential_");
    copy_(self, mul(unary(UnaryOp::Log1p, neg(u)), Scalar(-1.0 / lambd)));
    self.impl()->bump_version();
    return self;
  }
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  EMBER_DISPATCH_FLOATING_AND_HALF(self.dtype(), "exponential_", [&] {
    fill_in_memory_order<draw_t<scalar_t>>(self, [&](auto* p, int64_t n) { exponential(gen, p, n, lambd); });
  });
  self.impl()->bump_version();
  return self;
}

namespace {
// An uninitialized tensor like self: with self's strides when self is dense (PyTorch's empty_like), else
// contiguous. A random fill of it then draws in self's memory order.
Tensor empty_like_dense(const Tensor& self) {
  if (self.is_contiguous()) return empty(self.sizes(), self.dtype(), self.device());
  Dims perm(self.dim());
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(),
                   [&](int64_t a, int64_t b) { return self.strides()[a] > self.strides()[b]; });
  int64_t expected = 1;
  for (auto d = perm.rbegin(); d != perm.rend(); ++d) {
    if (self.sizes()[*d] != 1 && self.strides()[*d] != expected)
      return empty(self.sizes(), self.dtype(), self.device());
    expected *= self.sizes()[*d];
  }
  DimVector sizes;
  Dims inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    sizes.push_back(self.sizes()[perm[i]]);
    inverse[size_t(perm[i])] = int64_t(i);
  }
  return permute(empty(sizes, self.dtype(), self.device()), inverse);
}

// Sampling with replacement, PyTorch's CPU kernel: per row, the running sums of the probabilities (checked as it
// goes, in float32 for float32/float16/bfloat16 rows), normalized, then a binary search per uniform draw. Rows run
// in order, so a bad row raises after the rows before it have drawn.
template <typename T>
void sample_with_replacement(Generator& gen, const T* p, int64_t n_dist, int64_t n_cat, int64_t n_sample,
                             int64_t* out) {
  std::vector<T> cdf(static_cast<size_t>(n_cat));
  for (int64_t i = 0; i < n_dist; ++i) {
    T total = 0;
    for (int64_t j = 0; j < n_cat; ++j) {
      const T v = p[i * n_cat + j];
      EMBER_CHECK(v >= 0, "invalid multinomial distribution (encountering probability entry < 0)");
      EMBER_CHECK(std::isfinite(v),
                  "invalid multinomial distribution (encountering probability entry = infinity or NaN)");
      total += v;
      cdf[size_t(j)] = total;
    }
    EMBER_CHECK(total > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
    for (T& c : cdf) c /= total;
    search(gen, cdf.data(), n_cat, out + i * n_sample, n_sample);
  }
}
}  // namespace

Tensor multinomial(const Tensor& self, int64_t n_sample, bool replacement, Generator* g) {
  EMBER_CHECK(self.dim() > 0 && self.dim() <= 2, "prob_dist must be 1 or 2 dim");
  EMBER_CHECK(is_floating(self.dtype()), "multinomial only supports floating-point dtypes for input, got: ",
              dtype_short_name(self.dtype()));
  EMBER_CHECK(n_sample > 0, "cannot sample n_sample <= 0 samples");
  const int64_t n_cat = self.sizes()[self.dim() - 1];
  EMBER_CHECK(replacement || n_sample <= n_cat,
              "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
  EMBER_CHECK(n_cat <= (int64_t(1) << 24), "number of categories cannot exceed 2^24");
  EMBER_CHECK_KIND(NotImplemented, self.device().is_cpu(), "multinomial on ", self.device().str(), " is not implemented "
                   "in ember; sample on the CPU and move the result: ember.multinomial(p.cpu(), n).to(device)");
  const int64_t n_dist = self.dim() == 1 ? 1 : self.sizes()[0];
  Tensor result = empty(self.dim() == 1 ? DimVector{n_sample} : DimVector{n_dist, n_sample}, ScalarType::Int64);
  if (result.numel() == 0) return result;
  GradModeGuard no_grad(false);
  const ScalarType compute = opmath_dtype(self.dtype());  // float32 for float16/bfloat16: the same values
  Tensor p = contiguous(to_dtype(self, compute));
  if (!replacement || n_sample == 1) {
    // PyTorch's fast path: the top n_sample of p / q, q ~ Exp(1) drawn like self (the Gumbel-max trick).
    EMBER_DISPATCH_FLOATING(compute, "multinomial", [&] {
      const scalar_t* pp = p.data_ptr<scalar_t>();
      bool valid = true, zero_row = false;
      for (int64_t i = 0; i < n_dist; ++i) {
        bool all_zero = true;
        for (int64_t j = 0; j < n_cat; ++j) {
          const scalar_t v = pp[i * n_cat + j];
          valid = valid && v >= 0 && v < scalar_t(INFINITY);
          all_zero = all_zero && v == 0;
        }
        zero_row = zero_row || all_zero;
      }
      EMBER_CHECK(valid, "probability tensor contains either `inf`, `nan` or element < 0");
      EMBER_CHECK(!zero_row, "invalid multinomial distribution (sum of probabilities <= 0)");
    });
    Tensor q = empty_like_dense(self);
    exponential_(q, 1.0, g);
    q = div(self, q);
    return n_sample == 1 ? argmax(q, -1, true) : topk(q, n_sample).second;
  }
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  EMBER_DISPATCH_FLOATING(compute, "multinomial", [&] {
    sample_with_replacement<scalar_t>(gen, p.data_ptr<scalar_t>(), n_dist, n_cat, n_sample, result.data_ptr<int64_t>());
  });
  return result;
}

Tensor randperm(int64_t n, ScalarType dtype, Generator* g, Device device) {
  EMBER_CHECK(n >= 0, "Trying to create tensor with negative dimension ", n, ": [", n, "]");
  EMBER_CHECK_KIND(NotImplemented, dtype != ScalarType::Bool, "\"randperm\" not implemented for 'Bool'");
  EMBER_CHECK_KIND(NotImplemented, device.is_cpu(), "randperm on ", device.str(), " is not implemented in ember; "
                   "draw it on the CPU and move it: ember.randperm(n).to(device)");
  // Every value must be exact in the dtype (PyTorch's check, bfloat16 excepted as there).
  EMBER_CHECK(dtype != ScalarType::Float16 || n <= 2049, "n cannot be greater than 2049 for Half type.");
  EMBER_CHECK(dtype != ScalarType::Float32 || n <= (int64_t(1) << 24) + 1,
              "n cannot be greater than 2^24+1 for Float type.");
  EMBER_CHECK(dtype != ScalarType::Float64 || n <= (int64_t(1) << 53) + 1,
              "n cannot be greater than 2^53+1 for Double type.");
  Generator& gen = gen_or_default(g);
  std::lock_guard<std::mutex> lock(gen.mutex());
  Tensor idx = empty({n}, ScalarType::Int64, device);
  random::randperm_i64(gen, idx.data_ptr<int64_t>(), n);
  return to_dtype(idx, dtype);
}

}  // namespace ember
