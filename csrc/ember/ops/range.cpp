// arange and linspace, with PyTorch's values bit for bit. Both are exact for
// integers; for floating types the rounding depends on how PyTorch's CPU
// kernels are structured, which this file follows step by step.
#include <algorithm>
#include <cmath>

#include "ember/cpu/clones.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/ops.h"
#include "ember/ops/stubs.h"

namespace ember {

DispatchStub<ArangeFn> arange_stub("arange");

namespace {

// Floating arange as PyTorch's AVX2 kernel computes it, in the accumulation
// type (double for float32/float64, float for float16/bfloat16): within each
// thread's chunk, whole pairs of 32-byte vectors start from a base
// start + step*i rounded to the element type and count their lanes up from
// it (base + j*step); the leftover elements take start + step*i directly.
// The products are fused as the compiler fused them: all but bfloat16's
// lanes, which round j*step first. Computing every element as
// start + step*i instead differs in over a quarter of the values.
template <typename scalar_t>
__attribute__((always_inline)) inline void arange_chunk(scalar_t* p, int64_t begin, int64_t end, double start_value,
                                                        double step_value) {
  using acc_t = std::conditional_t<is_reduced_float_v<scalar_t>, float, double>;
  constexpr int64_t kLanes = 32 / sizeof(scalar_t);
  const acc_t start = acc_t(start_value), step = acc_t(step_value);
  auto direct = [&](int64_t i) { return scalar_t(std::fma(step, acc_t(i), start)); };
  const int64_t vector_end = begin + (end - begin) / (2 * kLanes) * (2 * kLanes);
  for (int64_t v = begin; v < vector_end; v += kLanes) {
    const acc_t base = acc_t(direct(v));
    for (int64_t j = 0; j < kLanes; ++j) {
      if constexpr (std::is_same_v<scalar_t, BFloat16>) {
        const acc_t lane_offset = acc_t(j) * step;
        p[v + j] = scalar_t(base + lane_offset);
      } else {
        p[v + j] = scalar_t(std::fma(acc_t(j), step, base));
      }
    }
  }
  for (int64_t i = vector_end; i < end; ++i) p[i] = direct(i);
}

// One clone per ISA (cpu/clones.h): fma() is an instruction from x86-64-v3 on,
// a libm call below it; the bits are the same either way.
EMBER_CLONES void arange_chunk_f32(float* p, int64_t b, int64_t e, double start, double step) {
  arange_chunk(p, b, e, start, step);
}
EMBER_CLONES void arange_chunk_f64(double* p, int64_t b, int64_t e, double start, double step) {
  arange_chunk(p, b, e, start, step);
}
EMBER_CLONES void arange_chunk_f16(Half* p, int64_t b, int64_t e, double start, double step) {
  arange_chunk(p, b, e, start, step);
}
EMBER_CLONES void arange_chunk_bf16(BFloat16* p, int64_t b, int64_t e, double start, double step) {
  arange_chunk(p, b, e, start, step);
}
void cpu_arange(const Tensor& out, Scalar start, Scalar step) {
  const int64_t n = out.numel();
  const double s = start.to_double(), st = step.to_double();
  auto floating = [&](auto* p, auto chunk_fn) {
    for_each_pytorch_chunk(n, [&](int64_t, int64_t b, int64_t e) { chunk_fn(p, b, e, s, st); });
  };
  auto integral = [&](auto* p) {
    using T = std::remove_pointer_t<decltype(p)>;
    const int64_t si = start.to_int(), sti = step.to_int();
    // in uint64, wrapping: a range across all of int64 (exact in arange_size) overflows i * step
    for (int64_t i = 0; i < n; ++i) p[i] = T(int64_t(uint64_t(si) + uint64_t(i) * uint64_t(sti)));
  };
  switch (out.dtype()) {
    case ScalarType::Float32: return floating(out.data_ptr<float>(), arange_chunk_f32);
    case ScalarType::Float64: return floating(out.data_ptr<double>(), arange_chunk_f64);
    case ScalarType::Float16: return floating(out.data_ptr<Half>(), arange_chunk_f16);
    case ScalarType::BFloat16: return floating(out.data_ptr<BFloat16>(), arange_chunk_bf16);
    case ScalarType::Int32: return integral(out.data_ptr<int32_t>());
    case ScalarType::Int64: return integral(out.data_ptr<int64_t>());
    EMBER_DISPATCH_FAIL("arange", out.dtype());
  }
}

const bool registered = [] {
  arange_stub.set(DeviceType::CPU, cpu_arange);
  return true;
}();

}  // namespace

namespace {
// An integer arange's start, end and step in int64 (PyTorch's accumulation
// type for integers): a float is truncated, and one beyond int64 raises.
int64_t as_int64(Scalar v) {
  check_convertible(v, ScalarType::Int64);
  return v.to_int();
}

// The element count, as PyTorch's compute_arange_size: exact for int64 (from
// the truncated bounds), else ceil((end - start) / step) in double.
int64_t arange_size(Scalar start, Scalar end, Scalar step, ScalarType dtype) {
  if (dtype == ScalarType::Int64) {
    const __int128 s = as_int64(start), e = as_int64(end), st = as_int64(step);
    EMBER_CHECK_KIND(Value, st != 0, "step must be nonzero");  // a float step below 1 truncated to 0
    const __int128 n = st > 0 ? (e - s + st - 1) / st : (s - e - st - 1) / -st;
    EMBER_CHECK(n <= INT64_MAX, "invalid size, possible overflow?");
    return int64_t(n);
  }
  const double n = std::ceil((end.to_double() - start.to_double()) / step.to_double());
  EMBER_CHECK(n >= 0 && n < 0x1p63, "invalid size, possible overflow?");
  return int64_t(n);
}
}  // namespace

Tensor arange(Scalar start, Scalar end, Scalar step, ScalarType dtype, Device device) {
  // PyTorch's arange_check_bounds, in double whatever the dtype
  const double s = start.to_double(), e = end.to_double(), st = step.to_double();
  EMBER_CHECK(st != 0, "step must be nonzero");
  EMBER_CHECK(std::isfinite(s) && std::isfinite(e), "unsupported range: ", s, " -> ", e);
  EMBER_CHECK((st > 0 && e >= s) || (st < 0 && e <= s), "upper bound and lower bound inconsistent with step sign");
  // float16/bfloat16 off the CPU: the CPU's values, copied over.
  if (!device.is_cpu() && is_reduced_float(dtype)) return to_device(arange(start, end, step, dtype, Device{}), device, dtype);
  const int64_t n = arange_size(start, end, step, dtype);
  if (!is_floating(dtype)) {  // the kernel counts in int64 from the truncated start and step
    start = Scalar(as_int64(start));
    step = Scalar(as_int64(step));
  }
  Tensor out = empty({n}, dtype, device);
  if (n > 0) arange_stub[device](out, start, step);
  return out;
}

Tensor linspace(double start, double end, int64_t steps, ScalarType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "number of steps must be non-negative");
  check_convertible(Scalar(start), dtype);
  check_convertible(Scalar(end), dtype);
  // Other devices: the same values, computed here and copied over.
  if (!device.is_cpu()) return to_device(linspace(start, end, steps, dtype, Device{}), device, dtype);
  Tensor out = empty({steps}, dtype, device);
  // As PyTorch: the first half counts up from start, the second half down
  // from end (both endpoints exact). float32/float64 take one fused
  // multiply-add per element; float16/bfloat16 compute in the element type,
  // each operation rounded (the index, too, is converted to it first).
  const int64_t half = steps / 2;
  EMBER_DISPATCH_NUMERIC_AND_HALF(dtype, "linspace", [&] {
    scalar_t* p = out.data_ptr<scalar_t>();
    if constexpr (is_reduced_float_v<scalar_t>) {
      auto as_scalar = [](int64_t i) { return scalar_t(float(i)); };
      const scalar_t lo = scalar_t(float(start)), hi = scalar_t(float(end));
      const scalar_t step = steps > 1 ? (hi - lo) / as_scalar(steps - 1) : scalar_t(0.0f);
      for (int64_t i = 0; i < steps; ++i)
        p[i] = i < half ? lo + step * as_scalar(i) : hi - step * as_scalar(steps - i - 1);
      if (steps == 1) p[0] = lo;
    } else {
      using step_t = std::conditional_t<is_float_v<scalar_t>, scalar_t, double>;
      const step_t lo = step_t(scalar_t(start)), hi = step_t(scalar_t(end));
      const step_t step = steps > 1 ? (hi - lo) / step_t(steps - 1) : step_t(0);
      for (int64_t i = 0; i < steps; ++i)
        p[i] = scalar_t(i < half ? std::fma(step, step_t(i), lo) : std::fma(-step, step_t(steps - i - 1), hi));
      if (steps == 1) p[0] = scalar_t(lo);
    }
  });
  return out;
}

}  // namespace ember

namespace ember {

// base ** (the points of linspace(start, end, steps)) as PyTorch's CPU kernel computes them: the
// exponents in double from start and end rounded to the element type (their difference rounded too),
// the first half counting up from start and the second half down from end, each step * i rounded
// before the add; then pow in double, rounded to the element type. Integer dtypes take a float32 base.
Tensor logspace(double start, double end, int64_t steps, double base, ScalarType dtype, Device device) {
  EMBER_CHECK(steps >= 0, "number of steps must be non-negative");
  if (!device.is_cpu()) return to_device(logspace(start, end, steps, base, dtype, Device{}), device, dtype);
  Tensor out = empty({steps}, dtype, device);
  const int64_t half = steps / 2;
  EMBER_DISPATCH_NUMERIC_AND_HALF(dtype, "logspace", [&] {
    scalar_t* p = out.data_ptr<scalar_t>();
    auto store = [](double v) {
      if constexpr (is_reduced_float_v<scalar_t>) return scalar_t(float(v));
      else return scalar_t(v);
    };
    if (steps == 1) {
      p[0] = store(std::pow(base, start));
      return;
    }
    const double b = is_float_v<scalar_t> ? base : double(float(base));
    const scalar_t lo = store(start), hi = store(end);
    const double step = double(scalar_t(hi - lo)) / double(steps - 1);
    for (int64_t i = 0; i < steps; ++i) {
      const double e = i < half ? double(lo) + step * double(i) : double(hi) - step * double(steps - i - 1);
      p[i] = store(std::pow(b, e));
    }
  });
  return out;
}

}  // namespace ember
