// Autocast's state for ember.autocast (python/ember/amp/autocast_mode.py).
#include "ember/ops/autocast.h"
#include "ember/python/pyutils.h"

namespace ember {
namespace {

DeviceType autocast_device(const std::string& type) {
  if (type == "cpu") return DeviceType::CPU;
  if (type == "cuda") return DeviceType::CUDA;
  throw py::value_error("User specified an unsupported autocast device_type '" + type + "'");
}

}  // namespace

void bind_autocast(py::module_& m) {
  m.def("is_autocast_enabled", [](const std::string& t) { return autocast::state(autocast_device(t)).enabled; },
        py::arg("device_type") = "cuda");
  m.def("_set_autocast_enabled",
        [](const std::string& t, bool on) { autocast::set_enabled(autocast_device(t), on); });
  m.def("get_autocast_dtype",
        [](const std::string& t) { return dtype_object(autocast::state(autocast_device(t)).dtype); },
        py::arg("device_type"));
  m.def("_set_autocast_dtype", [](const std::string& t, py::handle dtype) {
    autocast::state(autocast_device(t)).dtype = to_dtype_arg(dtype);
  });
  m.def("is_autocast_cache_enabled", &autocast::cache_enabled);
  m.def("set_autocast_cache_enabled", &autocast::set_cache_enabled, py::arg("enabled"));
  m.def("clear_autocast_cache", &autocast::clear_cache);
  m.def("autocast_increment_nesting", &autocast::increment_nesting);
  m.def("autocast_decrement_nesting", &autocast::decrement_nesting);
  // A float16/bfloat16 input of an op on autocast's float32 list (losses written in Python).
  m.def("_autocast_to_float32", [](const Tensor& t, bool cuda_only) {
    return autocast::to_float32(t, cuda_only ? std::optional<DeviceType>(DeviceType::CUDA) : std::nullopt);
  });
}

}  // namespace ember
