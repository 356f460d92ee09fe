#pragma once
// The row loops of batch/group norm for float32 rows, compiled for several
// x86-64 levels (cpu/clones.h) and without FP contraction, so every level
// gives the bits of the generic loops in ops/norm.cpp (same order: eight
// double accumulators i % 8, combined as a tree; multiply, then add).
// Only the sums are widened to double; affine_f32 and combine_f32 compute in float.
#include <cstdint>
#include <utility>

namespace ember {
namespace rows {

double sum_f32(const float* x, int64_t n);                                 // sum x
double dot_dev_f32(const float* g, const float* x, int64_t n, double mean);  // sum g * (x - mean)
// sum (x - shift) and sum (x - shift)^2 in one pass: with `shift` near the
// mean (a value of the row), the variance (s2 - s1^2/n)/n keeps its precision.
std::pair<double, double> shifted_sums_f32(const float* x, int64_t n, double shift);
std::pair<double, double> dot_and_sum_f32(const float* x, const float* y, int64_t n);  // sum x*y, sum y
void affine_f32(const float* x, int64_t n, float scale, float shift, float* y);  // y = x * scale + shift
void combine_f32(const float* g, const float* x, int64_t n, float a, float b, float c, float* y);  // y = a*g + b*x + c

}  // namespace rows
}  // namespace ember
