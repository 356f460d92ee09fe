#pragma once
// What the CUDA kernel files (.cu) share: a StridedLoop passed by value to a
// kernel (Args), per-element offsets, the grid-stride loop, the dtype switch,
// a block-wide reduction, the read-back of a result to the host and the launch
// helper (on the loop's device and its current stream).
#include <cstring>
#include <type_traits>

#include "ember/cuda/cuda_common.h"
#include "ember/ops/stubs.h"

namespace ember::cuda {

constexpr int kMaxDims = 16;  // StridedLoop's limit
constexpr int kThreads = 256;

// A StridedLoop by value, for a kernel's parameters.
struct Args {
  int nd = 0, nops = 0;
  unsigned host_scalars = 0;
  int64_t numel = 0;
  int64_t shape[kMaxDims];
  int64_t strides[StridedLoop::kMaxOperands][kMaxDims];
  char* data[StridedLoop::kMaxOperands];
  alignas(8) unsigned char scalars[StridedLoop::kMaxOperands][8];
};

inline Args make_args(const StridedLoop& L) {
  Args a;
  a.nd = int(L.shape.size());
  a.nops = L.noperands;
  a.numel = L.numel;
  a.host_scalars = L.host_scalars;
  for (int d = 0; d < a.nd; ++d) a.shape[d] = L.shape[d];
  for (int k = 0; k < a.nops; ++k) {
    a.data[k] = L.data[k];
    for (int d = 0; d < a.nd; ++d) a.strides[k][d] = L.strides[k][d];
    // A host scalar travels by value (8 bytes hold every dtype).
    if ((L.host_scalars >> k) & 1u) std::memcpy(a.scalars[k], L.data[k], 8);
  }
  return a;
}

// Byte offsets of linear element i in each operand.
__device__ __forceinline__ void offsets(const Args& a, int64_t i, int64_t* off) {
  for (int k = 0; k < StridedLoop::kMaxOperands; ++k) off[k] = 0;
  if (a.nd == 1) {
    for (int k = 0; k < a.nops; ++k) off[k] = i * a.strides[k][0];
    return;
  }
  for (int d = a.nd - 1; d >= 0; --d) {
    const int64_t c = i % a.shape[d];
    i /= a.shape[d];
    for (int k = 0; k < a.nops; ++k) off[k] += c * a.strides[k][d];
  }
}

template <typename T>
__device__ __forceinline__ T load(const Args& a, int k, const int64_t* off) {
  if ((a.host_scalars >> k) & 1u) {
    T v;
    memcpy(&v, a.scalars[k], sizeof(T));
    return v;
  }
  return *reinterpret_cast<const T*>(a.data[k] + off[k]);
}

template <typename T>
__device__ __forceinline__ void store(const Args& a, const int64_t* off, T v) {
  *reinterpret_cast<T*>(a.data[0] + off[0]) = v;
}

#define EMBER_GRID_LOOP(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(gridDim.x) * blockDim.x)

inline unsigned blocks_for(int64_t n) {
  int64_t b = (n + kThreads - 1) / kThreads;
  return unsigned(b < 1 ? 1 : b > (int64_t(1) << 20) ? (int64_t(1) << 20) : b);
}

inline void check_launch() { EMBER_CUDA_CHECK(cudaGetLastError()); }

#define EMBER_CUDA_DISPATCH_FAIL(NAME, TYPE) EMBER_DISPATCH_FAIL_ON(NAME, TYPE, "_cuda")
#define EMBER_CUDA_DISPATCH(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_ALL(__VA_ARGS__) EMBER_CUDA_DISPATCH_FAIL(NAME, TYPE) }
#define EMBER_CUDA_DISPATCH_FLOATING(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_FLOATING(__VA_ARGS__) EMBER_CUDA_DISPATCH_FAIL(NAME, TYPE) }
#define EMBER_CUDA_DISPATCH_NUMERIC(TYPE, NAME, ...) \
  switch (TYPE) { EMBER_DISPATCH_CASES_NUMERIC(__VA_ARGS__) EMBER_CUDA_DISPATCH_FAIL(NAME, TYPE) }
// With float16 and bfloat16 (ember/core/half.h), for kernels that move or convert values (copy, fill);
// arithmetic on them runs on float32 copies (ops/opmath.h).
#define EMBER_CUDA_DISPATCH_AND_HALF(TYPE, NAME, ...)                                          \
  switch (TYPE) {                                                                              \
    EMBER_DISPATCH_CASES_ALL(__VA_ARGS__) EMBER_DISPATCH_CASES_HALF(__VA_ARGS__)                \
    EMBER_CUDA_DISPATCH_FAIL(NAME, TYPE)                                                       \
  }

// A tensor's device memory as T: read-only (nullptr for an undefined tensor, an absent optional input) or written.
template <typename T>
const T* in_ptr(const Tensor& t) {
  return t.defined() ? static_cast<const T*>(t.device_data()) : nullptr;
}
template <typename T>
T* out_ptr(const Tensor& t) {
  return t.defined() ? static_cast<T*>(t.device_data()) : nullptr;
}

// Block-wide reduction of one value per thread with `op`; every thread gets the result.
template <typename T, typename Op>
__device__ T block_reduce(T v, T* shared, Op op) {
  shared[threadIdx.x] = v;
  __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) {
    if (int(threadIdx.x) < s) shared[threadIdx.x] = op(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  const T r = shared[0];
  __syncthreads();
  return r;
}

// Copies `n` bytes of device memory to the host once the stream's work before it is done.
inline void read_back(void* host, const void* dev, size_t n, int device) {
  cudaStream_t s = current_stream(device);
  EMBER_CUDA_CHECK(cudaMemcpyAsync(host, dev, n, cudaMemcpyDeviceToHost, s));
  EMBER_CUDA_CHECK(cudaStreamSynchronize(s));
}

// Launches on the loop's device and that device's current stream.
template <typename Launch>
void launch(Device d, int64_t n, Launch f) {
  if (n == 0) return;
  DeviceGuard guard(d.index);
  f(blocks_for(n), current_stream(d.index));
  check_launch();
}

}  // namespace ember::cuda
