// Neural-network ops that need their own kernels for speed or numerical
// stability: softmax / log_softmax (max-shifted, one pass per row), the
// negative log-likelihood loss (class weights, ignore_index), and addmm
// (bias + a @ b in one GEMM, as nn.Linear computes it in PyTorch).
#include <cblas.h>
#include <cmath>

#include "ember/autograd/autograd.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// Runs softmax or log_softmax over every row along `dim`, on a contiguous copy
// with `dim` innermost; returns the output with the input's shape.
Tensor along_dim(const Tensor& self, int64_t dim, const char* name, bool log) {
  dim = wrap_dim(dim, self.dim());
  const bool last = self.dim() == 0 || dim == self.dim() - 1;
  EMBER_CHECK_KIND(NotImplemented, is_floating(self.dtype()), "\"", name, last ? "_lastdim" : "",
                   "_kernel_impl\" not implemented for '", dtype_short_name(self.dtype()), "'");
  GradModeGuard no_grad(false);
  Tensor x = contiguous(last ? self : transpose(self, dim, -1));
  Tensor out = empty(x.sizes(), x.dtype(), x.device());
  const int64_t n = self.dim() == 0 ? 1 : x.sizes().back();
  const int64_t rows = n == 0 ? 0 : x.numel() / n;
  if (rows > 0) softmax_stub[x.device()](x, out, rows, n, log);
  return last ? out : contiguous(transpose(out, dim, -1));
}

template <typename T>
T row_max(const T* x, int64_t n) {
  T m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = (x[i] > m || x[i] != x[i]) ? x[i] : m;
  return m;
}

void cpu_softmax(const Tensor& x, const Tensor& out, int64_t rows, int64_t n, bool log) {
  EMBER_DISPATCH_FLOATING(x.dtype(), log ? "log_softmax" : "softmax", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    parallel_for(0, rows, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(n, 1)), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r) {
        const T* xr = px + r * n;
        T* y = po + r * n;
        const T m = row_max(xr, n);
        T s = 0;
        if (log) {
          for (int64_t i = 0; i < n; ++i) s += std::exp(xr[i] - m);
          const T lse = std::log(s);
          for (int64_t i = 0; i < n; ++i) y[i] = xr[i] - m - lse;
        } else {
          for (int64_t i = 0; i < n; ++i) s += (y[i] = std::exp(xr[i] - m));
          const T inv = T(1) / s;
          for (int64_t i = 0; i < n; ++i) y[i] *= inv;
        }
      }
    });
  });
}

}  // namespace
DispatchStub<SoftmaxFn> softmax_stub("softmax");
namespace {
const bool softmax_registered = (softmax_stub.set(DeviceType::CPU, cpu_softmax), true);
}  // namespace

Tensor softmax(const Tensor& self, int64_t dim) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: float32 on CUDA
    return autocast::run_float32(DeviceType::CUDA, [dim](const Tensor& x) { return softmax(x, dim); }, self);
  if (is_reduced_float(self.dtype())) return on_float32(self, [&](const Tensor& x) { return softmax(x, dim); });
  Tensor out = along_dim(self, dim, "softmax", false);
  if (grad_enabled() && requires_grad(self)) {
    const int64_t d = wrap_dim(dim, self.dim());
    record("SoftmaxBackward0", {&self}, out, [d, Y = SavedTensor(out, true)](Node* node, const std::vector<Tensor>& g) {
      Tensor y = Y.unpack(node);
      Tensor gy = mul(g[0], y);
      return std::vector<Tensor>{sub(gy, mul(y, sum(gy, {d}, true)))};
    });
  }
  return out;
}

Tensor log_softmax(const Tensor& self, int64_t dim) {
  if (__builtin_expect(autocast::any_enabled(), 0))
    return autocast::run_float32(DeviceType::CUDA, [dim](const Tensor& x) { return log_softmax(x, dim); }, self);
  if (is_reduced_float(self.dtype())) return on_float32(self, [&](const Tensor& x) { return log_softmax(x, dim); });
  Tensor out = along_dim(self, dim, "log_softmax", true);
  if (grad_enabled() && requires_grad(self)) {
    const int64_t d = wrap_dim(dim, self.dim());
    record("LogSoftmaxBackward0", {&self}, out, [d, Y = SavedTensor(out, true)](Node* node, const std::vector<Tensor>& g) {
      Tensor y = Y.unpack(node);
      return std::vector<Tensor>{sub(g[0], mul(exp(y), sum(g[0], {d}, true)))};
    });
  }
  return out;
}

// ---- nll_loss ---------------------------------------------------------------------------------

namespace {

enum class Reduction { None, Mean, Sum };

Reduction parse_reduction(const std::string& r) {
  if (r == "none") return Reduction::None;
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  throw_error(ErrorKind::Value, str(r, " is not a valid value for reduction"));
}

// input (N, C) log-probabilities, target (N) class indices. Writes the
// per-sample losses (N); returns the total weight of the counted samples.
double cpu_nll(const Tensor& input, const Tensor& tg, const Tensor& w, int64_t ignore, const Tensor& out) {
  const int64_t N = tg.numel(), C = N ? input.numel() / N : 0;
  double total_weight = 0;
  EMBER_DISPATCH_FLOATING(input.dtype(), "nll_loss", [&] {
    using T = scalar_t;
    const T* in = input.data_ptr<T>();
    const int64_t* target = tg.data_ptr<int64_t>();
    const T* weight = w.defined() ? w.data_ptr<T>() : nullptr;
    T* losses = out.data_ptr<T>();
    for (int64_t i = 0; i < N; ++i) {
      const int64_t t = target[i];
      if (t == ignore) {
        losses[i] = 0;
        continue;
      }
      EMBER_CHECK_INDEX(t >= 0 && t < C, "Target ", t, " is out of bounds.");
      const T wt = weight ? weight[t] : T(1);
      losses[i] = -wt * in[i * C + t];
      total_weight += double(wt);
    }
  });
  return total_weight;
}

}  // namespace
DispatchStub<NllFn> nll_stub("nll_loss");
namespace {
const bool nll_registered = (nll_stub.set(DeviceType::CPU, cpu_nll), true);
}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const OptTensor& weight, const std::string& reduction,
                int64_t ignore_index) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: float32 on every device
    return autocast::run_float32(std::nullopt, [&](const Tensor& x, const Tensor& w) {
      return nll_loss(x, target, w.defined() ? OptTensor(w) : std::nullopt, reduction, ignore_index);
    }, input, weight ? *weight : Tensor());
  Reduction red = parse_reduction(reduction);
  EMBER_CHECK(input.dim() >= 1, "input tensor should be 1D or 2D");
  EMBER_CHECK(target.dtype() == ScalarType::Int64, "expected target dtype to be Long or Byte, but got ",
              dtype_short_name(target.dtype()));
  EMBER_CHECK(is_floating(input.dtype()), "nll_loss: expected a floating-point input, got ", dtype_name(input.dtype()));
  if (input.dim() > 2) {
    // (N, C, d1, ...): classes last, then as (N*d1*..., C).
    EMBER_CHECK_VALUE(target.dim() == input.dim() - 1, "Expected target size ", input.sizes(), ", got ",
                      target.sizes());
    const int64_t C = input.sizes()[1];
    Dims perm{0};
    for (int64_t d = 2; d < input.dim(); ++d) perm.push_back(d);
    perm.push_back(1);
    Tensor flat_in = reshape(permute(input, perm), {-1, C});
    Tensor l = nll_loss(flat_in, reshape(target, {-1}), weight, reduction, ignore_index);
    return red == Reduction::None ? reshape(l, target.sizes().vec()) : l;
  }
  const bool batched = input.dim() == 2;
  const int64_t N = batched ? input.sizes()[0] : 1, C = input.sizes()[batched ? 1 : 0];
  EMBER_CHECK_VALUE(target.dim() <= 1 && (batched ? target.numel() == N && target.dim() == 1 : target.dim() == 0),
                    "Expected input batch_size (", N, ") to match target batch_size (",
                    target.dim() ? target.sizes()[0] : 1, ").");
  check_same_device("nll_loss", {&input, &target, weight ? &*weight : nullptr});
  if (weight)
    EMBER_CHECK(weight->dim() == 1 && weight->numel() == C, "weight tensor should be defined either for all ", C,
                " classes or no classes but got weight tensor of shape: ", weight->sizes());
  if (is_reduced_float(input.dtype()))
    return on_float32(input, [&](const Tensor& x) {
      return nll_loss(x, target, weight ? OptTensor(float32_of(*weight)) : std::nullopt, reduction, ignore_index);
    });
  Tensor losses = empty({N}, input.dtype(), input.device());
  double total_weight = 0;
  {
    GradModeGuard no_grad(false);
    Tensor in = contiguous(input), tg = contiguous(target);
    Tensor w = weight ? contiguous(to_dtype(*weight, input.dtype())) : Tensor();
    if (N > 0) total_weight = nll_stub[input.device()](in, tg, w, ignore_index, losses);
  }
  Tensor out;
  {
    GradModeGuard no_grad(false);
    if (red == Reduction::None) out = batched ? losses : reshape(losses, {});
    else if (red == Reduction::Sum) out = sum(losses);
    else out = div(sum(losses), Scalar(total_weight));  // all ignored: 0/0 = nan, as PyTorch
  }
  if (grad_enabled() && requires_grad(input)) {
    DimVector in_shape = input.sizes();
    record("NllLossBackward0", {&input}, out,
           [in_shape, red, N, C, ignore_index, total_weight, T = SavedTensor(target, false),
            W = SavedTensor(weight ? *weight : Tensor(), false)](Node* node, const std::vector<Tensor>& g) {
             // d loss_i / d input[i, t_i] = -w_{t_i} (scaled by the reduction); zero elsewhere.
             Tensor tgt = reshape(T.unpack(node), {N, 1});
             Tensor w = W.unpack(node);
             Tensor coef = w.defined() ? reshape(index_select(w, 0, reshape(clamp(tgt, Operand(Scalar(int64_t(0))),
                                                                                       Operand(Scalar(C - 1))), {-1})),
                                                 {N, 1})
                                       : ones({N, 1}, g[0].dtype(), g[0].device());
             Tensor go = red == Reduction::None ? reshape(g[0], {N, 1})
                         : red == Reduction::Sum ? g[0]
                                                 : div(g[0], Scalar(total_weight));
             // Ignored targets get 0 after the scaling, as PyTorch skips them: with every target
             // ignored, total_weight is 0 and go is inf, and 0 * inf must not make the gradient NaN.
             Tensor vals = where(binary(BinaryOp::Eq, tgt, Scalar(ignore_index)), Operand(Scalar(0.0)),
                                 Operand(neg(mul(coef, go))));
             Tensor safe_t = clamp(tgt, Operand(Scalar(int64_t(0))), Operand(Scalar(C - 1)));
             Tensor gi = scatter(zeros({N, C}, g[0].dtype(), g[0].device()), 1, safe_t, Operand(vals));
             return std::vector<Tensor>{reshape(gi, in_shape.vec())};
           });
  }
  return out;
}

// ---- linear: input @ weight.T + bias (nn.Linear) ---------------------------------------------
// On autocast's lower-precision list itself, as in PyTorch: the weight is cast
// before its transpose, so a weight's cast is the cached one (ops/autocast.h).
Tensor linear(const Tensor& input, const Tensor& weight, const OptTensor& bias) {
  if (__builtin_expect(autocast::any_enabled(), 0))
    return autocast::run_lower([](const Tensor& x, const Tensor& w, const Tensor& b) {
      return linear(x, w, b.defined() ? OptTensor(b) : std::nullopt);
    }, input, weight, bias.value_or(Tensor()));
  const Tensor wt = t(weight);
  if (bias && input.dim() == 2) return addmm(*bias, input, wt);
  Tensor out = matmul(input, wt);
  return bias ? add(out, *bias) : out;
}

// ---- addmm: bias + a @ b ----------------------------------------------------------------------
Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: a lower-precision op (nn.Linear)
    return autocast::run_lower([](const Tensor& c, const Tensor& x, const Tensor& y) { return addmm(c, x, y); }, bias,
                               a, b);
  EMBER_CHECK(a.dim() == 2 && b.dim() == 2, "addmm: expected 2-D matrices, got ", a.dim(), "-D and ", b.dim(), "-D");
  EMBER_CHECK(a.sizes()[1] == b.sizes()[0], "mat1 and mat2 shapes cannot be multiplied (", a.sizes()[0], "x",
              a.sizes()[1], " and ", b.sizes()[0], "x", b.sizes()[1], ")");
  EMBER_CHECK(a.dtype() == b.dtype() && a.dtype() == bias.dtype(),
              "expected m1, m2 and self to have the same dtype, but got: ", dtype_name(a.dtype()), ", ",
              dtype_name(b.dtype()), " and ", dtype_name(bias.dtype()));
  check_same_device("addmm", {&bias, &a, &b});
  if (is_reduced_float(a.dtype()))  // bias + a @ b in float32, rounded once
    return on_float32(bias, [&](const Tensor& b32) {
      return addmm(b32, to_dtype(a, ScalarType::Float32), to_dtype(b, ScalarType::Float32));
    });
  const int64_t M = a.sizes()[0], K = a.sizes()[1], N = b.sizes()[1];
  Tensor out = empty({M, N}, a.dtype(), a.device());
  {
    GradModeGuard no_grad(false);
    copy_(out, bias);  // checks that bias broadcasts to (M, N)
    // Tiny products skip the BLAS call; other devices add an mm (their GEMM table entry) to the bias.
    if (!a.device().is_cpu() || !is_floating(a.dtype()) || K == 0 || M == 0 || N == 0 || M * N * K <= 512) {
      out = add(out, mm(a, b));
    } else {
      // BLAS computes out = a @ b + out in one pass (beta = 1), as PyTorch's addmm.
      auto layout = [](const Tensor& m, CBLAS_TRANSPOSE& tr, int64_t& ld) -> Tensor {
        const int64_t r = m.sizes()[0], c = m.sizes()[1], s0 = m.strides()[0], s1 = m.strides()[1];
        if ((s1 == 1 || c == 1) && s0 >= std::max<int64_t>(c, 1)) { tr = CblasNoTrans; ld = s0; return m; }
        if ((s0 == 1 || r == 1) && s1 >= std::max<int64_t>(r, 1)) { tr = CblasTrans; ld = s1; return m; }
        tr = CblasNoTrans;
        ld = std::max<int64_t>(c, 1);
        return contiguous(m);
      };
      CBLAS_TRANSPOSE ta, tb;
      int64_t lda, ldb;
      Tensor A = layout(a, ta, lda), B = layout(b, tb, ldb);
      if (a.dtype() == ScalarType::Float32)
        scipy_cblas_sgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0f, A.data_ptr<float>(), int(lda),
                          B.data_ptr<float>(), int(ldb), 1.0f, out.data_ptr<float>(), int(N));
      else
        scipy_cblas_dgemm(CblasRowMajor, ta, tb, int(M), int(N), int(K), 1.0, A.data_ptr<double>(), int(lda),
                          B.data_ptr<double>(), int(ldb), 1.0, out.data_ptr<double>(), int(N));
    }
  }
  if (grad_enabled() && any_requires_grad({&bias, &a, &b})) {
    record("AddmmBackward0", {&bias, &a, &b}, out,
           [A = SavedTensor(requires_grad(b) ? a : Tensor(), false), B = SavedTensor(requires_grad(a) ? b : Tensor(), false)](
               Node* n, const std::vector<Tensor>& g) {
             Tensor av = A.unpack(n), bv = B.unpack(n);
             return std::vector<Tensor>{g[0], bv.defined() ? mm(g[0], t(bv)) : Tensor(),
                                        av.defined() ? mm(t(av), g[0]) : Tensor()};
           });
  }
  return out;
}

Tensor addmm(const Tensor& bias, const Tensor& a, const Tensor& b, Scalar beta, Scalar alpha) {
  const bool unit_beta = beta.to_double() == 1.0, unit_alpha = alpha.to_double() == 1.0;
  if (unit_beta && unit_alpha) return addmm(bias, a, b);
  Tensor prod = mm(a, b);
  if (!unit_alpha) prod = mul(Operand(prod), Operand(alpha));
  if (beta.to_double() == 0.0) {  // as a GEMM with beta = 0: the bias only has to broadcast
    const DimVector s = broadcast_shapes(bias.sizes(), prod.sizes());
    EMBER_CHECK(s == prod.sizes(), "output with shape ", prod.sizes(), " doesn't match the broadcast shape ", s);
    return prod;
  }
  return add(Operand(prod), unit_beta ? Operand(bias) : Operand(mul(Operand(bias), Operand(beta))), Scalar(int64_t(1)));
}

}  // namespace ember
