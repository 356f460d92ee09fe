// The caching CUDA allocator: freed blocks wait in per-(device, stream, size)
// free lists and serve later requests of the same size class, so that steady
// training steps make no cudaMalloc/cudaFree calls (each of which synchronizes
// the device). A block is only reused on the stream it was allocated on, where
// stream order makes reuse safe without events. A block also used on other
// streams (Tensor.record_stream, as in PyTorch) waits, once freed, for events
// recorded on those streams before it is reused. On cudaMalloc failure the
// cache is released and the allocation retried once; a second failure is
// ember.cuda.OutOfMemoryError.
#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "ember/core/allocator.h"
#include "ember/cuda/cuda_common.h"

namespace ember::cuda {
namespace {

constexpr int kMaxDevices = 64;

// 512-byte steps below 1 MiB, quarter steps between powers of two above (<= 25% waste).
size_t round_size(size_t n) {
  constexpr size_t kSmall = size_t(1) << 20;
  if (n < kSmall) return (n + 511) / 512 * 512;
  size_t p = size_t(1) << (63 - __builtin_clzll(n));
  size_t quarter = p / 4;
  return (n + quarter - 1) / quarter * quarter;
}

std::string format_bytes(size_t n) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = double(n);
  int u = 0;
  while (v >= 1024 && u < 4) { v /= 1024; ++u; }
  char buf[64];
  if (u == 0) snprintf(buf, sizeof buf, "%zu bytes", n);
  else snprintf(buf, sizeof buf, "%.2f %s", v, units[u]);
  return buf;
}

struct Stats {
  int64_t allocated = 0, peak = 0, reserved = 0;
};

class CudaCachingAllocator final : public Allocator {
 public:
  Device resolve(Device d) const override {
    if (d.index < 0) d.index = int16_t(current_device());
    return d;
  }

  void* allocate(size_t nbytes) override {
    Device d{DeviceType::CUDA, -1};
    return allocate_on(nbytes, d);
  }

  void* allocate_on(size_t nbytes, Device& device) override {
    device = resolve(device);
    const int dev = device.index;
    EMBER_CHECK(dev >= 0 && dev < kMaxDevices && dev < device_count(), "CUDA error: invalid device ordinal ",
                dev, " (", device_count(), " device(s) available)");
    if (nbytes == 0) return nullptr;
    const size_t size = round_size(nbytes);
    cudaStream_t stream = current_stream(dev);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!pending_.empty()) collect_pending(false);
      auto it = free_.find(Key{dev, stream, size});
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        note_alloc(p, Block{size, dev, stream});
        return p;
      }
    }
    DeviceGuard guard(dev);
    void* p = nullptr;
    cudaError_t err = cudaMalloc(&p, size);
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();  // clear it, give the cache back, try once more
      release_cached(dev);
      err = cudaMalloc(&p, size);
    }
    if (err == cudaErrorMemoryAllocation) {
      (void)cudaGetLastError();
      size_t free_bytes = 0, total = 0;
      (void)cudaMemGetInfo(&free_bytes, &total);
      Stats s = stats(dev);
      throw_error(ErrorKind::OutOfMemory,
                  str("CUDA out of memory. Tried to allocate ", format_bytes(size), ". GPU ", dev,
                      " has a total capacity of ", format_bytes(total), " of which ", format_bytes(free_bytes),
                      " is free. Of the allocated memory ", format_bytes(size_t(s.allocated)),
                      " is allocated by ember, and ", format_bytes(size_t(s.reserved - s.allocated)),
                      " is reserved by ember but unallocated."));
    }
    if (err != cudaSuccess) throw_cuda_error(err, "cudaMalloc");
    std::lock_guard<std::mutex> lock(mutex_);
    stats_[dev].reserved += int64_t(size);
    note_alloc(p, Block{size, dev, stream});
    return p;
  }

  void deallocate(void* ptr, size_t) override {
    if (!ptr) return;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // not ours (cannot happen: storages pair their allocator)
    const Block b = it->second;
    live_.erase(it);
    stats_[b.device].allocated -= int64_t(b.size);
    if (b.other_streams.empty()) {
      free_[Key{b.device, b.stream, b.size}].push_back(ptr);  // no CUDA call: safe at exit too
      return;
    }
    // Used on other streams too: reusable once their work queued so far is done.
    Pending wait{ptr, b, {}};
    DeviceGuard guard(b.device);
    for (cudaStream_t other : b.other_streams) {
      cudaEvent_t e;
      if (cudaEventCreateWithFlags(&e, cudaEventDisableTiming) != cudaSuccess) break;
      wait.events.push_back(e);
      if (cudaEventRecord(e, other) != cudaSuccess) (void)cudaStreamSynchronize(other);
    }
    (void)cudaGetLastError();
    pending_.push_back(std::move(wait));
  }

  // Tensor.record_stream: the block at `ptr` is used on `stream` too.
  void record_stream(void* ptr, cudaStream_t stream) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(ptr);
    if (it == live_.end()) return;  // memory ember did not allocate (DLPack): nothing to track
    Block& b = it->second;
    if (stream != b.stream && std::find(b.other_streams.begin(), b.other_streams.end(), stream) == b.other_streams.end())
      b.other_streams.push_back(stream);
  }

  // A stream about to be destroyed: its queued work finishes, then its cached blocks are freed (a later
  // stream may get the same handle).
  void release_stream(int device, cudaStream_t stream) {
    DeviceGuard guard(device);
    EMBER_CUDA_CHECK(cudaStreamSynchronize(stream));
    std::lock_guard<std::mutex> lock(mutex_);
    collect_pending(true);
    for (auto it = free_.begin(); it != free_.end();) {
      if (std::get<0>(it->first) != device || std::get<1>(it->first) != stream) { ++it; continue; }
      for (void* p : it->second) {
        (void)cudaFree(p);
        stats_[device].reserved -= int64_t(std::get<2>(it->first));
      }
      it = free_.erase(it);
    }
  }

  void release_cached(int device) {  // device < 0: all devices
    std::lock_guard<std::mutex> lock(mutex_);
    collect_pending(true);
    for (auto it = free_.begin(); it != free_.end();) {
      const int dev = std::get<0>(it->first);
      if (device >= 0 && dev != device) { ++it; continue; }
      DeviceGuard guard(dev);
      for (void* p : it->second) {
        (void)cudaFree(p);
        stats_[dev].reserved -= int64_t(std::get<2>(it->first));
      }
      it = free_.erase(it);
    }
  }

  Stats stats(int dev) {
    std::lock_guard<std::mutex> lock(mutex_);
    return stats_[dev];
  }
  void reset_peak(int dev) {
    std::lock_guard<std::mutex> lock(mutex_);
    stats_[dev].peak = stats_[dev].allocated;
  }

 private:
  struct Block {
    size_t size;
    int device;
    cudaStream_t stream;
    std::vector<cudaStream_t> other_streams = {};  // record_stream
  };
  using Key = std::tuple<int, cudaStream_t, size_t>;
  struct Pending {  // a freed block waiting for its other streams
    void* ptr;
    Block block;
    std::vector<cudaEvent_t> events;
  };

  // Moves the pending blocks whose events have completed (all of them, waiting, when `wait`) to the free lists.
  void collect_pending(bool wait) {  // mutex held
    for (auto it = pending_.begin(); it != pending_.end();) {
      DeviceGuard guard(it->block.device);
      bool done = true;
      for (cudaEvent_t e : it->events) {
        const cudaError_t r = wait ? cudaEventSynchronize(e) : cudaEventQuery(e);
        if (r == cudaErrorNotReady) done = false;
      }
      (void)cudaGetLastError();
      if (!done) { ++it; continue; }
      for (cudaEvent_t e : it->events) (void)cudaEventDestroy(e);
      free_[Key{it->block.device, it->block.stream, it->block.size}].push_back(it->ptr);
      it = pending_.erase(it);
    }
  }

  void note_alloc(void* p, Block b) {  // mutex held
    live_[p] = b;
    Stats& s = stats_[b.device];
    s.allocated += int64_t(b.size);
    if (s.allocated > s.peak) s.peak = s.allocated;
  }

  std::mutex mutex_;
  std::unordered_map<void*, Block> live_;
  std::map<Key, std::vector<void*>> free_;
  std::vector<Pending> pending_;
  std::array<Stats, kMaxDevices> stats_{};
};

CudaCachingAllocator& allocator() {
  static auto* a = new CudaCachingAllocator();  // never destroyed: storages may outlive statics
  return *a;
}

int checked(int device) {
  if (device < 0) device = current_device();
  EMBER_CHECK(device < kMaxDevices && device < device_count(), "Invalid device ", device);
  return device;
}

}  // namespace

void register_allocator() { set_allocator(DeviceType::CUDA, &allocator()); }

int64_t memory_allocated(int device) { return allocator().stats(checked(device)).allocated; }
int64_t max_memory_allocated(int device) { return allocator().stats(checked(device)).peak; }
int64_t memory_reserved(int device) { return allocator().stats(checked(device)).reserved; }
void reset_peak_memory_stats(int device) { allocator().reset_peak(checked(device)); }
void empty_cache() { allocator().release_cached(-1); }
void record_stream(void* ptr, cudaStream_t stream) { allocator().record_stream(ptr, stream); }
void release_stream(int device, cudaStream_t stream) { allocator().release_stream(device, stream); }

}  // namespace ember::cuda
