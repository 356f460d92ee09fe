#pragma once
// Autocast (PyTorch's torch.autocast): per thread and device type, whether ops
// on the lower-precision list (matmul, conv, linear) run in a chosen dtype
// (float16/bfloat16) and ops on the float32 list (losses, softmax, sums on
// CUDA, ...) run in float32. The lists are PyTorch's (autocast_mode.cpp); each
// listed op calls lower() or to_float32() on its inputs before it runs and
// suspends autocast while it runs, so its inner ops are not cast again.
#include "ember/core/device.h"
#include "ember/core/macros.h"
#include <optional>
#include <tuple>

#include "ember/core/tensor.h"

namespace ember {
namespace autocast {

struct DeviceState {
  bool enabled = false;
  ScalarType dtype;  // float16 or bfloat16
};

// This thread's state for a device type (CPU autocast defaults to bfloat16, CUDA's to float16).
EMBER_API DeviceState& state(DeviceType t);
// Whether any device type has autocast on in this thread: the cheap test an op makes first.
EMBER_API bool any_enabled();
EMBER_API void set_enabled(DeviceType t, bool on);

// An input of a lower-precision op: cast to the autocast dtype when autocast is on for its device and it is a
// float32 (or float16/bfloat16) tensor; float64 and integer tensors stay as they are (PyTorch's is_eligible).
EMBER_API Tensor lower(const Tensor& t);
// An input of a float32 op: a float16/bfloat16 tensor cast to float32 when autocast is on for its device;
// `only` limits this to one device type (ops on the CUDA list but not the CPU's).
EMBER_API Tensor to_float32(const Tensor& t, std::optional<DeviceType> only = std::nullopt);

// The cast cache, as PyTorch's: inside autocast a float32 leaf that requires
// grad (a weight) is cast to the lower dtype once, and later ops reuse that
// cast (one autograd node) until the outermost autocast region exits. Like
// PyTorch's, a weight changed in place inside the region keeps its old cast.
EMBER_API bool cache_enabled();
EMBER_API void set_cache_enabled(bool on);
EMBER_API void clear_cache();
// Autocast regions entered in this thread; the Python context manager clears
// the cache when the count returns to 0.
EMBER_API int increment_nesting();
EMBER_API int decrement_nesting();

// Autocast off in this thread for a scope (the listed op's body).
class EMBER_API Suspend {
 public:
  Suspend();
  ~Suspend();
  Suspend(const Suspend&) = delete;
  Suspend& operator=(const Suspend&) = delete;

 private:
  bool saved_[int(DeviceType::NumTypes)];
};

// f(cast inputs...) run with autocast suspended: `cast` is lower or to_float32 applied to each input.
template <typename Cast, typename F, typename... Ts>
auto run_cast(Cast cast, F&& f, const Ts&... inputs) {
  auto cast_inputs = std::make_tuple(cast(inputs)...);
  Suspend off;
  return std::apply(f, cast_inputs);
}
template <typename F, typename... Ts>
auto run_lower(F&& f, const Ts&... inputs) {
  return run_cast([](const Tensor& t) { return lower(t); }, f, inputs...);
}
template <typename F, typename... Ts>
auto run_float32(std::optional<DeviceType> only, F&& f, const Ts&... inputs) {
  return run_cast([only](const Tensor& t) { return to_float32(t, only); }, f, inputs...);
}

}  // namespace autocast
}  // namespace ember
