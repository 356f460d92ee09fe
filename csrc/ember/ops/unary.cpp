// Unary elementwise math. Integer inputs to floating-point functions give the
// default float dtype, as in PyTorch (torch.exp(int tensor) is float32).
#include <cmath>

#include "ember/ops/elementwise.h"

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
        if constexpr (std::is_floating_point_v<T>) return std::fabs(x);
        else return T(x < 0 ? -x : x);
      });
      break;
    case UnaryOp::Relu:
      // NaN stays NaN, as in PyTorch (the comparison is false for NaN).
      unary_kernel<T, T>(L, [](T x) { return x < T(0) ? T(0) : x; });
      break;
    case UnaryOp::Sign:
      unary_kernel<T, T>(L, [](T x) {
        if constexpr (std::is_floating_point_v<T>) return x != x ? x : T((T(0) < x) - (x < T(0)));
        else return T((T(0) < x) - (x < T(0)));
      });
      break;
    case UnaryOp::Square: unary_kernel<T, T>(L, [](T x) { return T(x * x); }); break;
    case UnaryOp::Floor: case UnaryOp::Ceil: case UnaryOp::Round: case UnaryOp::Trunc: case UnaryOp::Frac:
      if constexpr (std::is_floating_point_v<T>) {
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

using UnaryFn = void (*)(UnaryOp op, const StridedLoop& loop, ScalarType dtype);
DispatchStub<UnaryFn> unary_stub("unary");

void cpu_unary(UnaryOp op, const StridedLoop& L, ScalarType t) {
  if (op == UnaryOp::LogicalNot) {
    unary_kernel<bool, bool>(L, [](bool x) { return !x; });
  } else if (is_float_function(op)) {
    EMBER_DISPATCH_FLOATING(t, op_name(op), [&] { run_float_unary<scalar_t>(op, L); });
  } else {
    EMBER_DISPATCH_NUMERIC(t, op_name(op), [&] { run_exact_unary<scalar_t>(op, L); });
  }
}

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
    EMBER_CHECK(op == UnaryOp::Abs || op == UnaryOp::Relu || op == UnaryOp::Floor || op == UnaryOp::Ceil ||
                    op == UnaryOp::Round || op == UnaryOp::Trunc,
                "\"", op_name(op), "\" not implemented for 'Bool'");
    return {ScalarType::Int64, ScalarType::Bool};  // computed on 0/1, written back as bool
  }
  EMBER_CHECK(op != UnaryOp::Frac || is_floating(in), "\"frac_cpu\" not implemented for '",
              dtype_short_name(in), "'");
  return {in, in};
}

void run_unary(UnaryOp op, ScalarType ct, const Tensor& in, const Tensor& out) {
  if (out.numel() == 0) return;
  Tensor src = to_dtype(in, ct);
  if (out.dtype() == ct) {
    auto L = StridedLoop::make(out, {&src});
    unary_stub[out.device()](op, L, ct);
  } else {
    Tensor tmp = empty(out.sizes(), ct, out.device());
    auto L = StridedLoop::make(tmp, {&src});
    unary_stub[out.device()](op, L, ct);
    Tensor o = out;
    copy_(o, tmp);
  }
}

}  // namespace

Tensor unary(UnaryOp op, const Tensor& self, const OptTensor& out) {
  auto [ct, ot] = unary_dtypes(op, self.dtype());
  if (out && out->dtype() == ot && out->sizes() == self.sizes()) {
    run_unary(op, ct, self, *out);
    out->impl()->bump_version();
    return *out;
  }
  Tensor result = empty(self.sizes(), ot, self.device());
  run_unary(op, ct, self, result);
  return out ? write_out(result, *out, op_name(op)) : result;
}

Tensor& unary_(UnaryOp op, Tensor& self) {
  auto [ct, ot] = unary_dtypes(op, self.dtype());
  EMBER_CHECK(can_cast(ot, self.dtype()), "result type ", dtype_short_name(ot),
              " can't be cast to the desired output type ", dtype_short_name(self.dtype()));
  run_unary(op, ct, self, self);
  self.impl()->bump_version();
  return self;
}

Tensor relu(const Tensor& self) { return unary(UnaryOp::Relu, self); }
Tensor sigmoid(const Tensor& self) { return unary(UnaryOp::Sigmoid, self); }
Tensor exp(const Tensor& self) { return unary(UnaryOp::Exp, self); }
Tensor log(const Tensor& self) { return unary(UnaryOp::Log, self); }
Tensor neg(const Tensor& self) { return unary(UnaryOp::Neg, self); }

}  // namespace ember
