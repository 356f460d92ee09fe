// Tensor methods and operators that map one-to-one onto ops (the hot path:
// no Python frame between the call and the op). Conveniences that are not
// per-op hot (repr, tolist, to(), ...) live in python/ember/_tensor.py.
#include "ember/python/pyutils.h"

namespace ember {

namespace {

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

// A binary operator: returns NotImplemented for a non-number so Python can try
// the reflected method (and raise TypeError in the end), as Tensor does in torch.
template <BinaryOp Op, bool Reflected>
py::object binary_dunder(const Tensor& self, py::handle other) {
  Operand o{Scalar()};
  if (!try_operand(other, o)) return not_implemented();
  if (Op == BinaryOp::Div && Reflected && o.is_scalar)  // number / tensor is reciprocal(tensor) * number, as PyTorch
    return py::cast(mul(unary(UnaryOp::Reciprocal, self), o));
  Tensor r = Reflected ? binary(Op, o, Operand(self)) : binary(Op, Operand(self), o);
  return py::cast(r);
}

template <BinaryOp Op>
py::object inplace_dunder(Tensor& self, py::handle other) {
  Operand o{Scalar()};
  if (!try_operand(other, o)) return not_implemented();
  binary_(Op, self, o);
  return py::cast(self);
}

Tensor div_rounding(const Operand& a, const Operand& b, py::handle rounding_mode) {
  if (rounding_mode.is_none()) return binary(BinaryOp::Div, a, b);
  std::string mode = rounding_mode.cast<std::string>();
  if (mode == "floor") return binary(BinaryOp::FloorDiv, a, b);
  if (mode == "trunc") return binary(BinaryOp::TruncDiv, a, b);
  throw_error(ErrorKind::Runtime, str("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '",
                                    mode, "'"));
}

std::optional<Operand> opt_operand(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_operand(h, "clamp");
}

}  // namespace

void bind_tensor_ops(py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls) {
  // ---- operators ----
#define EMBER_BINARY_DUNDER(NAME, OP)                                            \
  cls.def("__" NAME "__", &binary_dunder<BinaryOp::OP, false>, py::is_operator()); \
  cls.def("__r" NAME "__", &binary_dunder<BinaryOp::OP, true>, py::is_operator()); \
  cls.def("__i" NAME "__", &inplace_dunder<BinaryOp::OP>, py::is_operator());
  EMBER_BINARY_DUNDER("add", Add)
  EMBER_BINARY_DUNDER("sub", Sub)
  EMBER_BINARY_DUNDER("mul", Mul)
  EMBER_BINARY_DUNDER("truediv", Div)
  EMBER_BINARY_DUNDER("floordiv", FloorDiv)
  EMBER_BINARY_DUNDER("mod", Remainder)
  EMBER_BINARY_DUNDER("pow", Pow)
  EMBER_BINARY_DUNDER("and", BitAnd)
  EMBER_BINARY_DUNDER("or", BitOr)
  EMBER_BINARY_DUNDER("xor", BitXor)
#undef EMBER_BINARY_DUNDER
  cls.def("__eq__", &binary_dunder<BinaryOp::Eq, false>, py::is_operator());
  cls.def("__ne__", &binary_dunder<BinaryOp::Ne, false>, py::is_operator());
  cls.def("__lt__", &binary_dunder<BinaryOp::Lt, false>, py::is_operator());
  cls.def("__le__", &binary_dunder<BinaryOp::Le, false>, py::is_operator());
  cls.def("__gt__", &binary_dunder<BinaryOp::Gt, false>, py::is_operator());
  cls.def("__ge__", &binary_dunder<BinaryOp::Ge, false>, py::is_operator());
  cls.def("__hash__", [](py::handle self) { return py::int_(reinterpret_cast<intptr_t>(self.ptr())); });
  cls.def("__matmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(a, as_tensor_unchecked(b)));
  }, py::is_operator());
  cls.def("__rmatmul__", [](const Tensor& a, py::handle b) -> py::object {
    if (!is_tensor(b)) return not_implemented();
    return py::cast(matmul(as_tensor_unchecked(b), a));
  }, py::is_operator());
  cls.def("__neg__", [](const Tensor& a) { return unary(UnaryOp::Neg, a); });
  cls.def("__pos__", [](const Tensor& a) { return a; });
  cls.def("__abs__", [](const Tensor& a) { return unary(UnaryOp::Abs, a); });
  cls.def("__invert__", [](const Tensor& a) {
    if (a.dtype() == ScalarType::Bool) return unary(UnaryOp::LogicalNot, a);
    EMBER_CHECK_TYPE(!is_floating(a.dtype()),
                     "~ (operator.invert) is only implemented on integer and Boolean-type tensors");
    return binary(BinaryOp::BitXor, Operand(a), Operand(Scalar(int64_t(-1))));
  });

  // ---- named binary ops ----
  cls.def("add", [](const Tensor& a, py::handle b, py::handle alpha) {
    return add(Operand(a), to_operand(b, "add"), to_scalar(alpha));
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("add_", [](Tensor& a, py::handle b, py::handle alpha) -> Tensor& {
    return add_(a, to_operand(b, "add_"), to_scalar(alpha));
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub", [](const Tensor& a, py::handle b, py::handle alpha) {
    return sub(Operand(a), to_operand(b, "sub"), to_scalar(alpha));
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("sub_", [](Tensor& a, py::handle b, py::handle alpha) -> Tensor& {
    return sub_(a, to_operand(b, "sub_"), to_scalar(alpha));
  }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1);
  cls.def("div", [](const Tensor& a, py::handle b, py::handle mode) {
    return div_rounding(Operand(a), to_operand(b, "div"), mode);
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
  cls.def("div_", [](Tensor& a, py::handle b, py::handle mode) -> Tensor& {
    BinaryOp op = BinaryOp::Div;
    if (!mode.is_none()) op = mode.cast<std::string>() == "floor" ? BinaryOp::FloorDiv : BinaryOp::TruncDiv;
    return binary_(op, a, to_operand(b, "div_"));
  }, py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none());
#define EMBER_BINARY_METHOD(NAME, OP)                                                              \
  cls.def(NAME, [](const Tensor& a, py::handle b) { return binary(BinaryOp::OP, Operand(a), to_operand(b, NAME)); }, \
          py::arg("other"));                                                                       \
  cls.def(NAME "_", [](Tensor& a, py::handle b) -> Tensor& { return binary_(BinaryOp::OP, a, to_operand(b, NAME)); }, \
          py::arg("other"));
  EMBER_BINARY_METHOD("mul", Mul)
  EMBER_BINARY_METHOD("multiply", Mul)
  EMBER_BINARY_METHOD("true_divide", Div)
  EMBER_BINARY_METHOD("floor_divide", FloorDiv)
  EMBER_BINARY_METHOD("remainder", Remainder)
  EMBER_BINARY_METHOD("fmod", Fmod)
  EMBER_BINARY_METHOD("pow", Pow)
  EMBER_BINARY_METHOD("atan2", Atan2)
  EMBER_BINARY_METHOD("eq", Eq)
  EMBER_BINARY_METHOD("ne", Ne)
  EMBER_BINARY_METHOD("lt", Lt)
  EMBER_BINARY_METHOD("le", Le)
  EMBER_BINARY_METHOD("gt", Gt)
  EMBER_BINARY_METHOD("ge", Ge)
  EMBER_BINARY_METHOD("logical_and", LogicalAnd)
  EMBER_BINARY_METHOD("logical_or", LogicalOr)
  EMBER_BINARY_METHOD("logical_xor", LogicalXor)
  EMBER_BINARY_METHOD("bitwise_and", BitAnd)
  EMBER_BINARY_METHOD("bitwise_or", BitOr)
  EMBER_BINARY_METHOD("bitwise_xor", BitXor)
#undef EMBER_BINARY_METHOD
  cls.def("maximum", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Maximum, a, b); });
  cls.def("minimum", [](const Tensor& a, const Tensor& b) { return binary(BinaryOp::Minimum, a, b); });

  // ---- unary ops and their in-place forms ----
#define EMBER_UNARY_METHOD(NAME, OP)                                             \
  cls.def(NAME, [](const Tensor& a) { return unary(UnaryOp::OP, a); });          \
  cls.def(NAME "_", [](Tensor& a) -> Tensor& { return unary_(UnaryOp::OP, a); });
  EMBER_UNARY_METHOD("neg", Neg)
  EMBER_UNARY_METHOD("negative", Neg)
  EMBER_UNARY_METHOD("abs", Abs)
  EMBER_UNARY_METHOD("exp", Exp)
  EMBER_UNARY_METHOD("log", Log)
  EMBER_UNARY_METHOD("log2", Log2)
  EMBER_UNARY_METHOD("log10", Log10)
  EMBER_UNARY_METHOD("log1p", Log1p)
  EMBER_UNARY_METHOD("expm1", Expm1)
  EMBER_UNARY_METHOD("sqrt", Sqrt)
  EMBER_UNARY_METHOD("rsqrt", Rsqrt)
  EMBER_UNARY_METHOD("sin", Sin)
  EMBER_UNARY_METHOD("cos", Cos)
  EMBER_UNARY_METHOD("tan", Tan)
  EMBER_UNARY_METHOD("tanh", Tanh)
  EMBER_UNARY_METHOD("sigmoid", Sigmoid)
  EMBER_UNARY_METHOD("relu", Relu)
  EMBER_UNARY_METHOD("sign", Sign)
  EMBER_UNARY_METHOD("floor", Floor)
  EMBER_UNARY_METHOD("ceil", Ceil)
  EMBER_UNARY_METHOD("round", Round)
  EMBER_UNARY_METHOD("trunc", Trunc)
  EMBER_UNARY_METHOD("reciprocal", Reciprocal)
  EMBER_UNARY_METHOD("square", Square)
  EMBER_UNARY_METHOD("logical_not", LogicalNot)
  EMBER_UNARY_METHOD("asin", Asin)
  EMBER_UNARY_METHOD("acos", Acos)
  EMBER_UNARY_METHOD("atan", Atan)
  EMBER_UNARY_METHOD("sinh", Sinh)
  EMBER_UNARY_METHOD("cosh", Cosh)
  EMBER_UNARY_METHOD("erf", Erf)
  EMBER_UNARY_METHOD("frac", Frac)
#undef EMBER_UNARY_METHOD

  // ---- clamp / where / masked_fill ----
  auto clamp_fn = [](const Tensor& a, py::handle lo, py::handle hi) { return clamp(a, opt_operand(lo), opt_operand(hi)); };
  auto clamp_inplace = [](Tensor& a, py::handle lo, py::handle hi) -> Tensor& {
    return clamp_(a, opt_operand(lo), opt_operand(hi));
  };
  for (const char* n : {"clamp", "clip"}) cls.def(n, clamp_fn, py::arg("min") = py::none(), py::arg("max") = py::none());
  for (const char* n : {"clamp_", "clip_"})
    cls.def(n, clamp_inplace, py::arg("min") = py::none(), py::arg("max") = py::none());
  cls.def("clamp_min", [](const Tensor& a, py::handle lo) {
    return clamp(a, opt_operand(lo), std::nullopt, std::nullopt, "ClampMinBackward0");
  });
  cls.def("clamp_max", [](const Tensor& a, py::handle hi) {
    return clamp(a, std::nullopt, opt_operand(hi), std::nullopt, "ClampMaxBackward0");
  });
  cls.def("where", [](const Tensor& self, const Tensor& cond, py::handle other) {
    return where(cond, Operand(self), to_operand(other, "where"));
  });
  cls.def("masked_fill", [](const Tensor& self, const Tensor& mask, py::handle v) {
    return masked_fill(self, mask, to_operand(v, "masked_fill"));
  });
  cls.def("masked_fill_", [](Tensor& self, const Tensor& mask, py::handle v) -> Tensor& {
    return masked_fill_(self, mask, to_operand(v, "masked_fill_"));
  });

  // ---- linear algebra ----
  cls.def("matmul", [](const Tensor& a, const Tensor& b) { return matmul(a, b); });
  cls.def("mm", [](const Tensor& a, const Tensor& b) { return mm(a, b); });
  cls.def("bmm", [](const Tensor& a, const Tensor& b) { return bmm(a, b); });
  cls.def("dot", &dot);
  cls.def("softmax", [](const Tensor& a, int64_t dim, py::handle dtype) { return softmax(as_dtype_arg(a, dtype), dim); },
          py::arg("dim"), py::arg("dtype") = py::none());
  cls.def("log_softmax", [](const Tensor& a, int64_t dim, py::handle dtype) {
    return log_softmax(as_dtype_arg(a, dtype), dim);
  }, py::arg("dim"), py::arg("dtype") = py::none());
  cls.def("addmm", [](const Tensor& bias, const Tensor& a, const Tensor& b, py::handle beta, py::handle alpha) {
    return addmm(bias, a, b, to_scalar(beta), to_scalar(alpha));
  }, py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  cls.def("outer", &outer);

  // ---- NaN/inf tests, element moves, in-place view ops (nonfinite.cpp, rearrange.cpp) ----
  cls.def("isnan", &isnan);
  cls.def("isinf", &isinf);
  cls.def("isposinf", &isposinf);
  cls.def("isneginf", &isneginf);
  cls.def("isfinite", &isfinite);
  cls.def("nan_to_num", [](const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                           std::optional<double> neginf) { return nan_to_num(a, nan.value_or(0.0), posinf, neginf); },
          py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  cls.def("nan_to_num_", [](Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                            std::optional<double> neginf) -> Tensor& {
    return nan_to_num_(a, nan.value_or(0.0), posinf, neginf);
  }, py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  cls.def("roll", [](const Tensor& a, py::handle shifts, py::handle dims) {
    return roll(a, to_dims(shifts, "roll"), dims.is_none() ? std::nullopt : std::optional<Dims>(to_dims(dims, "roll")));
  }, py::arg("shifts"), py::arg("dims") = py::none());
  cls.def("diagonal", &diagonal, py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  cls.def("diag", &diag, py::arg("diagonal") = 0);
  cls.def("diff", [](const Tensor& a, int64_t n, int64_t dim, std::optional<Tensor> prepend,
                     std::optional<Tensor> append) { return diff(a, n, dim, prepend, append); },
          py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(), py::arg("append") = py::none());
  cls.def("squeeze_", [](Tensor& a, py::handle dim) -> Tensor& {
    return squeeze_(a, dim.is_none() ? std::nullopt : std::optional<Dims>(to_dims(dim, "squeeze_")));
  }, py::arg("dim") = py::none());
  cls.def("unsqueeze_", [](Tensor& a, int64_t dim) -> Tensor& { return unsqueeze_(a, dim); }, py::arg("dim"));
  cls.def("t_", [](Tensor& a) -> Tensor& { return t_(a); });
  cls.def("transpose_", [](Tensor& a, int64_t d0, int64_t d1) -> Tensor& { return transpose_(a, d0, d1); },
          py::arg("dim0"), py::arg("dim1"));
  cls.def("swapaxes_", [](Tensor& a, int64_t d0, int64_t d1) -> Tensor& { return transpose_(a, d0, d1); },
          py::arg("axis0"), py::arg("axis1"));
  cls.def("resize_", [](Tensor& a, py::args sizes) -> Tensor& { return resize_(a, dims_from_args(sizes, "resize_")); });
}

}  // namespace ember
