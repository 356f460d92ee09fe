#include "ember/core/allocator.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "ember/core/error.h"

namespace ember {
namespace {

constexpr size_t kCacheMin = 64 * 1024;             // below this, malloc is fast enough
constexpr size_t kCacheLimit = size_t(2) << 30;     // never keep more than 2 GiB idle
constexpr size_t kAlignment = 64;

// Sizes are rounded up to a class (quarter steps between powers of two), so a
// freed block serves every later request of the same class; waste <= 25%.
size_t size_class(size_t n) {
  if (n < kCacheMin) return (n + kAlignment - 1) / kAlignment * kAlignment;
  size_t p = size_t(1) << (63 - __builtin_clzll(n));
  size_t quarter = p / 4;
  return (n + quarter - 1) / quarter * quarter;
}

class CpuCachingAllocator final : public Allocator {
 public:
  void* allocate(size_t nbytes) override {
    if (nbytes == 0) return nullptr;
    size_t cls = size_class(nbytes);
    if (cls >= kCacheMin) {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(cls);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_ -= cls;
        ++hits_;
        return p;
      }
      ++misses_;
    }
    void* p = std::aligned_alloc(kAlignment, cls);
    if (!p) {
      // Give the cache back to the system and try once more before failing.
      cpu_allocator_empty_cache();
      p = std::aligned_alloc(kAlignment, cls);
    }
    EMBER_CHECK(p != nullptr, "DefaultCPUAllocator: not enough memory: you tried to allocate ",
                nbytes, " bytes.");
    return p;
  }

  void deallocate(void* ptr, size_t nbytes) override {
    if (!ptr) return;
    size_t cls = size_class(nbytes);
    if (cls >= kCacheMin) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_ + cls <= kCacheLimit) {
        free_[cls].push_back(ptr);
        cached_ += cls;
        return;
      }
    }
    std::free(ptr);
  }

  void empty_cache() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& kv : free_)
      for (void* p : kv.second) std::free(p);
    free_.clear();
    cached_ = 0;
  }

  CpuAllocatorStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {int64_t(cached_), hits_, misses_};
  }

 private:
  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_ = 0;
  int64_t hits_ = 0, misses_ = 0;
};

CpuCachingAllocator& cpu_allocator() {
  static auto* a = new CpuCachingAllocator();  // never destroyed: storages may outlive statics
  return *a;
}

Allocator* g_allocators[int(DeviceType::NumTypes)] = {&cpu_allocator(), nullptr};

}  // namespace

Allocator* get_allocator(DeviceType type) {
  Allocator* a = g_allocators[int(type)];
  EMBER_CHECK(a != nullptr, "ember: no allocator for device type '", type == DeviceType::CUDA ? "cuda" : "?",
              "': the CUDA backend is not loaded (ember.cuda.init() loads it, in a build that has it)");
  return a;
}

void set_allocator(DeviceType type, Allocator* allocator) { g_allocators[int(type)] = allocator; }

CpuAllocatorStats cpu_allocator_stats() { return cpu_allocator().stats(); }
void cpu_allocator_empty_cache() { cpu_allocator().empty_cache(); }

}  // namespace ember
