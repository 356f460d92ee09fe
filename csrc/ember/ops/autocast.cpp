// Autocast's thread-local state and casts (ops/autocast.h).
#include "ember/ops/autocast.h"

#include "ember/ops/ops.h"

namespace ember {
namespace autocast {
namespace {

struct ThreadState {
  DeviceState devices[int(DeviceType::NumTypes)] = {{false, ScalarType::BFloat16}, {false, ScalarType::Float16}};
  int enabled_count = 0;
};
thread_local ThreadState tls;

}  // namespace

DeviceState& state(DeviceType t) { return tls.devices[int(t)]; }

bool any_enabled() { return tls.enabled_count > 0; }

void set_enabled(DeviceType t, bool on) {
  DeviceState& s = state(t);
  if (s.enabled != on) tls.enabled_count += on ? 1 : -1;
  s.enabled = on;
}

Tensor lower(const Tensor& t) {
  if (!t.defined()) return t;
  const DeviceState& s = state(t.device().type);
  if (!s.enabled || !is_floating(t.dtype()) || t.dtype() == ScalarType::Float64) return t;
  return to_dtype(t, s.dtype);
}

Tensor to_float32(const Tensor& t, std::optional<DeviceType> only) {
  if (!t.defined() || !is_reduced_float(t.dtype()) || !state(t.device().type).enabled) return t;
  if (only && t.device().type != *only) return t;
  return to_dtype(t, ScalarType::Float32);
}

Suspend::Suspend() {
  for (int i = 0; i < int(DeviceType::NumTypes); ++i) {
    saved_[i] = tls.devices[i].enabled;
    set_enabled(DeviceType(i), false);
  }
}

Suspend::~Suspend() {
  for (int i = 0; i < int(DeviceType::NumTypes); ++i) set_enabled(DeviceType(i), saved_[i]);
}

}  // namespace autocast
}  // namespace ember
