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
    if (__builtin_expect(f == nullptr, 0)) no_kernel(d, name);
    return f;
  }
  // The same, naming `op` in the error (one table serves many ops); `op_name` is
  // only called on that error path.
  template <typename Op>
  Fn get(Device d, Op op) const {
    Fn f = table[int(d.type)];
    if (__builtin_expect(f == nullptr, 0)) no_kernel(d, op_name(op));
    return f;
  }
  void set(DeviceType t, Fn f) { table[int(t)] = f; }

 private:
  [[noreturn]] __attribute__((noinline, cold)) static void no_kernel(Device d, const char* op) {
    throw_error(ErrorKind::NotImplemented,
                str("Could not run '", op, "' on device '", d.str(), "': ember has no ",
                    d.type == DeviceType::CUDA ? "CUDA " : "", "kernel for it",
                    d.type == DeviceType::CUDA ? " (or the CUDA backend is not loaded)" : ""));
  }
};

}  // namespace ember
