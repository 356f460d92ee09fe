// Reductions. Every reduction is planned the same way: the reduced dims are
// moved innermost (an "inner" reduction over a contiguous M x R matrix), or,
// when memory is laid out with them outermost, reduced as R x M row additions
// (an "outer" reduction that vectorizes across the kept dims). Anything else
// is first copied into the inner layout.
#include <cmath>
#include <limits>

#include "ember/autograd/autograd.h"
#include "ember/cpu/vec_math.h"
#include "ember/cpu/cascade_sum.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

struct ReducePlan {
  std::vector<bool> reduced;  // per input dim
  DimVector out_shape;        // with keepdim
  DimVector out_shape_squeezed;
  int64_t M = 1, R = 1;       // kept / reduced element counts
};

ReducePlan plan_reduction(const Tensor& self, const Dims& dims, const char* name) {
  ReducePlan p;
  const int64_t nd = self.dim();
  p.reduced.assign(std::max<int64_t>(nd, 1), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, nd);
    EMBER_CHECK(!p.reduced[w] || dims.empty(), "dim ", w, " appears multiple times in the list of dims");
    p.reduced[w] = true;
  }
  for (int64_t d = 0; d < nd; ++d) {
    if (p.reduced[d]) {
      p.out_shape.push_back(1);
      p.R *= self.sizes()[d];
    } else {
      p.out_shape.push_back(self.sizes()[d]);
      p.out_shape_squeezed.push_back(self.sizes()[d]);
      p.M *= self.sizes()[d];
    }
  }
  (void)name;
  return p;
}

enum class Layout { Inner, Outer };

// Returns the input arranged for the kernel: (M, R) contiguous (Inner) or
// (R, M) contiguous (Outer).
std::pair<Tensor, Layout> arrange(const Tensor& self, const ReducePlan& p) {
  Dims kept_first, reduced_first;
  for (int64_t d = 0; d < self.dim(); ++d) (p.reduced[d] ? reduced_first : kept_first).push_back(d);
  Dims inner_perm = kept_first;
  inner_perm.insert(inner_perm.end(), reduced_first.begin(), reduced_first.end());
  Tensor x = permute(self, inner_perm);
  if (x.is_contiguous()) return {x, Layout::Inner};
  Dims outer_perm = reduced_first;
  outer_perm.insert(outer_perm.end(), kept_first.begin(), kept_first.end());
  Tensor y = permute(self, outer_perm);
  if (y.is_contiguous() && p.M > 1) return {y, Layout::Outer};
  return {contiguous(x), Layout::Inner};
}

// ---- kernels over contiguous (M, R) / (R, M) data ------------------------------------------

// Integer sums: exact in any order, so 16 independent accumulators (vectorizes).
template <typename T>
T integer_run(const T* x, int64_t n) {
  T lanes[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int j = 0; j < 16; ++j) lanes[j] += x[i + j];
  T total = 0;
  for (; i < n; ++i) total += x[i];
  for (int j = 0; j < 16; ++j) total += lanes[j];
  return total;
}

template <typename T>
void integer_sum(const T* px, Layout layout, int64_t M, int64_t R, T* out) {
  if (layout == Layout::Inner) {
    parallel_for(0, M, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(R, 1)), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) out[m] = integer_run(px + m * R, R);
    });
    return;
  }
  parallel_for(0, M, std::max<int64_t>(256, kGrainSize / std::max<int64_t>(R, 1)), [&](int64_t m0, int64_t m1) {
    for (int64_t j = m0; j < m1; ++j) out[j] = 0;
    for (int64_t r = 0; r < R; ++r)
      for (int64_t j = m0; j < m1; ++j) out[j] += px[r * M + j];
  });
}

// float32/float64: PyTorch's additions in PyTorch's order (cascade_sum.h), with
// the work split as its parallel_reduce splits it: below 32768 input elements
// or on one thread, one pass; a whole-tensor sum above that is one partial sum
// per thread chunk (at::parallel_for's chunks), the partials then summed as a
// run of get_num_threads() values; otherwise the kept dim is cut into one
// chunk per thread, column chunks rounded down to 128 bytes.
float run_sum(const float* x, int64_t n) { return vec::sum_f32(x, n); }
double run_sum(const double* x, int64_t n) { return vec::sum_f64(x, n); }
void column_sums(const float* x, int64_t R, int64_t cols, int64_t ld, float* out) {
  vec::column_sums_f32(x, R, cols, ld, out);
}
void column_sums(const double* x, int64_t R, int64_t cols, int64_t ld, double* out) {
  vec::column_sums_f64(x, R, cols, ld, out);
}

template <typename T>
void float_sum(const T* px, Layout layout, int64_t M, int64_t R, T* out) {
  const int64_t threads = get_num_threads();
  const bool one_pass = M * R < kGrainSize || threads == 1;
  if (layout == Layout::Inner && M == 1) {
    if (one_pass) {  // at R == kGrainSize PyTorch still takes the partials path, with one chunk
      out[0] = run_sum(px, R);
      return;
    }
    std::vector<T> partial(size_t(threads), T(0));  // a slot per thread, idle ones 0
    for_each_pytorch_chunk(R, pytorch_chunks(R, threads),
                           [&](int64_t c, int64_t b, int64_t e) { partial[size_t(c)] = run_sum(px + b, e - b); });
    out[0] = run_sum(partial.data(), threads);
    return;
  }
  if (layout == Layout::Inner) {  // rows are independent: any split gives the same bits
    parallel_for(0, M, std::max<int64_t>(1, kGrainSize / R), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) out[m] = run_sum(px + m * R, R);
    });
    return;
  }
  if (one_pass) {
    column_sums(px, R, M, M, out);
    return;
  }
  const int64_t chunks = std::min(threads, M), chunk = (M + chunks - 1) / chunks;
  const int64_t per_128_bytes = 128 / int64_t(sizeof(T));
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t b = 0; b < M; b += chunk) {
    const int64_t e = std::min(M, b + chunk);
    const int64_t lo = b - b % per_128_bytes, hi = e == M ? e : e - e % per_128_bytes;
    if (lo < hi) ranges.emplace_back(lo, hi);
  }
  parallel_for(0, int64_t(ranges.size()), 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const auto [lo, hi] = ranges[size_t(c)];
      column_sums(px + lo, R, hi - lo, M, out + lo);
    }
  });
}

void cpu_sum(const Tensor& x, bool outer, int64_t M, int64_t R, const Tensor& out) {
  EMBER_DISPATCH_NUMERIC(x.dtype(), "sum", [&] {
    const scalar_t* px = static_cast<const scalar_t*>(x.raw_data());
    const Layout layout = outer ? Layout::Outer : Layout::Inner;
    if constexpr (std::is_floating_point_v<scalar_t>) float_sum(px, layout, M, R, out.data_ptr<scalar_t>());
    else integer_sum(px, layout, M, R, out.data_ptr<scalar_t>());
  });
}

}  // namespace
DispatchStub<SumFn> sum_stub("sum");
namespace {
const bool registered = (sum_stub.set(DeviceType::CPU, cpu_sum), true);

// Generic fold (prod, max, min) over either layout.
template <typename T, typename F>
void fold_kernel(const Tensor& x, Layout layout, int64_t M, int64_t R, T init, T* out, F f) {
  const T* px = static_cast<const T*>(x.raw_data());
  if (layout == Layout::Inner) {
    parallel_for(0, M, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(R, 1)), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        T acc = init;
        const T* row = px + m * R;
        for (int64_t r = 0; r < R; ++r) acc = f(acc, row[r]);
        out[m] = acc;
      }
    });
  } else {
    parallel_for(0, M, std::max<int64_t>(256, kGrainSize / std::max<int64_t>(R, 1)), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) out[m] = init;
      for (int64_t r = 0; r < R; ++r) {
        const T* row = px + r * M;
        for (int64_t m = m0; m < m1; ++m) out[m] = f(out[m], row[m]);
      }
    });
  }
}

// Index of the max (or min) of each run; NaN wins, first occurrence wins ties.
template <typename T>
void arg_kernel(const Tensor& x, Layout layout, int64_t M, int64_t R, bool is_max, T* values, int64_t* idx) {
  const T* px = static_cast<const T*>(x.raw_data());
  auto better = [is_max](T cand, T best) {
    if constexpr (is_float_v<T>) {
      if (best != best) return false;
      if (cand != cand) return true;
    }
    return is_max ? cand > best : cand < best;
  };
  const int64_t step = layout == Layout::Inner ? 1 : M;
  parallel_for(0, M, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(R, 1)), [&](int64_t m0, int64_t m1) {
    for (int64_t m = m0; m < m1; ++m) {
      const T* run = layout == Layout::Inner ? px + m * R : px + m;
      T best = run[0];
      int64_t bi = 0;
      for (int64_t r = 1; r < R; ++r)
        if (better(run[r * step], best)) { best = run[r * step]; bi = r; }
      if (values) values[m] = best;
      idx[m] = bi;
    }
  });
}

void cpu_extreme(const Tensor& x, bool outer, int64_t M, int64_t R, bool is_max, const Tensor& values,
                 const Tensor& idx) {
  const Layout layout = outer ? Layout::Outer : Layout::Inner;
  EMBER_DISPATCH_ALL(x.dtype(), is_max ? "max" : "min", [&] {
    using T = scalar_t;
    if (idx.defined()) {
      arg_kernel<T>(x, layout, M, R, is_max, values.defined() ? values.data_ptr<T>() : nullptr,
                    idx.data_ptr<int64_t>());
      return;
    }
    auto f = [is_max](T a, T b) {
      if constexpr (is_float_v<T>) {
        if (a != a) return a;
        if (b != b) return b;
      }
      return is_max ? (b > a ? b : a) : (b < a ? b : a);
    };
    T init;
    if constexpr (std::is_same_v<T, bool>) init = !is_max;
    else init = is_max ? std::numeric_limits<T>::lowest() : std::numeric_limits<T>::max();
    if constexpr (is_float_v<T>) init = is_max ? -INFINITY : INFINITY;
    fold_kernel<T>(x, layout, M, R, init, values.data_ptr<T>(), f);
  });
}

void cpu_prod(const Tensor& x, bool outer, int64_t M, int64_t R, const Tensor& out) {
  EMBER_DISPATCH_NUMERIC(x.dtype(), "prod", [&] {
    fold_kernel<scalar_t>(x, outer ? Layout::Outer : Layout::Inner, M, R, scalar_t(1), out.data_ptr<scalar_t>(),
                          [](scalar_t a, scalar_t b) { return scalar_t(a * b); });
  });
}

// Prefix sums along n of p seen as (outer, n, inner), in place, the running sums kept in Acc and
// each prefix rounded to T: each column's additions in order, inner columns side by side (they
// vectorize).
template <typename T, typename Acc>
void scan_in_place(T* p, int64_t outer, int64_t n, int64_t inner) {
  parallel_for(0, outer, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n * inner, 1)), [&](int64_t o0, int64_t o1) {
    if (inner == 1) {  // one column per row: running sums in registers, four rows interleaved to hide latency
      int64_t o = o0;
      for (; o + 4 <= o1; o += 4) {
        T *r0 = p + o * n, *r1 = r0 + n, *r2 = r1 + n, *r3 = r2 + n;
        Acc s0 = Acc(0), s1 = Acc(0), s2 = Acc(0), s3 = Acc(0);
        for (int64_t i = 0; i < n; ++i) {
          r0[i] = T(s0 += Acc(r0[i]));
          r1[i] = T(s1 += Acc(r1[i]));
          r2[i] = T(s2 += Acc(r2[i]));
          r3[i] = T(s3 += Acc(r3[i]));
        }
      }
      for (; o < o1; ++o) {
        Acc running = Acc(0);
        for (T *v = p + o * n, *end = v + n; v != end; ++v) *v = T(running += Acc(*v));
      }
      return;
    }
    std::vector<Acc> running(static_cast<size_t>(inner));
    for (int64_t o = o0; o < o1; ++o) {
      std::fill(running.begin(), running.end(), Acc(0));
      for (int64_t i = 0; i < n; ++i) {
        T* row = p + (o * n + i) * inner;
        for (int64_t k = 0; k < inner; ++k) row[k] = T(running[size_t(k)] += Acc(row[k]));
      }
    }
  });
}

// PyTorch's CPU cumsum keeps the running sum in its accumulation type: double for float32.
void cpu_cumsum(const Tensor& x, int64_t outer, int64_t n, int64_t inner) {
  EMBER_DISPATCH_NUMERIC(x.dtype(), "cumsum", [&] {
    using acc_t = std::conditional_t<std::is_same_v<scalar_t, float>, double, scalar_t>;
    scan_in_place<scalar_t, acc_t>(x.data_ptr<scalar_t>(), outer, n, inner);
  });
}

}  // namespace
DispatchStub<ExtremeFn> extreme_stub("max/min");
DispatchStub<SumFn> prod_stub("prod");
DispatchStub<CumsumFn> cumsum_stub("cumsum");
namespace {
const bool extreme_registered = [] {
  extreme_stub.set(DeviceType::CPU, cpu_extreme);
  prod_stub.set(DeviceType::CPU, cpu_prod);
  cumsum_stub.set(DeviceType::CPU, cpu_cumsum);
  return true;
}();

Tensor finish_shape(Tensor out, const ReducePlan& p, bool keepdim) {
  return make_view(out, keepdim ? p.out_shape : p.out_shape_squeezed,
                   contiguous_strides(keepdim ? p.out_shape : p.out_shape_squeezed), 0);
}

ScalarType sum_dtype(ScalarType in, std::optional<ScalarType> dtype) {
  if (dtype) return *dtype;
  return is_floating(in) ? in : ScalarType::Int64;
}

void check_nonempty(const Tensor& self, const ReducePlan& p, const Dims& dims, const char* name,
                    ErrorKind kind = ErrorKind::Runtime) {
  if (self.numel() != 0 && p.R != 0) return;
  if (dims.empty() && self.numel() == 0)
    throw_error(kind, str(name, "(): Expected reduction dim to be specified for input.numel() "
                          "== 0. Specify the reduction dim with the 'dim' argument."));
  if (dims.empty())
    EMBER_CHECK_KIND(Runtime, self.numel() != 0, name, "(): Expected reduction dim to be specified for input.numel() "
                     "== 0. Specify the reduction dim with the 'dim' argument.");
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, self.dim());
    EMBER_CHECK_INDEX(self.dim() == 0 || self.sizes()[w] != 0, name, "(): Expected reduction dim ", w,
                      " to have non-zero size.");
  }
}

}  // namespace

namespace {
Tensor sum_impl(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ReducePlan p = plan_reduction(self, dims, "sum");
  ScalarType ot = sum_dtype(self.dtype(), dtype);
  if (is_reduced_float(ot))  // accumulated in float32, rounded once
    return to_dtype(sum_impl(self, dims, keepdim, ScalarType::Float32), ot);
  // Summed in the output dtype: bool and int32 inputs as int64 (an int32 sum would wrap).
  Tensor src = self.dtype() != ot ? to_dtype(self, ot) : self;
  Tensor out = empty({p.M}, ot, self.device());
  if (p.R == 0 || p.M == 0) {
    zero_(out);
  } else {
    auto [x, layout] = arrange(src, p);
    sum_stub[self.device()](x, layout == Layout::Outer, p.M, p.R, out);
  }
  return finish_shape(out, p, keepdim);
}

Tensor mean_impl(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType t = dtype.value_or(self.dtype());
  EMBER_CHECK(is_floating(t), "mean(): could not infer output dtype. ", dtype ? "Optional" : "Input",
              " dtype must be either a floating point or complex dtype. Got: ", dtype_short_name(t));
  if (is_reduced_float(t))  // the sum and the division in float32, rounded once (PyTorch's CPU mean)
    return to_dtype(mean_impl(self, dims, keepdim, ScalarType::Float32), t);
  ReducePlan p = plan_reduction(self, dims, "mean");
  Tensor s = sum_impl(self, dims, keepdim, t);
  binary_(BinaryOp::Div, s, Operand(Scalar(double(p.R))));
  return s;
}

Tensor prod_impl(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  ReducePlan p = plan_reduction(self, dims, "prod");
  ScalarType ot = sum_dtype(self.dtype(), dtype);
  if (is_reduced_float(ot)) return to_dtype(prod_impl(self, dims, keepdim, ScalarType::Float32), ot);
  Tensor src = to_dtype(self, ot);
  Tensor out = empty({p.M}, ot, self.device());
  if (p.R == 0 || p.M == 0) {
    fill_(out, Scalar(int64_t(1)));
  } else {
    auto [x, layout] = arrange(src, p);
    prod_stub[self.device()](x, layout == Layout::Outer, p.M, p.R, out);
  }
  return finish_shape(out, p, keepdim);
}

Tensor extreme(const Tensor& self, const Dims& dims, bool keepdim, bool is_max) {
  if (is_reduced_float(self.dtype()))
    return on_float32(self, [&](const Tensor& x) { return extreme(x, dims, keepdim, is_max); });
  const char* name = is_max ? "amax" : "amin";
  ReducePlan p = plan_reduction(self, dims, name);
  check_nonempty(self, p, dims, name);
  Tensor out = empty({p.M}, self.dtype(), self.device());
  if (p.M > 0) {
    auto [x, layout] = arrange(self, p);
    extreme_stub[self.device()](x, layout == Layout::Outer, p.M, p.R, is_max, out, Tensor());
  }
  return finish_shape(out, p, keepdim);
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& self, std::optional<int64_t> dim, bool keepdim, bool is_max,
                                      bool want_values, const char* name) {
  if (is_reduced_float(self.dtype())) {  // the float32 maxima are the values; their indices are the same
    auto [v, i] = extreme_dim(to_dtype(self, ScalarType::Float32), dim, keepdim, is_max, want_values, name);
    return {want_values ? to_dtype(v, self.dtype()) : v, i};
  }
  Dims dims;
  if (dim) dims.push_back(*dim);
  ReducePlan p = plan_reduction(self, dims, name);
  check_nonempty(self, p, dims, name, ErrorKind::Index);
  Tensor idx = empty({p.M}, ScalarType::Int64, self.device());
  Tensor values = want_values ? empty({p.M}, self.dtype(), self.device()) : Tensor();
  if (p.M > 0) {
    auto [x, layout] = arrange(self, p);
    extreme_stub[self.device()](x, layout == Layout::Outer, p.M, p.R, is_max, values, idx);
  }
  bool kd = keepdim && dim.has_value();
  return {want_values ? finish_shape(values, p, kd) : Tensor(), finish_shape(idx, p, kd)};
}

// ---- autograd --------------------------------------------------------------------------
// A reduction's gradient, reshaped to the keepdim shape and expanded to the input's.
Tensor expand_back(const Tensor& g, const ReducePlan& p, const DimVector& in_shape) {
  return expand(reshape(g, p.out_shape.vec()), in_shape.vec());
}

template <typename Impl, typename Grad>
Tensor reduce_with_grad(const char* name, const Tensor& self, const Dims& dims, bool keepdim, Impl impl, Grad grad,
                        bool saves = true) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = impl();
  }
  if (grad_enabled() && requires_grad(self) && is_floating(out.dtype())) {
    ReducePlan p = plan_reduction(self, dims, name);
    DimVector in = self.sizes();
    // Reductions whose backward needs only shapes (sum, mean) save nothing, so
    // their graph can be run again, as in PyTorch.
    record(name, {&self}, out, [p, in, grad, X = SavedTensor(saves ? self : Tensor(), false),
                                Y = SavedTensor(saves ? out : Tensor(), true)](
        Node* n, const std::vector<Tensor>& g) { return std::vector<Tensor>{grad(g[0], X, Y, n, p, in)}; }, saves);
  }
  return out;
}

}  // namespace

Tensor sum(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !dtype)  // autocast: float32 on CUDA (unless a dtype is given)
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) { return sum(x, dims, keepdim); }, self);
  return reduce_with_grad(dims.empty() ? "SumBackward0" : "SumBackward1", self, dims, keepdim,
                          [&] { return sum_impl(self, dims, keepdim, dtype); },
                          [](const Tensor& g, const SavedTensor&, const SavedTensor&, Node*, const ReducePlan& p,
                             const DimVector& in) { return expand_back(g, p, in); }, false);
}

Tensor mean(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  return reduce_with_grad(dims.empty() ? "MeanBackward0" : "MeanBackward1", self, dims, keepdim,
                          [&] { return mean_impl(self, dims, keepdim, dtype); },
                          [](const Tensor& g, const SavedTensor&, const SavedTensor&, Node*, const ReducePlan& p,
                             const DimVector& in) { return div(expand_back(g, p, in), Scalar(double(p.R))); }, false);
}

Tensor prod(const Tensor& self, const Dims& dims, bool keepdim, std::optional<ScalarType> dtype) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !dtype)  // autocast: float32 on every device
    return autocast::run_float32(std::nullopt, [&](const Tensor& x) { return prod(x, dims, keepdim); }, self);
  return reduce_with_grad(dims.empty() ? "ProdBackward0" : "ProdBackward1", self, dims, keepdim,
                          [&] { return prod_impl(self, dims, keepdim, dtype); },
                          [dims](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n,
                                 const ReducePlan& p, const DimVector& in) {
                            // d prod / d x_i = product of the others; careful with zeros.
                            Tensor x = X.unpack(n), out = expand_back(Y.unpack(n), p, in);
                            Operand zero(Scalar(0.0)), one(Scalar(1.0));
                            Tensor is_zero = binary(BinaryOp::Eq, x, zero);
                            Tensor zeros_in_slice = expand_back(sum(to_dtype(is_zero, x.dtype()), dims, true), p, in);
                            Tensor prod_nonzero = expand_back(prod(where(is_zero, one, x), dims, true), p, in);
                            Tensor at_zero = where(binary(BinaryOp::Eq, zeros_in_slice, one), prod_nonzero, zero);
                            Tensor safe_x = where(is_zero, one, x);
                            Tensor others = where(is_zero, at_zero, div(out, safe_x));
                            return mul(expand_back(g, p, in), others);
                          });
}

namespace {
// max/min over dims: the gradient is shared evenly by the elements equal to the result.
Tensor extreme_grad(const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n, const ReducePlan& p,
                    const DimVector& in, const Dims& dims) {
  Tensor x = X.unpack(n);
  Tensor hit = to_dtype(binary(BinaryOp::Eq, x, expand_back(Y.unpack(n), p, in)), x.dtype());
  Tensor count = expand_back(sum(hit, dims, true), p, in);
  return div(mul(expand_back(g, p, in), hit), count);
}
}  // namespace

Tensor amax(const Tensor& self, const Dims& dims, bool keepdim) {
  return reduce_with_grad("AmaxBackward0", self, dims, keepdim, [&] { return extreme(self, dims, keepdim, true); },
                          [dims](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n,
                                 const ReducePlan& p, const DimVector& in) { return extreme_grad(g, X, Y, n, p, in, dims); });
}
Tensor amin(const Tensor& self, const Dims& dims, bool keepdim) {
  return reduce_with_grad("AminBackward0", self, dims, keepdim, [&] { return extreme(self, dims, keepdim, false); },
                          [dims](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n,
                                 const ReducePlan& p, const DimVector& in) { return extreme_grad(g, X, Y, n, p, in, dims); });
}

namespace {
std::pair<Tensor, Tensor> extreme_dim_with_grad(const Tensor& self, int64_t dim, bool keepdim, bool is_max) {
  std::pair<Tensor, Tensor> r;
  {
    GradModeGuard no_grad(false);
    r = extreme_dim(self, dim, keepdim, is_max, true, is_max ? "max" : "min");
  }
  if (grad_enabled() && requires_grad(self)) {
    DimVector in = self.sizes();
    int64_t d = wrap_dim(dim, self.dim());
    record(is_max ? "MaxBackward0" : "MinBackward0", {&self}, r.first,
           [in, d, keepdim, I = SavedTensor(r.second, false)](Node* n, const std::vector<Tensor>& g) {
             Tensor idx = I.unpack(n), gv = g[0];
             if (!keepdim && !in.empty()) {
               idx = unsqueeze(idx, d);
               gv = unsqueeze(gv, d);
             }
             Tensor z = zeros(in, gv.dtype(), gv.device());
             if (in.empty()) return std::vector<Tensor>{gv};
             return std::vector<Tensor>{scatter(z, d, idx, Operand(gv))};
           });
  }
  return r;
}
}  // namespace

std::pair<Tensor, Tensor> max_dim(const Tensor& self, int64_t dim, bool keepdim) {
  return extreme_dim_with_grad(self, dim, keepdim, true);
}
std::pair<Tensor, Tensor> min_dim(const Tensor& self, int64_t dim, bool keepdim) {
  return extreme_dim_with_grad(self, dim, keepdim, false);
}
Tensor argmax(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  EMBER_CHECK(self.dtype() != ScalarType::Bool, "argmax(): does not support bool input");
  GradModeGuard no_grad(false);
  return extreme_dim(self, dim, keepdim, true, false, "argmax").second;
}
Tensor argmin(const Tensor& self, std::optional<int64_t> dim, bool keepdim) {
  EMBER_CHECK(self.dtype() != ScalarType::Bool, "argmin(): does not support bool input");
  GradModeGuard no_grad(false);
  return extreme_dim(self, dim, keepdim, false, false, "argmin").second;
}

Tensor all(const Tensor& self, const Dims& dims, bool keepdim) {
  Tensor b = to_dtype(self, ScalarType::Bool);
  if (b.numel() == 0 || plan_reduction(b, dims, "all").R == 0) {
    ReducePlan p = plan_reduction(b, dims, "all");
    return full(keepdim ? p.out_shape : p.out_shape_squeezed, Scalar(true), ScalarType::Bool, self.device());
  }
  return amin(b, dims, keepdim);
}

Tensor any(const Tensor& self, const Dims& dims, bool keepdim) {
  Tensor b = to_dtype(self, ScalarType::Bool);
  if (b.numel() == 0 || plan_reduction(b, dims, "any").R == 0) {
    ReducePlan p = plan_reduction(b, dims, "any");
    return full(keepdim ? p.out_shape : p.out_shape_squeezed, Scalar(false), ScalarType::Bool, self.device());
  }
  return amax(b, dims, keepdim);
}

namespace {
// PyTorch's CPU var/std for float32/float64, step for step. One output: the
// float mean, then the squared deviations summed in double (per thread chunk,
// chunks added in order). Several outputs: Welford's update in double along
// each output's elements. The square root (std) is taken in double.
struct Welford {
  double mean = 0, m2 = 0, nf = 0;
  void add(double v) {
    nf += 1;
    const double delta = v - mean;
    mean += delta / nf;
    m2 += delta * (v - mean);
  }
};

// Each output's Welford pass is serial in PyTorch, however many threads run:
// with several outputs its threads split the outputs, not a row.
template <typename At>
Welford welford_run(const At& at, int64_t n) {  // at(i): the i-th element of the run
  Welford total;
  for (int64_t i = 0; i < n; ++i) total.add(double(at(i)));
  return total;
}

double var_result(double m2, double count, double correction, bool take_sqrt) {
  const double divisor = count > correction ? count - correction : 0;
  const double var = m2 / divisor;
  return take_sqrt ? std::sqrt(var) : var;
}

Tensor var_value(const Tensor& self, const Dims& dims, double correction, bool keepdim, bool take_sqrt = false) {
  EMBER_CHECK(is_floating(self.dtype()), "std and var only support floating point and complex dtypes");
  if (is_reduced_float(self.dtype()))
    return on_float32(self, [&](const Tensor& x) { return var_value(x, dims, correction, keepdim, take_sqrt); });
  ReducePlan p = plan_reduction(self, dims, "var");
  if (p.M > 0 && p.R > 0 && double(p.R) - correction <= 0)
    warn(str(take_sqrt ? "std" : "var", "(): degrees of freedom is <= 0. Correction should be strictly less than ",
             "the reduction factor (input numel divided by output numel)."));
  if (!self.device().is_cpu() || p.M == 0 || p.R == 0) {  // composite (other devices, empty inputs)
    Tensor mu = mean(self, dims, true);
    Tensor d = binary(BinaryOp::Sub, self, mu);
    Tensor ss = sum(binary(BinaryOp::Mul, d, d), dims, keepdim);
    Tensor v = binary(BinaryOp::Div, ss, Scalar(std::max(0.0, double(p.R) - correction)));
    return take_sqrt ? unary(UnaryOp::Sqrt, v) : v;
  }
  Tensor out = empty({p.M}, self.dtype(), self.device());
  EMBER_DISPATCH_FLOATING(self.dtype(), "std_cpu", [&] {
    using T = scalar_t;
    T* po = out.data_ptr<T>();
    if (p.M == 1) {  // PyTorch's std_var_all_cpu
      const Tensor x = contiguous(self);
      const T* px = x.data_ptr<T>();
      const double mu = double(*mean(x).data_ptr<T>());  // the float mean, widened
      const int64_t n = x.numel();
      const PytorchChunks chunks = pytorch_chunks(n);
      std::vector<double> partial(size_t(chunks.count));
      for_each_pytorch_chunk(n, chunks, [&](int64_t c, int64_t b, int64_t e) {
        double local = 0;
        for (int64_t i = b; i < e; ++i) {
          const double d = double(px[i]) - mu;
          local += d * d;
        }
        partial[size_t(c)] = local;
      });
      double total = 0;
      for (double v : partial) total += v;  // the chunks' sums added in order
      po[0] = T(var_result(total, double(n), correction, take_sqrt));
      return;
    }
    auto [x, layout] = arrange(self, p);
    const T* px = x.data_ptr<T>();
    const int64_t M = p.M, R = p.R;
    parallel_for(0, M, std::max<int64_t>(1, kGrainSize / R), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        const Welford w = layout == Layout::Inner ? welford_run([&](int64_t i) { return px[m * R + i]; }, R)
                                                  : welford_run([&](int64_t i) { return px[i * M + m]; }, R);
        po[m] = T(var_result(w.m2, w.nf, correction, take_sqrt));
      }
    });
  });
  return finish_shape(out, p, keepdim);
}
}  // namespace

Tensor var(const Tensor& self, const Dims& dims, double correction, bool keepdim) {
  return reduce_with_grad("VarBackward0", self, dims, keepdim,
                          [&] { return var_value(self, dims, correction, keepdim); },
                          [dims, correction](const Tensor& g, const SavedTensor& X, const SavedTensor&, Node* n,
                                             const ReducePlan& p, const DimVector& in) {
                            // d var / dx = 2 (x - mean) / (N - correction)
                            Tensor x = X.unpack(n);
                            Tensor centered = sub(x, mean(x, dims, true));
                            return mul(mul(expand_back(g, p, in), centered), Scalar(2.0 / (double(p.R) - correction)));
                          });
}

Tensor std_(const Tensor& self, const Dims& dims, double correction, bool keepdim) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = var_value(self, dims, correction, keepdim, /*take_sqrt=*/true);
  }
  if (grad_enabled() && requires_grad(self)) {
    // d std / dx = (x - mean) / ((N - correction) std), and 0 where std is 0 (as PyTorch).
    ReducePlan plan = plan_reduction(self, dims, "std");
    DimVector in = self.sizes();
    record("StdBackward0", {&self}, out,
           [plan, in, dims, correction, X = SavedTensor(self, false), Y = SavedTensor(out, true)](
               Node* n, const std::vector<Tensor>& g) {
             Tensor x = X.unpack(n), sd = expand_back(Y.unpack(n), plan, in);
             Tensor centered = sub(x, mean(x, dims, true));
             Tensor scale = div(expand_back(g[0], plan, in), mul(sd, Scalar(double(plan.R) - correction)));
             Tensor zero_sd = binary(BinaryOp::Eq, sd, Scalar(0.0));
             return std::vector<Tensor>{where(zero_sd, Operand(Scalar(0.0)), Operand(mul(centered, scale)))};
           });
  }
  return out;
}

namespace {
// PyTorch's own 2-norm kernel runs when the reduced dims are the trailing
// dims of a contiguous float32/float64 CPU tensor (they coalesce into one
// last dim); it is reproduced here (cascade::norm2). Undefined otherwise.
Tensor norm2_over_last_dims(const Tensor& self, const Dims& dims, bool keepdim) {
  if (!self.device().is_cpu() || !self.is_contiguous() || self.numel() == 0 ||
      (self.dtype() != ScalarType::Float32 && self.dtype() != ScalarType::Float64))
    return Tensor();
  ReducePlan p = plan_reduction(self, dims, "norm");
  bool reducing = false;  // reduced dims must all come after the kept ones (size-1 dims either way)
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (self.sizes()[d] == 1) continue;
    if (p.reduced[d]) reducing = true;
    else if (reducing) return Tensor();
  }
  Tensor out = empty({p.M}, self.dtype(), self.device());
  EMBER_DISPATCH_FLOATING(self.dtype(), "norm", [&] {
    const scalar_t* x = self.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    parallel_for(0, p.M, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(p.R, 1)), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) o[m] = cascade::norm2(x + m * p.R, p.R);
    });
  });
  return finish_shape(out, p, keepdim);
}

Tensor norm_value(const Tensor& self, double p, const Dims& dims, bool keepdim) {
  if (is_reduced_float(self.dtype()))
    return on_float32(self, [&](const Tensor& x) { return norm_value(x, p, dims, keepdim); });
  if (p == 2) {
    if (Tensor out = norm2_over_last_dims(self, dims, keepdim); out.defined()) return out;
    return unary(UnaryOp::Sqrt, sum(binary(BinaryOp::Mul, self, self), dims, keepdim));
  }
  Tensor a = unary(UnaryOp::Abs, self);
  if (p == 1) return sum(a, dims, keepdim);
  if (std::isinf(p)) return p > 0 ? amax(a, dims, keepdim) : amin(a, dims, keepdim);
  if (p == 0) return sum(to_dtype(binary(BinaryOp::Ne, self, Scalar(0.0)), self.dtype()), dims, keepdim);
  return binary(BinaryOp::Pow, sum(binary(BinaryOp::Pow, a, Scalar(p)), dims, keepdim), Scalar(1.0 / p));
}
}  // namespace

Tensor norm(const Tensor& self, double p, const Dims& dims, bool keepdim) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: float32 on CUDA
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) { return norm(x, p, dims, keepdim); }, self);
  EMBER_CHECK(is_floating(self.dtype()), "linalg.vector_norm: Expected a floating point or complex tensor as "
              "input. Got ", dtype_short_name(self.dtype()));
  return reduce_with_grad("LinalgVectorNormBackward0", self, dims, keepdim,
                          [&] { return norm_value(self, p, dims, keepdim); },
                          [p, dims](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n,
                                    const ReducePlan& plan, const DimVector& in) {
                            Tensor x = X.unpack(n), nrm = expand_back(Y.unpack(n), plan, in);
                            Tensor ge = expand_back(g, plan, in);
                            Operand zero(Scalar(0.0));
                            if (p == 0) return mul(ge, zero);
                            if (p == 1) return mul(ge, unary(UnaryOp::Sign, x));
                            Tensor zero_norm = binary(BinaryOp::Eq, nrm, zero);
                            if (std::isinf(p)) {  // shared evenly by the elements reaching the norm
                              Tensor hit = to_dtype(binary(BinaryOp::Eq, unary(UnaryOp::Abs, x), nrm), x.dtype());
                              Tensor count = expand_back(sum(hit, dims, true), plan, in);
                              return mul(div(mul(ge, hit), count), unary(UnaryOp::Sign, x));
                            }
                            // x |x|^(p-2) / ||x||^(p-1); 0 where the norm is 0
                            Tensor num = mul(x, pow(unary(UnaryOp::Abs, x), Scalar(p - 2.0)));
                            Tensor r = div(mul(ge, num), pow(nrm, Scalar(p - 1.0)));
                            return where(zero_norm, zero, r);
                          });
}

namespace {
Tensor logsumexp_value(const Tensor& self, const Dims& dims, bool keepdim) {
  if (is_reduced_float(self.dtype()))
    return on_float32(self, [&](const Tensor& x) { return logsumexp_value(x, dims, keepdim); });
  Tensor x = is_floating(self.dtype()) ? self : to_dtype(self, default_dtype());
  if (x.numel() == 0) return unary(UnaryOp::Log, sum(unary(UnaryOp::Exp, x), dims, keepdim));
  Tensor m = amax(x, dims, true);
  // An infinite max would give inf - inf = nan; shift by 0 there instead.
  Tensor finite = binary(BinaryOp::Eq, unary(UnaryOp::Abs, m), Scalar(INFINITY));
  m = where(finite, Scalar(0.0), m);
  Tensor s = sum(unary(UnaryOp::Exp, binary(BinaryOp::Sub, x, m)), dims, keepdim);
  Tensor mm = keepdim ? m : squeeze(m, dims.empty() ? std::nullopt : std::optional<Dims>(dims));
  if (dims.empty() && !keepdim) mm = reshape(m, {});
  return binary(BinaryOp::Add, unary(UnaryOp::Log, s), mm);
}
}  // namespace

Tensor logsumexp(const Tensor& self, const Dims& dims, bool keepdim) {
  if (__builtin_expect(autocast::any_enabled(), 0))
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) { return logsumexp(x, dims, keepdim); }, self);
  return reduce_with_grad("LogsumexpBackward0", self, dims, keepdim, [&] { return logsumexp_value(self, dims, keepdim); },
                          [](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n, const ReducePlan& p,
                             const DimVector& in) {  // softmax(x) * g
                            return mul(expand_back(g, p, in), exp(sub(X.unpack(n), expand_back(Y.unpack(n), p, in))));
                          });
}

Tensor max_all(const Tensor& self, bool is_max) {
  return reduce_with_grad(is_max ? "MaxBackward1" : "MinBackward1", self, {}, false,
                          [&] { return extreme(self, {}, false, is_max); },
                          [](const Tensor& g, const SavedTensor& X, const SavedTensor& Y, Node* n, const ReducePlan& p,
                             const DimVector& in) { return extreme_grad(g, X, Y, n, p, in, {}); });
}

namespace {
Tensor cumsum_impl(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  ScalarType ot = sum_dtype(self.dtype(), dtype);
  if (self.dim() == 0) return to_dtype(self, ot, true);
  // Scanned in place in a contiguous copy, seen as (outer, n, inner) around `dim`. float16/bfloat16
  // scan their float32 values, rounded at the end: PyTorch's CPU kernel keeps their running sum in float.
  // A wider input is rounded to the requested half type first, as PyTorch's dtype= does.
  const bool reduced = is_reduced_float(ot);
  Tensor x = reduced ? to_dtype(to_dtype(self, ot), ScalarType::Float32, true) : to_dtype(self, ot, true);
  if (!x.is_contiguous()) x = contiguous(x);
  const int64_t n = self.sizes()[dim];
  int64_t inner = 1;
  for (int64_t d = dim + 1; d < self.dim(); ++d) inner *= self.sizes()[d];
  if (x.numel() > 0 && n > 1) {
    const int64_t outer = x.numel() / (n * inner);
    if (reduced && x.device().is_cpu()) scan_in_place<float, float>(x.data_ptr<float>(), outer, n, inner);
    else cumsum_stub[self.device()](x, outer, n, inner);
  }
  return reduced ? to_dtype(x, ot) : x;
}
}  // namespace

Tensor cumsum(const Tensor& self, int64_t dim, std::optional<ScalarType> dtype) {
  if (__builtin_expect(autocast::any_enabled(), 0) && !dtype)
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) { return cumsum(x, dim); }, self);
  dim = wrap_dim(dim, self.dim());
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = cumsum_impl(self, dim, dtype);
  }
  if (grad_enabled() && requires_grad(self) && is_floating(out.dtype()))
    record("CumsumBackward0", {&self}, out, [dim](Node*, const std::vector<Tensor>& g) {
      if (g[0].dim() == 0) return std::vector<Tensor>{g[0]};
      return std::vector<Tensor>{flip(cumsum(flip(g[0], {dim}), dim), {dim})};
    }, false);
  return out;
}

}  // namespace ember
