// The CUDA kernels behind the core's dispatch tables: elementwise unary/binary
// (with broadcasting through the same StridedLoop plan the CPU uses), where,
// clamp, copy, fill, arange, tril/triu, and sum. One kernel per dtype; the op is a
// runtime switch inside it (uniform across threads), which keeps the number of
// instantiations, and nvcc's time, small.
#include <cstring>
#include <type_traits>

#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

// ---- unary ----------------------------------------------------------------------------
template <typename T>
__device__ T apply_unary(UnaryOp op, T x) {
  if constexpr (std::is_same_v<T, bool>) {
    return !x;  // LogicalNot: the only bool kernel (bool inputs of other ops compute in int64)
  } else {
    switch (op) {
      case UnaryOp::Neg: return T(-x);
      case UnaryOp::Abs:
        if constexpr (is_float_v<T>) return ::fabs(x);  // -0.0 -> 0.0, as the CPU
        else return x < T(0) ? T(-x) : x;
      case UnaryOp::Relu: return x < T(0) ? T(0) : x;
      case UnaryOp::Sign:
        if constexpr (is_float_v<T>) if (x != x) return T(0);
        return T((T(0) < x) - (x < T(0)));
      case UnaryOp::Square: return T(x * x);
      default: break;
    }
    if constexpr (is_float_v<T>) {
      switch (op) {
        case UnaryOp::Floor: return ::floor(x);
        case UnaryOp::Ceil: return ::ceil(x);
        case UnaryOp::Round: return ::rint(x);
        case UnaryOp::Trunc: return ::trunc(x);
        case UnaryOp::Frac: return x - ::trunc(x);
        case UnaryOp::Exp: return ::exp(x);
        case UnaryOp::Log: return ::log(x);
        case UnaryOp::Log2: return ::log2(x);
        case UnaryOp::Log10: return ::log10(x);
        case UnaryOp::Log1p: return ::log1p(x);
        case UnaryOp::Expm1: return ::expm1(x);
        case UnaryOp::Sqrt: return ::sqrt(x);
        case UnaryOp::Rsqrt: return T(1) / ::sqrt(x);
        case UnaryOp::Sin: return ::sin(x);
        case UnaryOp::Cos: return ::cos(x);
        case UnaryOp::Tan: return ::tan(x);
        case UnaryOp::Tanh: return ::tanh(x);
        case UnaryOp::Sigmoid: return T(1) / (T(1) + ::exp(-x));
        case UnaryOp::Reciprocal: return T(1) / x;
        case UnaryOp::Asin: return ::asin(x);
        case UnaryOp::Acos: return ::acos(x);
        case UnaryOp::Atan: return ::atan(x);
        case UnaryOp::Sinh: return ::sinh(x);
        case UnaryOp::Cosh: return ::cosh(x);
        case UnaryOp::Erf: return ::erf(x);
        default: return x;
      }
    } else {
      return x;  // Floor/Ceil/Round/Trunc of integers
    }
  }
}

template <typename T>
__global__ void unary_k(UnaryOp op, Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    store<T>(a, off, apply_unary<T>(op, load<T>(a, 1, off)));
  }
}

// ---- binary ---------------------------------------------------------------------------
template <typename T>
__device__ T floor_divide(T a, T b) {
  if constexpr (is_float_v<T>) {
    if (b == 0) return a / b;
    T mod = ::fmod(a, b);
    T div = (a - mod) / b;
    if (mod != 0 && ((b < 0) != (mod < 0))) div -= T(1);
    if (div == 0) return ::copysign(T(0), a / b);
    T fl = ::floor(div);
    if (div - fl > T(0.5)) fl += T(1);
    return fl;
  } else {
    if (b == 0) return T(-1);  // no exceptions on the GPU (PyTorch's CUDA kernels give garbage too)
    T q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <typename T>
__device__ T remainder(T a, T b) {
  if constexpr (is_float_v<T>) {
    T mod = ::fmod(a, b);
    if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;
    return mod;
  } else {
    if (b == 0) return T(-1);
    T r = a % b;
    if (r != 0 && ((r < 0) != (b < 0))) r += b;
    return r;
  }
}

template <typename T>
__device__ T int_pow(T base, T e) {
  if (e < 0) return base == 1 ? T(1) : base == -1 ? ((e & 1) ? T(-1) : T(1)) : T(0);
  T r = 1;
  while (e) {
    if (e & 1) r *= base;
    base *= base;
    e >>= 1;
  }
  return r;
}

template <typename T>
__device__ T apply_arith(BinaryOp op, T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {  // the bool arithmetic PyTorch allows
      case BinaryOp::Add: case BinaryOp::Maximum: return a || b;
      default: return a && b;  // Mul, Minimum
    }
  } else {
    switch (op) {
      case BinaryOp::Add: return T(a + b);
      case BinaryOp::Sub: return T(a - b);
      case BinaryOp::Mul: return T(a * b);
      case BinaryOp::Div: return b == 0 && !is_float_v<T> ? T(-1) : T(a / b);
      case BinaryOp::FloorDiv: return floor_divide(a, b);
      case BinaryOp::TruncDiv:
        if constexpr (is_float_v<T>) return ::trunc(a / b);
        else return b == 0 ? T(-1) : T(a / b);
      case BinaryOp::Remainder: return remainder(a, b);
      case BinaryOp::Fmod:
        if constexpr (is_float_v<T>) return ::fmod(a, b);
        else return b == 0 ? T(-1) : T(a % b);
      case BinaryOp::Pow:
        if constexpr (is_float_v<T>) return b == T(2) ? T(a * a) : T(::pow(a, b));
        else return int_pow(a, b);
      case BinaryOp::Maximum: return (a > b || a != a) ? a : b;
      case BinaryOp::Minimum: return (a < b || a != a) ? a : b;
      case BinaryOp::Atan2:
        if constexpr (is_float_v<T>) return ::atan2(a, b);
        else return T(0);
      default: return T(0);
    }
  }
}

template <typename T>
__global__ void arith_k(BinaryOp op, Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    store<T>(a, off, apply_arith<T>(op, load<T>(a, 1, off), load<T>(a, 2, off)));
  }
}

template <typename T>
__global__ void compare_k(BinaryOp op, Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    const T x = load<T>(a, 1, off), y = load<T>(a, 2, off);
    bool r;
    switch (op) {
      case BinaryOp::Eq: r = x == y; break;
      case BinaryOp::Ne: r = x != y; break;
      case BinaryOp::Lt: r = x < y; break;
      case BinaryOp::Le: r = x <= y; break;
      case BinaryOp::Gt: r = x > y; break;
      default: r = x >= y; break;
    }
    store<bool>(a, off, r);
  }
}

template <typename T>  // logical ops (T = bool) and bitwise ops (bool, int32, int64)
__global__ void bits_k(BinaryOp op, Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    const T x = load<T>(a, 1, off), y = load<T>(a, 2, off);
    T r;
    switch (op) {
      case BinaryOp::LogicalAnd: r = T(bool(x) && bool(y)); break;
      case BinaryOp::LogicalOr: r = T(bool(x) || bool(y)); break;
      case BinaryOp::LogicalXor: r = T(bool(x) != bool(y)); break;
      case BinaryOp::BitAnd: r = T(x & y); break;
      case BinaryOp::BitOr: r = T(x | y); break;
      default: r = T(x ^ y); break;
    }
    store<T>(a, off, r);
  }
}

// ---- where, clamp ---------------------------------------------------------------------
template <typename T>
__global__ void where_k(Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    store<T>(a, off, load<bool>(a, 1, off) ? load<T>(a, 2, off) : load<T>(a, 3, off));
  }
}

template <typename T>
__global__ void clamp_k(Args a, bool has_min, bool has_max) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    T x = load<T>(a, 1, off);
    if (x == x) {  // NaN in x or in a bound propagates
      if (has_min) { T lo = load<T>(a, 2, off); if (!(x >= lo)) x = lo; }
      if (has_max && x == x) { T hi = load<T>(a, 3, off); if (!(x <= hi)) x = hi; }
    }
    store<T>(a, off, x);
  }
}

// ---- copy, fill, arange ---------------------------------------------------------------
template <typename D, typename S>
__global__ void copy_k(Args a) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    const S v = load<S>(a, 1, off);
    if constexpr (std::is_same_v<D, bool>) store<D>(a, off, v != S(0));
    else store<D>(a, off, static_cast<D>(v));
  }
}

template <typename T>
__global__ void fill_k(Args a, T v) {
  int64_t off[StridedLoop::kMaxOperands];
  EMBER_GRID_LOOP(i, a.numel) {
    offsets(a, i, off);
    store<T>(a, off, v);
  }
}

template <typename T>
__global__ void arange_k(T* out, int64_t n, double s, double st, int64_t si, int64_t sti) {
  EMBER_GRID_LOOP(i, n) {
    if constexpr (is_float_v<T>) out[i] = T(s + double(i) * st);  // as the CPU kernel: exact same values
    else out[i] = T(si + i * sti);
  }
}

// ---- tril / triu ----------------------------------------------------------------------------
// Zeros the elements outside the triangle, by element width: all-zero bits are zero in every dtype.
template <typename U>
__global__ void triangle_k(U* x, int64_t numel, int64_t rows, int64_t cols, int64_t diagonal, bool lower) {
  EMBER_GRID_LOOP(i, numel) {
    const int64_t col = i % cols, row = (i / cols) % rows;
    if (lower ? col - row > diagonal : col - row < diagonal) x[i] = U(0);
  }
}

// ---- sum --------------------------------------------------------------------------------
// Inner layout: rows of R contiguous values. Block b sums chunk (b % P) of row (b / P).
template <typename T>
__global__ void sum_inner_k(const T* x, int64_t M, int64_t R, int64_t P, int64_t chunk, T* out) {
  __shared__ T partial[kThreads];
  for (int64_t b = blockIdx.x; b < M * P; b += gridDim.x) {
    const int64_t m = b / P, p = b % P;
    const int64_t lo = p * chunk, hi = min(R, lo + chunk);
    T acc = 0;
    for (int64_t r = lo + threadIdx.x; r < hi; r += blockDim.x) acc += x[m * R + r];
    partial[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (int(threadIdx.x) < s) partial[threadIdx.x] += partial[threadIdx.x + s];
      __syncthreads();
    }
    if (threadIdx.x == 0) out[b] = partial[0];  // out is (M, P)
    __syncthreads();
  }
}

// Outer layout: R rows of M contiguous values; out[p * M + m] sums rows of chunk p of column m.
template <typename T>
__global__ void sum_outer_k(const T* x, int64_t R, int64_t M, int64_t chunk, int64_t P, T* out) {
  EMBER_GRID_LOOP(idx, P * M) {
    const int64_t p = idx / M, m = idx % M;
    const int64_t lo = p * chunk, hi = min(R, lo + chunk);
    T acc = 0;
    for (int64_t r = lo; r < hi; ++r) acc += x[r * M + m];
    out[idx] = acc;
  }
}

void cuda_unary(UnaryOp op, const StridedLoop& L, ScalarType t) {
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH(t, op_name(op), [&] {
    launch(L.device, L.numel, [&](unsigned g, cudaStream_t s) { unary_k<scalar_t><<<g, kThreads, 0, s>>>(op, a); });
  });
}

template <typename T>
void launch_binary(BinaryOp op, const Args& a, unsigned g, cudaStream_t s) {
  if (op >= BinaryOp::Eq && op <= BinaryOp::Ge) compare_k<T><<<g, kThreads, 0, s>>>(op, a);
  else if (op >= BinaryOp::LogicalAnd && op <= BinaryOp::LogicalXor) bits_k<bool><<<g, kThreads, 0, s>>>(op, a);
  else if (op >= BinaryOp::BitAnd) {
    if constexpr (std::is_integral_v<T>) bits_k<T><<<g, kThreads, 0, s>>>(op, a);
  } else arith_k<T><<<g, kThreads, 0, s>>>(op, a);
}

void cuda_binary(BinaryOp op, const StridedLoop& L, ScalarType t) {
  EMBER_CHECK_KIND(NotImplemented, !(op >= BinaryOp::BitAnd && is_floating(t)), "\"", op_name(op),
                   "_cuda\" not implemented for '", dtype_short_name(t), "'");
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH(t, op_name(op), [&] {
    launch(L.device, L.numel, [&](unsigned g, cudaStream_t s) { launch_binary<scalar_t>(op, a, g, s); });
  });
}

void cuda_where(const StridedLoop& L, ScalarType t) {
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH_AND_HALF(t, "where", [&] {  // picks values, so float16/bfloat16 too (as the CPU kernel)
    launch(L.device, L.numel, [&](unsigned g, cudaStream_t s) { where_k<scalar_t><<<g, kThreads, 0, s>>>(a); });
  });
}

void cuda_clamp(const StridedLoop& L, ScalarType t, bool has_min, bool has_max) {
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH(t, "clamp", [&] {
    launch(L.device, L.numel,
           [&](unsigned g, cudaStream_t s) { clamp_k<scalar_t><<<g, kThreads, 0, s>>>(a, has_min, has_max); });
  });
}

void cuda_copy(const Tensor& dst, const Tensor& src) {
  auto L = StridedLoop::make(dst, {&src});
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH_AND_HALF(dst.dtype(), "copy_", [&] {
    using D = scalar_t;
    EMBER_CUDA_DISPATCH_AND_HALF(src.dtype(), "copy_", [&] {
      launch(L.device, L.numel, [&](unsigned g, cudaStream_t s) { copy_k<D, scalar_t><<<g, kThreads, 0, s>>>(a); });
    });
  });
}

void cuda_fill(const Tensor& self, Scalar value) {
  auto L = StridedLoop::make(self, {});
  Args a = make_args(L);
  EMBER_CUDA_DISPATCH_AND_HALF(self.dtype(), "fill_", [&] {
    const scalar_t v = value.to<scalar_t>();
    launch(L.device, L.numel, [&](unsigned g, cudaStream_t s) { fill_k<scalar_t><<<g, kThreads, 0, s>>>(a, v); });
  });
}

void cuda_arange(const Tensor& out, Scalar start, Scalar step) {
  const int64_t n = out.numel();
  const bool fl = is_floating(out.dtype());
  const double s = start.to_double(), st = step.to_double();
  const int64_t si = fl ? 0 : start.to_int(), sti = fl ? 0 : step.to_int();
  EMBER_CUDA_DISPATCH_NUMERIC(out.dtype(), "arange", [&] {
    auto* p = static_cast<scalar_t*>(out.device_data());
    launch(out.device(), n, [&](unsigned g, cudaStream_t cs) { arange_k<scalar_t><<<g, kThreads, 0, cs>>>(p, n, s, st, si, sti); });
  });
}

void cuda_triangle(const Tensor& x, int64_t rows, int64_t cols, int64_t diagonal, bool lower) {
  const int64_t n = x.numel();
  auto run = [&](auto width) {
    using U = decltype(width);
    U* p = static_cast<U*>(x.device_data());
    launch(x.device(), n, [&](unsigned g, cudaStream_t s) {
      triangle_k<U><<<g, kThreads, 0, s>>>(p, n, rows, cols, diagonal, lower);
    });
  };
  switch (itemsize(x.dtype())) {
    case 1: run(uint8_t()); break;
    case 2: run(uint16_t()); break;
    case 4: run(uint32_t()); break;
    default: run(uint64_t()); break;
  }
}

// Chunks per row/column so that a long reduction spreads over the whole GPU;
// the partial sums are reduced by a second pass of the same kernel.
int64_t chunks_for(int64_t M, int64_t R) {
  const int64_t want = 2048;  // blocks (inner) or thread groups (outer) worth filling an H100 a few times over
  if (M >= want || R <= 4096) return 1;
  int64_t p = std::min<int64_t>((want + M - 1) / M, (R + 4095) / 4096);
  return std::max<int64_t>(p, 1);
}

void cuda_sum(const Tensor& x, bool outer, int64_t M, int64_t R, const Tensor& out) {
  const Device d = x.device();
  EMBER_CUDA_DISPATCH_NUMERIC(x.dtype(), "sum", [&] {
    using T = scalar_t;
    const T* px = static_cast<const T*>(x.device_data());
    T* po = static_cast<T*>(out.device_data());
    const int64_t P = chunks_for(M, R), chunk = (R + P - 1) / P;
    Tensor partial = P > 1 ? empty({P * M}, x.dtype(), d) : Tensor();
    T* first = P > 1 ? static_cast<T*>(partial.device_data()) : po;
    DeviceGuard guard(d.index);
    cudaStream_t s = current_stream(d.index);
    if (!outer) {
      const unsigned g = unsigned(std::min<int64_t>(M * P, 65535));
      sum_inner_k<T><<<g, kThreads, 0, s>>>(px, M, R, P, chunk, first);
      check_launch();
      if (P > 1) {  // partial is (M, P): one more inner pass
        sum_inner_k<T><<<unsigned(std::min<int64_t>(M, 65535)), kThreads, 0, s>>>(first, M, P, 1, P, po);
        check_launch();
      }
    } else {
      sum_outer_k<T><<<blocks_for(P * M), kThreads, 0, s>>>(px, R, M, chunk, P, first);
      check_launch();
      if (P > 1) {  // partial is (P, M): one more outer pass
        sum_outer_k<T><<<blocks_for(M), kThreads, 0, s>>>(first, P, M, P, 1, po);
        check_launch();
      }
    }
  });
}

}  // namespace

void register_kernels() {
  unary_stub.set(DeviceType::CUDA, cuda_unary);
  binary_stub.set(DeviceType::CUDA, cuda_binary);
  where_stub.set(DeviceType::CUDA, cuda_where);
  clamp_stub.set(DeviceType::CUDA, cuda_clamp);
  copy_stub.set(DeviceType::CUDA, cuda_copy);
  fill_stub.set(DeviceType::CUDA, cuda_fill);
  arange_stub.set(DeviceType::CUDA, cuda_arange);
  sum_stub.set(DeviceType::CUDA, cuda_sum);
  triangle_stub.set(DeviceType::CUDA, cuda_triangle);
}

}  // namespace ember::cuda
