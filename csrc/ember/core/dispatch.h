#pragma once
// Per-device kernel tables. An op's front end (shape and dtype rules) is
// device-independent and calls `stub[device]`; the CPU kernels fill the CPU
// slot when the core loads, a backend module fills its own slot when it loads.
#include "ember/core/device.h"
#include "ember/core/error.h"

namespace ember {

template <typename Fn>
struct DispatchStub {
  const char* name;
  Fn table[int(DeviceType::NumTypes)] = {};

  constexpr explicit DispatchStub(const char* n) : name(n), table{} {}
  Fn operator[](Device d) const {
    Fn f = table[int(d.type)];
    EMBER_CHECK(f != nullptr, "Could not run '", name, "' on device '", d.str(),
                "': this build of ember has no kernel for it");
    return f;
  }
  void set(DeviceType t, Fn f) { table[int(t)] = f; }
};

}  // namespace ember
