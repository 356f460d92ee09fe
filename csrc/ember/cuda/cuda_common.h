#pragma once
// What the CUDA module's files share: error checks, the current device and
// stream, a device guard. Host code only (compiled by the C++ compiler or nvcc).
#include <cuda_runtime.h>

#include "ember/core/device.h"
#include "ember/core/error.h"
#include "ember/core/dtype.h"

namespace ember::cuda {

// A CUDA runtime error as a RuntimeError that names the call and CUDA's words.
[[noreturn]] void throw_cuda_error(cudaError_t err, const char* what);
#define EMBER_CUDA_CHECK(expr)                                              \
  do {                                                                      \
    cudaError_t _err = (expr);                                              \
    if (__builtin_expect(_err != cudaSuccess, 0)) ::ember::cuda::throw_cuda_error(_err, #expr); \
  } while (0)

int device_count();      // 0 without a driver or a GPU (never throws)
int current_device();    // the calling thread's current device
void set_device(int index);
// The stream that work on `device` goes to from this thread (the legacy default stream unless
// ember.cuda.stream(s) set another).
cudaStream_t current_stream(int device);
void set_current_stream(int device, cudaStream_t stream);

// Makes `index` the current device for a scope (no-op when it already is).
class DeviceGuard {
 public:
  explicit DeviceGuard(int index);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int prev_ = -1;
};

// Registers the allocator, the kernels, cuBLAS GEMM and the cross-device copy
// with the core (allocator.cpp, kernels.cu, nn_kernels.cu, index.cu, reduce.cu, optim.cu, blas.cpp, module.cpp).
void register_allocator();
void register_kernels();
void register_nn_kernels();
void register_index_kernels();
void register_reduce_kernels();
void register_optim_kernels();
void register_random_kernels();
void register_blas();
void register_conv_kernels();

// Row-major C[i] = op(A[i]) @ op(B[i]) + beta * C[i] for i < batch (A[i] = a + i * sa elements, ...), float32 or
// float64 device memory, through cuBLAS on `device`'s current stream (blas.cpp).
void gemm_batched(ScalarType t, int device, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const void* a,
                  int64_t lda, int64_t sa, const void* b, int64_t ldb, int64_t sb, double beta, void* c, int64_t ldc,
                  int64_t sc, int64_t batch);

// The devices' random generators (random.cu).
void manual_seed(int device, uint64_t seed);
uint64_t initial_seed(int device);

// Allocator statistics and control (per device).
int64_t memory_allocated(int device);
int64_t max_memory_allocated(int device);
int64_t memory_reserved(int device);
void reset_peak_memory_stats(int device);
void empty_cache();
// Tensor.record_stream: the allocation at ptr is also used on `stream` (reused only after that work).
void record_stream(void* ptr, cudaStream_t stream);
// Before a stream is destroyed: waits for it and frees the blocks cached for it.
void release_stream(int device, cudaStream_t stream);

}  // namespace ember::cuda
