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
// PyTorch's float sums, bit for bit (cpu/cascade_sum.h): of n contiguous
// values, and of each of `cols` columns of R rows with row stride ld.
float sum_f32(const float* x, int64_t n);
double sum_f64(const double* x, int64_t n);
void column_sums_f32(const float* x, int64_t R, int64_t cols, int64_t ld, float* out);
void column_sums_f64(const double* x, int64_t R, int64_t cols, int64_t ld, double* out);

}  // namespace vec
}  // namespace ember
