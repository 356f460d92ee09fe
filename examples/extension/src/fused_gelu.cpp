// GELU with the tanh approximation, forward and backward each one pass over
// memory (the composed version costs about eight elementwise ops and their
// temporaries):
//   gelu(x)  = 0.5 x (1 + tanh(u)),  u = sqrt(2/pi) (x + 0.044715 x^3)
//   gelu'(x) = 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2),  t = tanh(u)
#include <cmath>

#include <ember/extension.h>

namespace {

constexpr double kAlpha = 0.7978845608028654;  // sqrt(2 / pi)
constexpr double kBeta = 0.044715;

// out[i] = f(x[i]) over a contiguous float tensor, both cores on large inputs.
template <typename F>
ember::Tensor map_floating(const ember::Tensor& x, const char* name, F f) {
  EMBER_CHECK(ember::is_floating(x.dtype()), name, ": expected a float32 or float64 tensor, got ",
              ember::dtype_name(x.dtype()));
  EMBER_CHECK(x.device().is_cpu(), name, ": expected a CPU tensor, got device ", x.device().str());
  ember::GradModeGuard no_grad(false);
  ember::Tensor xc = x.contiguous();
  ember::Tensor out = ember::empty(x.sizes(), x.dtype(), x.device());
  EMBER_DISPATCH_FLOATING(x.dtype(), name, [&] {
    const scalar_t* in = xc.data_ptr<scalar_t>();
    scalar_t* o = out.data_ptr<scalar_t>();
    ember::parallel_for(0, x.numel(), ember::kGrainSize, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) o[i] = f(in[i]);
    });
  });
  return out;
}

template <typename T>
T gelu_value(T x) {
  const T t = std::tanh(T(kAlpha) * (x + T(kBeta) * x * x * x));
  return T(0.5) * x * (T(1) + t);
}

template <typename T>
T gelu_slope(T x) {
  const T t = std::tanh(T(kAlpha) * (x + T(kBeta) * x * x * x));
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * T(kAlpha) * (T(1) + T(3 * kBeta) * x * x);
}

// A float32 pass in blocks: t = tanh(u(x)) with ember's vectorized tanh, then
// finish(x, t, out) combines them. Both directions use it.
template <typename Finish>
ember::Tensor blocks_f32(const ember::Tensor& x, Finish finish) {
  ember::Tensor xc = x.contiguous();
  ember::Tensor out = ember::empty(x.sizes(), x.dtype());
  const float* in = xc.data_ptr<float>();
  float* o = out.data_ptr<float>();
  ember::parallel_for(0, x.numel(), ember::kGrainSize, [&](int64_t b, int64_t e) {
    constexpr int64_t kBlock = 512;
    float u[kBlock], t[kBlock];
    for (int64_t s = b; s < e; s += kBlock) {
      const int64_t n = std::min(kBlock, e - s);
      for (int64_t i = 0; i < n; ++i) {
        const float v = in[s + i];
        u[i] = float(kAlpha) * (v + float(kBeta) * v * v * v);
      }
      ember::vec::tanh_f32(u, t, n);
      finish(in + s, t, o + s, n);
    }
  });
  return out;
}

ember::Tensor gelu_forward(const ember::Tensor& x) {
  if (x.dtype() != ember::ScalarType::Float32 || !x.device().is_cpu())
    return map_floating(x, "fused_gelu", [](auto v) { return gelu_value(v); });
  return blocks_f32(x, [](const float* in, const float* t, float* o, int64_t n) {
    for (int64_t i = 0; i < n; ++i) o[i] = 0.5f * in[i] * (1.0f + t[i]);
  });
}

// gelu'(x). Under create_graph (grad mode on during backward) it is composed
// from ember ops so that second derivatives flow; otherwise one fused pass.
ember::Tensor gelu_grad_input(const ember::Tensor& x) {
  if (!ember::grad_enabled()) {
    if (x.dtype() != ember::ScalarType::Float32)
      return map_floating(x, "fused_gelu_backward", [](auto v) { return gelu_slope(v); });
    return blocks_f32(x, [](const float* in, const float* t, float* o, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const float v = in[i];
        o[i] = 0.5f * (1.0f + t[i]) +
               0.5f * v * (1.0f - t[i] * t[i]) * float(kAlpha) * (1.0f + float(3 * kBeta) * v * v);
      }
    });
  }
  using ember::Scalar;
  ember::Tensor x2 = ember::mul(x, x);
  ember::Tensor u = ember::mul(ember::add(x, ember::mul(ember::mul(x2, x), Scalar(kBeta))), Scalar(kAlpha));
  ember::Tensor t = ember::unary(ember::UnaryOp::Tanh, u);
  ember::Tensor left = ember::mul(ember::add(t, Scalar(1.0)), Scalar(0.5));
  ember::Tensor sech2 = ember::sub(Scalar(1.0), ember::mul(t, t));
  ember::Tensor du = ember::mul(ember::add(ember::mul(x2, Scalar(3 * kBeta)), Scalar(1.0)), Scalar(kAlpha));
  return ember::add(left, ember::mul(ember::mul(ember::mul(x, Scalar(0.5)), sech2), du));
}

}  // namespace

ember::Tensor fused_gelu(const ember::Tensor& x) {
  ember::Tensor out;
  {
    ember::GradModeGuard no_grad(false);
    EMBER_CHECK(ember::is_floating(x.dtype()), "fused_gelu: expected a float32 or float64 tensor, got ",
                ember::dtype_name(x.dtype()));
    out = gelu_forward(x);
  }
  if (ember::should_record({&x})) {
    // Saves x; the backward is grad * gelu'(x).
    ember::record("FusedGeluBackward", {&x}, out,
                  [X = ember::SavedTensor(x, false)](ember::Node* node, const std::vector<ember::Tensor>& grads) {
                    return std::vector<ember::Tensor>{ember::mul(grads[0], gelu_grad_input(X.unpack(node)))};
                  });
  }
  return out;
}

EMBER_EXTENSION(_fused_gelu, m) {
  m.doc() = "GELU (tanh approximation) as one fused C++ kernel with autograd";
  m.def("fused_gelu", &fused_gelu, pybind11::arg("input"), "gelu(x) with approximate='tanh', fused");
}
