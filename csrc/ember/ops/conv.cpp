// 2-D convolution and its transpose, lowered to BLAS GEMM through im2col.
//
// One geometry relates a conv's input x (N, C, H, W), weight w (O, C/g, kH, kW)
// and output y (N, O, OH, OW). Three bilinear maps live on it, and each one's
// gradients are the other two, so double backward comes for free:
//   forward   y  = conv(x, w)        dx = input_grad(gy, w)   dw = weight_grad(x, gy)
//   input     x' = input_grad(y, w)  (conv_transpose2d)       dy = conv(gx', w), dw = weight_grad(gx', y)
//   weight    w' = weight_grad(x, y)                          dx = input_grad(y, gw'), dy = conv(x, gw')
// im2col builds the (C*kH*kW) x (n*OH*OW) column matrix of n batch items
// (the whole batch, or cache-sized chunks: see chunk_items) and one GEMM per
// group runs on it.
#include <cblas.h>

#include <algorithm>
#include <cstring>

#include "ember/autograd/autograd.h"
#include "ember/cpu/parallel.h"
#include "ember/ops/conv_direct.h"
#include "ember/ops/autocast.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/ops.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

struct Geom : ConvGeom {
  int64_t L() const { return OH * OW; }
  int64_t K() const { return (C / G) * kH * kW; }  // rows of one group's column block
  // Stride 1 uses "wide" columns: OH full rows of the padded input (width Wp),
  // so each column row is one contiguous copy; the extra Wp - OW columns per
  // output row are computed and dropped (zero in gradients).
  bool wide() const { return sH == 1 && sW == 1; }
  int64_t Hp() const { return H + 2 * pH; }
  int64_t Wp() const { return W + 2 * pW; }
  int64_t LC() const { return wide() ? OH * Wp() : L(); }  // columns per batch item
};

// parallel_for's grain for items of `per_item` elements of copying. Inside a
// run of chunks (a parallel region already) the copies run inline.
int64_t grain_for(int64_t per_item) { return std::max<int64_t>(1, kGrainSize / std::max<int64_t>(per_item, 1)); }

template <typename T>
void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb,
          T beta, T* c, int64_t ldc) {
  const CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans, B = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    scipy_cblas_sgemm(CblasRowMajor, A, B, int(m), int(n), int(k), 1.0f, a, int(lda), b, int(ldb), beta, c, int(ldc));
  else
    scipy_cblas_dgemm(CblasRowMajor, A, B, int(m), int(n), int(k), 1.0, a, int(lda), b, int(ldb), beta, c, int(ldc));
}

// cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh*s - p + ki*d, ow*s - p + kj*d] (0 outside).
template <typename T>
void im2col(const T* x, T* cols, const Geom& g) {
  const int64_t kk = g.kH * g.kW, NL = g.N * g.L(), rows = g.C * kk;
  parallel_for(0, rows, grain_for(NL), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / kk, ki = (r % kk) / g.kW, kj = r % g.kW;
      T* out = cols + r * NL;
      // ow range whose iw = ow*sW - pW + kj*dW lies in [0, W)
      const int64_t off = kj * g.dW - g.pW;
      const int64_t lo = off >= 0 ? 0 : std::min(g.OW, (-off + g.sW - 1) / g.sW);
      const int64_t hi = g.W - off <= 0 ? 0 : std::min(g.OW, (g.W - off + g.sW - 1) / g.sW);
      for (int64_t n = 0; n < g.N; ++n) {
        const T* xc = x + (n * g.C + c) * g.H * g.W;
        for (int64_t oh = 0; oh < g.OH; ++oh, out += g.OW) {
          const int64_t ih = oh * g.sH - g.pH + ki * g.dH;
          if (ih < 0 || ih >= g.H || hi <= lo) {
            std::fill(out, out + g.OW, T(0));
            continue;
          }
          const T* row = xc + ih * g.W + off;
          std::fill(out, out + lo, T(0));
          if (g.sW == 1)
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] = row[ow];
          else
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] = row[ow * g.sW];
          std::fill(out + hi, out + g.OW, T(0));
        }
      }
    }
  });
}

// The adjoint of im2col: x[n, c, ih, iw] = sum of the cols entries that read it.
template <typename T>
void col2im(const T* cols, T* x, const Geom& g) {
  const int64_t kk = g.kH * g.kW, NL = g.N * g.L(), HW = g.H * g.W;
  parallel_for(0, g.N * g.C, grain_for(kk * g.L()),
               [&](int64_t p0, int64_t p1) {
                 for (int64_t p = p0; p < p1; ++p) {
                   const int64_t n = p / g.C, c = p % g.C;
                   T* xc = x + p * HW;
                   std::fill(xc, xc + HW, T(0));
                   for (int64_t ki = 0; ki < g.kH; ++ki)
                     for (int64_t kj = 0; kj < g.kW; ++kj) {
                       const T* src = cols + (c * kk + ki * g.kW + kj) * NL + n * g.L();
                       const int64_t off = kj * g.dW - g.pW;
                       const int64_t lo = off >= 0 ? 0 : std::min(g.OW, (-off + g.sW - 1) / g.sW);
                       const int64_t hi = g.W - off <= 0 ? 0 : std::min(g.OW, (g.W - off + g.sW - 1) / g.sW);
                       for (int64_t oh = 0; oh < g.OH; ++oh, src += g.OW) {
                         const int64_t ih = oh * g.sH - g.pH + ki * g.dH;
                         if (ih < 0 || ih >= g.H) continue;
                         T* row = xc + ih * g.W + off;
                         for (int64_t ow = lo; ow < hi; ++ow) row[ow * g.sW] += src[ow];
                       }
                     }
                 }
               });
}

// (N, O, L) <-> (O, N, L) with an optional per-channel bias added on the way to NOL.
template <typename T>
void to_nol(const T* src, T* dst, const T* bias, int64_t N, int64_t O, int64_t L) {
  parallel_for(0, N * O, grain_for(L), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / O, o = p % O;
      const T* s = src + (o * N + n) * L;
      T* d = dst + p * L;
      const T b = bias ? bias[o] : T(0);
      for (int64_t i = 0; i < L; ++i) d[i] = s[i] + b;
    }
  });
}
template <typename T>
void to_onl(const T* src, T* dst, int64_t N, int64_t O, int64_t L) {
  parallel_for(0, N * O, grain_for(L), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t o = p / N, n = p % N;
      std::memcpy(dst + p * L, src + (n * O + o) * L, sizeof(T) * L);
    }
  });
}

// ---- wide (stride-1) helpers: see Geom::wide ----
template <typename T>
void pad_planes(const T* x, T* xp, const Geom& g) {
  const int64_t Hp = g.Hp(), Wp = g.Wp();
  parallel_for(0, g.N * g.C, grain_for(Hp * Wp), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      T* d = xp + p * Hp * Wp;
      const T* s = x + p * g.H * g.W;
      std::fill(d, d + g.pH * Wp, T(0));
      for (int64_t h = 0; h < g.H; ++h) {
        T* row = d + (h + g.pH) * Wp;
        std::fill(row, row + g.pW, T(0));
        for (int64_t w = 0; w < g.W; ++w) row[g.pW + w] = s[h * g.W + w];
        std::fill(row + g.pW + g.W, row + Wp, T(0));
      }
      std::fill(d + (g.pH + g.H) * Wp, d + Hp * Wp, T(0));
    }
  });
}
template <typename T>
void crop_planes(const T* xp, T* x, const Geom& g) {
  const int64_t Hp = g.Hp(), Wp = g.Wp();
  parallel_for(0, g.N * g.C, grain_for(Hp * Wp), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p)
      for (int64_t h = 0; h < g.H; ++h)
        for (int64_t w = 0; w < g.W; ++w) x[(p * g.H + h) * g.W + w] = xp[p * Hp * Wp + (h + g.pH) * Wp + g.pW + w];
  });
}
// cols[(c, ki, kj), (n, q)] = xp[n, c, q + ki*dH*Wp + kj*dW] for q < OH*Wp (0 past the plane's end)
template <typename T>
void im2col_wide(const T* xp, T* cols, const Geom& g) {
  const int64_t kk = g.kH * g.kW, LC = g.LC(), NL = g.N * LC, plane = g.Hp() * g.Wp();
  parallel_for(0, g.C * kk, grain_for(NL), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t c = r / kk, ki = (r % kk) / g.kW, kj = r % g.kW;
      const int64_t off = ki * g.dH * g.Wp() + kj * g.dW, len = std::min(LC, plane - off);
      for (int64_t n = 0; n < g.N; ++n) {
        const T* src = xp + (n * g.C + c) * plane + off;
        T* dst = cols + r * NL + n * LC;
        for (int64_t i = 0; i < len; ++i) dst[i] = src[i];
        std::fill(dst + len, dst + LC, T(0));
      }
    }
  });
}
// The adjoint: xp[n, c, q + off] += cols[(c, ki, kj), (n, q)]; xp is zeroed first.
template <typename T>
void col2im_wide(const T* cols, T* xp, const Geom& g) {
  const int64_t kk = g.kH * g.kW, LC = g.LC(), NL = g.N * LC, plane = g.Hp() * g.Wp();
  parallel_for(0, g.N * g.C, grain_for(kk * LC), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / g.C, c = p % g.C;
      T* d = xp + p * plane;
      std::fill(d, d + plane, T(0));
      for (int64_t t = 0; t < kk; ++t) {
        const int64_t off = (t / g.kW) * g.dH * g.Wp() + (t % g.kW) * g.dW, len = std::min(LC, plane - off);
        const T* src = cols + (c * kk + t) * NL + n * LC;
        T* dd = d + off;
        for (int64_t i = 0; i < len; ++i) dd[i] += src[i];
      }
    }
  });
}
// (O, N, OH, Wp) -> (N, O, OH, OW) (+ bias), and back with zeros in the dropped columns.
template <typename T>
void to_nol_wide(const T* src, T* dst, const T* bias, const Geom& g, int64_t N) {
  const int64_t LC = g.LC(), Wp = g.Wp(), O = g.O;
  parallel_for(0, N * O, grain_for(LC), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t n = p / O, o = p % O;
      const T* s = src + (o * N + n) * LC;
      T* d = dst + p * g.L();
      const T b = bias ? bias[o] : T(0);
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) d[oh * g.OW + ow] = s[oh * Wp + ow] + b;
    }
  });
}
template <typename T>
void to_onl_wide(const T* src, T* dst, const Geom& g, int64_t N) {
  const int64_t LC = g.LC(), Wp = g.Wp(), O = g.O;
  parallel_for(0, N * O, grain_for(LC), [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t o = p / N, n = p % N;
      const T* s = src + (n * O + o) * g.L();
      T* d = dst + p * LC;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        for (int64_t ow = 0; ow < g.OW; ++ow) d[oh * Wp + ow] = s[oh * g.OW + ow];
        std::fill(d + oh * Wp + g.OW, d + (oh + 1) * Wp, T(0));
      }
    }
  });
}

// gy (N, O, OH, OW) -> (N, LC, O): each item's channels last, zero in wide's dropped columns.
template <typename T>
void to_nlo(const T* src, T* dst, const Geom& g, int64_t N) {
  const int64_t LC = g.LC(), Wp = g.wide() ? g.Wp() : g.OW, O = g.O;
  for (int64_t n = 0; n < N; ++n) {
    T* d = dst + n * LC * O;
    if (g.wide()) std::fill(d, d + LC * O, T(0));
    for (int64_t o = 0; o < O; ++o) {
      const T* s = src + (n * O + o) * g.L();
      for (int64_t oh = 0; oh < g.OH; ++oh)
        for (int64_t ow = 0; ow < g.OW; ++ow) d[(oh * Wp + ow) * O + o] = s[oh * g.OW + ow];
    }
  }
}

Tensor bias_or_empty(const Tensor& b) { return b.defined() ? contiguous(b) : Tensor(); }

// ---- the three kernels (no autograd) ----
// The batch is cut into chunks whose columns hold at most ~16K elements:
// OpenBLAS runs such GEMMs with its small-matrix kernels (no packing), from
// cache, far faster than one whole-batch GEMM bound by memory. The chunks are
// shared between ember's threads, each with its own scratch and OpenBLAS held
// to one thread meanwhile, so the two never fight for the cores. A batch that
// is a single chunk runs on the calling thread, its copies in parallel and its
// GEMM on all of OpenBLAS's threads.
int64_t chunk_items(const Geom& g) {
  const int64_t per_item = std::max<int64_t>(1, g.C * g.kH * g.kW * g.LC());
  return std::clamp<int64_t>((int64_t(1) << 14) / per_item, 1, std::max<int64_t>(g.N, 1));
}
Geom chunk_geom(const Geom& g, int64_t n) {
  Geom c = g;
  c.N = n;
  return c;
}

// OpenBLAS on one thread for the life of this object (GEMMs run inside ember's parallel regions).
struct BlasOnOneThread {
  explicit BlasOnOneThread(bool active) : before(active ? get_blas_num_threads() : 0) {
    if (before > 1) set_blas_num_threads(1);
  }
  ~BlasOnOneThread() {
    if (before > 1) set_blas_num_threads(before);
  }
  int before;  // OpenBLAS's thread count to restore (0: untouched)
};

// Runs fn(first, end, slot) over the chunks of the batch: the chunks are split
// into one contiguous run per thread, `slot` numbering the runs so each can
// own a slice of a per-run buffer.
int64_t runs_for(const Geom& g, int64_t cn) { return std::min<int64_t>((g.N + cn - 1) / cn, get_num_threads()); }
template <typename F>
void over_chunks(const Geom& g, int64_t cn, const F& fn) {
  const int64_t nchunks = (g.N + cn - 1) / cn, runs = runs_for(g, cn);
  BlasOnOneThread one_thread(runs > 1 && !in_parallel_region());
  parallel_for(0, runs, 1, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r)
      fn(std::min(g.N, nchunks * r / runs * cn), std::min(g.N, nchunks * (r + 1) / runs * cn), r);
  });
}

// The direct kernel (conv_direct.h) for float32 stride-1 convs with few taps
// per output (LeNet's 25 and 150): there it beats im2col + GEMM by skipping
// the copy; with many taps OpenBLAS's cache blocking wins.
bool use_direct(const Tensor& x, const Geom& g) {
  return x.dtype() == ScalarType::Float32 && g.wide() && g.K() <= 512 && conv_direct::available() &&
         !in_parallel_region();
}

conv_direct::Shape direct_shape(const Geom& g) {
  return {g.N, g.C, g.Hp(), g.Wp(), g.O, g.kH, g.kW, g.dH, g.dW, g.G, g.OH, g.OW};
}

// The input as the column kernels (and the direct kernels) read it: for the wide stride-1 layout with padding,
// its zero-padded planes (N, C, Hp, Wp); otherwise x itself (contiguous).
Tensor padded_input(const Tensor& x, const Geom& g) {
  if (!g.wide() || !(g.pH || g.pW)) return x;
  Tensor xp = empty({g.N * g.C * g.Hp() * g.Wp()}, x.dtype(), x.device());
  EMBER_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] { pad_planes(x.data_ptr<scalar_t>(), xp.data_ptr<scalar_t>(), g); });
  return xp;
}

// Items [n0, n0 + c.N) of padded_input's result as the column matrix `cols` (chunk geometry c).
template <typename T>
void columns(const Tensor& xp, int64_t n0, T* cols, const Geom& c, const Geom& g) {
  const T* src = xp.data_ptr<T>() + n0 * (g.wide() ? g.C * g.Hp() * g.Wp() : g.C * g.H * g.W);
  if (g.wide()) im2col_wide(src, cols, c);
  else im2col(src, cols, c);
}

// y (N, O, OH, OW) = conv(x, w) + bias
Tensor conv_kernel(const Tensor& x_, const Tensor& w_, const Tensor& bias, const Geom& g) {
  Tensor y = empty({g.N, g.O, g.OH, g.OW}, x_.dtype(), x_.device());
  if (y.numel() == 0) return y;
  Tensor x = contiguous(x_), w = contiguous(w_), b = bias_or_empty(bias);
  const int64_t K = g.K(), Og = g.O / g.G, L = g.L(), LC = g.LC(), cn = chunk_items(g), runs = runs_for(g, cn);
  const bool wide = g.wide();
  const int64_t cols_len = g.C * g.kH * g.kW * cn * LC, tmp_len = g.O * cn * LC;
  const Tensor xp = padded_input(x, g);
  if (use_direct(x, g)) {
    conv_direct::forward_f32(xp.data_ptr<float>(), w.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr,
                             y.data_ptr<float>(), direct_shape(g));
    return y;
  }
  Tensor scratch = empty({runs * (cols_len + tmp_len)}, x.dtype(), x.device());
  EMBER_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] {
    using T = scalar_t;
    const T* pb = b.defined() ? b.data_ptr<T>() : nullptr;
    over_chunks(g, cn, [&](int64_t first, int64_t end, int64_t slot) {
      T* pc = scratch.data_ptr<T>() + slot * (cols_len + tmp_len);
      T* pt = pc + cols_len;
      for (int64_t n0 = first; n0 < end; n0 += cn) {
        const Geom c = chunk_geom(g, std::min(cn, end - n0));
        const int64_t NL = c.N * LC;
        columns(xp, n0, pc, c, g);
        for (int64_t gi = 0; gi < g.G; ++gi)
          gemm<T>(false, false, Og, NL, K, w.data_ptr<T>() + gi * Og * K, K, pc + gi * K * NL, NL, T(0),
                  pt + gi * Og * NL, NL);
        if (wide) to_nol_wide(pt, y.data_ptr<T>() + n0 * g.O * L, pb, g, c.N);
        else to_nol(pt, y.data_ptr<T>() + n0 * g.O * L, pb, c.N, g.O, L);
      }
    });
  });
  return y;
}

// x (N, C, H, W) = the adjoint of conv(., w) applied to y (N, O, OH, OW), + bias over C
Tensor input_kernel(const Tensor& y_, const Tensor& w_, const Tensor& bias, const Geom& g) {
  Tensor x = empty({g.N, g.C, g.H, g.W}, y_.dtype(), y_.device());
  if (x.numel() == 0) return x;
  if (y_.numel() == 0) {
    zero_(x);
    return bias.defined() ? add(x, reshape(bias, {g.C, 1, 1})) : x;
  }
  Tensor y = contiguous(y_), w = contiguous(w_), b = bias_or_empty(bias);
  const int64_t K = g.K(), Og = g.O / g.G, L = g.L(), LC = g.LC(), cn = chunk_items(g), runs = runs_for(g, cn);
  const bool wide = g.wide(), padded = wide && (g.pH || g.pW);
  const int64_t yt_len = g.O * cn * LC, cols_len = g.C * g.kH * g.kW * cn * LC,
                xp_len = padded ? cn * g.C * g.Hp() * g.Wp() : 0;
  Tensor scratch = empty({runs * (yt_len + cols_len + xp_len)}, y.dtype(), y.device());
  EMBER_DISPATCH_FLOATING(y.dtype(), "conv_transpose2d", [&] {
    using T = scalar_t;
    // each group's W^T (K x Og) laid out plainly: OpenBLAS's small-matrix kernels then take the GEMM
    Tensor wt = empty({g.O * K}, w.dtype(), w.device());
    T* pw = wt.data_ptr<T>();
    const T* w0 = w.data_ptr<T>();
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t k = 0; k < K; ++k) pw[gi * K * Og + k * Og + o] = w0[(gi * Og + o) * K + k];
    over_chunks(g, cn, [&](int64_t first, int64_t end, int64_t slot) {
      T* pt = scratch.data_ptr<T>() + slot * (yt_len + cols_len + xp_len);
      T* pc = pt + yt_len;
      T* pxp = pc + cols_len;
      for (int64_t n0 = first; n0 < end; n0 += cn) {
        const Geom c = chunk_geom(g, std::min(cn, end - n0));
        const int64_t NL = c.N * LC;
        const T* ysrc = y.data_ptr<T>() + n0 * g.O * L;
        if (wide) to_onl_wide(ysrc, pt, g, c.N);
        else to_onl(ysrc, pt, c.N, g.O, L);
        for (int64_t gi = 0; gi < g.G; ++gi)
          gemm<T>(false, false, K, NL, Og, pw + gi * K * Og, Og, pt + gi * Og * NL, NL, T(0), pc + gi * K * NL, NL);
        T* xdst = x.data_ptr<T>() + n0 * g.C * g.H * g.W;
        if (!wide) col2im(pc, xdst, c);
        else if (!padded) col2im_wide(pc, xdst, c);
        else {
          col2im_wide(pc, pxp, c);
          crop_planes(pxp, xdst, c);
        }
      }
    });
    if (b.defined()) {
      T* px = x.data_ptr<T>();
      const T* pb = b.data_ptr<T>();
      const int64_t HW = g.H * g.W;
      parallel_for(0, g.N * g.C, grain_for(HW), [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; ++p)
          for (int64_t i = 0; i < HW; ++i) px[p * HW + i] += pb[p % g.C];
      });
    }
  });
  return x;
}

// w (O, C/g, kH, kW) = d<y, conv(x, w)>/dw, summed over the chunks. Computed as
// w^T (K x Og) = cols (K x nL) @ gy (nL x Og) so that no operand is transposed:
// OpenBLAS's small-matrix kernels take only that form (and beta = 0). Each run
// of chunks sums into its own w^T; the runs' sums are added at the end.
Tensor weight_kernel(const Tensor& x_, const Tensor& y_, const Geom& g) {
  Tensor w = empty({g.O, g.C / g.G, g.kH, g.kW}, x_.dtype(), x_.device());
  if (w.numel() == 0) return w;
  if (x_.numel() == 0 || y_.numel() == 0) return zero_(w);
  Tensor x = contiguous(x_), y = contiguous(y_);
  const int64_t K = g.K(), Og = g.O / g.G, L = g.L(), LC = g.LC(), cn = chunk_items(g), runs = runs_for(g, cn);
  const int64_t cols_len = g.C * g.kH * g.kW * cn * LC, yl_len = cn * LC * g.O, wt_len = g.O * K;
  const Tensor xp = padded_input(x, g);
  if (use_direct(x, g)) {
    conv_direct::weight_grad_f32(xp.data_ptr<float>(), y.data_ptr<float>(), w.data_ptr<float>(), direct_shape(g));
    return w;
  }
  Tensor scratch = empty({runs * (cols_len + yl_len + wt_len)}, x.dtype(), x.device());
  Tensor sums = zeros({runs * wt_len}, x.dtype(), x.device());
  EMBER_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] {
    using T = scalar_t;
    over_chunks(g, cn, [&](int64_t first, int64_t end, int64_t slot) {
      T* pc = scratch.data_ptr<T>() + slot * (cols_len + yl_len + wt_len);
      T* py = pc + cols_len;
      T* ps = py + yl_len;
      T* sum = sums.data_ptr<T>() + slot * wt_len;
      for (int64_t n0 = first; n0 < end; n0 += cn) {
        const Geom c = chunk_geom(g, std::min(cn, end - n0));
        const int64_t NL = c.N * LC;
        columns(xp, n0, pc, c, g);
        to_nlo(y.data_ptr<T>() + n0 * g.O * L, py, g, c.N);
        for (int64_t gi = 0; gi < g.G; ++gi)
          gemm<T>(false, false, K, Og, NL, pc + gi * K * NL, NL, py + gi * Og, g.O, T(0), ps + gi * K * Og, Og);
        for (int64_t i = 0; i < wt_len; ++i) sum[i] += ps[i];
      }
    });
    // w[(gi, o), k] = the runs' sums of w^T[gi][k, o]
    T* pw = w.data_ptr<T>();
    const T* ps = sums.data_ptr<T>();
    for (int64_t gi = 0; gi < g.G; ++gi)
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t k = 0; k < K; ++k) {
          T acc = 0;
          for (int64_t r = 0; r < runs; ++r) acc += ps[r * wt_len + gi * K * Og + k * Og + o];
          pw[(gi * Og + o) * K + k] = acc;
        }
  });
  return w;
}

Tensor cpu_conv(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeom& g) { return conv_kernel(x, w, b, {g}); }
Tensor cpu_conv_input(const Tensor& y, const Tensor& w, const Tensor& b, const ConvGeom& g) {
  return input_kernel(y, w, b, {g});
}
Tensor cpu_conv_weight(const Tensor& x, const Tensor& y, const Tensor&, const ConvGeom& g) {
  return weight_kernel(x, y, {g});
}
const bool registered = (conv_stub.set(DeviceType::CPU, cpu_conv), conv_input_stub.set(DeviceType::CPU, cpu_conv_input),
                         conv_weight_stub.set(DeviceType::CPU, cpu_conv_weight), true);

// Runs one of the conv tables; float16/bfloat16 on float32 copies, rounded once (on every device).
Tensor run_conv(const DispatchStub<ConvFn>& stub, const Tensor& a, const Tensor& b, const Tensor& bias, const Geom& g) {
  if (!is_reduced_float(a.dtype())) return stub[a.device()](a, b, bias, g);
  const auto f32 = [](const Tensor& t) { return t.defined() ? to_dtype(t, ScalarType::Float32) : t; };
  return to_dtype(stub[a.device()](f32(a), f32(b), f32(bias), g), a.dtype());
}

// ---- the differentiable ops ----
Tensor conv_weight_op(const Tensor& x, const Tensor& y, const Geom& g);
Tensor conv_input_op(const Tensor& y, const Tensor& w, const OptTensor& bias, const Geom& g);

Tensor bias_grad(const Tensor& gout, bool needed) { return needed ? sum(gout, {0, 2, 3}) : Tensor(); }

Tensor conv_op(const Tensor& x, const Tensor& w, const OptTensor& bias, const Geom& g) {
  const Tensor b = bias ? *bias : Tensor();
  Tensor y;
  {
    GradModeGuard no_grad(false);
    y = run_conv(conv_stub, x, w, b, g);
  }
  if (grad_enabled() && any_requires_grad({&x, &w, &b})) {
    // saves x only for dw and w only for dx
    record("ConvolutionBackward0", {&x, &w, &b}, y,
           [g, X = SavedTensor(requires_grad(w) ? x : Tensor(), false),
            Wt = SavedTensor(requires_grad(x) ? w : Tensor(), false), db = requires_grad(b)](
               Node* n, const std::vector<Tensor>& gr) {
             Tensor xv = X.unpack(n), wv = Wt.unpack(n);
             return std::vector<Tensor>{wv.defined() ? conv_input_op(gr[0], wv, std::nullopt, g) : Tensor(),
                                        xv.defined() ? conv_weight_op(xv, gr[0], g) : Tensor(), bias_grad(gr[0], db)};
           });
  }
  return y;
}

Tensor conv_input_op(const Tensor& y, const Tensor& w, const OptTensor& bias, const Geom& g) {
  const Tensor b = bias ? *bias : Tensor();
  Tensor x;
  {
    GradModeGuard no_grad(false);
    x = run_conv(conv_input_stub, y, w, b, g);
  }
  if (grad_enabled() && any_requires_grad({&y, &w, &b})) {
    record("ConvolutionBackward0", {&y, &w, &b}, x,
           [g, Y = SavedTensor(requires_grad(w) ? y : Tensor(), false),
            Wt = SavedTensor(requires_grad(y) ? w : Tensor(), false), db = requires_grad(b)](
               Node* n, const std::vector<Tensor>& gr) {
             Tensor yv = Y.unpack(n), wv = Wt.unpack(n);
             return std::vector<Tensor>{wv.defined() ? conv_op(gr[0], wv, std::nullopt, g) : Tensor(),
                                        yv.defined() ? conv_weight_op(gr[0], yv, g) : Tensor(), bias_grad(gr[0], db)};
           });
  }
  return x;
}

Tensor conv_weight_op(const Tensor& x, const Tensor& y, const Geom& g) {
  Tensor w;
  {
    GradModeGuard no_grad(false);
    w = run_conv(conv_weight_stub, x, y, Tensor(), g);
  }
  if (grad_enabled() && any_requires_grad({&x, &y})) {
    record("ConvolutionBackwardBackward0", {&x, &y}, w,
           [g, X = SavedTensor(requires_grad(y) ? x : Tensor(), false),
            Y = SavedTensor(requires_grad(x) ? y : Tensor(), false)](Node* n, const std::vector<Tensor>& gr) {
             Tensor xv = X.unpack(n), yv = Y.unpack(n);
             return std::vector<Tensor>{yv.defined() ? conv_input_op(yv, gr[0], std::nullopt, g) : Tensor(),
                                        xv.defined() ? conv_op(xv, gr[0], std::nullopt, g) : Tensor()};
           });
  }
  return w;
}

// ---- argument checks, in PyTorch's words ----
void check_params(const Dims& stride, const Dims& padding, const Dims& dilation, int64_t groups) {
  for (int64_t s : stride) EMBER_CHECK(s > 0, "non-positive stride is not supported");
  for (int64_t p : padding) EMBER_CHECK(p >= 0, "negative padding is not supported");
  for (int64_t d : dilation) EMBER_CHECK(d > 0, "non-positive dilation is not supported");
  EMBER_CHECK(groups > 0, "non-positive groups is not supported");
}

Dims pair_arg(const Dims& v, const char* name) {
  EMBER_CHECK(v.size() == 1 || v.size() == 2, "expected ", name,
              " to be a single integer value or a list of 2 values to match the convolution dimensions, but got ",
              name, "=", DimVector(v));
  return v.size() == 1 ? Dims{v[0], v[0]} : v;
}

// C type names ("float", "double") and legacy tensor type names, as PyTorch's messages use.
const char* c_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Float32: return "float";
    case ScalarType::Float64: return "double";
    case ScalarType::Int64: return "long int";
    case ScalarType::Int32: return "int";
    default: return "bool";
  }
}
std::string tensor_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Float32: return "ember.FloatTensor";
    case ScalarType::Float64: return "ember.DoubleTensor";
    case ScalarType::Int64: return "ember.LongTensor";
    case ScalarType::Int32: return "ember.IntTensor";
    default: return "ember.BoolTensor";
  }
}

void check_tensors(const Tensor& input, const Tensor& weight, const OptTensor& bias, int64_t out_ch) {
  EMBER_CHECK(input.dtype() == weight.dtype(), "Input type (", tensor_type_name(input.dtype()), ") and weight type (",
              tensor_type_name(weight.dtype()),
              ") should be the same or input should be a MKLDNN tensor and weight is a dense tensor");
  if (bias) {
    EMBER_CHECK(bias->dtype() == input.dtype(), "Input type (", c_type_name(input.dtype()), ") and bias type (",
                c_type_name(bias->dtype()), ") should be the same");
    EMBER_CHECK(bias->dim() == 1 && bias->numel() == out_ch, "Given weight of size ", weight.sizes(),
                ", expected bias to be 1-dimensional with ", out_ch, " elements, but got bias of size ", bias->sizes(),
                " instead");
  }
  EMBER_CHECK(is_floating(input.dtype()), "\"conv2d\" not implemented for '", dtype_short_name(input.dtype()), "'");
  EMBER_CHECK(input.device() == weight.device(), "Expected all tensors to be on the same device, but found at least "
              "two devices, ", input.device().str(), " and ", weight.device().str(), "!");
}

}  // namespace

DispatchStub<ConvFn> conv_stub("conv2d");
DispatchStub<ConvFn> conv_input_stub("conv2d backward (input) / conv_transpose2d");
DispatchStub<ConvFn> conv_weight_stub("conv2d backward (weight)");

Tensor conv2d(const Tensor& input, const Tensor& weight, const OptTensor& bias, const Dims& stride_,
              const Dims& padding_, const Dims& dilation_, int64_t groups) {
  if (__builtin_expect(autocast::any_enabled(), 0))  // autocast: a lower-precision op
    return autocast::run_lower([&](const Tensor& x, const Tensor& w, const Tensor& b) {
      return conv2d(x, w, b.defined() ? OptTensor(b) : std::nullopt, stride_, padding_, dilation_, groups);
    }, input, weight, bias ? *bias : Tensor());
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ", input.sizes());
  if (input.dim() == 3) return squeeze(conv2d(unsqueeze(input, 0), weight, bias, stride_, padding_, dilation_, groups),
                                       Dims{0});
  const Dims stride = pair_arg(stride_, "stride"), padding = pair_arg(padding_, "padding"),
             dilation = pair_arg(dilation_, "dilation");
  check_params(stride, padding, dilation, groups);
  EMBER_CHECK(weight.dim() == 4, "Expected 4-dimensional weight for 4-dimensional input ", input.sizes(),
              ", but got ", weight.dim(), "-dimensional weight of size ", weight.sizes(), " instead");
  const auto& is = input.sizes();
  const auto& ws = weight.sizes();
  EMBER_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(is[1] == ws[1] * groups, "Given groups=", groups, ", weight of size ", ws, ", expected input", is,
              " to have ", ws[1] * groups, " channels, but got ", is[1], " channels instead");
  const int64_t pH = is[2] + 2 * padding[0], pW = is[3] + 2 * padding[1];
  const int64_t eH = dilation[0] * (ws[2] - 1) + 1, eW = dilation[1] * (ws[3] - 1) + 1;
  EMBER_CHECK(pH >= eH && pW >= eW, "Calculated padded input size per channel: (", pH, " x ", pW,
              "). Kernel size: (", eH, " x ", eW, "). Kernel size can't be greater than actual input size");
  check_tensors(input, weight, bias, ws[0]);
  Geom g{{is[0], is[1], is[2], is[3], ws[0], ws[2], ws[3], (pH - eH) / stride[0] + 1, (pW - eW) / stride[1] + 1,
         stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1], groups}};
  return conv_op(input, weight, bias, g);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const OptTensor& bias, const Dims& stride_,
                        const Dims& padding_, const Dims& output_padding_, int64_t groups, const Dims& dilation_) {
  if (__builtin_expect(autocast::any_enabled(), 0))
    return autocast::run_lower([&](const Tensor& x, const Tensor& w, const Tensor& b) {
      return conv_transpose2d(x, w, b.defined() ? OptTensor(b) : std::nullopt, stride_, padding_, output_padding_,
                              groups, dilation_);
    }, input, weight, bias ? *bias : Tensor());
  EMBER_CHECK(input.dim() == 3 || input.dim() == 4,
              "Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of size: ",
              input.sizes());
  if (input.dim() == 3)
    return squeeze(conv_transpose2d(unsqueeze(input, 0), weight, bias, stride_, padding_, output_padding_, groups,
                                    dilation_),
                   Dims{0});
  const Dims stride = pair_arg(stride_, "stride"), padding = pair_arg(padding_, "padding"),
             dilation = pair_arg(dilation_, "dilation"), outpad = pair_arg(output_padding_, "output_padding");
  check_params(stride, padding, dilation, groups);
  EMBER_CHECK(weight.dim() == 4, "Expected 4-dimensional weight for 4-dimensional input ", input.sizes(),
              ", but got ", weight.dim(), "-dimensional weight of size ", weight.sizes(), " instead");
  EMBER_CHECK(outpad[0] >= 0 && outpad[1] >= 0, "negative output_padding is not supported");
  EMBER_CHECK((outpad[0] < stride[0] || outpad[0] < dilation[0]) && (outpad[1] < stride[1] || outpad[1] < dilation[1]),
              "output padding must be smaller than either stride or dilation, but got output_padding_height: ",
              outpad[0], " output_padding_width: ", outpad[1], " stride_height: ", stride[0], " stride_width: ",
              stride[1], " dilation_height: ", dilation[0], " dilation_width: ", dilation[1]);
  const auto& is = input.sizes();
  const auto& ws = weight.sizes();
  EMBER_CHECK(ws[0] % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ", groups,
              " at dimension 0, but got weight of size [", ws, "] instead");
  EMBER_CHECK(is[1] == ws[0], "Given transposed=1, weight of size ", ws, ", expected input", is, " to have ", ws[0],
              " channels, but got ", is[1], " channels instead");
  const int64_t C = ws[1] * groups;
  const int64_t H = (is[2] - 1) * stride[0] - 2 * padding[0] + dilation[0] * (ws[2] - 1) + outpad[0] + 1;
  const int64_t W = (is[3] - 1) * stride[1] - 2 * padding[1] + dilation[1] * (ws[3] - 1) + outpad[1] + 1;
  EMBER_CHECK(H > 0 && W > 0, "Given input size per channel: (", is[2], " x ", is[3],
              "). Calculated output size per channel: (", H, " x ", W, "). Output size is too small");
  check_tensors(input, weight, bias, C);
  Geom g{{is[0], C, H, W, ws[0], ws[2], ws[3], is[2], is[3], stride[0], stride[1], padding[0], padding[1],
         dilation[0], dilation[1], groups}};
  return conv_input_op(input, weight, bias, g);
}

}  // namespace ember
