#pragma once
// Conversions between Python objects and ember's C++ types, shared by the
// binding files. Bindings only convert arguments and call ops.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "ember/ops/ops.h"

PYBIND11_DECLARE_HOLDER_TYPE(T, ember::intrusive_ptr<T>, true)

namespace pybind11 {
namespace detail {
// ember::Tensor <-> the Python Tensor object (the same TensorImpl, no copy).
template <>
struct type_caster<ember::Tensor> {
  PYBIND11_TYPE_CASTER(ember::Tensor, const_name("Tensor"));
  using Holder = ember::intrusive_ptr<ember::TensorImpl>;
  bool load(handle src, bool convert) {
    // None is not a Tensor (the holder caster would give a null one, and the op would crash);
    // optional tensor arguments are std::optional<Tensor>, whose caster takes None first.
    if (src.is_none()) return false;
    copyable_holder_caster<ember::TensorImpl, Holder> c;
    if (!c.load(src, convert)) return false;
    value = ember::Tensor(static_cast<Holder&>(c));
    return true;
  }
  static handle cast(const ember::Tensor& t, return_value_policy, handle) {
    if (!t.defined()) return none().release();
    return copyable_holder_caster<ember::TensorImpl, Holder>::cast(t.ptr(), return_value_policy::take_ownership,
                                                                   handle());
  }
};
}  // namespace detail
}  // namespace pybind11

namespace ember {
namespace py = pybind11;

// Python-visible dtype object (ember.float32, ...).
struct PyDType {
  ScalarType type;
};
// Python-visible device object.
struct PyDevice {
  Device device;
};

py::object dtype_object(ScalarType t);
ScalarType to_dtype_arg(py::handle h);  // ember.dtype, Python type, numpy dtype
std::optional<ScalarType> to_opt_dtype(py::handle h);
Device to_device_arg(py::handle h);     // ember.device, "cpu", "cuda:0", None -> cpu
py::object device_object(Device d);

inline bool is_tensor(py::handle h) { return py::isinstance<TensorImpl>(h); }
inline Tensor as_tensor_unchecked(py::handle h) { return h.cast<Tensor>(); }

// Python number (bool, int, float, NumPy scalar) -> Scalar. Returns false when h is not a number.
bool try_scalar(py::handle h, Scalar& out);
Scalar to_scalar(py::handle h);
// t, or t cast to `dtype` when it is not None (softmax(x, dim, dtype=...)).
inline Tensor as_dtype_arg(const Tensor& t, py::handle dtype) {
  return dtype.is_none() ? t : to_dtype(t, to_dtype_arg(dtype));
}
// The tensors of a sequence argument (index_put's indices, cat's tensors): PyTorch's TypeError naming
// the first element that is not a tensor.
std::vector<Tensor> tensors_in(py::handle seq);
// Tensor or number. Returns false for anything else.
bool try_operand(py::handle h, Operand& out);
Operand to_operand(py::handle h, const char* what);

// Sizes from f(2, 3), f((2, 3)), f([2, 3]) or f(ember.Size)
Dims dims_from_args(const py::args& args, const char* what);
Dims to_dims(py::handle h, const char* what);  // int or sequence of ints
Dims opt_dims(py::handle h);                    // None -> {} (all), int, or sequence

}  // namespace ember
