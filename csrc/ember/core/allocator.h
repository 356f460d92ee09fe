#pragma once
// Memory for tensor storages, per device type. The CPU allocator caches large
// blocks: a fresh multi-megabyte malloc is an mmap whose every page faults on
// first touch, which would cost more than the elementwise op that asked for it.
#include <cstddef>
#include <cstdint>

#include "ember/core/device.h"
#include "ember/core/macros.h"

namespace ember {

class Allocator {
 public:
  virtual ~Allocator() = default;
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;
  // Devices with several instances (CUDA) allocate on `device`, whose index -1
  // ("the current one") is replaced by the index actually used.
  virtual void* allocate_on(size_t nbytes, Device& device) { return allocate(nbytes); }
  // `device` with index -1 replaced by the current one.
  virtual Device resolve(Device device) const { return device; }
};

EMBER_API Allocator* get_allocator(DeviceType type);
// A backend (the CUDA module) installs its allocator when it loads; until then
// asking for that device type's allocator is an error that says so.
EMBER_API void set_allocator(DeviceType type, Allocator* allocator);

struct CpuAllocatorStats {
  int64_t cached_bytes;
  int64_t cache_hits;
  int64_t cache_misses;
};
EMBER_API CpuAllocatorStats cpu_allocator_stats();
// Returns every cached block to the system.
EMBER_API void cpu_allocator_empty_cache();

}  // namespace ember
