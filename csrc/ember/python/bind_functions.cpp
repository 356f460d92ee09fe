// Module-level functions: dtype/device/Generator objects, factories, random
// state, and the functional forms of ops that take out=.
#include <cmath>
#include <random>

#include "ember/cpu/parallel.h"
#include "ember/python/pyutils.h"

namespace ember {
namespace {

Tensor maybe_out(const Tensor& r, py::handle out, const char* op);

// cat/stack into an out= tensor whose dtype can't hold the inputs: PyTorch's TypeError.
void check_list_out(const std::vector<Tensor>& ts, py::handle out, const char* op) {
  if (out.is_none() || ts.empty()) return;
  ScalarType ot = out.cast<Tensor>().dtype();
  for (const Tensor& t : ts)
    if (is_floating(t.dtype()) && !is_floating(ot))
      throw py::type_error(std::string("torch.") + op + "(): input types can't be cast to the desired output type " +
                           dtype_short_name(ot));
}

// cat/stack's tensors: a sequence of tensors, not a tensor (which would iterate its rows).
std::vector<Tensor> tensor_sequence(py::handle seq, const char* op) {
  if (is_tensor(seq))
    throw py::type_error(std::string(op) + "(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor");
  if (!PySequence_Check(seq.ptr()) || PyUnicode_Check(seq.ptr()))
    throw py::type_error(std::string(op) + "(): argument 'tensors' (position 1) must be tuple of Tensors, not " +
                         std::string(py::str(py::type::of(seq).attr("__name__"))));
  return tensors_in(seq);
}

Generator* opt_gen(py::handle g) { return g.is_none() ? nullptr : g.cast<Generator*>(); }

uint64_t seed_value(py::handle seed) {
  // As PyTorch: a seed in [-2**63, 2**64), a negative one taken modulo 2**64 (-1 means 2**64 - 1).
  py::int_ v = py::reinterpret_borrow<py::int_>(seed);
  int overflow = 0;
  const long long s = PyLong_AsLongLongAndOverflow(v.ptr(), &overflow);
  if (!overflow) return uint64_t(s);
  const unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(v.ptr()) : 0;
  if (overflow < 0 || PyErr_Occurred()) {
    PyErr_Clear();
    throw py::value_error("Overflow when unpacking long long");
  }
  return u;
}

py::bytes state_bytes(const Generator& g) {
  std::vector<uint8_t> s = g.get_state();
  return py::bytes(reinterpret_cast<const char*>(s.data()), s.size());
}

}  // namespace

void bind_functions(py::module_& m) {
  // ---- dtype and device objects ----
  py::class_<PyDType>(m, "dtype")
      .def_property_readonly("is_floating_point", [](const PyDType& d) { return is_floating(d.type); })
      .def_property_readonly("is_signed", [](const PyDType& d) { return d.type != ScalarType::Bool; })
      .def_property_readonly("itemsize", [](const PyDType& d) { return itemsize(d.type); })
      .def_property_readonly("_name", [](const PyDType& d) { return dtype_name(d.type); })
      .def("__repr__", [](const PyDType& d) { return std::string("ember.") + dtype_name(d.type); })
      .def("__eq__", [](const PyDType& a, py::handle b) {
        return py::isinstance<PyDType>(b) && b.cast<PyDType&>().type == a.type;
      })
      .def("__hash__", [](const PyDType& d) { return int(d.type); })
      .def("__reduce__", [](const PyDType& d) { return py::make_tuple(py::module_::import("ember").attr("_dtype_from_name"),
                                                                       py::make_tuple(dtype_name(d.type))); });
  for (int i = 0; i < int(ScalarType::NumTypes); ++i)
    m.attr(dtype_name(ScalarType(i))) = dtype_object(ScalarType(i));

  py::class_<PyDevice>(m, "device")
      .def(py::init([](py::handle spec, py::handle index) {
        Device d = to_device_arg(spec);
        if (!index.is_none()) d.index = int16_t(index.cast<int>());
        return PyDevice{d};
      }), py::arg("type"), py::arg("index") = py::none())
      .def_property_readonly("type", [](const PyDevice& d) { return d.device.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index", [](const PyDevice& d) -> py::object {
        if (d.device.index < 0) return py::none();
        return py::int_(d.device.index);
      })
      .def("__repr__", [](const PyDevice& d) {
        std::string s = "device(type='" + std::string(d.device.is_cpu() ? "cpu" : "cuda") + "'";
        if (d.device.index >= 0) s += ", index=" + std::to_string(d.device.index);
        return s + ")";
      })
      .def("__str__", [](const PyDevice& d) { return d.device.str(); })
      .def("__eq__", [](const PyDevice& a, py::handle b) {
        if (py::isinstance<PyDevice>(b)) return b.cast<PyDevice&>().device == a.device;
        if (py::isinstance<py::str>(b)) return to_device_arg(b) == a.device;
        return false;
      })
      .def("__hash__", [](const PyDevice& d) { return int(d.device.type) * 1000 + d.device.index; });

  // ---- random state ----
  py::class_<Generator>(m, "Generator")
      .def(py::init([](py::handle device) {
        EMBER_CHECK(to_device_arg(device).is_cpu(), "Generator: only 'cpu' generators are supported by this build");
        return new Generator();
      }), py::arg("device") = "cpu")
      .def("manual_seed", [](Generator& g, py::handle seed) -> Generator& {
        std::lock_guard<std::mutex> lock(g.mutex());
        g.manual_seed(seed_value(seed));
        return g;
      }, py::return_value_policy::reference)
      .def("initial_seed", [](const Generator& g) { return g.initial_seed(); })
      .def("seed", [](Generator& g) {
        uint64_t s = std::random_device{}() | (uint64_t(std::random_device{}()) << 32);
        s &= (uint64_t(1) << 63) - 1;
        std::lock_guard<std::mutex> lock(g.mutex());
        g.manual_seed(s);
        return s;
      })
      .def("_get_state_bytes", [](Generator& g) { return state_bytes(g); })
      .def("_set_state_bytes", [](Generator& g, py::bytes b) {
        std::string s = b;
        std::lock_guard<std::mutex> lock(g.mutex());
        try {
          g.set_state(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        } catch (const std::invalid_argument& e) {
          throw_error(ErrorKind::Runtime, e.what());
        }
      })
      .def_property_readonly("device", [](const Generator&) { return device_object(Device{}); });
  m.def("default_generator", []() -> Generator& { return default_generator(); }, py::return_value_policy::reference);

  // ---- factories (Python wrappers parse *size, dtype defaults and device) ----
  m.def("_empty", [](const Dims& s, py::handle dt, py::handle dev) {
    return empty(DimVector(s), to_dtype_arg(dt), to_device_arg(dev));
  });
  m.def("_full", [](const Dims& s, py::handle v, py::handle dt, py::handle dev) {
    return full(DimVector(s), to_scalar(v), to_dtype_arg(dt), to_device_arg(dev));
  });
  m.def("_arange", [](py::handle a, py::handle b, py::handle c, py::handle dt, py::handle dev) {
    return arange(to_scalar(a), to_scalar(b), to_scalar(c), to_dtype_arg(dt), to_device_arg(dev));
  });
  m.def("_linspace", [](double a, double b, int64_t n, py::handle dt, py::handle dev) {
    return linspace(a, b, n, to_dtype_arg(dt), to_device_arg(dev));
  });
  m.def("_eye", [](int64_t n, int64_t mm, py::handle dt, py::handle dev) {
    return eye(n, mm, to_dtype_arg(dt), to_device_arg(dev));
  });
  m.def("_randperm", [](int64_t n, py::handle dt, py::handle g, py::handle dev) {
    return randperm(n, to_dtype_arg(dt), opt_gen(g), to_device_arg(dev));
  });
  m.def("_scalar_to_tensor", [](py::handle v, py::handle dt) {
    return scalar_tensor(to_scalar(v), to_dtype_arg(dt));
  });

  // ---- settings ----
  m.def("get_default_dtype", []() { return dtype_object(default_dtype()); });
  // PyTorch's name of a dtype in error messages ('Long', 'Half'), for errors raised in Python.
  m.def("_dtype_short_name", [](py::handle d) { return std::string(dtype_short_name(to_dtype_arg(d))); });
  m.def("_set_default_dtype", [](py::handle d) { set_default_dtype(to_dtype_arg(d)); });
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", [](int n) {
    EMBER_CHECK(n > 0, "set_num_threads expects a positive integer");
    set_num_threads(n);
    set_blas_num_threads(n);
  });
  m.def("_allocator_stats", []() {
    auto s = cpu_allocator_stats();
    return py::dict(py::arg("cached_bytes") = s.cached_bytes, py::arg("hits") = s.cache_hits,
                    py::arg("misses") = s.cache_misses);
  });
  m.def("_allocator_empty_cache", &cpu_allocator_empty_cache);

  // ---- functional forms with out= ----
#define EMBER_UNARY_FN(NAME, OP)                                                              \
  m.def(NAME, [](const Tensor& a, py::handle out) {                                           \
    return out.is_none() ? unary(UnaryOp::OP, a) : unary(UnaryOp::OP, a, out.cast<Tensor>());  \
  }, py::arg("input"), py::kw_only(), py::arg("out") = py::none());
  EMBER_UNARY_FN("neg", Neg)
  EMBER_UNARY_FN("negative", Neg)
  EMBER_UNARY_FN("abs", Abs)
  EMBER_UNARY_FN("exp", Exp)
  EMBER_UNARY_FN("log", Log)
  EMBER_UNARY_FN("log2", Log2)
  EMBER_UNARY_FN("log10", Log10)
  EMBER_UNARY_FN("log1p", Log1p)
  EMBER_UNARY_FN("expm1", Expm1)
  EMBER_UNARY_FN("sqrt", Sqrt)
  EMBER_UNARY_FN("rsqrt", Rsqrt)
  EMBER_UNARY_FN("sin", Sin)
  EMBER_UNARY_FN("cos", Cos)
  EMBER_UNARY_FN("tan", Tan)
  EMBER_UNARY_FN("tanh", Tanh)
  EMBER_UNARY_FN("sigmoid", Sigmoid)
  EMBER_UNARY_FN("relu", Relu)
  EMBER_UNARY_FN("sign", Sign)
  EMBER_UNARY_FN("floor", Floor)
  EMBER_UNARY_FN("ceil", Ceil)
  EMBER_UNARY_FN("trunc", Trunc)
  EMBER_UNARY_FN("reciprocal", Reciprocal)
  EMBER_UNARY_FN("square", Square)
  EMBER_UNARY_FN("logical_not", LogicalNot)
  EMBER_UNARY_FN("asin", Asin)
  EMBER_UNARY_FN("acos", Acos)
  EMBER_UNARY_FN("atan", Atan)
  EMBER_UNARY_FN("sinh", Sinh)
  EMBER_UNARY_FN("cosh", Cosh)
  EMBER_UNARY_FN("erf", Erf)
  EMBER_UNARY_FN("frac", Frac)
#undef EMBER_UNARY_FN
  m.def("round", [](const Tensor& a, int64_t decimals, py::handle out) {
    Tensor r;
    if (decimals == 0) r = unary(UnaryOp::Round, a);
    else {
      double scale = std::pow(10.0, double(decimals));
      r = div(unary(UnaryOp::Round, mul(a, Scalar(scale))), Scalar(scale));
    }
    return maybe_out(r, out, "round");
  }, py::arg("input"), py::kw_only(), py::arg("decimals") = 0, py::arg("out") = py::none());

#define EMBER_BINARY_FN(NAME, OP)                                                                   \
  m.def(NAME, [](py::handle a, py::handle b, py::handle out) {                                      \
    Operand oa = to_operand(a, NAME), ob = to_operand(b, NAME);                                      \
    return out.is_none() ? binary(BinaryOp::OP, oa, ob) : binary(BinaryOp::OP, oa, ob, out.cast<Tensor>()); \
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  EMBER_BINARY_FN("mul", Mul)
  EMBER_BINARY_FN("multiply", Mul)
  EMBER_BINARY_FN("true_divide", Div)
  EMBER_BINARY_FN("floor_divide", FloorDiv)
  EMBER_BINARY_FN("remainder", Remainder)
  EMBER_BINARY_FN("fmod", Fmod)
  EMBER_BINARY_FN("pow", Pow)
  EMBER_BINARY_FN("atan2", Atan2)
  EMBER_BINARY_FN("maximum", Maximum)
  EMBER_BINARY_FN("minimum", Minimum)
  EMBER_BINARY_FN("eq", Eq)
  EMBER_BINARY_FN("ne", Ne)
  EMBER_BINARY_FN("lt", Lt)
  EMBER_BINARY_FN("le", Le)
  EMBER_BINARY_FN("gt", Gt)
  EMBER_BINARY_FN("ge", Ge)
  EMBER_BINARY_FN("logical_and", LogicalAnd)
  EMBER_BINARY_FN("logical_or", LogicalOr)
  EMBER_BINARY_FN("logical_xor", LogicalXor)
  EMBER_BINARY_FN("bitwise_and", BitAnd)
  EMBER_BINARY_FN("bitwise_or", BitOr)
  EMBER_BINARY_FN("bitwise_xor", BitXor)
#undef EMBER_BINARY_FN
  m.def("add", [](py::handle a, py::handle b, py::handle alpha, py::handle out) {
    Scalar al = to_scalar(alpha);
    if (!out.is_none() && al.to_double() == 1.0)  // straight into out, no temporary
      return binary(BinaryOp::Add, to_operand(a, "add"), to_operand(b, "add"), out.cast<Tensor>());
    return maybe_out(add(to_operand(a, "add"), to_operand(b, "add"), al), out, "add");
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1, py::arg("out") = py::none());
  m.def("sub", [](py::handle a, py::handle b, py::handle alpha, py::handle out) {
    if (!out.is_none() && to_scalar(alpha).to_double() == 1.0)
      return binary(BinaryOp::Sub, to_operand(a, "sub"), to_operand(b, "sub"), out.cast<Tensor>());
    return maybe_out(sub(to_operand(a, "sub"), to_operand(b, "sub"), to_scalar(alpha)), out, "sub");
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("alpha") = 1, py::arg("out") = py::none());
  m.def("div", [](py::handle a, py::handle b, py::handle mode, py::handle out) {
    BinaryOp op = BinaryOp::Div;
    if (!mode.is_none()) {
      std::string s = mode.cast<std::string>();
      EMBER_CHECK(s == "floor" || s == "trunc", "div expected rounding_mode to be one of None, 'trunc', or "
                        "'floor' but found '", s, "'");
      op = s == "floor" ? BinaryOp::FloorDiv : BinaryOp::TruncDiv;
    }
    Operand oa = to_operand(a, "div"), ob = to_operand(b, "div");
    return out.is_none() ? binary(op, oa, ob) : binary(op, oa, ob, out.cast<Tensor>());
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("rounding_mode") = py::none(),
     py::arg("out") = py::none());
  m.def("where", [](const Tensor& c, py::handle a, py::handle b, py::handle out) -> py::object {
    if (a.is_none() && b.is_none()) return py::tuple(py::cast(nonzero_tuple(c)));  // nonzero(cond, as_tuple=True)
    return py::cast(maybe_out(where(c, to_operand(a, "where"), to_operand(b, "where")), out, "where"));
  }, py::arg("condition"), py::arg("input") = py::none(), py::arg("other") = py::none(), py::kw_only(),
     py::arg("out") = py::none());
  m.def("clamp", [](const Tensor& a, py::handle lo, py::handle hi, py::handle out) {
    auto opt = [](py::handle h) { return h.is_none() ? std::optional<Operand>() : std::optional<Operand>(to_operand(h, "clamp")); };
    return clamp(a, opt(lo), opt(hi), out.is_none() ? OptTensor() : OptTensor(out.cast<Tensor>()));
  }, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none(), py::kw_only(),
     py::arg("out") = py::none());
  m.def("matmul", [](const Tensor& a, const Tensor& b, py::handle out) {
    return matmul(a, b, out.is_none() ? OptTensor() : OptTensor(out.cast<Tensor>()));
  }, py::arg("input"), py::arg("other"), py::kw_only(), py::arg("out") = py::none());
  m.def("mm", [](const Tensor& a, const Tensor& b, py::handle out) {
    return mm(a, b, out.is_none() ? OptTensor() : OptTensor(out.cast<Tensor>()));
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out") = py::none());
  m.def("bmm", [](const Tensor& a, const Tensor& b, py::handle out) {
    return bmm(a, b, out.is_none() ? OptTensor() : OptTensor(out.cast<Tensor>()));
  }, py::arg("input"), py::arg("mat2"), py::kw_only(), py::arg("out") = py::none());
  m.def("dot", &dot, py::arg("input"), py::arg("tensor"));
  m.def("outer", &outer, py::arg("input"), py::arg("vec2"));
  m.def("cat", [](py::handle seq, int64_t dim, py::handle out) {
    const std::vector<Tensor> ts = tensor_sequence(seq, "cat");
    check_list_out(ts, out, "cat");
    return maybe_out(cat(ts, dim), out, "cat");
  }, py::arg("tensors"), py::arg("dim") = 0, py::kw_only(), py::arg("out") = py::none());
  m.def("stack", [](py::handle seq, int64_t dim, py::handle out) {
    const std::vector<Tensor> ts = tensor_sequence(seq, "stack");
    check_list_out(ts, out, "stack");
    return maybe_out(stack(ts, dim), out, "stack");
  }, py::arg("tensors"), py::arg("dim") = 0, py::kw_only(), py::arg("out") = py::none());
  // ---- nn ops (ember.nn.functional builds on these) ----
  m.def("softmax", [](const Tensor& a, int64_t dim, py::handle dtype) { return softmax(as_dtype_arg(a, dtype), dim); },
        py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
  m.def("log_softmax", [](const Tensor& a, int64_t dim, py::handle dtype) {
    return log_softmax(as_dtype_arg(a, dtype), dim);
  }, py::arg("input"), py::arg("dim"), py::arg("dtype") = py::none());
  m.def("_nll_loss", [](const Tensor& input, const Tensor& target, std::optional<Tensor> weight,
                        const std::string& reduction, int64_t ignore_index) {
    return nll_loss(input, target, weight, reduction, ignore_index);
  });
  m.def("addmm", [](const Tensor& bias, const Tensor& a, const Tensor& b, py::handle beta, py::handle alpha) {
    return addmm(bias, a, b, to_scalar(beta), to_scalar(alpha));
  }, py::arg("input"), py::arg("mat1"), py::arg("mat2"), py::kw_only(), py::arg("beta") = 1, py::arg("alpha") = 1);
  m.def("linear", &linear, py::arg("input"), py::arg("weight"), py::arg("bias") = std::nullopt);
  m.def("broadcast_shapes", [](py::args shapes) {
    DimVector r;
    for (py::handle s : shapes) r = broadcast_shapes(r, DimVector(to_dims(s, "broadcast_shapes")));
    return r.vec();
  });

  // ---- NaN/inf tests, element moves, logspace (nonfinite.cpp, rearrange.cpp, range.cpp) ----
  m.def("isnan", &isnan, py::arg("input"));
  m.def("isinf", &isinf, py::arg("input"));
  m.def("isposinf", &isposinf, py::arg("input"));
  m.def("isneginf", &isneginf, py::arg("input"));
  m.def("isfinite", &isfinite, py::arg("input"));
  m.def("nan_to_num", [](const Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                         std::optional<double> neginf, py::handle out) {
    return maybe_out(nan_to_num(a, nan.value_or(0.0), posinf, neginf), out, "nan_to_num");
  }, py::arg("input"), py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none(),
     py::kw_only(), py::arg("out") = py::none());
  m.def("nan_to_num_", [](Tensor& a, std::optional<double> nan, std::optional<double> posinf,
                          std::optional<double> neginf) -> Tensor& {
    return nan_to_num_(a, nan.value_or(0.0), posinf, neginf);
  }, py::arg("input"), py::arg("nan") = 0.0, py::arg("posinf") = py::none(), py::arg("neginf") = py::none());
  m.def("roll", [](const Tensor& a, py::handle shifts, py::handle dims) {
    return roll(a, to_dims(shifts, "roll"), dims.is_none() ? std::nullopt : std::optional<Dims>(to_dims(dims, "roll")));
  }, py::arg("input"), py::arg("shifts"), py::arg("dims") = py::none());
  m.def("diagonal", &diagonal, py::arg("input"), py::arg("offset") = 0, py::arg("dim1") = 0, py::arg("dim2") = 1);
  m.def("diag", [](const Tensor& a, int64_t k, py::handle out) { return maybe_out(diag(a, k), out, "diag"); },
        py::arg("input"), py::arg("diagonal") = 0, py::kw_only(), py::arg("out") = py::none());
  m.def("_repeat_interleave", [](const Tensor& a, py::handle repeats, std::optional<int64_t> dim,
                                 std::optional<int64_t> output_size) {
    if (repeats.is_none()) return repeat_interleave(a, output_size);
    if (is_tensor(repeats)) return repeat_interleave(a, as_tensor_unchecked(repeats), dim, output_size);
    return repeat_interleave(a, repeats.cast<int64_t>(), dim, output_size);
  });
  m.def("diff", [](const Tensor& a, int64_t n, int64_t dim, std::optional<Tensor> prepend,
                   std::optional<Tensor> append) { return diff(a, n, dim, prepend, append); },
        py::arg("input"), py::arg("n") = 1, py::arg("dim") = -1, py::arg("prepend") = py::none(),
        py::arg("append") = py::none());
  m.def("_logspace", [](double start, double end, int64_t steps, double base, py::handle dt, py::handle dev) {
    return logspace(start, end, steps, base, to_dtype_arg(dt), to_device_arg(dev));
  });
}

namespace {
Tensor maybe_out(const Tensor& r, py::handle out, const char* op) {
  if (out.is_none()) return r;
  Tensor o = out.cast<Tensor>();
  ScalarType rt = r.dtype(), ot = o.dtype();
  EMBER_CHECK(!(is_floating(rt) && !is_floating(ot)) && !(rt != ScalarType::Bool && ot == ScalarType::Bool),
              "result type ", dtype_short_name(rt), " can't be cast to the desired output type ", dtype_short_name(ot));
  if (o.sizes() != r.sizes()) {
    auto storage = Storage::create(size_t(r.numel()) * itemsize(ot), o.device());
    o.impl()->set_storage(std::move(storage), ot);
    o.impl()->set_geometry(r.sizes(), contiguous_strides(r.sizes()), 0);
  }
  return copy_(o, r);
}
}  // namespace

}  // namespace ember
