#pragma once
// The row loops of batch/group norm for float32 rows, compiled for several
// x86-64 levels (cpu/clones.h) and without FP contraction, so every level
// gives the same bits: the sums in double, in eight accumulators (element i
// to i % 8, the tail to the first) combined as a tree, the order of
// sum_of in ops/norm.cpp; affine_f32 and combine_f32 in float, multiply then
// add. (Rows of other dtypes take the generic loops in ops/norm.cpp.)
#include <cstdint>
#include <utility>

namespace ember {
namespace rows {

double sum_f32_as_double(const float* x, int64_t n);                       // sum x, in double
double dot_dev_f32(const float* g, const float* x, int64_t n, double mean);  // sum g * (x - mean)
// sum (x - shift) and sum (x - shift)^2 in one pass: with `shift` near the
// mean (a value of the row), the variance (s2 - s1^2/n)/n keeps its precision.
std::pair<double, double> shifted_sums_f32(const float* x, int64_t n, double shift);
std::pair<double, double> dot_and_sum_f32(const float* x, const float* y, int64_t n);  // sum x*y, sum y
void affine_f32(const float* x, int64_t n, float scale, float shift, float* y);  // y = x * scale + shift
void combine_f32(const float* g, const float* x, int64_t n, float a, float b, float c, float* y);  // y = a*g + b*x + c

}  // namespace rows
}  // namespace ember
