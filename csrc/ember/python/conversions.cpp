#include <pybind11/numpy.h>

#include "ember/python/pyutils.h"

namespace ember {

namespace {
py::object* const g_dtypes = new py::object[int(ScalarType::NumTypes)];  // leaked: see bind_tensor.cpp
}

py::object dtype_object(ScalarType t) {
  py::object& o = g_dtypes[int(t)];
  if (!o) o = py::cast(PyDType{t});
  return o;
}

ScalarType to_dtype_arg(py::handle h) {
  if (py::isinstance<PyDType>(h)) return h.cast<PyDType&>().type;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return ScalarType::Float64;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return ScalarType::Int64;
  if (h.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return ScalarType::Bool;
  // numpy dtypes and scalar types
  py::module_ np = py::module_::import("numpy");
  try {
    py::dtype d = py::dtype::from_args(py::reinterpret_borrow<py::object>(h));
    std::string kind(1, d.kind());
    int64_t size = d.itemsize();
    if (kind == "f" && size == 4) return ScalarType::Float32;
    if (kind == "f" && size == 8) return ScalarType::Float64;
    if (kind == "f" && size == 2) return ScalarType::Float16;
    if (kind == "i" && size == 4) return ScalarType::Int32;
    if (kind == "i" && size == 8) return ScalarType::Int64;
    if (kind == "b") return ScalarType::Bool;
  } catch (py::error_already_set&) {
  }
  throw py::type_error("dtype must be an ember.dtype (e.g. ember.float32), got " +
                       std::string(py::str(py::repr(h))));
}

std::optional<ScalarType> to_opt_dtype(py::handle h) {
  if (h.is_none()) return std::nullopt;
  return to_dtype_arg(h);
}

Device to_device_arg(py::handle h) {
  if (h.is_none()) return Device{};
  if (py::isinstance<PyDevice>(h)) return h.cast<PyDevice&>().device;
  if (py::isinstance<py::str>(h)) {
    std::string s = h.cast<std::string>();
    Device d;
    std::string type = s.substr(0, s.find(':'));
    if (type == "cpu") d.type = DeviceType::CPU;
    else if (type == "cuda") d.type = DeviceType::CUDA;
    else
      throw_error(ErrorKind::Runtime, str("Expected one of cpu, cuda device type at start of device string: ", s));
    if (s.find(':') != std::string::npos) {
      try {
        d.index = int16_t(std::stoi(s.substr(s.find(':') + 1)));
      } catch (...) {
        throw_error(ErrorKind::Runtime, str("Invalid device string: '", s, "'"));
      }
    }
    return d;
  }
  if (py::isinstance<py::int_>(h)) return Device{DeviceType::CUDA, int16_t(h.cast<int>())};
  throw py::type_error("device must be an ember.device or a string like 'cpu', got " +
                       std::string(py::str(py::repr(h))));
}

py::object device_object(Device d) { return py::cast(PyDevice{d}); }

bool try_scalar(py::handle h, Scalar& out) {
  PyObject* o = h.ptr();
  if (PyBool_Check(o)) { out = Scalar(o == Py_True); return true; }
  if (PyLong_CheckExact(o) || PyLong_Check(o)) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
    if (overflow) {
      // Beyond int64: up to 2**64 - 1 PyTorch keeps an unsigned integer (ones(3) * 2**63 is
      // 9.2234e18, an int64 tensor + 2**63 wraps); beyond that it raises, as here.
      const unsigned long long u = overflow > 0 ? PyLong_AsUnsignedLongLong(o) : 0;
      if (overflow < 0 || PyErr_Occurred()) {
        PyErr_Clear();
        PyErr_SetString(PyExc_OverflowError, "int too big to convert");
        throw py::error_already_set();
      }
      out = Scalar::from_uint64(u);
      return true;
    }
    out = Scalar(int64_t(v));
    return true;
  }
  if (PyFloat_Check(o)) { out = Scalar(PyFloat_AS_DOUBLE(o)); return true; }
  // NumPy scalars
  static py::object& np_generic = *new py::object(py::module_::import("numpy").attr("generic"));  // leaked
  if (PyObject_IsInstance(o, np_generic.ptr()) == 1) {
    static py::object& np_bool = *new py::object(py::module_::import("numpy").attr("bool_"));  // leaked
    static py::object& np_integer = *new py::object(py::module_::import("numpy").attr("integer"));  // leaked
    static py::object& np_floating = *new py::object(py::module_::import("numpy").attr("floating"));  // leaked
    if (PyObject_IsInstance(o, np_bool.ptr()) == 1) { out = Scalar(bool(PyObject_IsTrue(o))); return true; }
    if (PyObject_IsInstance(o, np_integer.ptr()) == 1) { out = Scalar(int64_t(h.cast<long long>())); return true; }
    if (PyObject_IsInstance(o, np_floating.ptr()) == 1) { out = Scalar(h.cast<double>()); return true; }
  }
  return false;
}

std::vector<Tensor> tensors_in(py::handle seq) {
  std::vector<Tensor> out;
  for (py::handle h : py::reinterpret_borrow<py::sequence>(seq)) {
    if (!is_tensor(h))
      throw py::type_error("expected Tensor as element " + std::to_string(out.size()) + " in argument 0, but got " +
                           std::string(py::str(py::type::of(h).attr("__name__"))));
    out.push_back(as_tensor_unchecked(h));
  }
  return out;
}

Scalar to_scalar(py::handle h) {
  Scalar s;
  if (try_scalar(h, s)) return s;
  if (is_tensor(h)) {
    Tensor t = as_tensor_unchecked(h);
    EMBER_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
    Tensor c = t.device().is_cpu() ? contiguous(t) : to_device(t, Device{}, t.dtype());
    Scalar r;
    EMBER_DISPATCH_ALL_AND_HALF(t.dtype(), "item", [&] {
      scalar_t v = *static_cast<scalar_t*>(c.raw_data());
      if constexpr (std::is_same_v<scalar_t, bool>) r = Scalar(v);
      else if constexpr (is_float_v<scalar_t>) r = Scalar(double(v));
      else r = Scalar(int64_t(v));
    });
    return r;
  }
  throw py::type_error("expected a number, got " + std::string(py::str(py::type::of(h).attr("__name__"))));
}

bool try_operand(py::handle h, Operand& out) {
  if (is_tensor(h)) { out = Operand(as_tensor_unchecked(h)); return true; }
  Scalar s;
  if (try_scalar(h, s)) { out = Operand(s); return true; }
  return false;
}

Operand to_operand(py::handle h, const char* what) {
  Operand o{Scalar()};
  if (try_operand(h, o)) return o;
  throw py::type_error(std::string(what) + "(): argument 'other' must be Tensor or Number, not " +
                       std::string(py::str(py::type::of(h).attr("__name__"))));
}

namespace {
// A tensor where an int is expected (a size or a dim): as Python's __index__,
// only an integer tensor of one element.
int64_t index_from_tensor(py::handle h, const char* what) {
  const Tensor t = as_tensor_unchecked(h);
  if (t.numel() != 1 || (t.dtype() != ScalarType::Int64 && t.dtype() != ScalarType::Int32))
    throw py::type_error(std::string(what) + "(): only integer tensors of a single element can be converted to an "
                         "index, got a " + dtype_name(t.dtype()) + " tensor of " + std::to_string(t.numel()) +
                         " elements");
  return to_scalar(h).to_int();
}

// One entry of a size list: a Python or NumPy int, or a one-element integer tensor.
int64_t size_entry(py::handle x, const char* what) {
  if (is_tensor(x)) return index_from_tensor(x, what);
  if (!PyLong_Check(x.ptr()) || PyBool_Check(x.ptr())) {
    static py::object& np_integer = *new py::object(py::module_::import("numpy").attr("integer"));  // leaked
    if (PyObject_IsInstance(x.ptr(), np_integer.ptr()) != 1)
      throw py::type_error(std::string(what) + "(): argument 'size' must be tuple of ints, but found element "
                           "of type " + std::string(py::str(py::type::of(x).attr("__name__"))));
  }
  return x.cast<int64_t>();
}
}  // namespace

Dims to_dims(py::handle h, const char* what) {
  if (PyLong_Check(h.ptr()) && !PyBool_Check(h.ptr())) return {h.cast<int64_t>()};
  if (is_tensor(h)) return {index_from_tensor(h, what)};
  if (py::isinstance<py::sequence>(h) && !py::isinstance<py::str>(h)) {
    Dims d;
    for (py::handle x : h) d.push_back(size_entry(x, what));
    return d;
  }
  throw py::type_error(std::string(what) + "(): argument 'size' must be tuple of ints, not " +
                       std::string(py::str(py::type::of(h).attr("__name__"))));
}

Dims dims_from_args(const py::args& args, const char* what) {
  if (args.size() == 1 && !PyLong_Check(args[0].ptr())) return to_dims(args[0], what);
  Dims d;
  for (py::handle x : args) d.push_back(size_entry(x, what));
  return d;
}

Dims opt_dims(py::handle h) {
  if (h.is_none()) return {};
  return to_dims(h, "dim");
}

}  // namespace ember
