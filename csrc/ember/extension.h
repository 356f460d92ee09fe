#pragma once
// Everything an extension op needs, in one include (see docs/extending.md):
//
//   #include <ember/extension.h>
//
//   ember::Tensor my_op(const ember::Tensor& x) { ... }
//
//   EMBER_EXTENSION(my_ext, m) {
//     m.def("my_op", &my_op);
//   }
//
// - ember::Tensor: shape (sizes/strides/dim/numel), dtype, device,
//   data_ptr<T>(), contiguous(); ember::empty/zeros/... and every built-in op
//   (ember/ops/ops.h), callable from C++ with autograd.
// - Kernels: ember::StridedLoop with unary_kernel/binary_kernel/ternary_kernel
//   (ember/cpu/loops.h), ember::parallel_for (ember/cpu/parallel.h), dtype
//   dispatch with EMBER_DISPATCH_FLOATING/NUMERIC/ALL (ember/core/dtype.h).
// - Errors: EMBER_CHECK(cond, msg...) raises RuntimeError; _TYPE, _INDEX and
//   _VALUE raise TypeError, IndexError, ValueError (ember/core/error.h).
// - Autograd: ember::record("MyOpBackward", {&a, &b}, out, backward_lambda)
//   with ember::SavedTensor for what the backward needs (ember/autograd/autograd.h).
// - Tensors convert between Python and C++ without copies (ember/python/pyutils.h).
#include "ember/autograd/autograd.h"
#include "ember/core/version.h"
#include "ember/cpu/loops.h"
#include "ember/cpu/parallel.h"
#include "ember/cpu/vec_math.h"
#include "ember/ops/ops.h"
#include "ember/python/pyutils.h"
#include "ember/version.h"

// Defines the Python module `name`; importing it into an ember of another
// version raises ImportError naming both versions instead of misbehaving.
#define EMBER_EXTENSION(name, m)                                                  \
  static void ember_extension_init_##name(pybind11::module_& m);                  \
  PYBIND11_MODULE(name, m) {                                                      \
    pybind11::module_::import("ember");                                           \
    try {                                                                         \
      ::ember::check_extension_version(#name, EMBER_VERSION);                     \
    } catch (const ::ember::Error& e) {                                           \
      throw pybind11::import_error(e.what());                                     \
    }                                                                             \
    ember_extension_init_##name(m);                                               \
  }                                                                               \
  static void ember_extension_init_##name(pybind11::module_& m)
