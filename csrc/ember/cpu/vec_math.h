#pragma once
// Contiguous float kernels for the hottest elementwise ops and reductions,
// compiled for several x86-64 levels at once (GCC target_clones: AVX-512,
// AVX2+FMA, baseline) and picked at load time by the CPU, so a portable wheel
// still runs at the machine's vector width.
#include <cstdint>

namespace ember {
namespace vec {

void exp_f32(const float* x, float* y, int64_t n);
void sigmoid_f32(const float* x, float* y, int64_t n);
void tanh_f32(const float* x, float* y, int64_t n);
// Sum of n floats with wide independent accumulators (result in double).
double sum_f32(const float* x, int64_t n);

}  // namespace vec
}  // namespace ember
