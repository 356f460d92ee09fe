#pragma once
// A refcounted block of bytes on one device. Views share it. Memory that ember
// did not allocate (a NumPy array, a DLPack capsule) is held with a deleter
// that releases the owner.
#include <cstddef>
#include <new>

#include "ember/core/allocator.h"
#include "ember/core/device.h"
#include "ember/core/intrusive_ptr.h"

namespace ember {

class Storage : public RefCounted {
 public:
  using Deleter = void (*)(void* ctx);

  // A new storage of nbytes. Small CPU storages keep their bytes in the same
  // allocation as the Storage object: one malloc for a scalar-sized tensor.
  static intrusive_ptr<Storage> create(size_t nbytes, Device device);
  static void operator delete(void* p) { ::operator delete(p); }  // unsized: inline storages are larger

  Storage(size_t nbytes, Device device) : nbytes_(nbytes), device_(device) {
    Allocator* a = get_allocator(device.type);
    data_ = device.is_cpu() ? a->allocate(nbytes) : a->allocate_on(nbytes, device_);
  }
  // Wraps external memory; `deleter(ctx)` runs when the last tensor lets go.
  Storage(void* data, size_t nbytes, Device device, Deleter deleter, void* ctx)
      : data_(data), nbytes_(nbytes), device_(device), deleter_(deleter), ctx_(ctx) {}
  ~Storage() override {
    if (deleter_) deleter_(ctx_);
    else if (!inline_) get_allocator(device_.type)->deallocate(data_, nbytes_);
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
  bool inline_ = false;

  struct InlineTag {};
  Storage(InlineTag, void* data, size_t nbytes, Device device)
      : data_(data), nbytes_(nbytes), device_(device), inline_(true) {}
};

inline intrusive_ptr<Storage> Storage::create(size_t nbytes, Device device) {
  constexpr size_t kInlineMax = 64, kAlign = 16;
  if (device.is_cpu() && nbytes <= kInlineMax) {
    constexpr size_t offset = (sizeof(Storage) + kAlign - 1) / kAlign * kAlign;
    char* mem = static_cast<char*>(::operator new(offset + kInlineMax));
    return intrusive_ptr<Storage>(new (mem) Storage(InlineTag{}, mem + offset, nbytes, device));
  }
  return make_intrusive<Storage>(nbytes, device);
}

}  // namespace ember
