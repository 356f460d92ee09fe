// Batch normalization of (N, C, *) over every dim but the channels, and
// group normalization over each sample's groups of channels.
//
// Forward: each channel's mean and biased variance in one parallel sweep over
// the channels (two passes over a channel's data, accumulated in double),
// then out = x * scale + shift with scale = weight * invstd and
// shift = bias - mean * scale, as PyTorch's CPU kernel computes it. The
// running stats move by momentum towards the mean and the unbiased variance.
// Backward (PyTorch's formula): per channel sum(gy) and sum(gy * (x - mean)),
// then dx in one more pass. When the backward itself is recorded
// (create_graph), the same gradient is built from differentiable ops instead,
// so double backward works. Group norm follows the same plan with one
// statistic per (sample, group) and PyTorch's group-norm backward.
#include <cmath>
#include <tuple>
#include <vector>

#include "ember/autograd/autograd.h"
#include "ember/cpu/norm_rows.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/autocast.h"
#include "ember/ops/ops.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

struct Planes {  // the contiguous input as (N, C, S)
  int64_t N, C, S;
  int64_t per_channel() const { return N * S; }
};

Planes planes_of(const Tensor& x) {
  const int64_t N = x.sizes()[0], C = x.sizes()[1];
  return {N, C, N * C == 0 ? 0 : x.numel() / (N * C)};
}

// fn(r) for r < rows, each touching `per_row` elements, split between the threads.
template <typename F>
void over_rows(int64_t rows, int64_t per_row, const F& fn) {
  std::optional<GilRelease> no_gil;
  if (rows * per_row >= (int64_t(1) << 16)) no_gil.emplace();
  parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(per_row, 1)), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) fn(r);
  });
}
template <typename F>
void over_channels(const Planes& p, const F& fn) {
  over_rows(p.C, p.per_channel(), fn);
}

// sum of f(i) for i < n in double, with eight independent accumulators: a
// single running sum would wait on each add's latency (and the compiler may
// not reorder floating-point sums itself).
template <typename F>
inline double sum_of(int64_t n, const F& f) {
  double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) acc[k] += f(i + k);
  for (; i < n; ++i) acc[0] += f(i);
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// The row loops. float rows run the ISA-cloned copies in cpu/norm_rows.cpp,
// which add in the same order (the same bits at every vector width).
template <typename T>
double row_sum(const T* x, int64_t n) {
  if constexpr (std::is_same_v<T, float>) return rows::sum_f32_as_double(x, n);
  else return sum_of(n, [&](int64_t i) { return double(x[i]); });
}
template <typename T>
double row_dot_dev(const T* g, const T* x, int64_t n, double mean) {
  if constexpr (std::is_same_v<T, float>) return rows::dot_dev_f32(g, x, n, mean);
  else return sum_of(n, [&](int64_t i) { return double(g[i]) * (double(x[i]) - mean); });
}
template <typename T>
void row_affine(const T* x, int64_t n, T scale, T shift, T* y) {
  if constexpr (std::is_same_v<T, float>) return rows::affine_f32(x, n, scale, shift, y);
  else for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale + shift;
}

// sum (x - shift) and sum (x - shift)^2 in one pass (cpu/norm_rows.h).
template <typename T>
std::pair<double, double> row_shifted_sums(const T* x, int64_t n, double shift) {
  if constexpr (std::is_same_v<T, float>) return rows::shifted_sums_f32(x, n, shift);
  double s1 = 0, s2 = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double d = double(x[i]) - shift;
    s1 += d;
    s2 += d * d;
  }
  return {s1, s2};
}

// The shift of the one-pass sums: a value of the data, unless it is inf or NaN
// (which would turn every shifted value into NaN, where PyTorch's mean is inf).
inline double finite_or_zero(double v) { return std::isfinite(v) ? v : 0.0; }

// Mean and biased variance of n values from shifted sums.
inline std::pair<double, double> moments_of(double s1, double s2, double n, double shift) {
  const double m = s1 / n;
  const double var = s2 / n - m * m;
  return {shift + m, var < 0.0 ? 0.0 : var};  // a NaN variance (an inf in the input) stays NaN
}

// sum of x[i] * y[i] and sum of y[i] in one pass (a backward's two channel sums).
template <typename T>
inline std::pair<double, double> dot_and_sum(const T* x, const T* y, int64_t n) {
  if constexpr (std::is_same_v<T, float>) return rows::dot_and_sum_f32(x, y, n);
  double d[8] = {0, 0, 0, 0, 0, 0, 0, 0}, t[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; ++k) {
      d[k] += double(x[i + k]) * double(y[i + k]);
      t[k] += double(y[i + k]);
    }
  for (; i < n; ++i) {
    d[0] += double(x[i]) * double(y[i]);
    t[0] += double(y[i]);
  }
  const auto total = [](const double* a) { return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])); };
  return {total(d), total(t)};
}

// The shape (1, C, 1, ...) that broadcasts a per-channel vector against x.
Dims channel_shape(const Tensor& x) {
  Dims s(size_t(x.dim()), 1);
  s[1] = x.sizes()[1];
  return s;
}
Dims reduce_dims(const Tensor& x) {
  Dims d{0};
  for (int64_t i = 2; i < x.dim(); ++i) d.push_back(i);
  return d;
}

struct Stats {
  Tensor mean, invstd;  // (C), x's dtype: what normalized the input
};

// The CPU kernels of the bn_*_stub tables (ops/stubs.h).
void cpu_bn_stats(const Tensor& x, int64_t N, int64_t C, int64_t S, double eps, const Tensor& mean_,
                  const Tensor& invstd_, const Tensor& mean64, const Tensor& var64) {
  EMBER_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    using T = scalar_t;
    const Planes p{N, C, S};
    const T* px = x.data_ptr<T>();
    T* pm = mean_.data_ptr<T>();
    T* pi = invstd_.data_ptr<T>();
    double* m64 = mean64.data_ptr<double>();
    double* v64 = var64.data_ptr<double>();
    const int64_t n = p.per_channel();
    over_channels(p, [&](int64_t c) {
      // One pass of sums shifted by a value of the channel (well conditioned).
      const double shift = finite_or_zero(double(px[c * p.S]));
      double s1 = 0, s2 = 0;
      for (int64_t b = 0; b < p.N; ++b) {
        const auto [r1, r2] = row_shifted_sums(px + (b * p.C + c) * p.S, p.S, shift);
        s1 += r1;
        s2 += r2;
      }
      const auto [mean, biased_var] = moments_of(s1, s2, double(n), shift);
      const double sq = biased_var * double(n);
      pm[c] = T(mean);
      pi[c] = T(1.0 / std::sqrt(sq / double(n) + eps));
      m64[c] = mean;
      v64[c] = n > 1 ? sq / double(n - 1) : NAN;  // unbiased, for the running variance
    });
  });
}

// Batch statistics; moves the running stats when given.
Stats batch_stats(const Tensor& x, const Planes& p, Tensor* running_mean, Tensor* running_var, double momentum,
                  double eps) {
  Stats st{empty({p.C}, x.dtype(), x.device()), empty({p.C}, x.dtype(), x.device())};
  Tensor mean64 = empty({p.C}, ScalarType::Float64, x.device()), var64 = empty({p.C}, ScalarType::Float64, x.device());
  bn_stats_stub[x.device()](x, p.N, p.C, p.S, eps, st.mean, st.invstd, mean64, var64);
  GradModeGuard no_grad(false);
  // in double and rounded once, as PyTorch's CPU kernel updates them
  const auto move = [&](Tensor& running, const Tensor& batch) {
    copy_(running, add(mul(batch, Scalar(momentum)), mul(to_dtype(running, ScalarType::Float64), Scalar(1.0 - momentum))));
  };
  if (running_mean && running_mean->defined()) move(*running_mean, mean64);
  if (running_var && running_var->defined()) move(*running_var, var64);
  return st;
}

// Stats from the running estimates (evaluation).
Stats running_stats(const Tensor& running_mean, const Tensor& running_var, const Tensor& like, double eps) {
  GradModeGuard no_grad(false);
  Tensor rm = contiguous(to_dtype(running_mean, like.dtype())), rv = to_dtype(running_var, ScalarType::Float64);
  return {rm, contiguous(to_dtype(unary(UnaryOp::Rsqrt, add(rv, Scalar(eps))), like.dtype()))};
}

// out = x * (w * invstd) + (b - mean * w * invstd), per channel
void cpu_bn_normalize(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean, const Tensor& invstd,
                      const Tensor& weight, const Tensor& bias, const Tensor& out) {
  EMBER_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    using T = scalar_t;
    const Planes p{N, C, S};
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    const T* pw = weight.defined() ? weight.data_ptr<T>() : nullptr;
    const T* pb = bias.defined() ? bias.data_ptr<T>() : nullptr;
    const T* pm = mean.data_ptr<T>();
    const T* pi = invstd.data_ptr<T>();
    over_channels(p, [&](int64_t c) {
      const T scale = pw ? pw[c] * pi[c] : pi[c];
      const T shift = (pb ? pb[c] : T(0)) - pm[c] * scale;
      for (int64_t b = 0; b < p.N; ++b) {
        const int64_t at = (b * p.C + c) * p.S;
        row_affine(px + at, p.S, scale, shift, po + at);
      }
    });
  });
}

struct Grads {
  Tensor dx, dw, db;
};

// PyTorch's batch_norm_backward.
void cpu_bn_backward(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean,
                     const Tensor& invstd, const Tensor& wc, bool training, const Tensor& dx, const Tensor& dw,
                     const Tensor& db) {
  const Planes p{N, C, S};
  EMBER_DISPATCH_FLOATING(x.dtype(), "batch_norm_backward", [&] {
    using T = scalar_t;
    const T* pg = gy.data_ptr<T>();
    const T* px = x.data_ptr<T>();
    const T* pm = mean.data_ptr<T>();
    const T* pi = invstd.data_ptr<T>();
    const T* pw = wc.defined() ? wc.data_ptr<T>() : nullptr;
    T* pdx = dx.defined() ? dx.data_ptr<T>() : nullptr;
    T* pdw = dw.data_ptr<T>();
    T* pdb = db.data_ptr<T>();
    const double n = double(p.per_channel());
    over_channels(p, [&](int64_t c) {
      const double mean = double(pm[c]);
      double sum = 0, dot = 0;
      for (int64_t b = 0; b < p.N; ++b) {
        const T* gr = pg + (b * p.C + c) * p.S;
        const T* xr = px + (b * p.C + c) * p.S;
        sum += row_sum(gr, p.S);
        dot += row_dot_dev(gr, xr, p.S, mean);
      }
      const T invstd = pi[c], w_c = pw ? pw[c] : T(1);
      pdw[c] = T(dot * double(invstd));
      pdb[c] = T(sum);
      if (!pdx) return;
      if (training) {
        const T k = T(dot * double(invstd) * double(invstd) / n), gmean = T(sum / n), m = pm[c];
        for (int64_t b = 0; b < p.N; ++b) {
          const int64_t at = (b * p.C + c) * p.S;
          for (int64_t s = 0; s < p.S; ++s)
            pdx[at + s] = (pg[at + s] - gmean - (px[at + s] - m) * k) * invstd * w_c;
        }
      } else {
        const T scale = invstd * w_c;
        for (int64_t b = 0; b < p.N; ++b) {
          const int64_t at = (b * p.C + c) * p.S;
          for (int64_t s = 0; s < p.S; ++s) pdx[at + s] = pg[at + s] * scale;
        }
      }
    });
  });
}
const bool bn_registered = (bn_stats_stub.set(DeviceType::CPU, cpu_bn_stats),
                            bn_normalize_stub.set(DeviceType::CPU, cpu_bn_normalize),
                            bn_backward_stub.set(DeviceType::CPU, cpu_bn_backward), true);

// batch_norm's backward on the device's kernel.
Grads backward_kernel(const Tensor& gy_, const Tensor& x_, const Tensor& w, const Stats& st, bool training,
                      bool need_dx, bool need_dw, bool need_db) {
  Tensor gy = contiguous(gy_), x = contiguous(x_);
  const Planes p = planes_of(x);
  Grads r;
  if (need_dx) r.dx = empty(x.sizes(), x.dtype(), x.device());
  Tensor dw = empty({p.C}, x.dtype(), x.device()), db = empty({p.C}, x.dtype(), x.device());
  const Tensor wc = w.defined() ? contiguous(to_dtype(w, x.dtype())) : Tensor();
  bn_backward_stub[x.device()](gy, x, p.N, p.C, p.S, st.mean, st.invstd, wc, training, r.dx, dw, db);
  if (need_dw) r.dw = dw;
  if (need_db) r.db = db;
  return r;
}

// The same gradient from differentiable ops, for a recorded (create_graph) backward.
Grads backward_composite(const Tensor& gy, const Tensor& x, const Tensor& w, const Stats& st, bool training,
                         double eps) {
  const Dims cs = channel_shape(x), dims = reduce_dims(x);
  Tensor mean, invstd;
  if (training) {  // the statistics are functions of x here
    mean = ember::mean(x, dims, true);
    invstd = unary(UnaryOp::Rsqrt, add(var(x, dims, 0, true), Scalar(eps)));
  } else {
    mean = reshape(st.mean, cs);
    invstd = reshape(st.invstd, cs);
  }
  const Tensor xhat = mul(sub(x, mean), invstd);
  const Tensor gxhat = w.defined() ? mul(gy, reshape(w, cs)) : gy;
  Tensor dx = training ? mul(invstd, sub(sub(gxhat, ember::mean(gxhat, dims, true)),
                                         mul(xhat, ember::mean(mul(gxhat, xhat), dims, true))))
                       : mul(gxhat, invstd);
  return {dx, sum(mul(gy, xhat), dims), sum(gy, dims)};
}

}  // namespace

DispatchStub<BnStatsFn> bn_stats_stub("batch_norm");
DispatchStub<BnNormalizeFn> bn_normalize_stub("batch_norm");
DispatchStub<BnBackwardFn> bn_backward_stub("batch_norm_backward");

Tensor batch_norm(const Tensor& input, const OptTensor& weight_, const OptTensor& bias_, const OptTensor& running_mean_,
                  const OptTensor& running_var_, bool training, double momentum, double eps) {
  Tensor weight = weight_ ? *weight_ : Tensor(), bias = bias_ ? *bias_ : Tensor();
  Tensor running_mean = running_mean_ ? *running_mean_ : Tensor(), running_var = running_var_ ? *running_var_ : Tensor();
  EMBER_CHECK(input.dim() >= 2, "batch_norm: expected 2D or higher input, but got ", input.dim(), "D input");
  EMBER_CHECK(is_floating(input.dtype()), "\"batch_norm\" not implemented for '", dtype_short_name(input.dtype()),
              "'");
  if (is_reduced_float(input.dtype())) {  // in float32, rounded once; the running stats keep their dtype
    Tensor rm = float32_of(running_mean), rv = float32_of(running_var);
    Tensor out = to_dtype(batch_norm(to_dtype(input, ScalarType::Float32), float32_of(weight), float32_of(bias),
                                     rm.defined() ? OptTensor(rm) : std::nullopt,
                                     rv.defined() ? OptTensor(rv) : std::nullopt, training, momentum, eps),
                          input.dtype());
    GradModeGuard no_grad(false);
    if (rm.defined() && !rm.is_same(running_mean)) copy_(running_mean, rm);
    if (rv.defined() && !rv.is_same(running_var)) copy_(running_var, rv);
    return out;
  }
  Tensor x = contiguous(input);
  const Planes p = planes_of(x);
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  Stats st;
  {
    GradModeGuard no_grad(false);
    st = training ? batch_stats(x, p, &running_mean, &running_var, momentum, eps)
                  : running_stats(running_mean, running_var, x, eps);
    const Tensor w = weight.defined() ? contiguous(to_dtype(weight, x.dtype())) : Tensor();
    const Tensor b = bias.defined() ? contiguous(to_dtype(bias, x.dtype())) : Tensor();
    bn_normalize_stub[x.device()](x, p.N, p.C, p.S, st.mean, st.invstd, w, b, out);
  }
  if (grad_enabled() && any_requires_grad({&input, &weight, &bias})) {
    record("NativeBatchNormBackward0", {&input, &weight, &bias}, out,
           [X = SavedTensor(input, false), W = SavedTensor(weight, false), st, training, eps,
            need = std::array<bool, 3>{requires_grad(input), requires_grad(weight), requires_grad(bias)}](
               Node* n, const std::vector<Tensor>& g) {
             const Tensor x = X.unpack(n), w = W.unpack(n);
             Grads r = grad_enabled() ? backward_composite(g[0], x, w, st, training, eps)
                                      : backward_kernel(g[0], x, w, st, training, need[0], need[1], need[2]);
             return std::vector<Tensor>{need[0] ? r.dx : Tensor(), need[1] ? r.dw : Tensor(),
                                        need[2] ? r.db : Tensor()};
           });
  }
  return out;
}

namespace {

// Group statistics of the contiguous x (N, C, S): rows (n, g) of D = C/G channels.
struct Groups {
  int64_t N, C, S, G;
  int64_t D() const { return C / G; }
  int64_t row() const { return D() * S; }  // elements per (n, g)
};

// PyTorch's GroupNorm backward from the per-(n, c) sums ds = sum(gy * x), db = sum(gy).
template <typename T>
void group_backward(const T* pg, const T* px, const T* pm, const T* pi, const T* pw, const Groups& q, T* pdx,
                    T* pdw, T* pdb) {
  const int64_t D = q.D(), S = q.S;
  std::vector<double> ds(size_t(q.N * q.C)), db(size_t(q.N * q.C));
  over_rows(q.N * q.C, S, [&](int64_t nc) {
    const T* gr = pg + nc * S;
    const T* xr = px + nc * S;
    std::tie(ds[size_t(nc)], db[size_t(nc)]) = dot_and_sum(xr, gr, S);
  });
  if (pdx) {
    const double M = double(q.row());
    over_rows(q.N * q.G, q.row(), [&](int64_t ng) {
      const int64_t n = ng / q.G, c0 = (ng % q.G) * D;
      double dsg = 0, dbg = 0;
      for (int64_t c = c0; c < c0 + D; ++c) {
        const double w = pw ? double(pw[c]) : 1.0;
        dsg += ds[size_t(n * q.C + c)] * w;
        dbg += db[size_t(n * q.C + c)] * w;
      }
      const double mean = double(pm[ng]), rstd = double(pi[ng]);
      const T c2 = T((dbg * mean - dsg) * rstd * rstd * rstd / M);
      const T c3 = T(-double(c2) * mean - dbg * rstd / M);
      for (int64_t c = c0; c < c0 + D; ++c) {
        const T c1 = T(rstd * (pw ? double(pw[c]) : 1.0));
        const int64_t at = (n * q.C + c) * S;
        if constexpr (std::is_same_v<T, float>) rows::combine_f32(pg + at, px + at, S, c1, c2, c3, pdx + at);
        else for (int64_t s = 0; s < S; ++s) pdx[at + s] = c1 * pg[at + s] + c2 * px[at + s] + c3;
      }
    });
  }
  for (int64_t c = 0; c < q.C; ++c) {
    double gw = 0, gb = 0;
    for (int64_t n = 0; n < q.N; ++n) {
      const int64_t ng = n * q.G + c / D;
      gw += (ds[size_t(n * q.C + c)] - db[size_t(n * q.C + c)] * double(pm[ng])) * double(pi[ng]);
      gb += db[size_t(n * q.C + c)];
    }
    pdw[c] = T(gw);
    pdb[c] = T(gb);
  }
}

// The CPU slots of gn_forward_stub and gn_backward_stub.
void cpu_gn_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G, double eps, const Tensor& w,
                    const Tensor& b, const Tensor& out, const Tensor& mean, const Tensor& invstd) {
  const Groups q{N, C, S, G};
  EMBER_DISPATCH_FLOATING(x.dtype(), "group_norm", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    T* pm = mean.data_ptr<T>();
    T* pi = invstd.data_ptr<T>();
    const T* pw = w.defined() ? w.data_ptr<T>() : nullptr;
    const T* pb = b.defined() ? b.data_ptr<T>() : nullptr;
    const int64_t len = q.row();
    over_rows(q.N * G, len, [&](int64_t ng) {
      const T* xr = px + ng * len;  // (n, g) is contiguous in (N, C, S)
      // a value of the row: the shifted sums stay well conditioned
      const double shift = finite_or_zero(double(xr[0]));
      const auto [s1, s2] = row_shifted_sums(xr, len, shift);
      const auto [mu, var] = moments_of(s1, s2, double(len), shift);
      const T rstd = T(1.0 / std::sqrt(var + eps));
      pm[ng] = T(mu);
      pi[ng] = rstd;
      for (int64_t c = (ng % G) * q.D(); c < (ng % G + 1) * q.D(); ++c) {
        const T scale = pw ? rstd * pw[c] : rstd;
        const T shift = (pb ? pb[c] : T(0)) - scale * T(mu);
        const int64_t at = ((ng / G) * q.C + c) * q.S;
        row_affine(px + at, q.S, scale, shift, po + at);
      }
    });
  });
}

void cpu_gn_backward(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G,
                     const Tensor& mean, const Tensor& invstd, const Tensor& w, const Tensor& dx, const Tensor& dw,
                     const Tensor& db) {
  EMBER_DISPATCH_FLOATING(x.dtype(), "group_norm_backward", [&] {
    using T = scalar_t;
    group_backward<T>(gy.data_ptr<T>(), x.data_ptr<T>(), mean.data_ptr<T>(), invstd.data_ptr<T>(),
                      w.defined() ? w.data_ptr<T>() : nullptr, Groups{N, C, S, G},
                      dx.defined() ? dx.data_ptr<T>() : nullptr, dw.data_ptr<T>(), db.data_ptr<T>());
  });
}

}  // namespace
DispatchStub<GnForwardFn> gn_forward_stub("group_norm");
DispatchStub<GnBackwardFn> gn_backward_stub("group_norm_backward");
namespace {
const bool gn_registered = [] {
  gn_forward_stub.set(DeviceType::CPU, cpu_gn_forward);
  gn_backward_stub.set(DeviceType::CPU, cpu_gn_backward);
  return true;
}();

Grads group_backward_composite(const Tensor& gy, const Tensor& x, const Tensor& w, int64_t G, double eps) {
  const Dims cs = channel_shape(x), dims = reduce_dims(x), shape = x.sizes().vec();
  const Dims rows{x.sizes()[0], G, -1};
  const Tensor xg = reshape(x, rows);
  const Tensor invstd = unary(UnaryOp::Rsqrt, add(var(xg, {2}, 0, true), Scalar(eps)));
  const Tensor xhat = mul(sub(xg, ember::mean(xg, {2}, true)), invstd);
  const Tensor gxhat = reshape(w.defined() ? mul(gy, reshape(w, cs)) : gy, rows);
  const Tensor dx = mul(invstd, sub(sub(gxhat, ember::mean(gxhat, {2}, true)),
                                    mul(xhat, ember::mean(mul(gxhat, xhat), {2}, true))));
  return {reshape(dx, shape), sum(mul(gy, reshape(xhat, shape)), dims), sum(gy, dims)};
}

}  // namespace

Tensor group_norm(const Tensor& input, int64_t G, const OptTensor& weight_, const OptTensor& bias_, double eps) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: float32 on CUDA
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x, const Tensor& w, const Tensor& b) {
      return group_norm(x, G, w.defined() ? OptTensor(w) : std::nullopt, b.defined() ? OptTensor(b) : std::nullopt, eps);
    }, input, weight_ ? *weight_ : Tensor(), bias_ ? *bias_ : Tensor());
  Tensor weight = weight_ ? *weight_ : Tensor(), bias = bias_ ? *bias_ : Tensor();
  EMBER_CHECK(input.dim() >= 2 && G > 0 && input.sizes()[1] % G == 0,
              "Expected number of channels in input to be divisible by num_groups, but got input of shape ",
              input.sizes(), " and num_groups=", G);
  EMBER_CHECK(is_floating(input.dtype()), "\"group_norm\" not implemented for '", dtype_short_name(input.dtype()),
              "'");
  if (is_reduced_float(input.dtype()))  // in float32, rounded once
    return on_float32(input, [&](const Tensor& x) {
      const Tensor w = float32_of(weight), b = float32_of(bias);
      return group_norm(x, G, w.defined() ? OptTensor(w) : std::nullopt, b.defined() ? OptTensor(b) : std::nullopt,
                        eps);
    });
  Tensor x = contiguous(input);
  const Planes p = planes_of(x);
  const Groups q{p.N, p.C, p.S, G};
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  Tensor mean = empty({q.N * G}, x.dtype(), x.device()), invstd = empty({q.N * G}, x.dtype(), x.device());
  {
    GradModeGuard no_grad(false);
    const Tensor w = weight.defined() ? contiguous(to_dtype(weight, x.dtype())) : Tensor();
    const Tensor b = bias.defined() ? contiguous(to_dtype(bias, x.dtype())) : Tensor();
    if (x.numel() > 0) gn_forward_stub[x.device()](x, q.N, q.C, q.S, G, eps, w, b, out, mean, invstd);
  }
  if (grad_enabled() && any_requires_grad({&input, &weight, &bias})) {
    record("NativeGroupNormBackward0", {&input, &weight, &bias}, out,
           [X = SavedTensor(input, false), W = SavedTensor(weight, false), mean, invstd, q, eps,
            need = std::array<bool, 3>{requires_grad(input), requires_grad(weight), requires_grad(bias)}](
               Node* n, const std::vector<Tensor>& g) {
             const Tensor x = X.unpack(n), w = W.unpack(n);
             if (grad_enabled()) {
               Grads r = group_backward_composite(g[0], x, w, q.G, eps);
               return std::vector<Tensor>{need[0] ? r.dx : Tensor(), need[1] ? r.dw : Tensor(),
                                          need[2] ? r.db : Tensor()};
             }
             const Tensor gy = contiguous(g[0]), xc = contiguous(x);
             Tensor dx = need[0] ? empty(xc.sizes(), xc.dtype(), xc.device()) : Tensor();
             Tensor dw = zeros({q.C}, xc.dtype(), xc.device()), db = zeros({q.C}, xc.dtype(), xc.device());
             const Tensor wc = w.defined() ? contiguous(to_dtype(w, xc.dtype())) : Tensor();
             if (xc.numel() > 0)
               gn_backward_stub[xc.device()](gy, xc, q.N, q.C, q.S, q.G, mean, invstd, wc, dx, dw, db);
             return std::vector<Tensor>{dx, need[1] ? dw : Tensor(), need[2] ? db : Tensor()};
           });
  }
  return out;
}

}  // namespace ember
