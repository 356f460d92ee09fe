#pragma once
// parallel_for: splits [begin, end) into one chunk per thread when the range is
// larger than `grain`, else runs inline. ember's own small thread pool (not
// OpenMP): its workers sleep when idle, so they do not fight OpenBLAS's
// threads for the two cores between a kernel and a GEMM.
#include <algorithm>
#include <cstdint>
#include <functional>

#include "ember/core/macros.h"

namespace ember {

EMBER_API int get_num_threads();
EMBER_API void set_num_threads(int n);
EMBER_API bool in_parallel_region();

// While a long kernel runs, the interpreter lock (if the caller holds one) is
// released so other Python threads can run. The bindings install the hooks;
// the core itself knows nothing of Python.
using GilReleaseFn = void* (*)();
using GilAcquireFn = void (*)(void*);
EMBER_API void set_gil_hooks(GilReleaseFn release, GilAcquireFn acquire);
struct EMBER_API GilRelease {
  GilRelease();
  ~GilRelease();
  void* state;
};

namespace detail {
EMBER_API void parallel_run(int64_t begin, int64_t end, int64_t grain,
                            const std::function<void(int64_t, int64_t)>& fn);
}

// Elements per chunk below which threading costs more than it saves.
constexpr int64_t kGrainSize = 32768;

template <typename F>
inline void parallel_for(int64_t begin, int64_t end, int64_t grain, const F& fn) {
  if (end <= begin) return;
  if (end - begin <= grain || get_num_threads() == 1 || in_parallel_region()) {
    fn(begin, end);
    return;
  }
  detail::parallel_run(begin, end, grain, fn);
}

// How PyTorch's at::parallel_for (OpenMP) cuts [0, n) at kGrainSize: one chunk
// below the grain or on one thread, else min(threads, ceil(n / grain)) chunks
// of ceil(n / chunks) elements. Kernels that must give PyTorch's bits (a sum's
// partials, arange's vector runs) split their work exactly so.
struct PytorchChunks {
  int64_t count, size;
};
inline PytorchChunks pytorch_chunks(int64_t n, int64_t threads = get_num_threads()) {
  const int64_t count = n < kGrainSize || threads == 1 ? 1 : std::min(threads, (n + kGrainSize - 1) / kGrainSize);
  return {count, count == 1 ? n : (n + count - 1) / count};
}

// Runs fn(chunk_index, begin, end) over chunks `c` of [0, n) (pytorch_chunks(n),
// computed once by the caller that sizes its buffers by it), in parallel.
template <typename F>
inline void for_each_pytorch_chunk(int64_t n, const PytorchChunks& c, const F& fn) {
  if (c.count == 1) return fn(int64_t(0), int64_t(0), n);
  parallel_for(0, c.count, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t i = c0; i < c1; ++i) fn(i, i * c.size, std::min(n, (i + 1) * c.size));
  });
}
template <typename F>
inline void for_each_pytorch_chunk(int64_t n, const F& fn) {
  for_each_pytorch_chunk(n, pytorch_chunks(n), fn);
}

}  // namespace ember
