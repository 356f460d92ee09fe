#pragma once
// parallel_for: splits [begin, end) into one chunk per thread when the range is
// larger than `grain`, else runs inline. ember's own small thread pool (not
// OpenMP): its workers sleep when idle, so they do not fight OpenBLAS's
// threads for the two cores between a kernel and a GEMM.
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

}  // namespace ember
