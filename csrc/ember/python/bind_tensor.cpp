// The Tensor class: introspection, shape ops, reductions, indexing, in-place
// fills and random fills. Operators live in bind_tensor_ops.cpp.
#include "ember/python/pyutils.h"

namespace ember {

void bind_tensor_ops(py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls);

namespace {

// Leaked on purpose, as every Python object this library keeps in a C++ static: one destroyed by
// C++ static destruction runs after the interpreter has finalized and aborts the process at exit
// ("PyThreadState_Get: ... the GIL is released").
py::object& g_size_type = *new py::object();       // ember.Size, set from Python
py::object& g_tensor_factory = *new py::object();  // ember.tensor, for list/ndarray indices

py::object make_size(const DimVector& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return g_size_type ? g_size_type(t) : py::object(t);
}

// A Python index (t[...]) as a list of TensorIndex.
TensorIndex parse_one_index(py::handle h) {
  TensorIndex ix{TensorIndex::Kind::None};
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) {
    ix.kind = TensorIndex::Kind::Bool;
    ix.boolean = o == Py_True;
  } else if (PyLong_Check(o)) {
    ix.kind = TensorIndex::Kind::Int;
    int overflow = 0;
    ix.integer = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) throw py::value_error("Overflow when unpacking long long");
  } else if (PySlice_Check(o)) {
    ix.kind = TensorIndex::Kind::Slice;
    auto get = [&](const char* name) -> std::optional<int64_t> {
      py::object v = h.attr(name);
      if (v.is_none()) return std::nullopt;
      if (is_tensor(v)) return to_scalar(v).to_int();
      return v.cast<int64_t>();
    };
    ix.start = get("start");
    ix.stop = get("stop");
    ix.step = get("step").value_or(1);
    EMBER_CHECK_VALUE(ix.step > 0, "step must be greater than zero");
  } else if (o == Py_None) {
    ix.kind = TensorIndex::Kind::None;
  } else if (o == Py_Ellipsis) {
    ix.kind = TensorIndex::Kind::Ellipsis;
  } else if (is_tensor(h)) {
    Tensor t = as_tensor_unchecked(h);
    if (t.dim() == 0 && is_integral(t.dtype(), false)) {  // a 0-d integer tensor acts like an int
      ix.kind = TensorIndex::Kind::Int;
      ix.integer = to_scalar(h).to_int();
    } else {
      EMBER_CHECK_INDEX(!is_floating(t.dtype()), "tensors used as indices must be long, int, byte or bool tensors");
      ix.kind = TensorIndex::Kind::Tensor;
      ix.tensor = t;
    }
  } else if (PyUnicode_Check(o)) {
    throw py::type_error("new(): invalid data type 'str'");
  } else if (PyList_Check(o) && PyList_GET_SIZE(o) == 0) {  // x[[]]: no positions, an int64 index
    return parse_one_index(g_tensor_factory(h, py::arg("dtype") = dtype_object(ScalarType::Int64)));
  } else if (PyList_Check(o) || py::hasattr(h, "__array_interface__")) {
    return parse_one_index(g_tensor_factory(h));
  } else {
    Scalar s;
    if (try_scalar(h, s) && s.is_integral()) {
      ix.kind = TensorIndex::Kind::Int;
      ix.integer = s.to_int();
      return ix;
    }
    throw py::index_error("only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
                          "valid indices (got " + std::string(py::str(py::type::of(h).attr("__name__"))) + ")");
  }
  return ix;
}

// PyTorch's rule for a list used as an index: a short one holding a tensor, a
// sequence, a slice, an ellipsis or None is a tuple of indices (deprecated, with
// its warning); any other list is a tensor of positions.
bool list_is_tuple_index(py::handle key) {
  PyObject* o = key.ptr();
  if (!PyList_Check(o) || PyList_GET_SIZE(o) >= 32) return false;
  for (Py_ssize_t i = 0; i < PyList_GET_SIZE(o); ++i) {
    PyObject* item = PyList_GET_ITEM(o, i);
    if (is_tensor(item) || PySequence_Check(item) || PySlice_Check(item) || item == Py_Ellipsis || item == Py_None)
      return true;
  }
  return false;
}

std::vector<TensorIndex> parse_index(py::handle key) {
  std::vector<TensorIndex> out;
  const bool list_as_tuple = list_is_tuple_index(key);
  if (list_as_tuple)
    warn("Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] instead of "
         "x[seq]. A future PyTorch will read it as a tensor index, x[torch.tensor(seq)].");
  if (PyTuple_Check(key.ptr()) || list_as_tuple) {
    for (py::handle h : key) out.push_back(parse_one_index(h));
  } else {
    out.push_back(parse_one_index(key));
  }
  return out;
}

// index_put's values: a tensor (PyTorch's TypeError otherwise).
Tensor values_tensor(py::handle h, const char* op) {
  if (!is_tensor(h))
    throw py::type_error(std::string(op) + "(): argument 'values' (position 2) must be Tensor, not " +
                         std::string(py::str(py::type::of(h).attr("__name__"))));
  return as_tensor_unchecked(h);
}

// t[...] = v: a number or a tensor (PyTorch refuses lists, tuples and arrays there).
Operand value_operand(const Tensor& t, py::handle v) {
  Operand o{Scalar()};
  if (try_operand(v, o)) return o;
  py::handle type = py::type::of(v);
  std::string name = py::str(type.attr("__qualname__"));
  const std::string module = py::str(type.attr("__module__"));
  if (module != "builtins") name = module + "." + name;
  throw py::type_error("can't assign a " + name + " to a " + py::str(py::cast(t).attr("type")()).cast<std::string>());
}

py::object item(const Tensor& t) {
  EMBER_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
  Scalar s = to_scalar(py::cast(t));
  if (s.is_bool()) return py::bool_(s.to<bool>());
  if (s.is_floating()) return py::float_(s.to_double());
  return py::int_(s.to_int());
}

}  // namespace

void bind_tensor(py::module_& m) {
  py::class_<TensorImpl, intrusive_ptr<TensorImpl>> cls(m, "Tensor", py::dynamic_attr());
  // Tensor(...) as PyTorch's legacy constructor: Tensor(2, 3) is uninitialized of
  // that shape, Tensor([1., 2.]) copies data in the default dtype, Tensor(t)
  // aliases t's storage (how nn.Parameter wraps a tensor).
  cls.def(py::init([](py::args args) -> intrusive_ptr<TensorImpl> {
    if (args.size() == 0) return empty({0}, default_dtype()).ptr();
    if (args.size() == 1 && is_tensor(args[0])) {
      Tensor t = as_tensor_unchecked(args[0]);
      auto impl = make_intrusive<TensorImpl>(t.impl()->storage(), t.dtype(), t.sizes(), t.strides(), t.storage_offset());
      impl->share_version_counter(t.impl()->version_counter());
      return impl;
    }
    if (args.size() == 1 && !PyLong_Check(args[0].ptr()))
      return g_tensor_factory(args[0], py::arg("dtype") = dtype_object(default_dtype())).cast<Tensor>().ptr();
    return empty(DimVector(dims_from_args(args, "Tensor")), default_dtype()).ptr();
  }));
  m.def("_set_python_helpers", [](py::object size_type, py::object tensor_factory) {
    g_size_type = size_type;
    g_tensor_factory = tensor_factory;
  });

  // ---- introspection ----
  cls.def_property_readonly("shape", [](const Tensor& t) { return make_size(t.sizes()); });
  cls.def("size", [](const Tensor& t, py::handle dim) -> py::object {
    if (dim.is_none()) return make_size(t.sizes());
    return py::int_(t.size(dim.cast<int64_t>()));
  }, py::arg("dim") = py::none());
  cls.def("stride", [](const Tensor& t, py::handle dim) -> py::object {
    if (dim.is_none()) return py::tuple(py::cast(t.strides().vec()));
    return py::int_(t.stride(dim.cast<int64_t>()));
  }, py::arg("dim") = py::none());
  cls.def("dim", [](const Tensor& t) { return t.dim(); });
  // Shape equality without building two Size objects (losses check it on every call).
  cls.def("_same_shape", [](const Tensor& a, const Tensor& b) { return a.sizes() == b.sizes(); });
  cls.def("ndimension", [](const Tensor& t) { return t.dim(); });
  cls.def_property_readonly("ndim", [](const Tensor& t) { return t.dim(); });
  cls.def("numel", [](const Tensor& t) { return t.numel(); });
  cls.def("nelement", [](const Tensor& t) { return t.numel(); });
  cls.def("element_size", [](const Tensor& t) { return itemsize(t.dtype()); });
  cls.def_property_readonly("itemsize", [](const Tensor& t) { return itemsize(t.dtype()); });
  cls.def_property_readonly("nbytes", [](const Tensor& t) { return itemsize(t.dtype()) * t.numel(); });
  cls.def_property_readonly("dtype", [](const Tensor& t) { return dtype_object(t.dtype()); });
  cls.def_property_readonly("device", [](const Tensor& t) { return device_object(t.device()); });
  cls.def_property_readonly("is_cuda", [](const Tensor& t) { return t.device().type == DeviceType::CUDA; });
  cls.def_property_readonly("is_cpu", [](const Tensor& t) { return t.device().is_cpu(); });
  cls.def("is_contiguous", [](const Tensor& t) { return t.is_contiguous(); });
  cls.def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); });
  cls.def("data_ptr", [](const Tensor& t) { return reinterpret_cast<intptr_t>(t.device_data()); });
  cls.def("storage_offset", [](const Tensor& t) { return t.storage_offset(); });
  cls.def("_version_value", [](const Tensor& t) { return t.impl()->version(); });
  cls.def("item", &item);
  cls.def("__len__", [](const Tensor& t) {
    EMBER_CHECK_TYPE(t.dim() > 0, "len() of a 0-d tensor");
    return t.sizes()[0];
  });
  cls.def("__bool__", [](const Tensor& t) {
    EMBER_CHECK(t.numel() != 0, "Boolean value of Tensor with no values is ambiguous");
    EMBER_CHECK(t.numel() == 1, "Boolean value of Tensor with more than one value is ambiguous");
    return to_scalar(py::cast(t)).to<bool>();
  });
  cls.def("__float__", [](const Tensor& t) {
    EMBER_CHECK_VALUE(t.numel() == 1, "only one element tensors can be converted to Python scalars");
    return to_scalar(py::cast(t)).to_double();
  });
  cls.def("__int__", [](const Tensor& t) -> py::object {
    EMBER_CHECK_VALUE(t.numel() == 1, "only one element tensors can be converted to Python scalars");
    const Scalar v = to_scalar(py::cast(t));
    if (!v.is_floating()) return py::int_(v.to_int());
    // Python's int(float): exact for any finite value, ValueError for NaN, OverflowError for inf
    PyObject* r = PyLong_FromDouble(v.to_double());
    if (!r) throw py::error_already_set();
    return py::reinterpret_steal<py::object>(r);
  });
  cls.def("__index__", [](const Tensor& t) {
    EMBER_CHECK_TYPE(t.numel() == 1 && is_integral(t.dtype(), true),
                     "only integer tensors of a single element can be converted to an index");
    return to_scalar(py::cast(t)).to_int();
  });

  // ---- views and shape ----
  cls.def("view", [](const Tensor& t, py::args a) {
    if (a.size() == 1 && (py::isinstance<PyDType>(a[0]) || py::isinstance<py::type>(a[0])))
      throw_error(ErrorKind::Runtime, "view(dtype) is not supported by ember");
    return view(t, dims_from_args(a, "view"));
  });
  cls.def("view_as", [](const Tensor& t, const Tensor& o) { return view(t, o.sizes().vec()); });
  cls.def("reshape", [](const Tensor& t, py::args a) { return reshape(t, dims_from_args(a, "reshape")); });
  cls.def("reshape_as", [](const Tensor& t, const Tensor& o) { return reshape(t, o.sizes().vec()); });
  cls.def("flatten", &flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  cls.def("unflatten", [](const Tensor& t, int64_t dim, py::handle sizes) {
    return unflatten(t, dim, to_dims(sizes, "unflatten"));
  }, py::arg("dim"), py::arg("sizes"));
  cls.def("squeeze", [](const Tensor& t, py::handle dim) {
    return squeeze(t, dim.is_none() ? std::nullopt : std::optional<Dims>(to_dims(dim, "squeeze")));
  }, py::arg("dim") = py::none());
  cls.def("unsqueeze", &unsqueeze, py::arg("dim"));
  cls.def("transpose", &transpose, py::arg("dim0"), py::arg("dim1"));
  cls.def("swapaxes", &transpose, py::arg("axis0"), py::arg("axis1"));
  cls.def("permute", [](const Tensor& t, py::args a) { return permute(t, dims_from_args(a, "permute")); });
  cls.def("t", &ember::t);
  cls.def_property_readonly("T", [](const Tensor& x) {
    Dims rev;
    for (int64_t d = x.dim() - 1; d >= 0; --d) rev.push_back(d);
    return permute(x, rev);
  });
  cls.def_property_readonly("mT", &mT);
  cls.def("expand", [](const Tensor& t, py::args a) { return expand(t, dims_from_args(a, "expand")); });
  cls.def("expand_as", [](const Tensor& t, const Tensor& o) { return expand(t, o.sizes().vec()); });
  cls.def("broadcast_to", [](const Tensor& t, py::handle s) { return expand(t, to_dims(s, "broadcast_to")); });
  cls.def("narrow", &narrow, py::arg("dim"), py::arg("start"), py::arg("length"));
  cls.def("select", &select, py::arg("dim"), py::arg("index"));
  // The pieces come back as a tuple, as PyTorch's do.
  cls.def("chunk", [](const Tensor& t, int64_t chunks, int64_t dim) { return py::tuple(py::cast(chunk(t, chunks, dim))); },
          py::arg("chunks"), py::arg("dim") = 0);
  cls.def("split", [](const Tensor& t, py::handle s, int64_t dim) {
    if (PyLong_Check(s.ptr())) return py::tuple(py::cast(split(t, s.cast<int64_t>(), dim)));
    return py::tuple(py::cast(split_with_sizes(t, to_dims(s, "split"), dim)));
  }, py::arg("split_size"), py::arg("dim") = 0);
  cls.def("unbind", [](const Tensor& t, int64_t dim) { return py::tuple(py::cast(unbind(t, dim))); },
          py::arg("dim") = 0);
  cls.def("contiguous", [](const Tensor& t) { return contiguous(t); });
  cls.def("clone", [](const Tensor& t) { return clone(t); });
  cls.def("repeat", [](const Tensor& t, py::args a) { return repeat(t, dims_from_args(a, "repeat")); });
  cls.def("flip", [](const Tensor& t, py::args a) { return flip(t, dims_from_args(a, "flip")); });
  cls.def("tril", &tril, py::arg("diagonal") = 0);
  cls.def("triu", &triu, py::arg("diagonal") = 0);
  cls.def("as_strided", [](const Tensor& t, py::handle size, py::handle stride, std::optional<int64_t> off) {
    return as_strided(t, to_dims(size, "as_strided"), to_dims(stride, "as_strided"), off);
  }, py::arg("size"), py::arg("stride"), py::arg("storage_offset") = py::none());

  // ---- reductions ----
  cls.def("sum", [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
    return sum(t, opt_dims(dim), keepdim, to_opt_dtype(dtype));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  cls.def("mean", [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
    return mean(t, opt_dims(dim), keepdim, to_opt_dtype(dtype));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  cls.def("prod", [](const Tensor& t, py::handle dim, bool keepdim, py::handle dtype) {
    return prod(t, opt_dims(dim), keepdim, to_opt_dtype(dtype));
  }, py::arg("dim") = py::none(), py::arg("keepdim") = false, py::kw_only(), py::arg("dtype") = py::none());
  cls.def("amax", [](const Tensor& t, py::handle dim, bool keepdim) { return amax(t, opt_dims(dim), keepdim); },
          py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  cls.def("amin", [](const Tensor& t, py::handle dim, bool keepdim) { return amin(t, opt_dims(dim), keepdim); },
          py::arg("dim") = py::tuple(), py::arg("keepdim") = false);
  cls.def("argmax", &argmax, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def("argmin", &argmin, py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def("all", [](const Tensor& t, py::handle dim, bool keepdim) { return all(t, opt_dims(dim), keepdim); },
          py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def("any", [](const Tensor& t, py::handle dim, bool keepdim) { return any(t, opt_dims(dim), keepdim); },
          py::arg("dim") = py::none(), py::arg("keepdim") = false);
  cls.def("logsumexp", [](const Tensor& t, py::handle dim, bool keepdim) {
    return logsumexp(t, to_dims(dim, "logsumexp"), keepdim);
  }, py::arg("dim"), py::arg("keepdim") = false);
  cls.def("cumsum", [](const Tensor& t, int64_t dim, py::handle dtype) { return cumsum(t, dim, to_opt_dtype(dtype)); },
          py::arg("dim"), py::kw_only(), py::arg("dtype") = py::none());
  cls.def("_max_dim", &max_dim);
  cls.def("_max_all", [](const Tensor& t) { return max_all(t, true); });
  cls.def("_min_all", [](const Tensor& t) { return max_all(t, false); });
  cls.def("_min_dim", &min_dim);
  cls.def("_var", [](const Tensor& t, py::handle dim, double correction, bool keepdim) {
    return var(t, opt_dims(dim), correction, keepdim);
  });
  cls.def("_std", [](const Tensor& t, py::handle dim, double correction, bool keepdim) {
    return std_(t, opt_dims(dim), correction, keepdim);
  });
  cls.def("_norm", [](const Tensor& t, double p, py::handle dim, bool keepdim) {
    return norm(t, p, opt_dims(dim), keepdim);
  });

  // ---- indexing ----
  cls.def("__getitem__", [](const Tensor& t, py::handle key) { return index(t, parse_index(key)); });
  cls.def("__setitem__", [](Tensor& t, py::handle key, py::handle value) {
    index_put_(t, parse_index(key), value_operand(t, value));
  });
  cls.def("index_put_", [](Tensor& t, py::handle indices, py::handle values, bool accumulate) -> Tensor& {
    return index_put_(t, tensors_in(indices), values_tensor(values, "index_put_"), accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  cls.def("index_put", [](const Tensor& t, py::handle indices, py::handle values, bool accumulate) {
    return index_put(t, tensors_in(indices), values_tensor(values, "index_put"), accumulate);
  }, py::arg("indices"), py::arg("values"), py::arg("accumulate") = false);
  cls.def("index_select", &index_select, py::arg("dim"), py::arg("index"));
  cls.def("gather", &gather, py::arg("dim"), py::arg("index"));
  cls.def("scatter", [](const Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value,
                        std::string reduce) {
    return scatter(t, dim, index, to_operand(src.is_none() ? value : src, "scatter"), reduce);
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
     py::arg("reduce") = "");
  cls.def("scatter_", [](Tensor& t, int64_t dim, const Tensor& index, py::handle src, py::handle value,
                         std::string reduce) -> Tensor& {
    return scatter_(t, dim, index, to_operand(src.is_none() ? value : src, "scatter_"), reduce);
  }, py::arg("dim"), py::arg("index"), py::arg("src") = py::none(), py::kw_only(), py::arg("value") = py::none(),
     py::arg("reduce") = "");
  cls.def("scatter_add", &scatter_add, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("scatter_add_", [](Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) -> Tensor& {
    return scatter_(t, dim, index, Operand(src), "add");
  }, py::arg("dim"), py::arg("index"), py::arg("src"));
  cls.def("masked_select", &masked_select, py::arg("mask"));
  cls.def("nonzero", [](const Tensor& t, bool as_tuple) -> py::object {
    return as_tuple ? py::object(py::tuple(py::cast(nonzero_tuple(t)))) : py::cast(nonzero(t));
  }, py::kw_only(), py::arg("as_tuple") = false);

  // ---- in-place fills and copies ----
  cls.def("copy_", [](Tensor& t, const Tensor& src, bool) -> Tensor& { return copy_(t, src); },
          py::arg("src"), py::arg("non_blocking") = false);
  cls.def("fill_", [](Tensor& t, py::handle v) -> Tensor& { return fill_(t, to_scalar(v)); });
  cls.def("zero_", [](Tensor& t) -> Tensor& { return zero_(t); });
  cls.def("_to_dtype", [](const Tensor& t, py::handle dtype, bool copy) { return to_dtype(t, to_dtype_arg(dtype), copy); });
  cls.def("_to_device", [](const Tensor& t, py::handle device, py::handle dtype, bool copy) {
    return to_device(t, to_device_arg(device), dtype.is_none() ? t.dtype() : to_dtype_arg(dtype), copy);
  });
  cls.def("uniform_", [](Tensor& t, double from, double to, Generator* g) -> Tensor& { return uniform_(t, from, to, g); },
          py::arg("from") = 0.0, py::arg("to") = 1.0, py::kw_only(), py::arg("generator") = nullptr);
  cls.def("normal_", [](Tensor& t, double mean, double std, Generator* g) -> Tensor& { return normal_(t, mean, std, g); },
          py::arg("mean") = 0.0, py::arg("std") = 1.0, py::kw_only(), py::arg("generator") = nullptr);
  // Python resolves random_()'s overloads (random_(to), random_(from, to), random_(from, None)).
  cls.def("_random_", [](Tensor& t, std::optional<int64_t> from, std::optional<int64_t> to, Generator* g) -> Tensor& {
    return random_(t, from, to, g);
  });
  cls.def("bernoulli_", [](Tensor& t, py::handle p, Generator* g) -> Tensor& {
    return bernoulli_(t, to_scalar(p).to_double(), g);
  }, py::arg("p") = 0.5, py::kw_only(), py::arg("generator") = nullptr);
  cls.def("bernoulli", [](const Tensor& t, Generator* g) { return bernoulli(t, g); }, py::kw_only(),
          py::arg("generator") = nullptr);

  bind_tensor_ops(cls);
}

}  // namespace ember
