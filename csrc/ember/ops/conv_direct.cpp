// See conv_direct.h. One output row of one image is computed as tiles of 16
// columns (one zmm each) times a block of up to 16 output channels (one zmm
// accumulator per channel): for every input channel and kernel tap, one
// (masked) load of 16 shifted input values and one broadcast FMA per channel.
// Masked loads and stores cover rows that are not a multiple of 16 wide
// without reading past a row, so the planes need no slack.
#include "ember/ops/conv_direct.h"

#include <immintrin.h>

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

#include "ember/cpu/parallel.h"

namespace ember {
namespace conv_direct {

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)

bool available() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

namespace {

// OB output channels o0..o0+OB of one group, output row oh of image n.
// wt is the group's weight packed as [(c, ki, kj)][o] (Og wide).
template <int OB>
__attribute__((target("avx512f"))) void row_block(const float* xg, const float* wt, int64_t Og, int64_t o0,
                                                  const float* bias, float* yrow, int64_t oh, const Shape& s,
                                                  int64_t Cg, int64_t out_plane) {
  const int64_t plane = s.Hp * s.Wp;
  for (int64_t ow0 = 0; ow0 < s.OW; ow0 += 16) {
    const int64_t m = std::min<int64_t>(16, s.OW - ow0);
    const __mmask16 k = __mmask16(m == 16 ? 0xFFFFu : (1u << m) - 1);
    __m512 acc[OB];
    #pragma GCC unroll 16
    for (int j = 0; j < OB; ++j) acc[j] = _mm512_set1_ps(bias ? bias[o0 + j] : 0.0f);
    const float* w = wt + o0;
    for (int64_t c = 0; c < Cg; ++c) {
      const float* pc = xg + c * plane + oh * s.Wp + ow0;
      for (int64_t ki = 0; ki < s.kH; ++ki) {
        const float* row = pc + ki * s.dH * s.Wp;
        for (int64_t kj = 0; kj < s.kW; ++kj, w += Og) {
          const __m512 v = _mm512_maskz_loadu_ps(k, row + kj * s.dW);
          #pragma GCC unroll 16
          for (int j = 0; j < OB; ++j) acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(w[j]), v, acc[j]);
        }
      }
    }
    #pragma GCC unroll 16
    for (int j = 0; j < OB; ++j) _mm512_mask_storeu_ps(yrow + j * out_plane + ow0, k, acc[j]);
  }
}

using RowFn = void (*)(const float*, const float*, int64_t, int64_t, const float*, float*, int64_t, const Shape&,
                       int64_t, int64_t);
template <int... B>
constexpr std::array<RowFn, sizeof...(B)> row_table(std::integer_sequence<int, B...>) {
  return {&row_block<B + 1>...};
}
// row_fns[b - 1] handles a block of b output channels
constexpr auto row_fns = row_table(std::make_integer_sequence<int, 16>{});

}  // namespace

void forward_f32(const float* xp, const float* w, const float* bias, float* y, const Shape& s) {
  const int64_t Og = s.O / s.G, Cg = s.C / s.G, K = Cg * s.kH * s.kW;
  // each group's weight as [(c, ki, kj)][o]: the channels of one tap side by side for the broadcasts
  std::vector<float> wt(size_t(s.O * K));
  for (int64_t g = 0; g < s.G; ++g)
    for (int64_t o = 0; o < Og; ++o)
      for (int64_t t = 0; t < K; ++t) wt[size_t(g * K * Og + t * Og + o)] = w[(g * Og + o) * K + t];
  const int64_t out_plane = s.OH * s.OW, per_item = s.O * out_plane * K;
  parallel_for(0, s.N, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(per_item / 16, 1)),
               [&](int64_t n0, int64_t n1) {
                 for (int64_t n = n0; n < n1; ++n)
                   for (int64_t g = 0; g < s.G; ++g) {
                     const float* xg = xp + (n * s.C + g * Cg) * s.Hp * s.Wp;
                     for (int64_t o0 = 0; o0 < Og; o0 += 16) {
                       const int64_t ob = std::min<int64_t>(16, Og - o0);
                       float* yo = y + (n * s.O + g * Og + o0) * out_plane;
                       for (int64_t oh = 0; oh < s.OH; ++oh)
                         row_fns[size_t(ob - 1)](xg, wt.data() + g * K * Og, Og, o0, bias ? bias + g * Og : nullptr,
                                                 yo + oh * s.OW, oh, s, Cg, out_plane);
                     }
                   }
               });
}

namespace {

// dw for 4 output channels from o0 and TB taps from t0 of input channel c of
// group g: each (channel, tap) pair keeps a zmm of partial sums over the whole
// batch, reduced once at the end. Channels and taps past the end are clamped
// to the last real ones (computed, never stored), so every block is full-size.
// The accumulators are four small arrays, not one 4 x TB array: GCC leaves an
// aggregate that large in memory and stores it back after every FMA.
template <int TB>
__attribute__((target("avx512f"))) void weight_block(const float* xp, const float* gy, float* dw, const Shape& s,
                                                     int64_t g, int64_t c, int64_t t0, int64_t o0) {
  constexpr int OB = 4;
  const int64_t Og = s.O / s.G, Cg = s.C / s.G, kk = s.kH * s.kW, plane = s.Hp * s.Wp, out_plane = s.OH * s.OW;
  const int64_t Wp = s.Wp, OH = s.OH, OW = s.OW, N = s.N, C = s.C, O = s.O;
  int64_t toff[TB], oof[OB];
  #pragma GCC unroll 16
  for (int b = 0; b < TB; ++b) {
    const int64_t t = std::min(t0 + b, kk - 1);
    toff[b] = (t / s.kW) * s.dH * Wp + (t % s.kW) * s.dW;
  }
  #pragma GCC unroll 16
  for (int j = 0; j < OB; ++j) oof[j] = (g * Og + std::min(o0 + j, Og - 1)) * out_plane;
  __m512 a0[TB], a1[TB], a2[TB], a3[TB];
  #pragma GCC unroll 16
  for (int b = 0; b < TB; ++b) a0[b] = a1[b] = a2[b] = a3[b] = _mm512_setzero_ps();
  for (int64_t n = 0; n < N; ++n) {
    const float* xc = xp + (n * C + g * Cg + c) * plane;
    const float* gn = gy + n * O * out_plane;
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow0 = 0; ow0 < OW; ow0 += 16) {
        const int64_t m = std::min<int64_t>(16, OW - ow0);
        const __mmask16 k = __mmask16(m == 16 ? 0xFFFFu : (1u << m) - 1);
        const float* xr = xc + oh * Wp + ow0;
        const float* gr = gn + oh * OW + ow0;
        const __m512 g0 = _mm512_maskz_loadu_ps(k, gr + oof[0]), g1 = _mm512_maskz_loadu_ps(k, gr + oof[1]);
        const __m512 g2 = _mm512_maskz_loadu_ps(k, gr + oof[2]), g3 = _mm512_maskz_loadu_ps(k, gr + oof[3]);
        #pragma GCC unroll 16
        for (int b = 0; b < TB; ++b) {
          const __m512 v = _mm512_maskz_loadu_ps(k, xr + toff[b]);
          a0[b] = _mm512_fmadd_ps(g0, v, a0[b]);
          a1[b] = _mm512_fmadd_ps(g1, v, a1[b]);
          a2[b] = _mm512_fmadd_ps(g2, v, a2[b]);
          a3[b] = _mm512_fmadd_ps(g3, v, a3[b]);
        }
      }
  }
  float sums[OB][TB];  // constant indices: the accumulators stay in registers
  #pragma GCC unroll 16
  for (int b = 0; b < TB; ++b) {
    sums[0][b] = _mm512_reduce_add_ps(a0[b]);
    sums[1][b] = _mm512_reduce_add_ps(a1[b]);
    sums[2][b] = _mm512_reduce_add_ps(a2[b]);
    sums[3][b] = _mm512_reduce_add_ps(a3[b]);
  }
  for (int j = 0; j < OB && o0 + j < Og; ++j)
    for (int b = 0; b < TB && t0 + b < kk; ++b) dw[((g * Og + o0 + j) * Cg + c) * kk + t0 + b] = sums[j][b];
}

}  // namespace

void weight_grad_f32(const float* xp, const float* gy, float* dw, const Shape& s) {
  constexpr int OB = 4, TB = 5;  // 20 accumulators, 4 gradient rows and 1 input row in registers
  const int64_t Og = s.O / s.G, Cg = s.C / s.G, kk = s.kH * s.kW;
  const int64_t nt = (kk + TB - 1) / TB, no = (Og + OB - 1) / OB, blocks = s.G * Cg * nt * no;
  const int64_t per_block = s.N * s.OH * s.OW * OB * TB;
  parallel_for(0, blocks, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(per_block / 16, 1)),
               [&](int64_t b0, int64_t b1) {
                 for (int64_t b = b0; b < b1; ++b) {
                   const int64_t ob = b % no, tb = (b / no) % nt, c = (b / (no * nt)) % Cg, g = b / (no * nt * Cg);
                   weight_block<TB>(xp, gy, dw, s, g, c, tb * TB, ob * OB);
                 }
               });
}

#else

bool available() { return false; }
void forward_f32(const float*, const float*, const float*, float*, const Shape&) {}
void weight_grad_f32(const float*, const float*, float*, const Shape&) {}

#endif

}  // namespace conv_direct
}  // namespace ember
