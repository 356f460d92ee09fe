#pragma once
// The per-device kernel tables of the ops whose front ends are
// device-independent (see core/dispatch.h). The core fills the CPU slots; the
// CUDA module fills the CUDA slots when it loads. An op with no table here has
// only a CPU kernel: given a tensor on another device it raises (the checked
// data pointer in core/tensor.h), it never reads device memory.
#include "ember/core/dispatch.h"
#include "ember/core/scalar.h"
#include "ember/cpu/loops.h"
#include "ember/ops/ops.h"

namespace ember {

// out = op(in) over a loop; `dtype` is the dtype the kernel computes in (== out's).
using UnaryFn = void (*)(UnaryOp op, const StridedLoop& loop, ScalarType dtype);
// out = op(a, b); inputs in `compute`, out in `compute` or bool (comparisons).
using BinaryFn = void (*)(BinaryOp op, const StridedLoop& loop, ScalarType compute);
// out = cond ? a : b (operands: out, cond (bool), a, b).
using WhereFn = void (*)(const StridedLoop& loop, ScalarType dtype);
// out = clamp(x, min, max) (operands: out, x, min, max; a missing bound is a dummy).
using ClampFn = void (*)(const StridedLoop& loop, ScalarType dtype, bool has_min, bool has_max);
// dst = src, same device, any dtype pair, src broadcast to dst's shape.
using CopyFn = void (*)(const Tensor& dst, const Tensor& src);
using FillFn = void (*)(const Tensor& self, Scalar value);
// out[i] = start + i * step (out contiguous, 1-D, numeric).
using ArangeFn = void (*)(const Tensor& out, Scalar start, Scalar step);
// out[M] = row sums of x, x contiguous (M, R) (outer == false) or (R, M) (outer == true); x and out share a dtype.
// prod_stub: the same with products.
using SumFn = void (*)(const Tensor& x, bool outer, int64_t M, int64_t R, const Tensor& out);
// Running sums, in place, along the middle dim of a contiguous x seen as (outer, n, inner); numeric dtypes.
using CumsumFn = void (*)(const Tensor& x, int64_t outer, int64_t n, int64_t inner);
// Zeros the elements of a contiguous x, seen as batches of (rows, cols) matrices, outside the triangle
// col - row <= diagonal (lower) or col - row >= diagonal (upper); any dtype.
using TriangleFn = void (*)(const Tensor& x, int64_t rows, int64_t cols, int64_t diagonal, bool lower);
// out = a @ b for 2-D a (m, k), b (k, n) or 3-D batches; out contiguous, float dtypes or ints.
using GemmFn = void (*)(const Tensor& a, const Tensor& b, const Tensor& out);
// softmax (log == false) or log_softmax of each of `rows` contiguous rows of n values; x and out contiguous, float.
using SoftmaxFn = void (*)(const Tensor& x, const Tensor& out, int64_t rows, int64_t n, bool log);
// nll_loss's per-sample losses: losses[i] = -w[t_i] * in[i, t_i], 0 where t_i == ignore; returns the sum of the
// counted weights. in (N, C) float, target (N) int64, weight (C) or undefined, all contiguous; a target outside
// [0, C) raises IndexError.
using NllFn = double (*)(const Tensor& in, const Tensor& target, const Tensor& weight, int64_t ignore,
                         const Tensor& losses);
// max (is_max) or min of each run of R values of x, laid out as for SumFn (R >= 1): the values into `values`
// (x's dtype) and/or their index into `idx` (int64), either may be undefined. NaN wins; ties: the first index.
using ExtremeFn = void (*)(const Tensor& x, bool outer, int64_t M, int64_t R, bool is_max, const Tensor& values,
                           const Tensor& idx);
// gather (operands: out, src, index) or scatter (operands: dst, values, index); the src/dst view has stride 0
// along `dim`, where the int64 index selects (size, stride_bytes: that dim's). Out-of-range indices raise; size < 0
// says the caller has checked them (no check, and on a GPU no wait for the kernel).
enum class IndexMode { Gather, Scatter, ScatterAdd, ScatterMul };
using GatherScatterFn = void (*)(IndexMode mode, const StridedLoop& loop, ScalarType dtype, int64_t dim, int64_t size,
                                 int64_t stride_bytes);
// Advanced indexing's element offsets (index.cpp): offsets[i] = sum_j wrap_j(indices[j][i]) * dims[j].stride, for
// int64 `indices` as contiguous as `offsets` (int64) and of its numel; wrap_j(v) = v < 0 ? v + size_j : v. An index
// outside [-size_j, size_j) raises IndexError("index v is out of bounds for dimension dims[j].dim with size size_j");
// in_range says none can be (indices from nonzero): a GPU then need not wait for the kernel.
struct IndexDim {
  int64_t size, stride, dim;
};
using IndexOffsetsFn = void (*)(const std::vector<Tensor>& indices, const std::vector<IndexDim>& dims, bool in_range,
                                const Tensor& offsets);
// nonzero: the (n, mask.dim()) int64 coordinates of a contiguous bool mask's true elements, in row-major order, on
// the mask's device.
using NonzeroFn = Tensor (*)(const Tensor& mask);
// Fills contiguous `self` from the device's own generator: Uniform in [a, b), Normal (mean a, std b), or
// Bernoulli (p = a; self bool). Devices other than the CPU only (the CPU draws reproduce PyTorch's, random.cpp).
enum class RandomOp { Uniform, Normal, Bernoulli };
using RandomFn = void (*)(RandomOp op, const Tensor& self, double a, double b);

// sort.cpp's kernels over the `rows` rows of n values of a contiguous x (rows, n), ties ordered as PyTorch's CPU
// kernels order them (sort.cpp); outputs contiguous, values in x's dtype, indices int64:
//   sort    values, indices (rows, n); NaN above every number
//   topk    the k largest (or smallest) of each row into (rows, k), in order when `sorted`; 1 <= k <= n
//   select  one value and index per row (rows): the k-th smallest (0-based), or with `median` the lower median
//           (ties in index order; a row holding NaN gives its first NaN)
using SortFn = void (*)(const Tensor& x, int64_t rows, int64_t n, bool descending, bool stable, const Tensor& values,
                        const Tensor& indices);
using TopkFn = void (*)(const Tensor& x, int64_t rows, int64_t n, int64_t k, bool largest, bool sorted,
                        const Tensor& values, const Tensor& indices);
using SelectFn = void (*)(const Tensor& x, int64_t rows, int64_t n, int64_t k, bool median, const Tensor& values,
                          const Tensor& indices);

// A 2-D convolution's geometry: input x (N, C, H, W), weight w (O, C/G, kH, kW), output y (N, O, OH, OW);
// stride s, padding p, dilation d, G groups (conv.cpp).
struct ConvGeom {
  int64_t N, C, H, W, O, kH, kW, OH, OW, sH, sW, pH, pW, dH, dW, G;
};
// The three bilinear maps of a conv (conv.cpp), each returning a new contiguous tensor; inputs of any layout,
// float dtypes, one device; bias undefined or 1-D:
//   conv_stub(x, w, bias)   y = conv(x, w) + bias (O)
//   conv_input_stub(y, w, bias)  x = the adjoint of conv(., w) applied to y, + bias (C) (conv_transpose2d)
//   conv_weight_stub(x, y, -)    w = d<y, conv(x, w)>/dw
using ConvFn = Tensor (*)(const Tensor& a, const Tensor& b, const Tensor& bias, const ConvGeom& g);

// A 2-D pooling window's geometry over (H, W) planes (pool.cpp).
struct Pool2dGeom {
  int64_t kh, kw, sh, sw, ph, pw, dh, dw, H, W, OH, OW;
};
// max_pool2d over `planes` contiguous (H, W) planes of x: each window's max into out and its flat index in the plane
// into idx (int64), both contiguous (planes, OH, OW); a larger value or a NaN replaces the best so far (the first
// max wins). Numeric dtypes but bool.
// adaptive_max_pool_stub: the same over adaptive windows, float dtypes; only g's H, W, OH, OW are used: window o of an
// axis of n inputs and m outputs is [floor(o * n / m), ceil((o + 1) * n / m)).
using MaxPoolFn = void (*)(const Tensor& x, const Pool2dGeom& g, int64_t planes, const Tensor& out, const Tensor& idx);

// batch_norm's kernels (norm.cpp) over a contiguous x seen as (N, C, S), one statistic per channel; the per-channel
// tensors (C) are contiguous, in x's dtype unless said otherwise:
//   stats      mean, invstd = 1 / sqrt(biased var + eps), and in float64 mean64 and the unbiased var64 (NaN when
//              N*S == 1), all summed in double
//   normalize  out = x * scale + (b - mean * scale), scale = w * invstd; w, b may be undefined
//   backward   dw = invstd * sum(gy * (x - mean)), db = sum(gy), and dx when defined: PyTorch's formula in
//              training, else gy * invstd * w (w may be undefined)
using BnStatsFn = void (*)(const Tensor& x, int64_t N, int64_t C, int64_t S, double eps, const Tensor& mean,
                           const Tensor& invstd, const Tensor& mean64, const Tensor& var64);
using BnNormalizeFn = void (*)(const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean,
                               const Tensor& invstd, const Tensor& w, const Tensor& b, const Tensor& out);
using BnBackwardFn = void (*)(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, const Tensor& mean,
                              const Tensor& invstd, const Tensor& w, bool training, const Tensor& dx,
                              const Tensor& dw, const Tensor& db);

// group_norm's kernels (norm.cpp) over a contiguous x seen as (N, C, S) with G groups of D = C/G channels, one
// statistic per (n, g); mean, invstd (N*G) and the per-channel w, b (C; either may be undefined) contiguous, in x's
// dtype:
//   forward   mean, invstd = 1 / sqrt(biased var + eps) (summed in double), out = x * scale + shift with
//             scale = w * invstd, shift = b - mean * scale
//   backward  PyTorch's formula: dx (when defined), dw, db (C)
using GnForwardFn = void (*)(const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G, double eps, const Tensor& w,
                             const Tensor& b, const Tensor& out, const Tensor& mean, const Tensor& invstd);
using GnBackwardFn = void (*)(const Tensor& gy, const Tensor& x, int64_t N, int64_t C, int64_t S, int64_t G,
                              const Tensor& mean, const Tensor& invstd, const Tensor& w, const Tensor& dx,
                              const Tensor& dw, const Tensor& db);

extern EMBER_API DispatchStub<UnaryFn> unary_stub;
extern EMBER_API DispatchStub<BinaryFn> binary_stub;
extern EMBER_API DispatchStub<WhereFn> where_stub;
extern EMBER_API DispatchStub<ClampFn> clamp_stub;
extern EMBER_API DispatchStub<CopyFn> copy_stub;
extern EMBER_API DispatchStub<FillFn> fill_stub;
extern EMBER_API DispatchStub<ArangeFn> arange_stub;
extern EMBER_API DispatchStub<SumFn> sum_stub;
extern EMBER_API DispatchStub<SumFn> prod_stub;
extern EMBER_API DispatchStub<CumsumFn> cumsum_stub;
extern EMBER_API DispatchStub<TriangleFn> triangle_stub;
extern EMBER_API DispatchStub<GemmFn> gemm_stub;
extern EMBER_API DispatchStub<SoftmaxFn> softmax_stub;
extern EMBER_API DispatchStub<NllFn> nll_stub;
extern EMBER_API DispatchStub<ExtremeFn> extreme_stub;
extern EMBER_API DispatchStub<GatherScatterFn> gather_scatter_stub;
extern EMBER_API DispatchStub<IndexOffsetsFn> index_offsets_stub;
extern EMBER_API DispatchStub<NonzeroFn> nonzero_stub;
extern EMBER_API DispatchStub<RandomFn> random_stub;
extern EMBER_API DispatchStub<SortFn> sort_stub;
extern EMBER_API DispatchStub<TopkFn> topk_stub;
extern EMBER_API DispatchStub<SelectFn> select_stub;
extern EMBER_API DispatchStub<ConvFn> conv_stub;
extern EMBER_API DispatchStub<ConvFn> conv_input_stub;
extern EMBER_API DispatchStub<ConvFn> conv_weight_stub;
extern EMBER_API DispatchStub<MaxPoolFn> max_pool_stub;
extern EMBER_API DispatchStub<MaxPoolFn> adaptive_max_pool_stub;
extern EMBER_API DispatchStub<BnStatsFn> bn_stats_stub;
extern EMBER_API DispatchStub<BnNormalizeFn> bn_normalize_stub;
extern EMBER_API DispatchStub<BnBackwardFn> bn_backward_stub;
extern EMBER_API DispatchStub<GnForwardFn> gn_forward_stub;
extern EMBER_API DispatchStub<GnBackwardFn> gn_backward_stub;

// Byte copies between devices (host <-> device, device <-> device), set by a
// backend when it loads; copy_ builds cross-device copies of any layout and
// dtype from it. Returns once the bytes have arrived.
using DeviceMemcpyFn = void (*)(void* dst, Device dst_device, const void* src, Device src_device, size_t nbytes);
EMBER_API void set_device_memcpy(DeviceMemcpyFn fn);

}  // namespace ember
