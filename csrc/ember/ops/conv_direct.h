#pragma once
// A direct float32 convolution for stride-1 convs with few input taps
// (C/groups * kH * kW small, as in LeNet-like networks): no im2col copy, no
// GEMM call; each output row is accumulated in AVX-512 registers from shifted
// rows of the zero-padded input planes; its weight gradient likewise, as dot
// products of output-gradient rows with shifted input rows. conv.cpp picks
// them when they apply.
#include <cstdint>

namespace ember {
namespace conv_direct {

struct Shape {
  int64_t N, C, Hp, Wp;  // padded input planes
  int64_t O, kH, kW, dH, dW, G;
  int64_t OH, OW;
};

// Whether this CPU runs the kernel (AVX-512F).
bool available();
// y (N, O, OH, OW) = conv(xp, w) + bias; w (O, C/G, kH, kW); bias may be null.
// Runs in parallel over the batch (call it outside a parallel region).
void forward_f32(const float* xp, const float* w, const float* bias, float* y, const Shape& s);
// dw (O, C/G, kH, kW) = d<gy, conv(xp, w)>/dw for gy (N, O, OH, OW); in parallel over blocks of dw.
void weight_grad_f32(const float* xp, const float* gy, float* dw, const Shape& s);

}  // namespace conv_direct
}  // namespace ember
