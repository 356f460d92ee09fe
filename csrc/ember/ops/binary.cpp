// Binary elementwise ops: arithmetic, comparisons, logical and bitwise ops,
// with broadcasting, PyTorch's type promotion, and Python numbers on either side.
#include <cmath>

#include "ember/autograd/autograd.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {

const char* op_name(BinaryOp op) {
  static const char* names[] = {"add", "sub", "mul", "div", "floor_divide", "trunc_divide", "remainder",
                                "fmod", "pow", "maximum", "minimum", "atan2", "eq", "ne", "lt", "le",
                                "gt", "ge", "logical_and", "logical_or", "logical_xor",
                                "bitwise_and", "bitwise_or", "bitwise_xor"};
  return names[int(op)];
}

namespace {

bool is_comparison(BinaryOp op) { return op >= BinaryOp::Eq && op <= BinaryOp::Ge; }
bool is_logical(BinaryOp op) { return op >= BinaryOp::LogicalAnd && op <= BinaryOp::LogicalXor; }
bool is_bitwise(BinaryOp op) { return op >= BinaryOp::BitAnd && op <= BinaryOp::BitXor; }
// Ops whose integer inputs give a floating result.
bool promotes_int_to_float(BinaryOp op) { return op == BinaryOp::Div || op == BinaryOp::Atan2; }

// ---- scalar semantics of each op (Python's for floor division and remainder) ----------
// Integer division by -1 is negation, wrapping (INT_MIN / -1 would trap the CPU): as torch's results.
template <typename T>
T negate_wrapping(T a) {
  if constexpr (std::is_same_v<T, bool>) {
    return a;  // unreachable: bool division is rejected before dispatch
  } else {
    using U = std::make_unsigned_t<T>;
    return T(U(0) - U(a));
  }
}

template <typename T>
T floor_divide(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (b == 0) return a / b;
    T mod = std::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    T floordiv;
    if (div != 0) {
      floordiv = std::floor(div);
      if (div - floordiv > T(0.5)) floordiv += T(1);
    } else {
      floordiv = std::copysign(T(0), a / b);
    }
    return floordiv;
  } else if constexpr (std::is_same_v<T, bool>) {
    return a;  // unreachable: rejected before dispatch
  } else {
    if (b == 0) throw_error(ErrorKind::Runtime, "ZeroDivisionError");
    if (b == -1) return negate_wrapping(a);
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <typename T>
T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    T mod = std::fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  } else if constexpr (std::is_same_v<T, bool>) {
    return a;
  } else {
    if (b == 0) throw_error(ErrorKind::Runtime, "ZeroDivisionError");
    if (b == -1) return T(0);
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <typename T>
T int_pow(T base, T exp) {
  if (exp < 0) {
    if (base == 1) return 1;
    if (base == -1) return (exp & 1) ? -1 : 1;
    return 0;
  }
  T result = 1;
  while (exp) {
    if (exp & 1) result *= base;
    base *= base;
    exp >>= 1;
  }
  return result;
}

template <typename T>
void run_arith(BinaryOp op, const StridedLoop& L) {
  using B = T;
  switch (op) {
    case BinaryOp::Add: binary_kernel<T, T, B>(L, [](T a, T b) { return T(a + b); }); break;
    case BinaryOp::Sub: binary_kernel<T, T, B>(L, [](T a, T b) { return T(a - b); }); break;
    case BinaryOp::Mul: binary_kernel<T, T, B>(L, [](T a, T b) { return T(a * b); }); break;
    case BinaryOp::Div: binary_kernel<T, T, B>(L, [](T a, T b) { return T(a / b); }); break;
    case BinaryOp::FloorDiv: binary_kernel<T, T, B>(L, [](T a, T b) { return floor_divide(a, b); }); break;
    case BinaryOp::TruncDiv:
      binary_kernel<T, T, B>(L, [](T a, T b) {
        if constexpr (is_float_v<T>) return T(std::trunc(a / b));
        else {
          if (b == 0) throw_error(ErrorKind::Runtime, "ZeroDivisionError");
          return b == -1 ? negate_wrapping(a) : T(a / b);
        }
      });
      break;
    case BinaryOp::Remainder: binary_kernel<T, T, B>(L, [](T a, T b) { return remainder(a, b); }); break;
    case BinaryOp::Fmod:
      binary_kernel<T, T, B>(L, [](T a, T b) {
        if constexpr (is_float_v<T>) return T(std::fmod(a, b));
        else {
          if (b == 0) throw_error(ErrorKind::Runtime, "ZeroDivisionError");
          return b == -1 ? T(0) : T(a % b);
        }
      });
      break;
    case BinaryOp::Pow:
      binary_kernel<T, T, B>(L, [](T a, T b) {
        // x ** 2 is x * x, exactly as PyTorch computes it (pow may differ in the last bit).
        if constexpr (is_float_v<T>) return b == T(2) ? T(a * a) : T(std::pow(a, b));
        else return int_pow(a, b);
      });
      break;
    case BinaryOp::Maximum:
      binary_kernel<T, T, B>(L, [](T a, T b) { return (a > b || a != a) ? a : b; });
      break;
    case BinaryOp::Minimum:
      binary_kernel<T, T, B>(L, [](T a, T b) { return (a < b || a != a) ? a : b; });
      break;
    case BinaryOp::Atan2:
      if constexpr (is_float_v<T>)
        binary_kernel<T, T, B>(L, [](T a, T b) { return T(std::atan2(a, b)); });
      break;
    default: EMBER_ERROR("internal: not an arithmetic op");
  }
}

template <typename T>
void run_compare(BinaryOp op, const StridedLoop& L) {
  switch (op) {
    case BinaryOp::Eq: binary_kernel<bool, T, T>(L, [](T a, T b) { return a == b; }); break;
    case BinaryOp::Ne: binary_kernel<bool, T, T>(L, [](T a, T b) { return a != b; }); break;
    case BinaryOp::Lt: binary_kernel<bool, T, T>(L, [](T a, T b) { return a < b; }); break;
    case BinaryOp::Le: binary_kernel<bool, T, T>(L, [](T a, T b) { return a <= b; }); break;
    case BinaryOp::Gt: binary_kernel<bool, T, T>(L, [](T a, T b) { return a > b; }); break;
    case BinaryOp::Ge: binary_kernel<bool, T, T>(L, [](T a, T b) { return a >= b; }); break;
    default: EMBER_ERROR("internal: not a comparison");
  }
}

template <typename T>
void run_bitwise(BinaryOp op, const StridedLoop& L) {
  if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case BinaryOp::BitAnd: binary_kernel<T, T, T>(L, [](T a, T b) { return T(a & b); }); break;
      case BinaryOp::BitOr: binary_kernel<T, T, T>(L, [](T a, T b) { return T(a | b); }); break;
      case BinaryOp::BitXor: binary_kernel<T, T, T>(L, [](T a, T b) { return T(a ^ b); }); break;
      default: break;
    }
  }
}

void cpu_binary(BinaryOp op, const StridedLoop& L, ScalarType ct) {
  if (is_logical(op)) {
    switch (op) {
      case BinaryOp::LogicalAnd: binary_kernel<bool, bool, bool>(L, [](bool a, bool b) { return a && b; }); break;
      case BinaryOp::LogicalOr: binary_kernel<bool, bool, bool>(L, [](bool a, bool b) { return a || b; }); break;
      default: binary_kernel<bool, bool, bool>(L, [](bool a, bool b) { return a != b; }); break;
    }
  } else if (is_comparison(op)) {
    EMBER_DISPATCH_ALL(ct, op_name(op), [&] { run_compare<scalar_t>(op, L); });
  } else if (is_bitwise(op)) {
    switch (ct) {
      case ScalarType::Bool: run_bitwise<bool>(op, L); break;
      case ScalarType::Int32: run_bitwise<int32_t>(op, L); break;
      case ScalarType::Int64: run_bitwise<int64_t>(op, L); break;
      default:
        throw_error(ErrorKind::NotImplemented, str("\"", op_name(op), "_cpu\" not implemented for '", dtype_short_name(ct), "'"));
    }
  } else {
    EMBER_DISPATCH_ALL(ct, op_name(op), [&] { run_arith<scalar_t>(op, L); });
  }
}

}  // namespace
DispatchStub<BinaryFn> binary_stub("binary");
namespace {
const bool registered = (binary_stub.set(DeviceType::CPU, cpu_binary), true);

// Dtype the op computes in, and the dtype of its result.
std::pair<ScalarType, ScalarType> binary_dtypes(BinaryOp op, const Operand& a, const Operand& b) {
  ResultType rt;
  for (const Operand* o : {&a, &b}) {
    if (o->is_scalar) rt.add(o->scalar);
    else rt.add(o->tensor);
  }
  ScalarType ct = rt.result();
  if (is_logical(op)) return {ScalarType::Bool, ScalarType::Bool};
  if (is_comparison(op)) return {ct, ScalarType::Bool};
  if (is_bitwise(op)) {
    EMBER_CHECK_KIND(NotImplemented, !is_floating(ct), "\"", op_name(op), "_cpu\" not implemented for '",
                     dtype_short_name(ct), "'");
    return {ct, ct};
  }
  if (promotes_int_to_float(op) && !is_floating(ct)) ct = default_dtype();
  if (op == BinaryOp::Sub && ct != ScalarType::Bool) {
    for (const Operand* o : {&a, &b})
      EMBER_CHECK(!(o->is_scalar ? o->scalar.is_bool() : o->tensor.dtype() == ScalarType::Bool),
                  "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
                  "mask, use the `~` or `logical_not()` operator instead.");
  }
  if (ct == ScalarType::Bool) {
    EMBER_CHECK(op != BinaryOp::Sub,
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead.");
    EMBER_CHECK_KIND(NotImplemented, op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Maximum ||
                         op == BinaryOp::Minimum,
                     "\"", op_name(op), "_cpu\" not implemented for 'Bool'");
  }
  return {ct, ct};
}

Device common_device(const Operand& a, const Operand& b, const char* name) {
  if (a.is_scalar) return b.is_scalar ? Device{} : b.tensor.device();
  if (b.is_scalar) return a.tensor.device();
  Device da = a.tensor.device(), db = b.tensor.device();
  // A 0-d CPU tensor may take part in an op on another device, as in PyTorch.
  if (da != db) {
    if (a.tensor.dim() == 0 && da.is_cpu()) return db;
    if (b.tensor.dim() == 0 && db.is_cpu()) return da;
    EMBER_ERROR("Expected all tensors to be on the same device, but found at least two devices, ",
                da.str(), " and ", db.str(), "!");
  }
  return da;
}

void check_int_pow(BinaryOp op, ScalarType ct, const Operand& b) {
  if (op != BinaryOp::Pow || is_floating(ct)) return;
  if (b.is_scalar) check_convertible(b.scalar, ct);  // PyTorch's checked exponent (i32 ** 2**33 raises)
  EMBER_CHECK(!(b.is_scalar && b.scalar.to_int() < 0), "Integers to negative integer powers are not allowed.");
}

// A 0-d CPU tensor in an op on another device takes part as a number.
bool off_device(const Operand& o, Device d) { return !o.is_scalar && o.tensor.device() != d; }
Operand as_number(const Operand& o) {
  Scalar s;
  EMBER_DISPATCH_ALL_AND_HALF(o.tensor.dtype(), "item", [&] {
    scalar_t v = *static_cast<const scalar_t*>(o.tensor.raw_data());
    if constexpr (std::is_same_v<scalar_t, bool>) s = Scalar(v);
    else if constexpr (is_float_v<scalar_t>) s = Scalar(double(v));
    else s = Scalar(int64_t(v));
  });
  return Operand(s);
}

// Runs the kernel for `out = op(a, b)`; `out` has the broadcast shape and dtype `ot`.
void run_binary(BinaryOp op, ScalarType ct, const Operand& a, const Operand& b, const Tensor& out) {
  if (out.numel() == 0) return;
  if (is_reduced_float(ct))  // computed in float32 and rounded once, as PyTorch's opmath
    return write_via_float32(out, [&](const Tensor& o) { run_binary(op, ScalarType::Float32, a, b, o); });
  // (On the CPU every tensor operand is on the CPU: common_device let nothing else through.)
  const Device d = out.device();
  if (__builtin_expect(!d.is_cpu(), 0) && (off_device(a, d) || off_device(b, d)))
    return run_binary(op, ct, off_device(a, d) ? as_number(a) : a, off_device(b, d) ? as_number(b) : b, out);
  Tensor ta, tb;
  if (!a.is_scalar) ta = to_dtype(a.tensor, ct);
  if (!b.is_scalar) tb = to_dtype(b.tensor, ct);
  StridedLoop L;
  std::optional<ScalarBuffer> sa, sb;
  if (a.is_scalar && b.is_scalar) {
    sa.emplace(a.scalar, ct);
    sb.emplace(b.scalar, ct);
    L = StridedLoop::make(out, {});
    L.add_scalar_operand(sa->ptr());
    L.add_scalar_operand(sb->ptr());
  } else if (a.is_scalar) {
    sa.emplace(a.scalar, ct);
    L = StridedLoop::make(out, {&tb});
    L.add_scalar_operand(sa->ptr());
    L.swap_operands(1, 2);
  } else if (b.is_scalar) {
    sb.emplace(b.scalar, ct);
    L = StridedLoop::make(out, {&ta});
    L.add_scalar_operand(sb->ptr());
  } else {
    L = StridedLoop::make(out, {&ta, &tb});
  }
  binary_stub.get(out.device(), op)(op, L, ct);
}

DimVector operand_shape(const Operand& a, const Operand& b) {
  if (a.is_scalar) return b.is_scalar ? DimVector{} : b.tensor.sizes();
  if (b.is_scalar) return a.tensor.sizes();
  return broadcast_shapes(a.tensor.sizes(), b.tensor.sizes());
}

}  // namespace

namespace {
Tensor binary_impl(BinaryOp op, const Operand& a, const Operand& b, const OptTensor& out) {
  Device device = common_device(a, b, op_name(op));
  auto [ct, ot] = binary_dtypes(op, a, b);
  check_int_pow(op, ct, b);
  DimVector shape = operand_shape(a, b);
  if (out && out->dtype() == ot && out->sizes() == shape) {
    check_overlapping_write(*out, {a.is_scalar ? nullptr : &a.tensor, b.is_scalar ? nullptr : &b.tensor});
    run_binary(op, ct, a, b, *out);
    out->impl()->bump_version();
    return *out;
  }
  Tensor result = empty(shape, ot, device);
  run_binary(op, ct, a, b, result);
  return out ? write_out(result, *out, op_name(op)) : result;
}

Tensor& binary_impl_(BinaryOp op, Tensor& self, const Operand& other) {
  common_device(Operand(self), other, op_name(op));
  auto [ct, ot] = binary_dtypes(op, Operand(self), other);
  EMBER_CHECK(can_cast(ot, self.dtype()), "result type ", dtype_short_name(ot),
              " can't be cast to the desired output type ", dtype_short_name(self.dtype()));
  check_int_pow(op, ct, other);
  if (!other.is_scalar) {
    DimVector shape = broadcast_shapes(self.sizes(), other.tensor.sizes());
    EMBER_CHECK(shape == self.sizes(), "output with shape ", self.sizes(),
                " doesn't match the broadcast shape ", shape);
  }
  check_overlapping_write(self, {other.is_scalar ? nullptr : &other.tensor});
  if (ot == self.dtype()) {
    run_binary(op, ct, Operand(self), other, self);
  } else {
    Tensor tmp = empty(self.sizes(), ot, self.device());
    run_binary(op, ct, Operand(self), other, tmp);
    copy_(self, tmp);
  }
  self.impl()->bump_version();
  return self;
}
}  // namespace

Tensor write_out(const Tensor& result, const Tensor& out, const char* op) {
  EMBER_CHECK(can_cast(result.dtype(), out.dtype()), "result type ", dtype_short_name(result.dtype()),
              " can't be cast to the desired output type ", dtype_short_name(out.dtype()));
  assert_no_internal_overlap(out);
  Tensor o = out;
  if (o.sizes() != result.sizes()) {
    // PyTorch resizes an out= tensor of the wrong shape.
    auto storage = Storage::create(size_t(result.numel()) * itemsize(o.dtype()), o.device());
    o.impl()->set_storage(std::move(storage), o.dtype());
    o.impl()->set_geometry(result.sizes(), contiguous_strides(result.sizes()), 0);
  }
  copy_(o, result);
  return o;
}

namespace {
// alpha * b, keeping integers integral
Operand scaled(const Operand& b, Scalar alpha) {
  if (!b.is_scalar) return Operand(binary(BinaryOp::Mul, b, alpha));
  if (b.scalar.is_floating() || alpha.is_floating())
    return Operand(Scalar(b.scalar.to_double() * alpha.to_double()));
  return Operand(Scalar(b.scalar.to_int() * alpha.to_int()));
}
// alpha * b as add and sub take it, with PyTorch's rules for alpha: no float
// alpha for an integral result, no bool alpha but for a bool result, where it
// counts as a bool (b's elements added, or none).
Operand alpha_times(const Operand& a, const Operand& b, Scalar alpha) {
  if (alpha.is_integral() && alpha.to_int() == 1) return b;  // the common case, no type rules needed
  ResultType rt;
  for (const Operand* o : {&a, &b}) {
    if (o->is_scalar) rt.add(o->scalar);
    else rt.add(o->tensor);
  }
  const ScalarType t = rt.result();
  EMBER_CHECK(!alpha.is_floating() || is_floating(t),
              "For integral input tensors, argument alpha must not be a floating point number.");
  EMBER_CHECK(!alpha.is_bool() || t == ScalarType::Bool, "Boolean alpha only supported for Boolean results.");
  if (t == ScalarType::Bool) {
    if (alpha.to<bool>()) return b;
    return b.is_scalar ? Operand(Scalar(false)) : Operand(binary(BinaryOp::Mul, b, Scalar(false)));
  }
  return alpha.to_double() == 1.0 ? b : scaled(b, alpha);
}
}  // namespace

Tensor add(const Operand& a, const Operand& b, Scalar alpha) {
  return binary(BinaryOp::Add, a, alpha_times(a, b, alpha));
}
Tensor sub(const Operand& a, const Operand& b, Scalar alpha) {
  return binary(BinaryOp::Sub, a, alpha_times(a, b, alpha));
}
Tensor& add_(Tensor& self, const Operand& b, Scalar alpha) {
  return binary_(BinaryOp::Add, self, alpha_times(Operand(self), b, alpha));
}
Tensor& sub_(Tensor& self, const Operand& b, Scalar alpha) {
  return binary_(BinaryOp::Sub, self, alpha_times(Operand(self), b, alpha));
}
Tensor mul(const Operand& a, const Operand& b) { return binary(BinaryOp::Mul, a, b); }
Tensor div(const Operand& a, const Operand& b) { return binary(BinaryOp::Div, a, b); }
Tensor pow(const Operand& a, const Operand& b) { return binary(BinaryOp::Pow, a, b); }



// ---- autograd ---------------------------------------------------------------------------
namespace {

bool differentiable(BinaryOp op) { return op <= BinaryOp::Atan2; }


// Records the backward of out = op(a, b). Gradients come back in the
// broadcast shape; the engine sums them down to each input's shape.
void record_binary(BinaryOp op, const Operand& a, const Operand& b, const Tensor& out) {
  const Tensor* ta = a.is_scalar ? nullptr : &a.tensor;
  const Tensor* tb = b.is_scalar ? nullptr : &b.tensor;
  const Scalar sa = a.scalar, sb = b.scalar;
  const bool a_s = a.is_scalar, b_s = b.is_scalar;
  auto opnd = [](const Tensor& t, bool is_s, Scalar s) { return is_s ? Operand(s) : Operand(t); };
  const bool need_ga = ta && requires_grad(*ta), need_gb = tb && requires_grad(*tb);
  switch (op) {
    case BinaryOp::Add:
      record("AddBackward0", {ta, tb}, out,
             [](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0], g[0]}; }, false);
      return;
    case BinaryOp::Sub:
      record(a_s ? "RsubBackward1" : "SubBackward0", {ta, tb}, out,
             [](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{g[0], neg(g[0])}; }, false);
      return;
    case BinaryOp::Mul:
      // d(a*b)/da = b (saved only if a needs a gradient), and the other way round.
      record("MulBackward0", {ta, tb}, out,
             [A = SavedTensor(need_gb && !a_s ? a.tensor : Tensor(), false),
              B = SavedTensor(need_ga && !b_s ? b.tensor : Tensor(), false), need_ga, need_gb, a_s, b_s, sa, sb,
              opnd](Node* n, const std::vector<Tensor>& g) {
               Tensor ga = need_ga ? mul(g[0], opnd(B.unpack(n), b_s, sb)) : Tensor();
               Tensor gb = need_gb ? mul(g[0], opnd(A.unpack(n), a_s, sa)) : Tensor();
               return std::vector<Tensor>{ga, gb};
             });
      return;
    case BinaryOp::Div:
      record("DivBackward0", {ta, tb}, out,
             [A = SavedTensor(need_gb && !a_s ? a.tensor : Tensor(), false),
              B = SavedTensor(b_s ? Tensor() : b.tensor, false), need_ga, need_gb, a_s, b_s, sa, sb,
              opnd](Node* n, const std::vector<Tensor>& g) {
               Operand ob = opnd(B.unpack(n), b_s, sb);
               Tensor ga = need_ga ? div(g[0], ob) : Tensor();
               Tensor gb;
               if (need_gb) {
                 Tensor bv = B.unpack(n);
                 gb = neg(div(mul(g[0], opnd(A.unpack(n), a_s, sa)), mul(bv, bv)));
               }
               return std::vector<Tensor>{ga, gb};
             });
      return;
    case BinaryOp::Pow: {
      const char* name = b_s ? "PowBackward0" : a_s ? "PowBackward2" : "PowBackward1";
      record(name, {ta, tb}, out,
             [A = SavedTensor(a_s ? Tensor() : a.tensor, false), B = SavedTensor(b_s ? Tensor() : b.tensor, false),
              O = SavedTensor(b_s ? Tensor() : out, true), a_s, b_s, sa, sb, opnd](Node* n, const std::vector<Tensor>& g) {
               Tensor av = A.unpack(n), bv = B.unpack(n);
               Tensor ga, gb;
               if (!a_s) {
                 if (b_s) {
                   double e = sb.to_double();
                   ga = e == 0.0 ? mul(g[0], Scalar(0.0)) : mul(mul(g[0], Scalar(e)), pow(av, Scalar(e - 1.0)));
                 } else {  // zero where the exponent is 0 (0 * x**-1 would be nan at x = 0), as PyTorch
                   ga = mul(mul(g[0], bv), pow(av, sub(bv, Scalar(1.0))));
                   ga = where(binary(BinaryOp::Eq, bv, Scalar(0.0)), Operand(Scalar(0.0)), Operand(ga));
                 }
               }
               if (!b_s) {
                 Tensor o = O.unpack(n);
                 Tensor term = a_s ? mul(o, Scalar(std::log(sa.to_double()))) : mul(o, log(av));
                 // 0 ** b with b >= 0 has gradient 0 w.r.t. b (not 0 * log 0), as PyTorch
                 Tensor zero_base = a_s ? full(bv.sizes(), Scalar(sa.to_double() == 0.0), ScalarType::Bool)
                                        : binary(BinaryOp::Eq, av, Scalar(0.0));
                 Tensor mask = binary(BinaryOp::LogicalAnd, zero_base, binary(BinaryOp::Ge, bv, Scalar(0.0)));
                 term = where(mask, Operand(Scalar(0.0)), Operand(term));
                 gb = mul(g[0], term);
               }
               return std::vector<Tensor>{ga, gb};
             });
      return;
    }
    case BinaryOp::Maximum:
    case BinaryOp::Minimum:
      record(op == BinaryOp::Maximum ? "MaximumBackward0" : "MinimumBackward0", {ta, tb}, out,
             [A = SavedTensor(a_s ? Tensor() : a.tensor, false), B = SavedTensor(b_s ? Tensor() : b.tensor, false),
              a_s, b_s, sa, sb, opnd, op](Node* n, const std::vector<Tensor>& g) {
               Operand oa = opnd(A.unpack(n), a_s, sa), ob = opnd(B.unpack(n), b_s, sb);
               // Ties split the gradient evenly, as PyTorch does.
               Tensor half = mul(g[0], Scalar(0.5));
               Tensor eq = binary(BinaryOp::Eq, oa, ob);
               Tensor a_wins = binary(op == BinaryOp::Maximum ? BinaryOp::Gt : BinaryOp::Lt, oa, ob);
               Tensor zero = zeros({}, g[0].dtype());
               Tensor ga = where(eq, half, where(a_wins, g[0], zero));
               Tensor gb = where(eq, half, where(a_wins, zero, g[0]));
               return std::vector<Tensor>{ga, gb};
             });
      return;
    case BinaryOp::Atan2:
      record("Atan2Backward0", {ta, tb}, out,
             [A = SavedTensor(a_s ? Tensor() : a.tensor, false), B = SavedTensor(b_s ? Tensor() : b.tensor, false),
              a_s, b_s, sa, sb, opnd](Node* n, const std::vector<Tensor>& g) {
               Operand oa = opnd(A.unpack(n), a_s, sa), ob = opnd(B.unpack(n), b_s, sb);
               Tensor denom = add(mul(oa, oa), mul(ob, ob));
               Tensor at_origin = binary(BinaryOp::Eq, denom, Scalar(0.0));  // 0 there, as PyTorch
               Operand zero(Scalar(0.0));
               return std::vector<Tensor>{where(at_origin, zero, div(mul(g[0], ob), denom)),
                                          where(at_origin, zero, neg(div(mul(g[0], oa), denom)))};
             });
      return;
    case BinaryOp::Remainder:
    case BinaryOp::Fmod:
      record(op == BinaryOp::Remainder ? (b_s ? "RemainderBackward0" : "RemainderBackward1")
                                       : (b_s ? "FmodBackward0" : "FmodBackward1"),
             {ta, tb}, out,
             [A = SavedTensor(a_s ? Tensor() : a.tensor, false), B = SavedTensor(b_s ? Tensor() : b.tensor, false),
              a_s, b_s, sa, sb, opnd, op](Node* n, const std::vector<Tensor>& g) {
               Operand oa = opnd(A.unpack(n), a_s, sa), ob = opnd(B.unpack(n), b_s, sb);
               Tensor q = binary(op == BinaryOp::Remainder ? BinaryOp::FloorDiv : BinaryOp::TruncDiv, oa, ob);
               return std::vector<Tensor>{g[0], b_s ? Tensor() : neg(mul(g[0], q))};
             });
      return;
    default:  // floor/trunc division: zero gradient almost everywhere
      record("DivBackward1", {ta, tb}, out, [](Node*, const std::vector<Tensor>& g) {
        Tensor z = mul(g[0], Scalar(0.0));
        return std::vector<Tensor>{z, z};
      }, false);
      return;
  }
}

bool operands_require_grad(const Operand& a, const Operand& b) {
  return (!a.is_scalar && requires_grad(a.tensor)) || (!b.is_scalar && requires_grad(b.tensor));
}

}  // namespace

Tensor binary(BinaryOp op, const Operand& a, const Operand& b, const OptTensor& out) {
  if (op == BinaryOp::Pow && __builtin_expect(autocast::any_enabled(), 0) && !out) {  // autocast: pow in float32 on CUDA
    const auto cast = [](const Operand& o) {
      return o.is_scalar ? o : Operand(autocast::to_float32(o.tensor, DeviceType::CUDA));
    };
    const Operand a32 = cast(a), b32 = cast(b);
    autocast::Suspend off;
    return binary(op, a32, b32);
  }
  const bool rec = grad_enabled() && differentiable(op) && operands_require_grad(a, b);
  if (rec && out)
    EMBER_ERROR(op_name(op), "(): functions with out=... arguments don't support automatic differentiation, but "
                "one of the arguments requires grad.");
  Tensor result;
  {
    GradModeGuard no_grad(false);
    result = binary_impl(op, a, b, out);
  }
  if (rec && is_floating(result.dtype())) record_binary(op, a, b, result);
  return result;
}

Tensor& binary_(BinaryOp op, Tensor& self, const Operand& other) {
  const bool rec = grad_enabled() && differentiable(op) && operands_require_grad(Operand(self), other);
  if (!rec) {
    GradModeGuard no_grad(false);
    return binary_impl_(op, self, other);
  }
  // With autograd: compute out of place from a copy of the old value, write
  // the values back, and let self take the result's history.
  check_inplace(self);
  Tensor result = binary(op, Operand(clone(self)), other);
  {
    GradModeGuard no_grad(false);
    EMBER_CHECK(result.sizes() == self.sizes(), "output with shape ", self.sizes(),
                " doesn't match the broadcast shape ", result.sizes());
    EMBER_CHECK(can_cast(result.dtype(), self.dtype()), "result type ", dtype_short_name(result.dtype()),
                " can't be cast to the desired output type ", dtype_short_name(self.dtype()));
    copy_(self, result);
  }
  rebase_history(self, result);
  return self;
}

}  // namespace ember
