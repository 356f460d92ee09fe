// Unary elementwise math. Integer inputs to floating-point functions give the
// default float dtype, as in PyTorch (torch.exp(int tensor) is float32).
#include <cmath>

#include "ember/autograd/autograd.h"
#include "ember/cpu/vec_math.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/stubs.h"

namespace ember {

const char* op_name(UnaryOp op) {
  static const char* names[] = {"neg", "abs", "exp", "log", "log2", "log10", "log1p", "expm1", "sqrt",
                                "rsqrt", "sin", "cos", "tan", "tanh", "sigmoid", "relu", "sign",
                                "floor", "ceil", "round", "trunc", "reciprocal", "square",
                                "logical_not", "asin", "acos", "atan", "sinh", "cosh", "erf", "frac"};
  return names[int(op)];
}

namespace {

bool is_float_function(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Relu: case UnaryOp::Sign: case UnaryOp::Floor:
    case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc: case UnaryOp::Square:
    case UnaryOp::LogicalNot: case UnaryOp::Frac:
      return false;
    default:
      return true;
  }
}

template <typename T>
void run_float_unary(UnaryOp op, const StridedLoop& L) {
  switch (op) {
    case UnaryOp::Exp: unary_kernel<T, T>(L, [](T x) { return std::exp(x); }); break;
    case UnaryOp::Log: unary_kernel<T, T>(L, [](T x) { return std::log(x); }); break;
    case UnaryOp::Log2: unary_kernel<T, T>(L, [](T x) { return std::log2(x); }); break;
    case UnaryOp::Log10: unary_kernel<T, T>(L, [](T x) { return std::log10(x); }); break;
    case UnaryOp::Log1p: unary_kernel<T, T>(L, [](T x) { return std::log1p(x); }); break;
    case UnaryOp::Expm1: unary_kernel<T, T>(L, [](T x) { return std::expm1(x); }); break;
    case UnaryOp::Sqrt: unary_kernel<T, T>(L, [](T x) { return std::sqrt(x); }); break;
    case UnaryOp::Rsqrt: unary_kernel<T, T>(L, [](T x) { return T(1) / std::sqrt(x); }); break;
    case UnaryOp::Sin: unary_kernel<T, T>(L, [](T x) { return std::sin(x); }); break;
    case UnaryOp::Cos: unary_kernel<T, T>(L, [](T x) { return std::cos(x); }); break;
    case UnaryOp::Tan: unary_kernel<T, T>(L, [](T x) { return std::tan(x); }); break;
    case UnaryOp::Tanh: unary_kernel<T, T>(L, [](T x) { return std::tanh(x); }); break;
    case UnaryOp::Sigmoid: unary_kernel<T, T>(L, [](T x) { return T(1) / (T(1) + std::exp(-x)); }); break;
    case UnaryOp::Reciprocal: unary_kernel<T, T>(L, [](T x) { return T(1) / x; }); break;
    case UnaryOp::Asin: unary_kernel<T, T>(L, [](T x) { return std::asin(x); }); break;
    case UnaryOp::Acos: unary_kernel<T, T>(L, [](T x) { return std::acos(x); }); break;
    case UnaryOp::Atan: unary_kernel<T, T>(L, [](T x) { return std::atan(x); }); break;
    case UnaryOp::Sinh: unary_kernel<T, T>(L, [](T x) { return std::sinh(x); }); break;
    case UnaryOp::Cosh: unary_kernel<T, T>(L, [](T x) { return std::cosh(x); }); break;
    case UnaryOp::Erf: unary_kernel<T, T>(L, [](T x) { return std::erf(x); }); break;
    default: EMBER_ERROR("internal: not a float function");
  }
}

template <typename T>
void run_exact_unary(UnaryOp op, const StridedLoop& L) {
  switch (op) {
    case UnaryOp::Neg: unary_kernel<T, T>(L, [](T x) { return T(-x); }); break;
    case UnaryOp::Abs:
      unary_kernel<T, T>(L, [](T x) {
        if constexpr (is_float_v<T>) return std::fabs(x);
        else return T(x < 0 ? -x : x);
      });
      break;
    case UnaryOp::Relu:
      // NaN stays NaN, as in PyTorch (the comparison is false for NaN).
      unary_kernel<T, T>(L, [](T x) { return x < T(0) ? T(0) : x; });
      break;
    case UnaryOp::Sign:
      unary_kernel<T, T>(L, [](T x) {
        if constexpr (is_float_v<T>) return x != x ? T(0) : T((T(0) < x) - (x < T(0)));
        else return T((T(0) < x) - (x < T(0)));
      });
      break;
    case UnaryOp::Square: unary_kernel<T, T>(L, [](T x) { return T(x * x); }); break;
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc: case UnaryOp::Frac:
      if constexpr (is_float_v<T>) {
        switch (op) {
          case UnaryOp::Floor: unary_kernel<T, T>(L, [](T x) { return std::floor(x); }); break;
          case UnaryOp::Ceil: unary_kernel<T, T>(L, [](T x) { return std::ceil(x); }); break;
          case UnaryOp::Round: unary_kernel<T, T>(L, [](T x) { return std::nearbyint(x); }); break;
          case UnaryOp::Trunc: unary_kernel<T, T>(L, [](T x) { return std::trunc(x); }); break;
          default: unary_kernel<T, T>(L, [](T x) { return x - std::trunc(x); }); break;
        }
      } else {
        unary_kernel<T, T>(L, [](T x) { return x; });  // integers are already whole
      }
      break;
    default: EMBER_ERROR("internal: not an exact unary op");
  }
}

// Contiguous float32 runs of the hottest functions use the vectorized kernels.
template <typename VecFn>
void float32_runs(const StridedLoop& L, VecFn vec_fn, float (*scalar)(float)) {
  L.run([&](char** p, const int64_t* s, int64_t n) {
    if (s[0] == 4 && s[1] == 4) {
      vec_fn(reinterpret_cast<const float*>(p[1]), reinterpret_cast<float*>(p[0]), n);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<float*>(p[0] + i * s[0]) = scalar(*reinterpret_cast<const float*>(p[1] + i * s[1]));
    }
  });
}

void cpu_unary(UnaryOp op, const StridedLoop& L, ScalarType t) {
  if (t == ScalarType::Float32 && op == UnaryOp::Exp) {
    float32_runs(L, vec::exp_f32, [](float x) { return std::exp(x); });
  } else if (t == ScalarType::Float32 && op == UnaryOp::Tanh) {
    float32_runs(L, vec::tanh_f32, [](float x) { return std::tanh(x); });
  } else if (t == ScalarType::Float32 && op == UnaryOp::Sigmoid) {
    float32_runs(L, vec::sigmoid_f32, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
  } else if (op == UnaryOp::LogicalNot) {
    unary_kernel<bool, bool>(L, [](bool x) { return !x; });
  } else if (is_float_function(op)) {
    EMBER_DISPATCH_FLOATING(t, op_name(op), [&] { run_float_unary<scalar_t>(op, L); });
  } else {
    EMBER_DISPATCH_NUMERIC(t, op_name(op), [&] { run_exact_unary<scalar_t>(op, L); });
  }
}

}  // namespace
DispatchStub<UnaryFn> unary_stub("unary");
namespace {
const bool registered = (unary_stub.set(DeviceType::CPU, cpu_unary), true);

// (dtype the kernel computes in, dtype of the result)
std::pair<ScalarType, ScalarType> unary_dtypes(UnaryOp op, ScalarType in) {
  if (op == UnaryOp::LogicalNot) return {ScalarType::Bool, ScalarType::Bool};
  if (is_float_function(op)) {
    ScalarType t = is_floating(in) ? in : default_dtype();
    return {t, t};
  }
  if (in == ScalarType::Bool) {
    EMBER_CHECK(op != UnaryOp::Neg,
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                "invert a mask, use the `~` or `logical_not()` operator instead.");
    EMBER_CHECK(op != UnaryOp::Relu, "Boolean inputs not supported for relu");
    const bool rounding = op == UnaryOp::Floor || op == UnaryOp::Ceil || op == UnaryOp::Round || op == UnaryOp::Trunc;
    EMBER_CHECK_KIND(NotImplemented, op == UnaryOp::Sign, "\"", op_name(op), rounding ? "_vml_cpu" : "_cpu",
                     "\" not implemented for 'Bool'");
    return {ScalarType::Int64, ScalarType::Bool};  // computed on 0/1, written back as bool
  }
  EMBER_CHECK_KIND(NotImplemented, op != UnaryOp::Frac || is_floating(in), "\"frac_cpu\" not implemented for '",
              dtype_short_name(in), "'");
  return {in, in};
}

void run_unary(UnaryOp op, ScalarType ct, const Tensor& in, const Tensor& out) {
  if (out.numel() == 0) return;
  ct = opmath_dtype(ct);  // a float16/bfloat16 result: computed in float32 (tmp), rounded by the copy
  Tensor src = to_dtype(in, ct);
  if (out.dtype() == ct) {
    auto L = StridedLoop::make(out, {&src});
    unary_stub.get(out.device(), op)(op, L, ct);
  } else {
    Tensor tmp = empty(out.sizes(), ct, out.device());
    auto L = StridedLoop::make(tmp, {&src});
    unary_stub.get(out.device(), op)(op, L, ct);
    Tensor o = out;
    copy_(o, tmp);
  }
}

}  // namespace

namespace {
Tensor unary_impl(UnaryOp op, const Tensor& self, const OptTensor& out) {
  auto [ct, ot] = unary_dtypes(op, self.dtype());
  if (out && out->dtype() == ot && out->sizes() == self.sizes()) {
    check_overlapping_write(*out, {&self});
    run_unary(op, ct, self, *out);
    out->impl()->bump_version();
    return *out;
  }
  Tensor result = empty(self.sizes(), ot, self.device());
  run_unary(op, ct, self, result);
  return out ? write_out(result, *out, op_name(op)) : result;
}

Tensor& unary_impl_(UnaryOp op, Tensor& self) {
  auto [ct, ot] = unary_dtypes(op, self.dtype());
  EMBER_CHECK(can_cast(ot, self.dtype()), "result type ", dtype_short_name(ot),
              " can't be cast to the desired output type ", dtype_short_name(self.dtype()));
  assert_no_internal_overlap(self);
  run_unary(op, ct, self, self);
  self.impl()->bump_version();
  return self;
}


// ---- autograd: d(out)/d(self) of each op, written with ember ops ------------------------
bool differentiable(UnaryOp op) { return op != UnaryOp::LogicalNot; }

const char* backward_name(UnaryOp op) {
  static const char* names[] = {"NegBackward0", "AbsBackward0", "ExpBackward0", "LogBackward0", "Log2Backward0",
                                "Log10Backward0", "Log1PBackward0", "Expm1Backward0", "SqrtBackward0",
                                "RsqrtBackward0", "SinBackward0", "CosBackward0", "TanBackward0", "TanhBackward0",
                                "SigmoidBackward0", "ReluBackward0", "SignBackward0", "FloorBackward0",
                                "CeilBackward0", "RoundBackward0", "TruncBackward0", "ReciprocalBackward0",
                                "PowBackward0", "LogicalNotBackward0", "AsinBackward0", "AcosBackward0",
                                "AtanBackward0", "SinhBackward0", "CoshBackward0", "ErfBackward0", "FracBackward0"};
  return names[int(op)];
}

// Ops whose backward is cheapest from their result (exp, tanh, sigmoid, ...) save only the result.
bool saves_result(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: case UnaryOp::Expm1: case UnaryOp::Sqrt: case UnaryOp::Rsqrt: case UnaryOp::Tan:
    case UnaryOp::Tanh: case UnaryOp::Sigmoid: case UnaryOp::Relu: case UnaryOp::Reciprocal:
      return true;
    default:
      return false;
  }
}

Tensor unary_grad(UnaryOp op, const Tensor& g, const Tensor& x, const Tensor& y) {
  auto S = [](double v) { return Operand(Scalar(v)); };
  switch (op) {
    case UnaryOp::Neg: return neg(g);
    case UnaryOp::Abs: return mul(g, unary(UnaryOp::Sign, x));
    case UnaryOp::Exp: return mul(g, y);
    case UnaryOp::Log: return div(g, x);
    case UnaryOp::Log2: return div(g, mul(x, S(std::log(2.0))));
    case UnaryOp::Log10: return div(g, mul(x, S(std::log(10.0))));
    case UnaryOp::Log1p: return div(g, add(x, S(1.0)));
    case UnaryOp::Expm1: return mul(g, add(y, S(1.0)));
    case UnaryOp::Sqrt: return div(g, mul(y, S(2.0)));
    case UnaryOp::Rsqrt: return mul(mul(g, S(-0.5)), pow(y, S(3.0)));
    case UnaryOp::Sin: return mul(g, unary(UnaryOp::Cos, x));
    case UnaryOp::Cos: return neg(mul(g, unary(UnaryOp::Sin, x)));
    case UnaryOp::Tan: return mul(g, add(mul(y, y), S(1.0)));
    case UnaryOp::Tanh: return mul(g, sub(S(1.0), mul(y, y)));
    case UnaryOp::Sigmoid: return mul(g, mul(y, sub(S(1.0), y)));
    case UnaryOp::Relu: return where(binary(BinaryOp::Gt, y, S(0.0)), g, S(0.0));
    case UnaryOp::Reciprocal: return neg(mul(g, mul(y, y)));
    case UnaryOp::Square: return mul(g, mul(x, S(2.0)));
    case UnaryOp::Asin: return div(g, unary(UnaryOp::Sqrt, sub(S(1.0), mul(x, x))));
    case UnaryOp::Acos: return neg(div(g, unary(UnaryOp::Sqrt, sub(S(1.0), mul(x, x)))));
    case UnaryOp::Atan: return div(g, add(mul(x, x), S(1.0)));
    case UnaryOp::Sinh: return mul(g, unary(UnaryOp::Cosh, x));
    case UnaryOp::Cosh: return mul(g, unary(UnaryOp::Sinh, x));
    case UnaryOp::Erf: return mul(g, mul(unary(UnaryOp::Exp, neg(mul(x, x))), S(2.0 / std::sqrt(M_PI))));
    case UnaryOp::Frac: return g;
    default: return mul(g, S(0.0));  // sign, floor, ceil, round, trunc: zero almost everywhere
  }
}

void record_unary(UnaryOp op, const Tensor& self, const Tensor& out) {
  const bool from_result = saves_result(op);
  record(backward_name(op), {&self}, out,
         [op, X = SavedTensor(from_result ? Tensor() : self, false), Y = SavedTensor(from_result ? out : Tensor(), true)](
             Node* n, const std::vector<Tensor>& g) {
           return std::vector<Tensor>{unary_grad(op, g[0], X.unpack(n), Y.unpack(n))};
         });
}

// Unary ops on autocast's CUDA float32 list.
bool autocast_float32_on_cuda(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: case UnaryOp::Log: case UnaryOp::Log2: case UnaryOp::Log10: case UnaryOp::Log1p:
    case UnaryOp::Expm1: case UnaryOp::Reciprocal: case UnaryOp::Rsqrt: case UnaryOp::Sinh: case UnaryOp::Cosh:
    case UnaryOp::Tan: case UnaryOp::Asin: case UnaryOp::Acos:
      return true;
    default:
      return false;
  }
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& self, const OptTensor& out) {
  if (autocast_float32_on_cuda(op) && __builtin_expect(autocast::any_enabled(), 0) && !out)
    return autocast::run_float32(DeviceType::CUDA, [op](const Tensor& x) { return unary(op, x); }, self);
  const bool rec = grad_enabled() && differentiable(op) && requires_grad(self);
  if (rec && out)
    EMBER_ERROR(op_name(op), "(): functions with out=... arguments don't support automatic differentiation, but "
                "one of the arguments requires grad.");
  Tensor result;
  {
    GradModeGuard no_grad(false);
    result = unary_impl(op, self, out);
  }
  if (rec) record_unary(op, self, result);
  return result;
}

Tensor& unary_(UnaryOp op, Tensor& self) {
  if (!(grad_enabled() && differentiable(op) && requires_grad(self))) {
    GradModeGuard no_grad(false);
    return unary_impl_(op, self);
  }
  check_inplace(self);
  Tensor result = unary(op, clone(self));
  {
    GradModeGuard no_grad(false);
    copy_(self, result);
  }
  rebase_history(self, result);
  return self;
}

Tensor relu(const Tensor& self) { return unary(UnaryOp::Relu, self); }
Tensor sigmoid(const Tensor& self) { return unary(UnaryOp::Sigmoid, self); }
Tensor exp(const Tensor& self) { return unary(UnaryOp::Exp, self); }
Tensor log(const Tensor& self) { return unary(UnaryOp::Log, self); }
Tensor neg(const Tensor& self) { return unary(UnaryOp::Neg, self); }

}  // namespace ember
