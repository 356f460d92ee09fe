// The CUDA kernels of prod (prod_stub, laid out as sum's: ops/reduce.cpp) and
// cumsum (cumsum_stub). One instantiation per numeric dtype.
#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

// ---- prod ---------------------------------------------------------------------------------------
// One thread per run of R values (element r of run m at x[m * ms + r * rs]), multiplied in order as on the CPU:
// the outer layout, and many short runs.
template <typename T>
__global__ void prod_thread_k(const T* x, int64_t M, int64_t R, int64_t ms, int64_t rs, T* out) {
  EMBER_GRID_LOOP(m, M) {
    const T* run = x + m * ms;
    T acc = T(1);
    for (int64_t r = 0; r < R; ++r) acc = T(acc * run[r * rs]);
    out[m] = acc;
  }
}

// One block per contiguous run (inner layout, long runs): per-thread products combined as a tree, so float
// results may differ from the CPU's in the last bits.
template <typename T>
__global__ void prod_block_k(const T* x, int64_t M, int64_t R, T* out) {
  __shared__ T shared[kThreads];
  for (int64_t m = blockIdx.x; m < M; m += gridDim.x) {
    T acc = T(1);
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) acc = T(acc * x[m * R + r]);
    acc = block_reduce(acc, shared, [](T a, T b) { return T(a * b); });
    if (threadIdx.x == 0) out[m] = acc;
  }
}

void cuda_prod(const Tensor& x, bool outer, int64_t M, int64_t R, const Tensor& out) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_NUMERIC(x.dtype(), "prod", [&] {
    using T = scalar_t;
    const T* px = in_ptr<T>(x);
    T* po = out_ptr<T>(out);
    DeviceGuard guard(d.index);
    cudaStream_t s = current_stream(d.index);
    if (outer) prod_thread_k<T><<<blocks_for(M), kThreads, 0, s>>>(px, M, R, 1, M, po);
    else if (R < 64 && M >= 64) prod_thread_k<T><<<blocks_for(M), kThreads, 0, s>>>(px, M, R, R, 1, po);
    else prod_block_k<T><<<unsigned(std::min<int64_t>(M, 65535)), kThreads, 0, s>>>(px, M, R, po);
    check_launch();
  });
}

// ---- cumsum: in place over (outer, n, inner) ----------------------------------------------------------
// inner > 1: one thread per column (o, k), its n additions in order as on the CPU; neighbouring threads read
// neighbouring columns.
template <typename T>
__global__ void cumsum_columns_k(T* x, int64_t outer, int64_t n, int64_t inner) {
  EMBER_GRID_LOOP(c, outer * inner) {
    T* col = x + (c / inner) * n * inner + c % inner;
    for (int64_t i = 1; i < n; ++i) col[i * inner] = T(col[i * inner] + col[(i - 1) * inner]);
  }
}

// inner == 1: one block per row, in tiles of blockDim.x values: a scan across the block (Hillis-Steele) plus the
// running total of the tiles before (so float sums may differ from the CPU's serial ones in the last bits).
template <typename T>
__global__ void cumsum_rows_k(T* x, int64_t rows, int64_t n) {
  __shared__ T scan[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    T* row = x + r * n;
    T carry = T(0);
    for (int64_t tile = 0; tile < n; tile += blockDim.x) {
      const int64_t i = tile + threadIdx.x;
      scan[threadIdx.x] = i < n ? row[i] : T(0);
      __syncthreads();
      for (unsigned step = 1; step < blockDim.x; step <<= 1) {
        const T before = threadIdx.x >= step ? scan[threadIdx.x - step] : T(0);
        __syncthreads();
        scan[threadIdx.x] = T(scan[threadIdx.x] + before);
        __syncthreads();
      }
      if (i < n) row[i] = T(carry + scan[threadIdx.x]);
      carry = T(carry + scan[blockDim.x - 1]);
      __syncthreads();  // every thread has read the scan before the next tile overwrites it
    }
  }
}

void cuda_cumsum(const Tensor& x, int64_t outer, int64_t n, int64_t inner) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_NUMERIC(x.dtype(), "cumsum", [&] {
    using T = scalar_t;
    T* px = out_ptr<T>(x);
    DeviceGuard guard(d.index);
    cudaStream_t s = current_stream(d.index);
    if (inner > 1) cumsum_columns_k<T><<<blocks_for(outer * inner), kThreads, 0, s>>>(px, outer, n, inner);
    else cumsum_rows_k<T><<<unsigned(std::min<int64_t>(outer, 65535)), kThreads, 0, s>>>(px, outer, n);
    check_launch();
  });
}

}  // namespace

void register_reduce_kernels() {
  prod_stub.set(DeviceType::CUDA, cuda_prod);
  cumsum_stub.set(DeviceType::CUDA, cuda_cumsum);
}

}  // namespace ember::cuda
