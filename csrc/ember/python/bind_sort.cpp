// Sorting, selection, unique and multinomial sampling. Ops returning (values, indices) return a plain tuple here;
// python/ember/_tensor.py wraps it in the named tuple PyTorch returns (torch.return_types.sort, ...).
#include "ember/python/pyutils.h"

namespace ember {

void bind_sort(py::module_&, py::class_<TensorImpl, intrusive_ptr<TensorImpl>>& cls) {
  cls.def("_sort", &sort, py::arg("dim"), py::arg("descending"), py::arg("stable"));
  cls.def("argsort", [](const Tensor& t, int64_t dim, bool descending, py::handle stable) {
    return argsort(t, dim, descending, !stable.is_none() && stable.cast<bool>());
  }, py::arg("dim") = -1, py::arg("descending") = false, py::arg("stable") = false);
  cls.def("_topk", &topk, py::arg("k"), py::arg("dim"), py::arg("largest"), py::arg("sorted"));
  cls.def("_kthvalue", &kthvalue, py::arg("k"), py::arg("dim"), py::arg("keepdim"));
  cls.def("_median_dim", &median_dim, py::arg("dim"), py::arg("keepdim"));
  cls.def("_median_all", &median);
  cls.def("_unique", [](const Tensor& t, bool sorted, bool inverse, bool counts, std::optional<int64_t> dim) {
    auto [u, i, c] = unique(t, sorted, inverse, counts, dim);
    return py::make_tuple(u, i, c);
  });
  cls.def("_unique_consecutive", [](const Tensor& t, bool inverse, bool counts, std::optional<int64_t> dim) {
    auto [u, i, c] = unique_consecutive(t, inverse, counts, dim);
    return py::make_tuple(u, i, c);
  });
  cls.def("multinomial", &multinomial, py::arg("num_samples"), py::arg("replacement") = false, py::kw_only(),
          py::arg("generator") = nullptr);
  cls.def("_exponential_", &exponential_, py::arg("lambd"), py::arg("generator"));
}

}  // namespace ember
