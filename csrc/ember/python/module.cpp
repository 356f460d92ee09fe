// The _C extension module: registers the bindings and maps ember's C++
// exception kinds onto the Python exception types PyTorch raises.
#include "ember/core/version.h"
#include "ember/cpu/parallel.h"
#include "ember/python/pyutils.h"

namespace ember {
void bind_tensor(py::module_& m);
void bind_interop(py::module_& m, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls);
void bind_functions(py::module_& m);
void bind_autograd(py::module_& m, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls);
void bind_optim(py::module_& m);
void bind_pool(py::module_& m);
void bind_conv(py::module_& m);
void bind_autocast(py::module_& m);
void bind_sort(py::module_& m, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls);
}  // namespace ember

PYBIND11_MODULE(_C, m) {
  using namespace ember;
  m.doc() = "ember's C++ core";
  m.attr("__version__") = ember::version();
  // ember.cuda.OutOfMemoryError lives here so that any module can raise it
  // without loading the CUDA backend.
  static PyObject* oom = PyErr_NewExceptionWithDoc("ember.cuda.OutOfMemoryError",
                                                   "CUDA out of memory (a RuntimeError).", PyExc_RuntimeError, nullptr);
  m.attr("_OutOfMemoryError") = py::handle(oom);
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyObject* type = PyExc_RuntimeError;
      switch (e.kind()) {
        case ErrorKind::Index: type = PyExc_IndexError; break;
        case ErrorKind::Type: type = PyExc_TypeError; break;
        case ErrorKind::Value: type = PyExc_ValueError; break;
        case ErrorKind::NotImplemented: type = PyExc_NotImplementedError; break;
        case ErrorKind::OutOfMemory: type = oom; break;
        default: break;
      }
      PyErr_SetString(type, e.what());
    }
  });
  // Core warnings become UserWarnings, attributed one frame above ember's own
  // Python wrapper (the user's line, as PyTorch's point at it).
  set_warning_handler([](const std::string& message) {
    py::gil_scoped_acquire gil;
    if (PyErr_WarnEx(PyExc_UserWarning, message.c_str(), 2) < 0) throw py::error_already_set();
  });
  // Long kernels release the GIL (only if this thread holds it).
  set_gil_hooks([]() -> void* { return PyGILState_Check() ? PyEval_SaveThread() : nullptr; },
                [](void* s) { PyEval_RestoreThread(static_cast<PyThreadState*>(s)); });
  bind_functions(m);
  bind_tensor(m);
  auto cls = py::reinterpret_borrow<py::class_<TensorImpl, intrusive_ptr<TensorImpl>>>(m.attr("Tensor"));
  bind_interop(m, cls);
  bind_autograd(m, cls);
  bind_sort(m, cls);
  bind_optim(m);
  bind_pool(m);
  bind_conv(m);
  bind_autocast(m);
}
