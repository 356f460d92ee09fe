// Pooling, batch and group normalization, and upsampling (ember.nn.functional builds on these; it expands ints to pairs).
#include "ember/python/pyutils.h"

namespace ember {

void bind_pool(py::module_& m) {
  m.def("_max_pool2d", &max_pool2d_with_indices, py::arg("input"), py::arg("kernel_size"), py::arg("stride"),
        py::arg("padding"), py::arg("dilation"), py::arg("ceil_mode"));
  m.def("_avg_pool2d", &avg_pool2d, py::arg("input"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("_adaptive_avg_pool2d", &adaptive_avg_pool2d, py::arg("input"), py::arg("output_size"));
  m.def("_adaptive_max_pool2d", &adaptive_max_pool2d, py::arg("input"), py::arg("output_size"));
  m.def("_batch_norm", &batch_norm, py::arg("input"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"),
        py::arg("running_var"), py::arg("training"), py::arg("momentum"), py::arg("eps"));
  m.def("_group_norm", &group_norm, py::arg("input"), py::arg("num_groups"), py::arg("weight"), py::arg("bias"),
        py::arg("eps"));
  m.def("_upsample_nearest2d", &upsample_nearest2d, py::arg("input"), py::arg("output_size"), py::arg("scale_h"),
        py::arg("scale_w"));
  m.def("_upsample_bilinear2d", &upsample_bilinear2d, py::arg("input"), py::arg("output_size"),
        py::arg("align_corners"), py::arg("scale_h"), py::arg("scale_w"));
}

}  // namespace ember
