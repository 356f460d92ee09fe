// conv2d's three maps, max_pool2d and adaptive_max_pool2d on CUDA (the conv_*stub,
// max_pool_stub and adaptive_max_pool_stub tables; ops/conv.cpp and ops/pool.cpp have the geometry, the autograd and the
// CPU kernels; max_pool2d's backward and avg_pool2d are composites there).
//
// conv2d: Each is im2col or col2im plus
// one cuBLAS GEMM batched over the groups, on chunks of the batch whose
// column matrix stays under kColsBytes:
//   cols (C*kH*kW, n*L)   the chunk's column matrix (L = OH*OW), grouped by rows
//   yt   (O, n*L)         the output with channels outermost
//   forward  yt[g] = w[g] @ cols[g]          -> y (+ bias)
//   input    cols[g] = w[g]^T @ yt[g]        -> col2im (a gather: no atomics, deterministic) (+ bias)
//   weight   w[g] += yt[g] @ cols[g]^T       summed over the chunks by the GEMM's beta
#include <limits>

#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

constexpr int64_t kColsBytes = int64_t(1) << 28;

// cols[(c, ki, kj), (n, oh, ow)] = x[n, c, oh*sH - pH + ki*dH, ow*sW - pW + kj*dW] (0 outside) for n < cn.
template <typename T>
__global__ void im2col_k(const T* x, T* cols, ConvGeom g, int64_t cn) {
  const int64_t L = g.OH * g.OW, kk = g.kH * g.kW;
  EMBER_GRID_LOOP(i, g.C * kk * cn * L) {
    const int64_t l = i % L, n = (i / L) % cn, r = i / (L * cn);
    const int64_t c = r / kk, ki = (r % kk) / g.kW, kj = r % g.kW;
    const int64_t ih = (l / g.OW) * g.sH - g.pH + ki * g.dH, iw = (l % g.OW) * g.sW - g.pW + kj * g.dW;
    cols[i] = (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W) ? x[((n * g.C + c) * g.H + ih) * g.W + iw] : T(0);
  }
}

// The adjoint: x[n, c, ih, iw] = the sum of the cols entries that read it (+ bias[c]).
template <typename T>
__global__ void col2im_k(const T* cols, T* x, const T* bias, ConvGeom g, int64_t cn) {
  const int64_t L = g.OH * g.OW, NL = cn * L, kk = g.kH * g.kW;
  EMBER_GRID_LOOP(i, cn * g.C * g.H * g.W) {
    const int64_t iw = i % g.W, ih = (i / g.W) % g.H, c = (i / (g.W * g.H)) % g.C, n = i / (g.W * g.H * g.C);
    T acc = bias ? bias[c] : T(0);
    for (int64_t ki = 0; ki < g.kH; ++ki) {
      const int64_t th = ih + g.pH - ki * g.dH;
      if (th < 0 || th % g.sH) continue;
      const int64_t oh = th / g.sH;
      if (oh >= g.OH) continue;
      for (int64_t kj = 0; kj < g.kW; ++kj) {
        const int64_t tw = iw + g.pW - kj * g.dW;
        if (tw < 0 || tw % g.sW) continue;
        const int64_t ow = tw / g.sW;
        if (ow >= g.OW) continue;
        acc += cols[(c * kk + ki * g.kW + kj) * NL + n * L + oh * g.OW + ow];
      }
    }
    x[i] = acc;
  }
}

// (n, O, L) <-> (O, n, L); to_nol adds bias[o] (when given).
template <typename T>
__global__ void to_onl_k(const T* src, T* dst, int64_t n, int64_t O, int64_t L) {
  EMBER_GRID_LOOP(i, n * O * L) {
    const int64_t l = i % L, b = (i / L) % n, o = i / (L * n);
    dst[i] = src[(b * O + o) * L + l];
  }
}
template <typename T>
__global__ void to_nol_k(const T* src, T* dst, const T* bias, int64_t n, int64_t O, int64_t L) {
  EMBER_GRID_LOOP(i, n * O * L) {
    const int64_t l = i % L, o = (i / L) % O, b = i / (L * O);
    dst[i] = src[(o * n + b) * L + l] + (bias ? bias[o] : T(0));
  }
}

// The chunking of a conv and its scratch: cols (C*kH*kW, cn*L) and yt (O, cn*L) for chunks of cn items.
struct Plan {
  int64_t L, K, Og, kk, cn;
  Tensor cols, yt;
};
Plan plan(const ConvGeom& g, const Tensor& like) {
  const int64_t L = g.OH * g.OW, kk = g.kH * g.kW, per_item = std::max<int64_t>(1, g.C * kk * L);
  const int64_t cn =
      std::clamp<int64_t>(kColsBytes / itemsize(like.dtype()) / per_item, 1, std::max<int64_t>(g.N, 1));
  return {L, (g.C / g.G) * kk, g.O / g.G, kk, cn, empty({g.C * kk * cn * L}, like.dtype(), like.device()),
          empty({g.O * cn * L}, like.dtype(), like.device())};
}

// Items [n0, n0 + n) of x (N, C, H, W) as the column matrix p.cols.
template <typename T>
void im2col(const Tensor& x, const Plan& p, const ConvGeom& g, int64_t n0, int64_t n) {
  launch(x.device(), g.C * p.kk * n * p.L, [&](unsigned blocks, cudaStream_t s) {
    im2col_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(x) + n0 * g.C * g.H * g.W, out_ptr<T>(p.cols), g, n);
  });
}

// Items [n0, n0 + n) of y (N, O, L) with channels outermost, into p.yt (O, n, L).
template <typename T>
void to_onl(const Tensor& y, const Plan& p, const ConvGeom& g, int64_t n0, int64_t n) {
  launch(y.device(), g.O * n * p.L, [&](unsigned blocks, cudaStream_t s) {
    to_onl_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(y) + n0 * g.O * p.L, out_ptr<T>(p.yt), n, g.O, p.L);
  });
}

Tensor cuda_conv(const Tensor& x_, const Tensor& w_, const Tensor& bias, const ConvGeom& g) {
  const Device d = x_.device();
  Tensor y = empty({g.N, g.O, g.OH, g.OW}, x_.dtype(), d);
  if (y.numel() == 0) return y;
  if (g.C == 0) return bias.defined() ? add(zero_(y), reshape(bias, {g.O, 1, 1})) : zero_(y);
  Tensor x = contiguous(x_), w = contiguous(w_), b = bias.defined() ? contiguous(bias) : Tensor();
  const Plan p = plan(g, x);
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] {
    using T = scalar_t;
    for (int64_t n0 = 0; n0 < g.N; n0 += p.cn) {
      const int64_t n = std::min(p.cn, g.N - n0), NL = n * p.L;
      im2col<T>(x, p, g, n0, n);
      gemm_batched(x.dtype(), d.index, false, false, p.Og, NL, p.K, in_ptr<T>(w), p.K, p.Og * p.K, in_ptr<T>(p.cols),
                   NL, p.K * NL, 0.0, out_ptr<T>(p.yt), NL, p.Og * NL, g.G);
      launch(d, g.O * NL, [&](unsigned blocks, cudaStream_t s) {
        to_nol_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(p.yt), out_ptr<T>(y) + n0 * g.O * p.L, in_ptr<T>(b), n, g.O,
                                                p.L);
      });
    }
  });
  return y;
}

Tensor cuda_conv_input(const Tensor& y_, const Tensor& w_, const Tensor& bias, const ConvGeom& g) {
  const Device d = y_.device();
  Tensor x = empty({g.N, g.C, g.H, g.W}, y_.dtype(), d);
  if (x.numel() == 0) return x;
  if (y_.numel() == 0) return bias.defined() ? add(zero_(x), reshape(bias, {g.C, 1, 1})) : zero_(x);
  Tensor y = contiguous(y_), w = contiguous(w_), b = bias.defined() ? contiguous(bias) : Tensor();
  const Plan p = plan(g, y);
  EMBER_CUDA_DISPATCH_FLOATING(y.dtype(), "conv_transpose2d", [&] {
    using T = scalar_t;
    for (int64_t n0 = 0; n0 < g.N; n0 += p.cn) {
      const int64_t n = std::min(p.cn, g.N - n0), NL = n * p.L;
      to_onl<T>(y, p, g, n0, n);
      gemm_batched(y.dtype(), d.index, true, false, p.K, NL, p.Og, in_ptr<T>(w), p.K, p.Og * p.K, in_ptr<T>(p.yt), NL,
                   p.Og * NL, 0.0, out_ptr<T>(p.cols), NL, p.K * NL, g.G);
      launch(d, n * g.C * g.H * g.W, [&](unsigned blocks, cudaStream_t s) {
        col2im_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(p.cols), out_ptr<T>(x) + n0 * g.C * g.H * g.W, in_ptr<T>(b),
                                                g, n);
      });
    }
  });
  return x;
}

Tensor cuda_conv_weight(const Tensor& x_, const Tensor& y_, const Tensor&, const ConvGeom& g) {
  const Device d = x_.device();
  Tensor w = empty({g.O, g.C / g.G, g.kH, g.kW}, x_.dtype(), d);
  if (w.numel() == 0) return w;
  if (x_.numel() == 0 || y_.numel() == 0) return zero_(w);
  Tensor x = contiguous(x_), y = contiguous(y_);
  const Plan p = plan(g, x);
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "conv2d", [&] {
    using T = scalar_t;
    for (int64_t n0 = 0; n0 < g.N; n0 += p.cn) {
      const int64_t n = std::min(p.cn, g.N - n0), NL = n * p.L;
      im2col<T>(x, p, g, n0, n);
      to_onl<T>(y, p, g, n0, n);
      gemm_batched(x.dtype(), d.index, false, true, p.Og, p.K, NL, in_ptr<T>(p.yt), NL, p.Og * NL, in_ptr<T>(p.cols),
                   NL, p.K * NL, n0 == 0 ? 0.0 : 1.0, out_ptr<T>(w), p.K, p.Og * p.K, g.G);
    }
  });
  return w;
}

// ---- max_pool2d: one thread per output, PyTorch's scan order (a larger value or a NaN replaces the best) ----
template <typename T>
__global__ void max_pool_k(const T* x, T* y, int64_t* iy, Pool2dGeom g, int64_t planes, T lowest) {
  EMBER_GRID_LOOP(i, planes * g.OH * g.OW) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, p = i / (g.OW * g.OH);
    const T* xp = x + p * g.H * g.W;
    const int64_t h0 = oh * g.sh - g.ph, w0 = ow * g.sw - g.pw;
    T best = lowest;
    int64_t arg = -1;
    for (int64_t a = 0; a < g.kh; ++a) {
      const int64_t h = h0 + a * g.dh;
      if (h < 0 || h >= g.H) continue;
      for (int64_t b = 0; b < g.kw; ++b) {
        const int64_t w = w0 + b * g.dw;
        if (w < 0 || w >= g.W) continue;
        const T v = xp[h * g.W + w];
        if (arg < 0) arg = h * g.W + w;  // the first tap in the input, as the CPU kernel starts
        if (v > best || v != v) {
          best = v;
          arg = h * g.W + w;
        }
      }
    }
    y[i] = best;
    iy[i] = arg < 0 ? 0 : arg;
  }
}

void cuda_max_pool(const Tensor& x, const Pool2dGeom& g, int64_t planes, const Tensor& out, const Tensor& idx) {
  EMBER_CUDA_DISPATCH_NUMERIC(x.dtype(), "max_pool2d", [&] {
    using T = scalar_t;
    const T lowest = std::numeric_limits<T>::has_infinity ? -std::numeric_limits<T>::infinity()
                                                          : std::numeric_limits<T>::lowest();
    launch(x.device(), planes * g.OH * g.OW, [&](unsigned blocks, cudaStream_t s) {
      max_pool_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(x), out_ptr<T>(out), out_ptr<int64_t>(idx), g, planes, lowest);
    });
  });
}

// ---- adaptive_max_pool2d: one thread per output, window [floor(o*in/out), ceil((o+1)*in/out)) per axis, the same
// scan as the CPU kernel (a larger value or a NaN replaces the best; the window's first tap if none does) ----
template <typename T>
__global__ void adaptive_max_pool_k(const T* x, T* y, int64_t* iy, Pool2dGeom g, int64_t planes) {
  EMBER_GRID_LOOP(i, planes * g.OH * g.OW) {
    const int64_t ow = i % g.OW, oh = (i / g.OW) % g.OH, p = i / (g.OW * g.OH);
    const T* xp = x + p * g.H * g.W;
    const int64_t h0 = oh * g.H / g.OH, h1 = ((oh + 1) * g.H + g.OH - 1) / g.OH;
    const int64_t w0 = ow * g.W / g.OW, w1 = ((ow + 1) * g.W + g.OW - 1) / g.OW;
    T best = -INFINITY;
    int64_t arg = h0 * g.W + w0;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t w = w0; w < w1; ++w) {
        const T v = xp[h * g.W + w];
        if (v > best || v != v) {
          best = v;
          arg = h * g.W + w;
        }
      }
    y[i] = best;
    iy[i] = arg;
  }
}

void cuda_adaptive_max_pool(const Tensor& x, const Pool2dGeom& g, int64_t planes, const Tensor& out,
                            const Tensor& idx) {
  EMBER_CUDA_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d", [&] {
    using T = scalar_t;
    launch(x.device(), planes * g.OH * g.OW, [&](unsigned blocks, cudaStream_t s) {
      adaptive_max_pool_k<T><<<blocks, kThreads, 0, s>>>(in_ptr<T>(x), out_ptr<T>(out), out_ptr<int64_t>(idx), g,
                                                         planes);
    });
  });
}

}  // namespace

void register_conv_kernels() {
  max_pool_stub.set(DeviceType::CUDA, cuda_max_pool);
  adaptive_max_pool_stub.set(DeviceType::CUDA, cuda_adaptive_max_pool);
  conv_stub.set(DeviceType::CUDA, cuda_conv);
  conv_input_stub.set(DeviceType::CUDA, cuda_conv_input);
  conv_weight_stub.set(DeviceType::CUDA, cuda_conv_weight);
}

}  // namespace ember::cuda
