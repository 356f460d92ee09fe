// NaN and infinity: the isnan/isinf/isfinite/isposinf/isneginf tests and
// nan_to_num. All are comparisons and selections with existing elementwise
// ops, so they run on every device those do. Integer and bool tensors hold
// no NaN or infinity: their tests are constant, as in PyTorch.
#include <cmath>
#include <limits>

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Tensor constant_mask(const Tensor& self, bool value) {
  return full(self.sizes(), Scalar(value), ScalarType::Bool, self.device());
}

// `v` rounded to float dtype `t` (beyond its range: an infinity, as a C++ conversion gives).
double round_to(double v, ScalarType t) {
  switch (t) {
    case ScalarType::Float32: return double(float(v));
    case ScalarType::Float16: return double(float(Half(float(v))));
    case ScalarType::BFloat16: return double(float(BFloat16(float(v))));
    default: return v;
  }
}

}  // namespace

Tensor isnan(const Tensor& self) {
  if (!is_floating(self.dtype())) return constant_mask(self, false);
  return binary(BinaryOp::Ne, self, self);
}

Tensor isinf(const Tensor& self) {
  if (!is_floating(self.dtype())) return constant_mask(self, false);
  return binary(BinaryOp::Eq, unary(UnaryOp::Abs, self), Scalar(kInf));
}

Tensor isposinf(const Tensor& self) {
  if (!is_floating(self.dtype())) return constant_mask(self, false);
  return binary(BinaryOp::Eq, self, Scalar(kInf));
}

Tensor isneginf(const Tensor& self) {
  if (!is_floating(self.dtype())) return constant_mask(self, false);
  return binary(BinaryOp::Eq, self, Scalar(-kInf));
}

Tensor isfinite(const Tensor& self) {
  if (!is_floating(self.dtype())) return constant_mask(self, true);
  return binary(BinaryOp::Lt, unary(UnaryOp::Abs, self), Scalar(kInf));  // false for NaN too
}

// NaN -> nan, +inf -> posinf, -inf -> neginf (defaults 0, the dtype's largest and lowest finite values);
// the values are rounded to the dtype first (1e39 becomes inf in float32). Gradient: passed where the
// input was finite.
Tensor nan_to_num(const Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  if (!is_floating(self.dtype())) return clone(self);
  const ScalarType t = self.dtype();
  const double nan_v = round_to(nan.value_or(0.0), t);
  const double pos_v = posinf ? round_to(*posinf, t) : max_finite(t);
  const double neg_v = neginf ? round_to(*neginf, t) : -max_finite(t);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = where(binary(BinaryOp::Eq, self, Scalar(kInf)), Scalar(pos_v), self);
    out = where(binary(BinaryOp::Eq, self, Scalar(-kInf)), Scalar(neg_v), out);
    out = where(binary(BinaryOp::Ne, self, self), Scalar(nan_v), out);
  }
  if (grad_enabled() && requires_grad(self))
    record("NanToNumBackward0", {&self}, out, [X = SavedTensor(self, false)](Node* n, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{mul(g[0], isfinite(X.unpack(n)))};
    });
  return out;
}

Tensor& nan_to_num_(Tensor& self, std::optional<double> nan, std::optional<double> posinf,
                    std::optional<double> neginf) {
  if (!is_floating(self.dtype())) {
    self.impl()->bump_version();
    return self;
  }
  if (!(grad_enabled() && requires_grad(self))) {
    Tensor r = nan_to_num(self, nan, posinf, neginf);
    GradModeGuard no_grad(false);
    return copy_(self, r);
  }
  check_inplace(self);
  Tensor result = nan_to_num(clone(self), nan, posinf, neginf);
  {
    GradModeGuard no_grad(false);
    copy_(self, result);
  }
  rebase_history(self, result);
  return self;
}

}  // namespace ember
