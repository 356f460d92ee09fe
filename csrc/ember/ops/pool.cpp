// 2-D pooling and upsampling over the last two dims of (N, C, H, W) or (C, H, W).
//
// Every op here is separable: output cell (oh, ow) reads the input cells
// rows(oh) x cols(ow), where each axis is a list of source indices (with
// weights) per output index. So two kernels serve nearly all:
//   - `linear_map`: out = sum w_h * w_w * x / (div_h * div_w), and its adjoint
//     (the backward), for avg_pool2d, adaptive_avg_pool2d, upsample_nearest2d
//     and upsample_bilinear2d: each op's backward is the adjoint map, whose
//     own backward is the forward map again (so double backward works);
//   - the max maps, max_pool2d (`max_pool_plane` walks its regular windows)
//     and adaptive_max_pool2d: the max over the window with its flat index in
//     the H*W plane (PyTorch's scan order: first max wins, a NaN propagates),
//     each behind a device table; their backward scatters the gradient to
//     the argmax, and that scatter's backward gathers by the same indices.
// Kernels run over a contiguous copy, one (H, W) plane per task, in parallel.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "ember/autograd/autograd.h"
#include "ember/cpu/clones.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/autocast.h"
#include "ember/ops/ops.h"
#include "ember/ops/opmath.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// One axis of a separable map: output index o reads src[off[o] .. off[o+1]) with
// weights wt (same range), and divides by div[o].
struct Axis {
  std::vector<int64_t> off{0}, src;
  std::vector<double> wt, div;
  int64_t in = 0;  // input length along this axis
  int64_t out() const { return int64_t(div.size()); }
  void add(int64_t s, double w) { src.push_back(s); wt.push_back(w); }
  void end_row(double d = 1.0) { off.push_back(int64_t(src.size())); div.push_back(d); }
};
using Axes = std::shared_ptr<const std::pair<Axis, Axis>>;

// Output shape: input's leading dims, then (oh, ow).
DimVector out_shape(const Tensor& x, int64_t oh, int64_t ow) {
  DimVector s = x.sizes();
  s[s.size() - 2] = oh;
  s[s.size() - 1] = ow;
  return s;
}

template <typename F>
void over_planes(int64_t planes, int64_t work_per_plane, const F& fn) {
  std::optional<GilRelease> no_gil;
  if (planes * work_per_plane >= (int64_t(1) << 16)) no_gil.emplace();
  parallel_for(0, planes, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(work_per_plane, 1)),
               [&](int64_t p0, int64_t p1) {
                 for (int64_t p = p0; p < p1; ++p) fn(p);
               });
}

// An axis as a dense (out, in) matrix M[o, src] = wt / div[o], in `like`'s dtype on its device.
Tensor axis_matrix(const Axis& ax, const Tensor& like) {
  Tensor m = zeros({ax.out(), ax.in}, ScalarType::Float64);
  double* pm = m.data_ptr<double>();
  for (int64_t o = 0; o < ax.out(); ++o)
    for (int64_t a = ax.off[o]; a < ax.off[o + 1]; ++a) pm[o * ax.in + ax.src[a]] += ax.wt[a] / ax.div[o];
  return to_device(m, like.device(), like.dtype());
}

// x (..., A.in, B.in) -> (..., A.out, B.out); adjoint: x (..., A.out, B.out) -> (..., A.in, B.in).
Tensor linear_kernel(const Tensor& input, const Axis& A, const Axis& B, bool adjoint, const char* name) {
  GradModeGuard no_grad(false);
  if (is_reduced_float(input.dtype()))  // float16/bfloat16: in float32, rounded once
    return on_float32(input, [&](const Tensor& x) { return linear_kernel(x, A, B, adjoint, name); });
  if (!input.device().is_cpu()) {
    // Other devices: the map as two matmuls, out = MA @ x @ MB^T (adjoint: MA^T @ x @ MB), small dense matrices.
    EMBER_CHECK_KIND(NotImplemented, is_floating(input.dtype()), "\"", name, "\" not implemented for '",
                     dtype_short_name(input.dtype()), "' on ", input.device().str());
    const Tensor MA = axis_matrix(A, input), MB = axis_matrix(B, input);
    return adjoint ? matmul(matmul(t(MA), input), MB) : matmul(matmul(MA, input), t(MB));
  }
  Tensor x = contiguous(input);
  const int64_t IH = adjoint ? A.out() : A.in, IW = adjoint ? B.out() : B.in;
  const int64_t OH = adjoint ? A.in : A.out(), OW = adjoint ? B.in : B.out();
  Tensor out = adjoint ? zeros(out_shape(x, OH, OW), x.dtype(), x.device()) : empty(out_shape(x, OH, OW), x.dtype(), x.device());
  const int64_t planes = IH * IW == 0 ? 0 : x.numel() / (IH * IW);
  const int64_t taps = A.out() ? int64_t(A.src.size()) / A.out() : 1, tapsw = B.out() ? int64_t(B.src.size()) / B.out() : 1;
  EMBER_DISPATCH_NUMERIC(x.dtype(), name, [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    over_planes(planes, A.out() * B.out() * std::max<int64_t>(taps * tapsw, 1), [&](int64_t p) {
      const T* xi = px + p * IH * IW;
      T* yo = po + p * OH * OW;
      for (int64_t h = 0; h < A.out(); ++h) {
        for (int64_t w = 0; w < B.out(); ++w) {
          const T d = T(A.div[h]) * T(B.div[w]);
          if (!adjoint) {
            T acc = 0;
            for (int64_t a = A.off[h]; a < A.off[h + 1]; ++a) {
              const T* row = xi + A.src[a] * IW;
              T racc = 0;
              for (int64_t b = B.off[w]; b < B.off[w + 1]; ++b) racc += T(B.wt[b]) * row[B.src[b]];
              acc += T(A.wt[a]) * racc;
            }
            yo[h * OW + w] = acc / d;
          } else {
            const T g = xi[h * IW + w] / d;
            for (int64_t a = A.off[h]; a < A.off[h + 1]; ++a) {
              T* row = yo + A.src[a] * OW;
              const T ga = T(A.wt[a]) * g;
              for (int64_t b = B.off[w]; b < B.off[w + 1]; ++b) row[B.src[b]] += T(B.wt[b]) * ga;
            }
          }
        }
      }
    });
  });
  return out;
}

// The map (or its adjoint) with autograd: backward is the other direction, recorded likewise.
Tensor linear_map(const Tensor& input, const Axes& axes, bool adjoint, const char* fwd_name, const char* bwd_name) {
  Tensor out = linear_kernel(input, axes->first, axes->second, adjoint, fwd_name);
  if (grad_enabled() && requires_grad(input)) {
    record(adjoint ? bwd_name : fwd_name, {&input}, out,
           [axes, adjoint, fwd_name, bwd_name](Node*, const std::vector<Tensor>& g) {
             return std::vector<Tensor>{linear_map(g[0], axes, !adjoint, fwd_name, bwd_name)};
           }, false);
  }
  return out;
}

// The gradient of a max map: grad scattered (added) to each window's argmax in an (..., H, W) plane.
// Its own backward gathers by the same indices.
Tensor max_backward(const Tensor& grad, const Tensor& indices, int64_t H, int64_t W, const char* name) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor g = contiguous(grad), ix = contiguous(indices);
    if (is_reduced_float(g.dtype())) {  // summed in float32, rounded once
      Tensor o = max_backward(to_dtype(g, ScalarType::Float32), ix, H, W, name);
      return to_dtype(o, g.dtype());
    }
    out = zeros(out_shape(g, H, W), g.dtype(), g.device());
    const int64_t n = g.sizes()[g.dim() - 2] * g.sizes()[g.dim() - 1];
    const int64_t planes = n == 0 || H * W == 0 ? 0 : g.numel() / n;
    if (!g.device().is_cpu()) {  // other devices: a scatter_add per plane (the device's gather/scatter kernel)
      if (planes > 0)
        out = reshape(scatter_add(reshape(out, {planes, H * W}), 1, reshape(ix, {planes, n}), reshape(g, {planes, n})),
                      out_shape(g, H, W).vec());
    } else EMBER_DISPATCH_FLOATING(g.dtype(), name, [&] {
      using T = scalar_t;
      const T* pg = g.data_ptr<T>();
      const int64_t* pi = ix.data_ptr<int64_t>();
      T* po = out.data_ptr<T>();
      over_planes(planes, n, [&](int64_t p) {
        T* o = po + p * H * W;
        for (int64_t j = p * n; j < (p + 1) * n; ++j) o[pi[j]] += pg[j];
      });
    });
  }
  if (grad_enabled() && requires_grad(grad)) {
    DimVector gshape = grad.sizes();
    record("MaxPool2DWithIndicesBackwardBackward0", {&grad}, out,
           [gshape, I = SavedTensor(indices, false)](Node* node, const std::vector<Tensor>& g) {
             Tensor ix = I.unpack(node);
             const int64_t d = int64_t(gshape.size());
             Tensor flat = reshape(g[0], {-1, g[0].sizes()[d - 2] * g[0].sizes()[d - 1]});
             Tensor got = gather(flat, 1, reshape(ix, {flat.sizes()[0], -1}));
             return std::vector<Tensor>{reshape(got, gshape.vec())};
           });
  }
  return out;
}

// Records the backward of a max map whose (out, idx) were just computed from input (H, W planes).
std::pair<Tensor, Tensor> record_max_map(const Tensor& input, Tensor out, Tensor idx, const char* grad_name) {
  if (grad_enabled() && requires_grad(input)) {
    const int64_t H = input.sizes()[input.dim() - 2], W = input.sizes()[input.dim() - 1];
    record(grad_name, {&input}, out, [H, W, I = SavedTensor(idx, false)](Node* node, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{max_backward(g[0], I.unpack(node), H, W, "max_pool2d_backward")};
    });
  }
  return {out, idx};
}

// ---- argument checks and output sizes (PyTorch's Pool.h) ----

int64_t pair_at(const Dims& v, int i) { return v.size() == 1 ? v[0] : v[i]; }

void check_pair(const Dims& v, const char* op, const char* what, bool may_omit) {
  if (v.size() == 1 || v.size() == 2 || (may_omit && v.empty())) return;
  if (std::string(what) == "stride")
    throw_error(ErrorKind::Runtime, str(op, ": stride must either be omitted, a single int, or a tuple of two ints"));
  if (std::string(what) == "dilation")
    throw_error(ErrorKind::Runtime, str(op, ": dilation must be either a single int, or a tuple of two ints"));
  throw_error(ErrorKind::Runtime, str(op, ": ", what, " must either be a single int, or a tuple of two ints"));
}

int64_t floor_div(int64_t a, int64_t b) {
  const int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// pooling_output_shape: the last window must start inside the input or the left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dilation, bool ceil_mode) {
  EMBER_CHECK(stride != 0, "stride should not be zero");
  EMBER_CHECK(pad >= 0, "pad must be non-negative, but got pad: ", pad);
  EMBER_CHECK(pad <= ((k - 1) * dilation + 1) / 2, "pad should be at most half of effective kernel size, but got pad=",
              pad, ", kernel_size=", k, " and dilation=", dilation);
  int64_t out = floor_div(in + 2 * pad - dilation * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

using Pool2d = Pool2dGeom;

Pool2d pool_geometry(const Tensor& input, const Dims& kernel, const Dims& stride, const Dims& padding,
                     const Dims& dilation, bool ceil_mode, const char* op) {
  check_pair(kernel, op, "kernel_size", false);
  check_pair(stride, op, "stride", true);
  check_pair(padding, op, "padding", false);
  check_pair(dilation, op, "dilation", false);
  Pool2d g;
  g.kh = pair_at(kernel, 0), g.kw = pair_at(kernel, 1);
  g.sh = stride.empty() ? g.kh : pair_at(stride, 0), g.sw = stride.empty() ? g.kw : pair_at(stride, 1);
  g.ph = pair_at(padding, 0), g.pw = pair_at(padding, 1);
  g.dh = pair_at(dilation, 0), g.dw = pair_at(dilation, 1);
  const int64_t nd = input.dim();
  if (std::string(op) == "max_pool2d") {
    EMBER_CHECK(nd == 3 || nd == 4, "non-empty 3D or 4D (batch mode) tensor expected for input");
  } else if (nd < 3) {  // avg_pool2d reads input.size(-3) first
    throw_error(ErrorKind::Index, str("Dimension out of range (expected to be in range of [", nd ? -nd : -1, ", ",
                                      nd ? nd - 1 : 0, "], but got -3)"));
  }
  const DimVector& s = input.sizes();
  g.H = s[nd - 2], g.W = s[nd - 1];
  const int64_t C = s[nd - 3];
  g.OH = pooled_size(g.H, g.kh, g.ph, g.sh, g.dh, ceil_mode);
  g.OW = pooled_size(g.W, g.kw, g.pw, g.sw, g.dw, ceil_mode);
  // pool2d_shape_check
  EMBER_CHECK(g.kw > 0 && g.kh > 0, "kernel size should be greater than zero, but got kH: ", g.kh, " kW: ", g.kw);
  EMBER_CHECK(g.sw > 0 && g.sh > 0, "stride should be greater than zero, but got dH: ", g.sh, " dW: ", g.sw);
  EMBER_CHECK(g.dh > 0 && g.dw > 0, "dilation should be greater than zero, but got dilationH: ", g.dh,
              " dilationW: ", g.dw);
  const bool valid = s[nd - 3] != 0 && s[nd - 2] != 0;
  EMBER_CHECK((nd == 3 && s[0] != 0 && valid) || (nd == 4 && valid && s[3] != 0),
              "Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:", s);
  EMBER_CHECK(g.kw / 2 >= g.pw && g.kh / 2 >= g.ph,
              "pad should be smaller than or equal to half of kernel size, but got padW = ", g.pw, ", padH = ", g.ph,
              ", kW = ", g.kw, ", kH = ", g.kh);
  EMBER_CHECK(g.OW >= 1 && g.OH >= 1, "Given input size: (", C, "x", g.H, "x", g.W, "). Calculated output size: (", C,
              "x", g.OH, "x", g.OW, "). Output size is too small");
  return g;
}

// Taps j in [lo, hi) of a window starting at `start` with dilation d that land inside [0, in).
std::pair<int64_t, int64_t> window_taps(int64_t start, int64_t k, int64_t d, int64_t in) {
  const int64_t lo = start >= 0 ? 0 : (-start + d - 1) / d;
  const int64_t hi = start >= in ? 0 : std::min(k, (in - start + d - 1) / d);
  return {lo, std::max(lo, hi)};
}

// PyTorch's max-pool step: a larger value or a NaN replaces the best so far.
template <typename T>
inline void take_if_greater(T& best, int64_t& arg, T v, int64_t i) {
  const bool take = (v > best) | (v != v);
  best = take ? v : best;
  arg = take ? i : arg;
}

// One output row of 2x2 / stride 2 windows over input rows r0, r1 (r0 starts
// at flat index `base`). Selects, not branches (random data would mispredict
// every one), and restrict pointers: the compiler vectorizes this loop.
template <typename T>
inline void max_pool_2x2_row(const T* __restrict r0, const T* __restrict r1, int64_t base, int64_t W,
                             T* __restrict y, int64_t* __restrict iy, int64_t n) {
  for (int64_t o = 0; o < n; ++o) {
    const int64_t c = 2 * o;
    T best = r0[c];
    int64_t arg = base + c;
    take_if_greater(best, arg, r0[c + 1], base + c + 1);
    take_if_greater(best, arg, r1[c], base + W + c);
    take_if_greater(best, arg, r1[c + 1], base + W + c + 1);
    y[o] = best;
    iy[o] = arg;
  }
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define EMBER_POOL_AVX512 1
// The float row with AVX-512, 16 outputs per step: rows are rarely a multiple
// of 16 wide (LeNet's are 14 and 5), and masked loads and stores cover the
// remainder where a compiled loop would fall back to scalar code.
__attribute__((target("avx512f"))) void max_pool_2x2_row_f32_avx512(const float* r0, const float* r1, int64_t base,
                                                                     int64_t W, float* y, int64_t* iy, int64_t n) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i lane2 = _mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), 1);
  const __m512i one = _mm512_set1_epi32(1), w64 = _mm512_set1_epi64(W);
  for (int64_t o = 0; o < n; o += 16) {
    const int64_t m = std::min<int64_t>(16, n - o);  // outputs in this step: 2m inputs per row
    const __mmask16 k = __mmask16((1u << m) - 1);
    const __mmask16 klo = __mmask16(m >= 8 ? 0xFFFFu : (1u << (2 * m)) - 1);
    const __mmask16 khi = __mmask16(m <= 8 ? 0u : m == 16 ? 0xFFFFu : (1u << (2 * (m - 8))) - 1);
    const __m512 a0 = _mm512_maskz_loadu_ps(klo, r0 + 2 * o), a1 = _mm512_maskz_loadu_ps(khi, r0 + 2 * o + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(klo, r1 + 2 * o), b1 = _mm512_maskz_loadu_ps(khi, r1 + 2 * o + 16);
    // the window's taps in scan order: r0[c], r0[c+1], r1[c], r1[c+1]
    const __m512 taps[4] = {_mm512_permutex2var_ps(a0, even, a1), _mm512_permutex2var_ps(a0, odd, a1),
                            _mm512_permutex2var_ps(b0, even, b1), _mm512_permutex2var_ps(b0, odd, b1)};
    __m512 best = taps[0];
    __m512i which = _mm512_setzero_si512();
    for (int t = 1; t < 4; ++t) {  // take a larger value or a NaN (PyTorch's rule)
      const __mmask16 take =
          _mm512_cmp_ps_mask(taps[t], best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(taps[t], taps[t], _CMP_UNORD_Q);
      best = _mm512_mask_mov_ps(best, take, taps[t]);
      which = _mm512_mask_mov_epi32(which, take, _mm512_set1_epi32(t));
    }
    _mm512_mask_storeu_ps(y + o, k, best);
    // flat index: base + 2*(o + lane) + (which & 1) + (which >> 1) * W
    const __m512i col = _mm512_add_epi32(_mm512_add_epi32(lane2, _mm512_set1_epi32(int(2 * o))),
                                         _mm512_and_si512(which, one));
    const __mmask16 row1 = _mm512_cmpge_epi32_mask(which, _mm512_set1_epi32(2));
    for (int h = 0; h < 2; ++h) {
      const __m256i half = h ? _mm512_extracti64x4_epi64(col, 1) : _mm512_castsi512_si256(col);
      __m512i idx = _mm512_add_epi64(_mm512_cvtepi32_epi64(half), _mm512_set1_epi64(base));
      idx = _mm512_mask_add_epi64(idx, __mmask8(row1 >> (8 * h)), idx, w64);
      _mm512_mask_storeu_epi64(iy + o + 8 * h, __mmask8(k >> (8 * h)), idx);
    }
  }
}
#endif

EMBER_CLONES void max_pool_2x2_row_f32(const float* r0, const float* r1, int64_t base, int64_t W, float* y,
                                       int64_t* iy, int64_t n) {
  max_pool_2x2_row(r0, r1, base, W, y, iy, n);
}
EMBER_CLONES void max_pool_2x2_row_f64(const double* r0, const double* r1, int64_t base, int64_t W, double* y,
                                       int64_t* iy, int64_t n) {
  max_pool_2x2_row(r0, r1, base, W, y, iy, n);
}

// max_pool2d straight over its windows (no index tables): the scan and the
// comparison are PyTorch's, so ties keep the first max and a NaN propagates.
template <typename T>
void max_pool_plane(const T* x, T* y, int64_t* iy, const Pool2d& g) {
  const bool two_by_two = g.kh == 2 && g.kw == 2 && g.sh == 2 && g.sw == 2 && g.ph == 0 && g.pw == 0 &&
                          g.dh == 1 && g.dw == 1 && 2 * g.OH <= g.H && 2 * g.OW <= g.W;
  for (int64_t oh = 0; oh < g.OH; ++oh, y += g.OW, iy += g.OW) {
    if (two_by_two) {  // LeNet's pooling: no bounds to clip
      const T* r0 = x + 2 * oh * g.W;
      if constexpr (std::is_same_v<T, float>) {
#ifdef EMBER_POOL_AVX512
        static const bool avx512 = __builtin_cpu_supports("avx512f");
        if (avx512) {
          max_pool_2x2_row_f32_avx512(r0, r0 + g.W, 2 * oh * g.W, g.W, y, iy, g.OW);
          continue;
        }
#endif
        max_pool_2x2_row_f32(r0, r0 + g.W, 2 * oh * g.W, g.W, y, iy, g.OW);
      } else if constexpr (std::is_same_v<T, double>) {
        max_pool_2x2_row_f64(r0, r0 + g.W, 2 * oh * g.W, g.W, y, iy, g.OW);
      } else {
        max_pool_2x2_row(r0, r0 + g.W, 2 * oh * g.W, g.W, y, iy, g.OW);
      }
      continue;
    }
    const int64_t h0 = oh * g.sh - g.ph;
    const auto [ka, kb] = window_taps(h0, g.kh, g.dh, g.H);
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.sw - g.pw;
      const auto [la, lb] = window_taps(w0, g.kw, g.dw, g.W);
      T best = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                    : std::numeric_limits<T>::lowest();
      int64_t arg = ka < kb && la < lb ? (h0 + ka * g.dh) * g.W + w0 + la * g.dw : 0;
      for (int64_t i = ka; i < kb; ++i) {
        const int64_t r = (h0 + i * g.dh) * g.W + w0;
        for (int64_t j = la; j < lb; ++j) {
          take_if_greater(best, arg, x[r + j * g.dw], r + j * g.dw);
        }
      }
      y[ow] = best;
      iy[ow] = arg;
    }
  }
}

void cpu_max_pool(const Tensor& x, const Pool2d& g, int64_t planes, const Tensor& out, const Tensor& idx) {
  EMBER_DISPATCH_NUMERIC(x.dtype(), "max_pool2d", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t* pi = idx.data_ptr<int64_t>();
    over_planes(planes, g.OH * g.OW * g.kh * g.kw, [&](int64_t p) {
      max_pool_plane(px + p * g.H * g.W, po + p * g.OH * g.OW, pi + p * g.OH * g.OW, g);
    });
  });
}
const bool max_pool_registered = (max_pool_stub.set(DeviceType::CPU, cpu_max_pool), true);

// A max map's (values, flat indices within the plane) from its table: max_pool_stub or adaptive_max_pool_stub.
std::pair<Tensor, Tensor> max_pool_kernel(const Tensor& input, const Pool2d& g, const DispatchStub<MaxPoolFn>& stub) {
  GradModeGuard no_grad(false);
  if (is_reduced_float(input.dtype())) {  // the float32 maxima are exact; their indices are the same
    auto [out, idx] = max_pool_kernel(to_dtype(input, ScalarType::Float32), g, stub);
    return {to_dtype(out, input.dtype()), idx};
  }
  Tensor x = contiguous(input);
  Tensor out = empty(out_shape(x, g.OH, g.OW), x.dtype(), x.device());
  Tensor idx = empty(out_shape(x, g.OH, g.OW), ScalarType::Int64, x.device());
  if (out.numel() > 0) stub[x.device()](x, g, x.numel() / (g.H * g.W), out, idx);
  return {out, idx};
}

// Average pooling: the window clipped to [0, in); the divisor counts padding
// (clipped to in + p) when count_include_pad.
Axis avg_axis(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, bool include_pad) {
  Axis ax;
  ax.in = in;
  for (int64_t o = 0; o < out; ++o) {
    int64_t start = o * s - p, end = std::min(start + k, in + p);
    const int64_t padded = end - start;
    start = std::max<int64_t>(start, 0), end = std::min(end, in);
    for (int64_t i = start; i < end; ++i) ax.add(i, 1.0);
    ax.end_row(double(include_pad ? padded : std::max<int64_t>(end - start, 1)));
  }
  return ax;
}

// Adaptive windows: [floor(o*in/out), ceil((o+1)*in/out)).
Axis adaptive_axis(int64_t in, int64_t out, bool average) {
  Axis ax;
  ax.in = in;
  for (int64_t o = 0; o < out; ++o) {
    const int64_t start = (o * in) / out, end = ((o + 1) * in + out - 1) / out;
    for (int64_t i = start; i < end; ++i) ax.add(i, 1.0);
    ax.end_row(average ? double(end - start) : 1.0);
  }
  return ax;
}

// The CPU slot of adaptive_max_pool_stub: the max over each adaptive window, scanned as PyTorch's kernel (a larger
// value or a NaN replaces the best; the window's first tap if none does).
void cpu_adaptive_max_pool(const Tensor& x, const Pool2d& g, int64_t planes, const Tensor& out, const Tensor& idx) {
  const Axis A = adaptive_axis(g.H, g.OH, false), B = adaptive_axis(g.W, g.OW, false);
  const int64_t IW = g.W, OH = g.OH, OW = g.OW;
  EMBER_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d", [&] {
    using T = scalar_t;
    const T* px = x.data_ptr<T>();
    T* po = out.data_ptr<T>();
    int64_t* pi = idx.data_ptr<int64_t>();
    const int64_t taps = int64_t(A.src.size() * B.src.size()) / (OH * OW);
    over_planes(planes, OH * OW * std::max<int64_t>(taps, 1), [&](int64_t p) {
      const T* xi = px + p * g.H * IW;
      for (int64_t h = 0; h < OH; ++h) {
        for (int64_t w = 0; w < OW; ++w) {
          T best = -INFINITY;
          int64_t arg = A.src[A.off[h]] * IW + B.src[B.off[w]];
          for (int64_t a = A.off[h]; a < A.off[h + 1]; ++a) {
            const int64_t r = A.src[a] * IW;
            for (int64_t b = B.off[w]; b < B.off[w + 1]; ++b) {
              const T v = xi[r + B.src[b]];
              if (v > best || std::isnan(v)) { best = v; arg = r + B.src[b]; }
            }
          }
          po[(p * OH + h) * OW + w] = best;
          pi[(p * OH + h) * OW + w] = arg;
        }
      }
    });
  });
}
}  // namespace
DispatchStub<MaxPoolFn> adaptive_max_pool_stub("adaptive_max_pool2d");
namespace {
const bool adaptive_max_pool_registered = (adaptive_max_pool_stub.set(DeviceType::CPU, cpu_adaptive_max_pool), true);

std::pair<int64_t, int64_t> check_adaptive(const Tensor& input, const Dims& output_size, const char* op) {
  const bool is_max = std::string(op) == "adaptive_max_pool2d";
  if (is_max) EMBER_CHECK(output_size.size() == 2, "adaptive_max_pool2d(): internal error: output_size.size() must be 2");
  else EMBER_CHECK(output_size.size() == 2, "adaptive_avg_pool2d: output_size must be 2");
  const int64_t nd = input.dim();
  EMBER_CHECK(nd == 3 || nd == 4, op, "(): Expected 3D or 4D tensor, but got", is_max ? ": " : " ", input.sizes());
  for (int64_t i = is_max ? 1 : nd - 2; i < nd; ++i)
    EMBER_CHECK(input.sizes()[i] > 0, op, "(): Expected input to have non-zero size for non-batch dimensions, "
                "but input has sizes ", input.sizes(), " with dimension ", i, " being empty");
  if (is_max) {
    DimVector s = out_shape(input, output_size[0], output_size[1]);
    EMBER_CHECK(output_size[0] >= 0 && output_size[1] >= 0, "Trying to create tensor with negative dimension ",
                std::min(output_size[0], output_size[1]), ": ", s);
  } else {
    EMBER_CHECK(output_size[0] >= 0 && output_size[1] >= 0,
                "adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {",
                output_size[0], ", ", output_size[1], "}");
  }
  storage_bytes(out_shape(input, output_size[0], output_size[1]), input.dtype());  // before the window tables
  return {output_size[0], output_size[1]};
}

// Upsampling: PyTorch's scale (1/scale_factor when given, else in/out).
template <typename T>
T upsample_scale(int64_t in, int64_t out, std::optional<double> scale, bool align_corners) {
  if (align_corners) return out > 1 ? T(in - 1) / T(out - 1) : T(0);
  return scale && *scale > 0 ? T(1.0 / *scale) : T(in) / T(out);
}

Axis nearest_axis(int64_t in, int64_t out, std::optional<double> scale) {
  Axis ax;
  ax.in = in;
  const float sc = upsample_scale<float>(in, out, scale, false);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t i = out == in ? o : out == 2 * in ? (o >> 1) : std::min(int64_t(std::floor(float(o) * sc)), in - 1);
    ax.add(i, 1.0);
    ax.end_row();
  }
  return ax;
}

template <typename T>
Axis bilinear_axis(int64_t in, int64_t out, bool align_corners, std::optional<double> scale) {
  Axis ax;
  ax.in = in;
  const T sc = upsample_scale<T>(in, out, scale, align_corners);
  for (int64_t o = 0; o < out; ++o) {
    if (in == out) {
      ax.add(o, 1.0), ax.add(o, 0.0);
    } else {
      T src = align_corners ? sc * T(o) : sc * (T(o) + T(0.5)) - T(0.5);
      if (!align_corners && src < 0) src = 0;
      const int64_t i0 = std::min(int64_t(std::floor(src)), in - 1);
      const T l1 = std::min(std::max(src - T(i0), T(0)), T(1));
      ax.add(i0, double(T(1) - l1));
      ax.add(i0 + (i0 < in - 1 ? 1 : 0), double(l1));
    }
    ax.end_row();
  }
  return ax;
}

void check_upsample(const Tensor& input, const Dims& output_size) {
  EMBER_CHECK(output_size.size() == 2, "It is expected output_size equals to 2, but got size ", output_size.size());
  EMBER_CHECK(input.dim() == 4, "Non-empty 4D data tensor expected but got a tensor with sizes ", input.sizes());
  const int64_t H = input.sizes()[2], W = input.sizes()[3];
  EMBER_CHECK(H > 0 && W > 0 && output_size[0] > 0 && output_size[1] > 0,
              "Input and output sizes should be greater than 0, but got input (H: ", H, ", W: ", W, ") output (H: ",
              output_size[0], ", W: ", output_size[1], ")");
  storage_bytes(out_shape(input, output_size[0], output_size[1]), input.dtype());  // before the index tables
}

void check_floating(const Tensor& input, const char* op) {
  if (!is_floating(input.dtype()))
    throw_error(ErrorKind::NotImplemented, str("\"", op, "\" not implemented for '", dtype_short_name(input.dtype()), "'"));
}

}  // namespace

DispatchStub<MaxPoolFn> max_pool_stub("max_pool2d");

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, const Dims& kernel, const Dims& stride,
                                                  const Dims& padding, const Dims& dilation, bool ceil_mode) {
  Pool2d g = pool_geometry(input, kernel, stride, padding, dilation, ceil_mode, "max_pool2d");
  if (input.dtype() == ScalarType::Bool)  // integers pool as in PyTorch; bool does not
    throw_error(ErrorKind::NotImplemented, "\"max_pool2d\" not implemented for 'Bool'");
  if (input.numel() == 0) {
    const DimVector s = out_shape(input, g.OH, g.OW);
    return {empty(s, input.dtype(), input.device()), empty(s, ScalarType::Int64, input.device())};
  }
  auto [out, idx] = max_pool_kernel(input, g, max_pool_stub);
  return record_max_map(input, out, idx, "MaxPool2DWithIndicesBackward0");
}

Tensor avg_pool2d(const Tensor& input, const Dims& kernel, const Dims& stride, const Dims& padding, bool ceil_mode,
                  bool count_include_pad, std::optional<int64_t> divisor_override) {
  Pool2d g = pool_geometry(input, kernel, stride, padding, {1}, ceil_mode, "avg_pool2d");
  EMBER_CHECK(!divisor_override || *divisor_override != 0, "divisor must be not zero");
  if (input.dtype() != ScalarType::Int64) check_floating(input, "avg_pool2d");  // PyTorch: int64 too (truncating)
  auto axes = std::make_shared<std::pair<Axis, Axis>>(avg_axis(g.H, g.OH, g.kh, g.sh, g.ph, count_include_pad),
                                                      avg_axis(g.W, g.OW, g.kw, g.sw, g.pw, count_include_pad));
  if (divisor_override) {
    std::fill(axes->first.div.begin(), axes->first.div.end(), double(*divisor_override));
    std::fill(axes->second.div.begin(), axes->second.div.end(), 1.0);
  }
  return linear_map(input, axes, false, "AvgPool2DBackward0", "AvgPool2DBackwardBackward0");
}

Tensor adaptive_avg_pool2d(const Tensor& input, const Dims& output_size) {
  auto [oh, ow] = check_adaptive(input, output_size, "adaptive_avg_pool2d");
  check_floating(input, "adaptive_avg_pool2d");
  const int64_t H = input.sizes()[input.dim() - 2], W = input.sizes()[input.dim() - 1];
  auto axes = std::make_shared<std::pair<Axis, Axis>>(adaptive_axis(H, oh, true), adaptive_axis(W, ow, true));
  return linear_map(input, axes, false, "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0");
}

std::pair<Tensor, Tensor> adaptive_max_pool2d(const Tensor& input, const Dims& output_size) {
  auto [oh, ow] = check_adaptive(input, output_size, "adaptive_max_pool2d");
  check_floating(input, "adaptive_max_pool2d");
  Pool2d g{};
  g.H = input.sizes()[input.dim() - 2];
  g.W = input.sizes()[input.dim() - 1];
  g.OH = oh;
  g.OW = ow;
  auto [out, idx] = max_pool_kernel(input, g, adaptive_max_pool_stub);
  return record_max_map(input, out, idx, "AdaptiveMaxPool2DBackward0");
}

Tensor upsample_nearest2d(const Tensor& input, const Dims& output_size, std::optional<double> scale_h,
                          std::optional<double> scale_w) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: float32 on CUDA
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) {
      return upsample_nearest2d(x, output_size, scale_h, scale_w);
    }, input);
  check_upsample(input, output_size);
  check_floating(input, "upsample_nearest2d");
  auto axes = std::make_shared<std::pair<Axis, Axis>>(nearest_axis(input.sizes()[2], output_size[0], scale_h),
                                                      nearest_axis(input.sizes()[3], output_size[1], scale_w));
  return linear_map(input, axes, false, "UpsampleNearest2DBackward0", "UpsampleNearest2DBackwardBackward0");
}

Tensor upsample_bilinear2d(const Tensor& input, const Dims& output_size, bool align_corners,
                           std::optional<double> scale_h, std::optional<double> scale_w) {
  if (__builtin_expect(autocast::any_enabled(), 0))
    return autocast::run_float32(DeviceType::CUDA, [&](const Tensor& x) {
      return upsample_bilinear2d(x, output_size, align_corners, scale_h, scale_w);
    }, input);
  check_upsample(input, output_size);
  check_floating(input, "upsample_bilinear2d");
  const int64_t H = input.sizes()[2], W = input.sizes()[3];
  auto axes = std::make_shared<std::pair<Axis, Axis>>();
  if (opmath_dtype(input.dtype()) == ScalarType::Float32) {
    axes->first = bilinear_axis<float>(H, output_size[0], align_corners, scale_h);
    axes->second = bilinear_axis<float>(W, output_size[1], align_corners, scale_w);
  } else {
    axes->first = bilinear_axis<double>(H, output_size[0], align_corners, scale_h);
    axes->second = bilinear_axis<double>(W, output_size[1], align_corners, scale_w);
  }
  return linear_map(input, Axes(axes), false, "UpsampleBilinear2DBackward0", "UpsampleBilinear2DBackwardBackward0");
}

}  // namespace ember
