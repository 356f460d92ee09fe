#pragma once
// A direct float32 convolution for stride-1 convs with few input taps
// (C/groups * kH * kW small, as in LeNet-like networks): no im2col copy, no
// GEMM call; each output row is accumulated in AVX-512 registers from shifted
// rows of the zero-padded input planes. conv.cpp picks it when it applies.
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

}  // namespace conv_direct
}  // namespace ember
