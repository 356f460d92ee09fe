// NumPy and DLPack interop. Both directions share memory: a NumPy array made
// from a tensor holds a reference to the tensor's storage, and a tensor made
// from an array (or a DLPack capsule) holds a reference to its owner.
#include <pybind11/numpy.h>

#include "ember/python/pyutils.h"

namespace ember {
namespace {

// ---- NumPy ------------------------------------------------------------------------------
py::dtype numpy_dtype(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return py::dtype("?");
    case ScalarType::Int32: return py::dtype("int32");
    case ScalarType::Int64: return py::dtype("int64");
    case ScalarType::Float32: return py::dtype("float32");
    case ScalarType::Float64: return py::dtype("float64");
    case ScalarType::Float16: return py::dtype("float16");
    default: throw py::type_error(str("Got unsupported ScalarType ", dtype_short_name(t)));  // bfloat16, as torch
  }
}

std::optional<ScalarType> from_numpy_dtype(const py::dtype& d) {
  const char k = d.kind();
  const int64_t size = d.itemsize();
  if (k == 'f' && size == 4) return ScalarType::Float32;
  if (k == 'f' && size == 8) return ScalarType::Float64;
  if (k == 'f' && size == 2) return ScalarType::Float16;
  if (k == 'i' && size == 4) return ScalarType::Int32;
  if (k == 'i' && size == 8) return ScalarType::Int64;
  if (k == 'b') return ScalarType::Bool;
  return std::nullopt;
}

void release_storage(PyObject* capsule) {
  auto* s = static_cast<Storage*>(PyCapsule_GetPointer(capsule, "ember.storage"));
  if (s) s->decref();
}

// A NumPy array viewing the tensor's memory; its base keeps the storage alive.
py::array to_numpy(const Tensor& t) {
  EMBER_CHECK_TYPE(t.device().is_cpu(), "can't convert ", t.device().str(), " device type tensor to numpy. Use "
              "Tensor.cpu() to copy the tensor to host memory first.");
  Storage* s = t.impl()->storage().get();
  s->incref();
  py::capsule base(py::reinterpret_steal<py::capsule>(PyCapsule_New(s, "ember.storage", release_storage)));
  std::vector<py::ssize_t> shape(t.sizes().begin(), t.sizes().end()), strides;
  for (int64_t st : t.strides()) strides.push_back(st * itemsize(t.dtype()));
  return py::array(numpy_dtype(t.dtype()), shape, strides, t.raw_data(), base);
}

void release_pyobject(void* ctx) {
  py::gil_scoped_acquire gil;
  Py_DECREF(static_cast<PyObject*>(ctx));
}

Tensor from_numpy(py::handle obj) {
  if (!py::isinstance<py::array>(obj))
    throw py::type_error("expected np.ndarray (got " + std::string(py::str(py::type::of(obj).attr("__name__"))) + ")");
  py::array arr = py::reinterpret_borrow<py::array>(obj);
  auto dtype = from_numpy_dtype(arr.dtype());
  if (!dtype)
    throw py::type_error("can't convert np.ndarray of type numpy." +
                         std::string(py::str(arr.dtype().attr("type").attr("__name__"))) +
                         ". The only supported types are: float64, float32, float16, int64, int32, and bool.");
  const int64_t item = itemsize(*dtype);
  DimVector sizes, strides;
  int64_t span = arr.size() == 0 ? 0 : item;
  for (py::ssize_t d = 0; d < arr.ndim(); ++d) {
    const int64_t st = arr.strides(d);
    EMBER_CHECK_VALUE(st >= 0, "At least one stride in the given numpy array is negative, and tensors with "
                      "negative strides are not currently supported. (You can probably work around this by "
                      "making a copy of your array  with array.copy().) ");
    EMBER_CHECK_VALUE(st % item == 0, "given numpy array strides not a multiple of the element byte size. Copy "
                      "the numpy array to reallocate the memory.");
    sizes.push_back(arr.shape(d));
    strides.push_back(st / item);
    if (arr.shape(d) > 0) span += (arr.shape(d) - 1) * st;
  }
  Py_INCREF(arr.ptr());
  auto storage = make_intrusive<Storage>(const_cast<void*>(arr.data()), size_t(span), Device{}, release_pyobject,
                                         arr.ptr());
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), *dtype, sizes, strides, 0));
}

// ---- DLPack (v0.8 unversioned and v1.x versioned capsules) ---------------------------------
struct DLDevice { int32_t device_type; int32_t device_id; };
struct DLDataType { uint8_t code; uint8_t bits; uint16_t lanes; };
struct DLTensor {
  void* data;
  DLDevice device;
  int32_t ndim;
  DLDataType dtype;
  int64_t* shape;
  int64_t* strides;
  uint64_t byte_offset;
};
struct DLManagedTensor {
  DLTensor dl_tensor;
  void* manager_ctx;
  void (*deleter)(DLManagedTensor*);
};
struct DLPackVersion { uint32_t major, minor; };
struct DLManagedTensorVersioned {
  DLPackVersion version;
  void* manager_ctx;
  void (*deleter)(DLManagedTensorVersioned*);
  uint64_t flags;
  DLTensor dl_tensor;
};
enum : uint8_t { kDLInt = 0, kDLUInt = 1, kDLFloat = 2, kDLBfloat = 4, kDLBool = 6 };
enum : int32_t { kDLCPU = 1, kDLCUDA = 2 };

DLDataType dl_dtype(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return {kDLBool, 8, 1};
    case ScalarType::Int32: return {kDLInt, 32, 1};
    case ScalarType::Int64: return {kDLInt, 64, 1};
    case ScalarType::Float32: return {kDLFloat, 32, 1};
    case ScalarType::Float16: return {kDLFloat, 16, 1};
    case ScalarType::BFloat16: return {kDLBfloat, 16, 1};
    default: return {kDLFloat, 64, 1};
  }
}

ScalarType from_dl_dtype(DLDataType d) {
  EMBER_CHECK(d.lanes == 1, "DLPack: vector types are not supported");
  if (d.code == kDLFloat && d.bits == 32) return ScalarType::Float32;
  if (d.code == kDLFloat && d.bits == 64) return ScalarType::Float64;
  if (d.code == kDLFloat && d.bits == 16) return ScalarType::Float16;
  if (d.code == kDLBfloat && d.bits == 16) return ScalarType::BFloat16;
  if (d.code == kDLInt && d.bits == 32) return ScalarType::Int32;
  if (d.code == kDLInt && d.bits == 64) return ScalarType::Int64;
  if (d.code == kDLBool && d.bits == 8) return ScalarType::Bool;
  EMBER_ERROR("DLPack: unsupported dtype (code ", int(d.code), ", bits ", int(d.bits), ")");
}

// What an exported capsule owns: the tensor and the shape/stride arrays.
struct ExportCtx {
  Tensor tensor;
  std::vector<int64_t> shape, strides;
};

template <typename Managed>
Managed* make_managed(const Tensor& t) {
  auto* ctx = new ExportCtx{t, t.sizes().vec(), t.strides().vec()};
  auto* m = new Managed();
  DLTensor& dl = m->dl_tensor;
  dl.data = t.device_data();
  dl.device = {t.device().is_cpu() ? kDLCPU : kDLCUDA, t.device().is_cpu() ? 0 : std::max<int>(0, t.device().index)};
  dl.ndim = int32_t(t.dim());
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();
  dl.byte_offset = 0;
  m->manager_ctx = ctx;
  m->deleter = [](Managed* self) {
    delete static_cast<ExportCtx*>(self->manager_ctx);
    delete self;
  };
  return m;
}

py::object to_dlpack(const Tensor& t, py::handle max_version) {
  // the consumer may read a CUDA tensor on any stream: the work queued for it finishes first
  if (!t.device().is_cpu()) py::module_::import("ember.cuda").attr("_before_export")(t.device().index);
  bool versioned = false;
  if (!max_version.is_none()) versioned = py::cast<py::tuple>(max_version)[0].cast<int>() >= 1;
  if (versioned) {
    auto* m = make_managed<DLManagedTensorVersioned>(t);
    m->version = {1, 0};
    m->flags = 0;
    return py::reinterpret_steal<py::object>(PyCapsule_New(m, "dltensor_versioned", [](PyObject* cap) {
      if (PyCapsule_IsValid(cap, "dltensor_versioned")) {
        auto* mm = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(cap, "dltensor_versioned"));
        if (mm && mm->deleter) mm->deleter(mm);
      }
    }));
  }
  auto* m = make_managed<DLManagedTensor>(t);
  return py::reinterpret_steal<py::object>(PyCapsule_New(m, "dltensor", [](PyObject* cap) {
    if (PyCapsule_IsValid(cap, "dltensor")) {
      auto* mm = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(cap, "dltensor"));
      if (mm && mm->deleter) mm->deleter(mm);
    }
  }));
}

template <typename Managed>
Tensor wrap_dl(Managed* m) {
  DLTensor& dl = m->dl_tensor;
  Device device{};
  if (dl.device.device_type == kDLCUDA) {  // CUDA memory stays where it is; the backend must be up
    py::module_::import("ember.cuda").attr("_lazy_init")();
    device = Device{DeviceType::CUDA, int16_t(dl.device.device_id)};
  } else {
    EMBER_CHECK(dl.device.device_type == kDLCPU, "from_dlpack: only CPU and CUDA tensors are supported (device type ",
                dl.device.device_type, ")");
  }
  ScalarType t = from_dl_dtype(dl.dtype);
  DimVector sizes(dl.shape, dl.shape + dl.ndim);
  DimVector strides = dl.strides ? DimVector(dl.strides, dl.strides + dl.ndim) : contiguous_strides(sizes);
  int64_t span = shape_numel(sizes) == 0 ? 0 : itemsize(t);
  for (int i = 0; i < dl.ndim; ++i) {
    EMBER_CHECK(strides[i] >= 0, "from_dlpack: negative strides are not supported");
    if (sizes[i] > 0) span += (sizes[i] - 1) * strides[i] * itemsize(t);
  }
  void* data = static_cast<char*>(dl.data) + dl.byte_offset;
  auto storage = make_intrusive<Storage>(data, size_t(span), device, [](void* ctx) {
    auto* mm = static_cast<Managed*>(ctx);
    if (mm->deleter) mm->deleter(mm);
  }, m);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), t, sizes, strides, 0));
}

Tensor from_dlpack(py::object obj) {
  py::object cap = obj;
  if (py::hasattr(obj, "__dlpack__")) {
    // A CUDA producer must order its pending writes before ember's kernels:
    // DLPack's `stream` names the consumer's stream (1: the legacy default).
    py::dict kwargs;
    if (py::hasattr(obj, "__dlpack_device__") && obj.attr("__dlpack_device__")()[py::int_(0)].cast<int>() == kDLCUDA) {
      kwargs["stream"] = py::module_::import("ember.cuda").attr("_dlpack_stream")();
    }
    try {
      cap = obj.attr("__dlpack__")(py::arg("max_version") = py::make_tuple(1, 0), **kwargs);
    } catch (py::error_already_set& e) {
      if (!e.matches(PyExc_TypeError)) throw;
      cap = obj.attr("__dlpack__")(**kwargs);
    }
  }
  PyObject* c = cap.ptr();
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    auto* m = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, "dltensor_versioned"));
    EMBER_CHECK(m->version.major == 1, "from_dlpack: unsupported DLPack version ", m->version.major);
    Tensor t = wrap_dl(m);
    PyCapsule_SetName(c, "used_dltensor_versioned");
    return t;
  }
  if (PyCapsule_IsValid(c, "dltensor")) {
    auto* m = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
    Tensor t = wrap_dl(m);
    PyCapsule_SetName(c, "used_dltensor");
    return t;
  }
  throw py::type_error("from_dlpack: expected an object with __dlpack__ or a DLPack capsule");
}

}  // namespace

void bind_interop(py::module_& m, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls) {
  cls.def("_numpy_view", &to_numpy);
  cls.def("__dlpack__", [](const Tensor& t, py::handle stream, py::handle max_version, py::handle dl_device,
                           py::handle copy) { return to_dlpack(t, max_version); },
          py::kw_only(), py::arg("stream") = py::none(), py::arg("max_version") = py::none(),
          py::arg("dl_device") = py::none(), py::arg("copy") = py::none());
  cls.def("__dlpack_device__", [](const Tensor& t) {
    return py::make_tuple(t.device().is_cpu() ? int(kDLCPU) : int(kDLCUDA),
                          t.device().is_cpu() ? 0 : std::max<int>(0, t.device().index));
  });
  m.def("from_numpy", &from_numpy);
  m.def("from_dlpack", &from_dlpack);
}

}  // namespace ember
