#pragma once
// A refcounted block of bytes on one device. Views share it. Memory that ember
// did not allocate (a NumPy array, a DLPack capsule) is held with a deleter
// that releases the owner.
#include <cstddef>

#include "ember/core/allocator.h"
#include "ember/core/device.h"
#include "ember/core/intrusive_ptr.h"

namespace ember {

class Storage : public RefCounted {
 public:
  using Deleter = void (*)(void* ctx);

  Storage(size_t nbytes, Device device)
      : data_(get_allocator(device.type)->allocate(nbytes)), nbytes_(nbytes), device_(device) {}
  // Wraps external memory; `deleter(ctx)` runs when the last tensor lets go.
  Storage(void* data, size_t nbytes, Device device, Deleter deleter, void* ctx)
      : data_(data), nbytes_(nbytes), device_(device), deleter_(deleter), ctx_(ctx) {}
  ~Storage() override {
    if (deleter_) deleter_(ctx_);
    else get_allocator(device_.type)->deallocate(data_, nbytes_);
  }

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }

 private:
  void* data_;
  size_t nbytes_;
  Device device_;
  Deleter deleter_ = nullptr;
  void* ctx_ = nullptr;
};

}  // namespace ember
