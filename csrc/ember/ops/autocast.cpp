// Autocast's thread-local state and casts (ops/autocast.h).
#include "ember/ops/autocast.h"

#include <unordered_map>

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember {
namespace autocast {
namespace {

struct CachedCast {
  Tensor original;  // held, so that its address is not reused by another tensor while cached
  Tensor cast;
};

struct ThreadState {
  DeviceState devices[int(DeviceType::NumTypes)] = {{false, ScalarType::BFloat16}, {false, ScalarType::Float16}};
  int enabled_count = 0;
  bool cache_enabled = true;
  int nesting = 0;
  std::unordered_map<const TensorImpl*, CachedCast> cache;
};
thread_local ThreadState tls;

// PyTorch caches the casts of float32 leaves that require grad and are not views: the weights.
// Only casts made with grad mode on are cached: a cast made under no_grad has no
// grad_fn, and reusing it later in the same region would cut the weights off the graph.
bool cacheable(const Tensor& t) {
  return tls.cache_enabled && grad_enabled() && t.dtype() == ScalarType::Float32 && requires_grad(t) &&
         is_leaf(t) && !t.impl()->is_view();
}

}  // namespace

bool cache_enabled() { return tls.cache_enabled; }
void set_cache_enabled(bool on) { tls.cache_enabled = on; }
void clear_cache() { tls.cache.clear(); }
int increment_nesting() { return ++tls.nesting; }
int decrement_nesting() { return --tls.nesting; }

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
  if (!cacheable(t)) return to_dtype(t, s.dtype);
  CachedCast& entry = tls.cache[t.impl()];
  if (!entry.cast.defined() || entry.cast.dtype() != s.dtype) entry = {t, to_dtype(t, s.dtype)};
  return entry.cast;
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
