// Convolution bindings (ops/conv.cpp). ember.nn.functional turns ints and
// 'same'/'valid' into the explicit lists these take.
#include "ember/python/pyutils.h"

namespace ember {

void bind_conv(py::module_& m) {
  m.def("conv2d", &conv2d, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
        py::arg("stride") = Dims{1}, py::arg("padding") = Dims{0}, py::arg("dilation") = Dims{1},
        py::arg("groups") = 1);
  m.def("conv_transpose2d", &conv_transpose2d, py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(),
        py::arg("stride") = Dims{1}, py::arg("padding") = Dims{0}, py::arg("output_padding") = Dims{0},
        py::arg("groups") = 1, py::arg("dilation") = Dims{1});
}

}  // namespace ember
