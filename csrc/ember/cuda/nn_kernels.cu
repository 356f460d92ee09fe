// The CUDA kernels of softmax/log_softmax, nll_loss, max/min/argmax/argmin/
// amax/amin, gather/scatter, batch_norm and group_norm (the tables in ops/stubs.h). Float kernels are
// instantiated for float and double only; max/min for each dtype, gather/scatter
// for each dtype and float16/bfloat16, with the op (or the mode) a runtime switch
// inside the kernel.
#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

// NaN wins a max/min; otherwise the larger (smaller).
template <typename T>
__device__ __forceinline__ bool beats(T cand, T best, bool is_max) {
  if constexpr (is_float_v<T>) {
    if (best != best) return false;
    if (cand != cand) return true;
  }
  return is_max ? cand > best : cand < best;
}

// ---- softmax / log_softmax: one block per row ---------------------------------------------------
template <typename T>
__global__ void softmax_k(const T* x, T* y, int64_t rows, int64_t n, bool log) {
  __shared__ T shared[kThreads];
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
    const T* xr = x + r * n;
    T* yr = y + r * n;
    T m = -INFINITY;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) m = (xr[i] > m || xr[i] != xr[i]) ? xr[i] : m;
    m = block_reduce(m, shared, [](T a, T b) { return (b > a || b != b) ? b : a; });
    T s = 0;
    for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += ::exp(xr[i] - m);
    s = block_reduce(s, shared, [](T a, T b) { return a + b; });
    if (log) {
      const T lse = ::log(s);
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x) yr[i] = xr[i] - m - lse;
    } else {
      const T inv = T(1) / s;
      for (int64_t i = threadIdx.x; i < n; i += blockDim.x) yr[i] = ::exp(xr[i] - m) * inv;
    }
  }
}

void cuda_softmax(const Tensor& x, const Tensor& out, int64_t rows, int64_t n, bool log) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), log ? "log_softmax" : "softmax", [&] {
    DeviceGuard guard(d.index);
    const unsigned g = unsigned(std::min<int64_t>(rows, 65535));
    softmax_k<scalar_t><<<g, kThreads, 0, current_stream(d.index)>>>(
        in_ptr<scalar_t>(x), out_ptr<scalar_t>(out), rows, n, log);
    check_launch();
  });
}

// ---- nll_loss: one block (the total weight is summed in a fixed order) ---------------------------
// status[0]: total weight (double), status[1]: 1 if a target was out of range, status[2]: that target.
template <typename T>
__global__ void nll_k(const T* in, const int64_t* target, const T* weight, int64_t N, int64_t C, int64_t ignore,
                      T* losses, double* status) {
  __shared__ double shared[kThreads];
  double total = 0;
  for (int64_t i = threadIdx.x; i < N; i += blockDim.x) {
    const int64_t t = target[i];
    if (t == ignore) {
      losses[i] = 0;
      continue;
    }
    if (t < 0 || t >= C) {
      losses[i] = 0;
      status[1] = 1;
      reinterpret_cast<int64_t*>(status)[2] = t;
      continue;
    }
    const T w = weight ? weight[t] : T(1);
    losses[i] = -w * in[i * C + t];
    total += double(w);
  }
  total = block_reduce(total, shared, [](double a, double b) { return a + b; });
  if (threadIdx.x == 0) status[0] = total;
}

double cuda_nll(const Tensor& in, const Tensor& target, const Tensor& weight, int64_t ignore, const Tensor& losses) {
  const Device d = in.device();
  const int64_t N = target.numel(), C = in.numel() / N;
  Tensor status = empty({3}, ScalarType::Float64, d);
  DeviceGuard guard(d.index);
  cudaStream_t s = current_stream(d.index);
  EMBER_CUDA_CHECK(cudaMemsetAsync(status.device_data(), 0, 3 * sizeof(double), s));
  EMBER_CUDA_DISPATCH_FLOATING(in.dtype(), "nll_loss", [&] {
    using T = scalar_t;
    nll_k<T><<<1, kThreads, 0, s>>>(in_ptr<T>(in), in_ptr<int64_t>(target), in_ptr<T>(weight), N, C, ignore,
                                    out_ptr<T>(losses), out_ptr<double>(status));
    check_launch();
  });
  double host[3];
  read_back(host, status.device_data(), sizeof(host), d.index);
  int64_t bad;
  std::memcpy(&bad, &host[2], sizeof(bad));
  EMBER_CHECK_INDEX(host[1] == 0, "Target ", bad, " is out of bounds.");
  return host[0];
}

// ---- max/min, argmax/argmin, amax/amin ------------------------------------------------------------
// One thread per run of R values (element r of run m at x[m * ms + r * rs]): the outer layout, and short runs.
template <typename T>
__global__ void extreme_thread_k(const T* x, int64_t M, int64_t R, int64_t ms, int64_t rs, bool is_max, T* values,
                                 int64_t* idx) {
  EMBER_GRID_LOOP(m, M) {
    const T* run = x + m * ms;
    T best = run[0];
    int64_t bi = 0;
    for (int64_t r = 1; r < R; ++r) {
      const T v = run[r * rs];
      if (beats(v, best, is_max)) { best = v; bi = r; }
    }
    if (values) values[m] = best;
    if (idx) idx[m] = bi;
  }
}

// One block per contiguous run (inner layout, long runs): (value, index) pairs reduced in shared memory,
// the first index winning ties.
template <typename T>
__global__ void extreme_block_k(const T* x, int64_t M, int64_t R, bool is_max, T* values, int64_t* idx) {
  __shared__ T sv[kThreads];
  __shared__ int64_t si[kThreads];
  for (int64_t m = blockIdx.x; m < M; m += gridDim.x) {
    const T* run = x + m * R;
    T best = run[0];
    int64_t bi = -1;  // -1: this thread saw no element, it loses to everything
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) {
      const T v = run[r];
      if (bi < 0 || beats(v, best, is_max)) { best = v; bi = r; }
    }
    sv[threadIdx.x] = best;
    si[threadIdx.x] = bi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (int(threadIdx.x) < s) {
        const T a = sv[threadIdx.x], b = sv[threadIdx.x + s];
        const int64_t ia = si[threadIdx.x], ib = si[threadIdx.x + s];
        bool take_b = false;
        if (ib >= 0) {
          if (ia < 0) take_b = true;
          else if (beats(b, a, is_max)) take_b = true;
          else if (!beats(a, b, is_max) && ib < ia) take_b = true;  // equal (or both NaN): the first index
        }
        if (take_b) { sv[threadIdx.x] = b; si[threadIdx.x] = ib; }
      }
      __syncthreads();
    }
    if (threadIdx.x == 0) {
      if (values) values[m] = sv[0];
      if (idx) idx[m] = si[0];
    }
    __syncthreads();
  }
}

void cuda_extreme(const Tensor& x, bool outer, int64_t M, int64_t R, bool is_max, const Tensor& values,
                  const Tensor& idx) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH(x.dtype(), is_max ? "max" : "min", [&] {
    using T = scalar_t;
    const T* px = in_ptr<T>(x);
    T* pv = out_ptr<T>(values);
    int64_t* pi = out_ptr<int64_t>(idx);
    DeviceGuard guard(d.index);
    cudaStream_t s = current_stream(d.index);
    if (outer) extreme_thread_k<T><<<blocks_for(M), kThreads, 0, s>>>(px, M, R, 1, M, is_max, pv, pi);
    else if (R < 64 && M >= 64) extreme_thread_k<T><<<blocks_for(M), kThreads, 0, s>>>(px, M, R, R, 1, is_max, pv, pi);
    else extreme_block_k<T><<<unsigned(std::min<int64_t>(M, 65535)), kThreads, 0, s>>>(px, M, R, is_max, pv, pi);
    check_launch();
  });
}

// ---- gather / scatter --------------------------------------------------------------------------------
// *p = f(*p) atomically, by compare-and-swap: on T's own 4 or 8 bytes, or for a 2-byte T (float16, bfloat16) on
// the aligned 4-byte word that holds it (the other half of the word is kept as it is).
template <typename T, typename F>
__device__ void atomic_update(T* p, F f) {
  if constexpr (sizeof(T) == 2) {
    const auto at = reinterpret_cast<uintptr_t>(p);
    auto* word = reinterpret_cast<unsigned int*>(at & ~uintptr_t(3));
    const unsigned shift = (at & 2) ? 16 : 0;  // little-endian: the upper half holds the element at +2 bytes
    unsigned int old = *word, assumed;
    do {
      assumed = old;
      const T next = f(T::from_bits(uint16_t(assumed >> shift)));
      const unsigned int nu = (assumed & ~(0xffffu << shift)) | (static_cast<unsigned int>(next.x) << shift);
      old = atomicCAS(word, assumed, nu);
    } while (assumed != old);
  } else {
    using U = std::conditional_t<sizeof(T) == 4, unsigned int, unsigned long long>;
    U* up = reinterpret_cast<U*>(p);
    U old = *up, assumed;
    do {
      assumed = old;
      T cur;
      memcpy(&cur, &assumed, sizeof(T));
      const T next = f(cur);
      U nu;
      memcpy(&nu, &next, sizeof(T));
      old = atomicCAS(up, assumed, nu);
    } while (assumed != old);
  }
}

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int32_t* p, int32_t v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));  // two's complement
}
__device__ __forceinline__ void atomic_add(bool* p, bool v) { if (v) *p = true; }  // logical or
// float16/bfloat16: each addition rounded to the element type, as the CPU kernel's (only the order may differ).
template <typename T, std::enable_if_t<is_reduced_float_v<T>, int> = 0>
__device__ void atomic_add(T* p, T v) {
  atomic_update(p, [v](T cur) { return T(cur + v); });
}

__device__ __forceinline__ void atomic_mul(bool* p, bool v) { if (!v) *p = false; }  // logical and
template <typename T>
__device__ void atomic_mul(T* p, T v) {
  atomic_update(p, [v](T cur) { return T(cur * v); });
}

// status[0] = 1 and status[1] = the index when one is out of range (the element is skipped); no status (nullptr):
// the indices are known to be in range.
template <typename T>
__global__ void gather_scatter_k(Args a, IndexMode mode, int64_t size, int64_t stride_bytes,
                                 unsigned long long* status) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    const int64_t ix = load<int64_t>(a, 2, off);
    if (status && (ix < 0 || ix >= size)) {
      status[0] = 1;
      status[1] = static_cast<unsigned long long>(ix);
      continue;
    }
    if (mode == IndexMode::Gather) {
      store<T>(a, off, *reinterpret_cast<const T*>(a.data[1] + off[1] + ix * stride_bytes));
      continue;
    }
    T* o = reinterpret_cast<T*>(a.data[0] + off[0] + ix * stride_bytes);
    const T v = load<T>(a, 1, off);
    if (mode == IndexMode::Scatter) *o = v;  // repeated indices: one of the values wins (as PyTorch's CUDA kernel)
    else if (mode == IndexMode::ScatterAdd) atomic_add(o, v);
    else atomic_mul(o, v);
  }
}

void cuda_gather_scatter(IndexMode mode, const StridedLoop& L, ScalarType dtype, int64_t dim, int64_t size,
                         int64_t stride_bytes) {
  if (L.numel == 0) return;
  const Device d = L.device;
  Args a = make_args(L);
  const bool checked = size >= 0;
  Tensor status = checked ? empty({2}, ScalarType::Int64, d) : Tensor();
  auto* ps = out_ptr<unsigned long long>(status);
  DeviceGuard guard(d.index);
  cudaStream_t s = current_stream(d.index);
  if (checked) EMBER_CUDA_CHECK(cudaMemsetAsync(ps, 0, 2 * sizeof(int64_t), s));
  EMBER_CUDA_DISPATCH_AND_HALF(dtype, mode == IndexMode::Gather ? "gather" : "scatter", [&] {
    gather_scatter_k<scalar_t><<<blocks_for(L.numel), kThreads, 0, s>>>(a, mode, size, stride_bytes, ps);
    check_launch();
  });
  if (!checked) return;
  // Out-of-range indices raise as on the CPU, at the cost of waiting for the kernel.
  int64_t host[2];
  read_back(host, ps, sizeof(host), d.index);
  EMBER_CHECK(host[0] == 0, "index ", host[1], " is out of bounds for dimension ", dim, " with size ", size);
}

// ---- batch_norm: one block per channel for the sums (in double, a fixed order), elementwise normalize ---------
template <typename T>
__global__ void bn_stats_k(const T* x, int64_t N, int64_t C, int64_t S, double eps, T* mean, T* invstd,
                           double* mean64, double* var64) {
  __shared__ double shared[kThreads];
  const int64_t c = blockIdx.x, n = N * S;
  const auto add = [](double a, double b) { return a + b; };
  double s = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) s += double(x[((i / S) * C + c) * S + i % S]);
  const double m = block_reduce(s, shared, add) / double(n);
  double q = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const double d = double(x[((i / S) * C + c) * S + i % S]) - m;
    q += d * d;
  }
  q = block_reduce(q, shared, add);
  if (threadIdx.x == 0) {
    mean[c] = T(m);
    invstd[c] = T(1.0 / ::sqrt(q / double(n) + eps));
    mean64[c] = m;
    var64[c] = n > 1 ? q / double(n - 1) : NAN;
  }
}

void cuda_bn_stats(const Tensor& x, int64_t N, int64_t C, int64_t S, double eps, const Tensor& mean,
                   const Tensor& invstd, const Tensor& mean64, const Tensor& var64) {
  if (C == 0) return;
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    using T = scalar_t;
    DeviceGuard guard(d.index);
    bn_stats_k<T><<<unsigned(C), kThreads, 0, current_stream(d.index)>>>(
        in_ptr<T>(x), N, C, S, eps, out_ptr<T>(mean), out_ptr<T>(invstd), out_ptr<double>(mean64),
        out_ptr<double>(var64));
    check_launch();
  });
}

template <typename T>
__global__ void bn_normalize_k(const T* x, int64_t numel, int64_t C, int64_t S, const T* mean, const T* invstd,
                               const T* w, const T* b, T* out) {
  EMBER_GRID_LOOP(i, numel) {
    const int64_t c = (i / S) % C;
    const T scale = w ? w[c] * invstd[c] : invstd[c];
    const T shift = (b ? b[c] : T(0)) - mean[c] * scale;
    out[i] = x[i] * scale + shift;
  }
}

void cuda_bn_normalize(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean, const Tensor& invstd,
                       const Tensor& w, const Tensor& b, const Tensor& out) {
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    using T = scalar_t;
    launch(x.device(), N * C * S, [&](unsigned blocks, cudaStream_t s) {
      bn_normalize_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(x), N * C * S, C, S, in_ptr<T>(mean),
                                                    in_ptr<T>(invstd), in_ptr<T>(w), in_ptr<T>(b), out_ptr<T>(out));
    });
  });
}

template <typename T>
__global__ void bn_backward_k(const T* gy, const T* x, int64_t N, int64_t C, int64_t S, const T* mean,
                              const T* invstd, const T* w, bool training, T* dx, T* dw, T* db) {
  __shared__ double shared[kThreads];
  const int64_t c = blockIdx.x, n = N * S;
  const auto add = [](double a, double b) { return a + b; };
  const double m = double(mean[c]);
  double s = 0, q = 0;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const int64_t at = ((i / S) * C + c) * S + i % S;
    s += double(gy[at]);
    q += double(gy[at]) * (double(x[at]) - m);
  }
  s = block_reduce(s, shared, add);
  q = block_reduce(q, shared, add);
  const T is = invstd[c], wc = w ? w[c] : T(1);
  if (threadIdx.x == 0) {
    dw[c] = T(q * double(is));
    db[c] = T(s);
  }
  if (!dx) return;
  const T k = T(q * double(is) * double(is) / double(n)), gmean = T(s / double(n)), mc = mean[c], scale = is * wc;
  for (int64_t i = threadIdx.x; i < n; i += blockDim.x) {
    const int64_t at = ((i / S) * C + c) * S + i % S;
    dx[at] = training ? (gy[at] - gmean - (x[at] - mc) * k) * is * wc : gy[at] * scale;
  }
}

void cuda_bn_backward(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean,
                      const Tensor& invstd, const Tensor& w, bool training, const Tensor& dx, const Tensor& dw,
                      const Tensor& db) {
  if (C == 0) return;
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "batch_norm_backward", [&] {
    using T = scalar_t;
    DeviceGuard guard(d.index);
    bn_backward_k<T><<<unsigned(C), kThreads, 0, current_stream(d.index)>>>(
        in_ptr<T>(gy), in_ptr<T>(x), N, C, S, in_ptr<T>(mean), in_ptr<T>(invstd), in_ptr<T>(w), training,
        out_ptr<T>(dx), out_ptr<T>(dw), out_ptr<T>(db));
    check_launch();
  });
}

// ---- group_norm: one block per (n, g) group (contiguous in x) for the sums, in double -------------------------------
template <typename T>
__global__ void gn_forward_k(const T* x, int64_t C, int64_t S, int64_t G, double eps, const T* w, const T* b, T* out,
                             T* mean, T* invstd) {
  __shared__ double shared[kThreads];
  const auto add = [](double a, double c) { return a + c; };
  const int64_t ng = blockIdx.x, D = C / G, len = D * S;
  const T* xr = x + ng * len;
  double s = 0;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) s += double(xr[i]);
  const double mu = block_reduce(s, shared, add) / double(len);
  double q = 0;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    const double d = double(xr[i]) - mu;
    q += d * d;
  }
  const T rstd = T(1.0 / ::sqrt(block_reduce(q, shared, add) / double(len) + eps));
  if (threadIdx.x == 0) {
    mean[ng] = T(mu);
    invstd[ng] = rstd;
  }
  const int64_t c0 = (ng % G) * D;
  T* orow = out + ng * len;
  for (int64_t i = threadIdx.x; i < len; i += blockDim.x) {
    const int64_t c = c0 + i / S;
    const T scale = w ? rstd * w[c] : rstd;
    const T shift = (b ? b[c] : T(0)) - scale * T(mu);
    orow[i] = xr[i] * scale + shift;
  }
}

void cuda_gn_forward(const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G, double eps, const Tensor& w,
                     const Tensor& b, const Tensor& out, const Tensor& mean, const Tensor& invstd) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "group_norm", [&] {
    using T = scalar_t;
    DeviceGuard guard(d.index);
    gn_forward_k<T><<<unsigned(N * G), kThreads, 0, current_stream(d.index)>>>(
        in_ptr<T>(x), C, S, G, eps, in_ptr<T>(w), in_ptr<T>(b), out_ptr<T>(out), out_ptr<T>(mean),
        out_ptr<T>(invstd));
    check_launch();
  });
}

// Backward, PyTorch's formula in three steps: the per-(n, c) sums ds = sum(gy * x) and db = sum(gy) (a block each,
// in double), dx per (n, g) block, then dw, db per channel (a thread each, over n in order).
template <typename T>
__global__ void gn_channel_sums_k(const T* gy, const T* x, int64_t S, double* ds, double* db) {
  __shared__ double shared[kThreads];
  const auto add = [](double a, double c) { return a + c; };
  const int64_t nc = blockIdx.x;
  double p = 0, t = 0;
  for (int64_t s = threadIdx.x; s < S; s += blockDim.x) {
    p += double(gy[nc * S + s]) * double(x[nc * S + s]);
    t += double(gy[nc * S + s]);
  }
  p = block_reduce(p, shared, add);
  t = block_reduce(t, shared, add);
  if (threadIdx.x == 0) {
    ds[nc] = p;
    db[nc] = t;
  }
}

template <typename T>
__global__ void gn_dx_k(const T* gy, const T* x, int64_t C, int64_t S, int64_t G, const T* mean, const T* invstd,
                        const T* w, const double* ds, const double* db, T* dx) {
  const int64_t ng = blockIdx.x, n = ng / G, D = C / G, c0 = (ng % G) * D;
  double dsg = 0, dbg = 0;  // every thread sums the group's D channels (in order, as the CPU)
  for (int64_t c = c0; c < c0 + D; ++c) {
    const double wc = w ? double(w[c]) : 1.0;
    dsg += ds[n * C + c] * wc;
    dbg += db[n * C + c] * wc;
  }
  const double M = double(D * S), mu = double(mean[ng]), rstd = double(invstd[ng]);
  const T c2 = T((dbg * mu - dsg) * rstd * rstd * rstd / M);
  const T c3 = T(-double(c2) * mu - dbg * rstd / M);
  const int64_t at = ng * D * S;
  for (int64_t i = threadIdx.x; i < D * S; i += blockDim.x) {
    const T c1 = T(rstd * (w ? double(w[c0 + i / S]) : 1.0));
    dx[at + i] = c1 * gy[at + i] + c2 * x[at + i] + c3;
  }
}

template <typename T>
__global__ void gn_dw_db_k(int64_t N, int64_t C, int64_t G, const T* mean, const T* invstd, const double* ds,
                           const double* db, T* dw, T* dbias) {
  EMBER_GRID_LOOP(c, C) {
    double gw = 0, gb = 0;
    for (int64_t n = 0; n < N; ++n) {
      const int64_t ng = n * G + c / (C / G);
      gw += (ds[n * C + c] - db[n * C + c] * double(mean[ng])) * double(invstd[ng]);
      gb += db[n * C + c];
    }
    dw[c] = T(gw);
    dbias[c] = T(gb);
  }
}

void cuda_gn_backward(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G,
                      const Tensor& mean, const Tensor& invstd, const Tensor& w, const Tensor& dx, const Tensor& dw,
                      const Tensor& db) {
  const Device d = x.device();
  Tensor sums = empty({2, N * C}, ScalarType::Float64, d);  // ds, then db
  double* pds = out_ptr<double>(sums);
  double* pdb = pds + N * C;
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "group_norm_backward", [&] {
    using T = scalar_t;
    DeviceGuard guard(d.index);
    cudaStream_t s = current_stream(d.index);
    gn_channel_sums_k<T><<<unsigned(N * C), kThreads, 0, s>>>(in_ptr<T>(gy), in_ptr<T>(x), S, pds, pdb);
    check_launch();
    if (dx.defined()) {
      gn_dx_k<T><<<unsigned(N * G), kThreads, 0, s>>>(in_ptr<T>(gy), in_ptr<T>(x), C, S, G, in_ptr<T>(mean),
                                                      in_ptr<T>(invstd), in_ptr<T>(w), pds, pdb, out_ptr<T>(dx));
      check_launch();
    }
    gn_dw_db_k<T><<<blocks_for(C), kThreads, 0, s>>>(N, C, G, in_ptr<T>(mean), in_ptr<T>(invstd), pds, pdb,
                                                    out_ptr<T>(dw), out_ptr<T>(db));
    check_launch();
  });
}

}  // namespace

void register_nn_kernels() {
  gn_forward_stub.set(DeviceType::CUDA, cuda_gn_forward);
  gn_backward_stub.set(DeviceType::CUDA, cuda_gn_backward);
  bn_stats_stub.set(DeviceType::CUDA, cuda_bn_stats);
  bn_normalize_stub.set(DeviceType::CUDA, cuda_bn_normalize);
  bn_backward_stub.set(DeviceType::CUDA, cuda_bn_backward);
  softmax_stub.set(DeviceType::CUDA, cuda_softmax);
  nll_stub.set(DeviceType::CUDA, cuda_nll);
  extreme_stub.set(DeviceType::CUDA, cuda_extreme);
  gather_scatter_stub.set(DeviceType::CUDA, cuda_gather_scatter);
}

}  // namespace ember::cuda
