#pragma once
// PyTorch's float32/float64 CPU sum, bit for bit (its SumKernel.cpp, in the
// AVX2 kernel set x86-64 runs: 8 float or 4 double lanes). A float sum's last
// bits depend on the order of its additions, and training amplifies them, so
// ember adds in PyTorch's order:
//   - a run of values is read as vectors of kLanes; the vectors are summed by
//     row_sum (4 interleaved partial sums, each a multi_row_sum), the leftover
//     values one by one, and finally the lanes, in order;
//   - multi_row_sum keeps 4 levels of partial sums: every 2**p values (p =
//     max(4, ceil(log2(n)) / 4)) level 0 is carried into level 1, and so on,
//     which bounds the error like pairwise summation;
//   - a column sum (the reduced dim outermost) runs multi_row_sum down blocks
//     of 4 vectors of columns, then single vectors, then single columns;
//   - every result is added to a zero (PyTorch accumulates into its zeroed
//     output), which turns -0.0 into +0.0.
// Threading (reduce.cpp) splits the work where PyTorch's parallel_reduce does,
// since the split changes the grouping too. norm2 (below) is PyTorch's 2-norm.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

namespace ember {
namespace cascade {

template <typename T>
constexpr int kLanes = 32 / int(sizeof(T));

// One AVX2 vector's worth of accumulators; lanes are added independently.
template <typename T>
struct Lanes {
  T v[kLanes<T>];
  static Lanes zero() {
    Lanes r;
    for (int i = 0; i < kLanes<T>; ++i) r.v[i] = T(0);
    return r;
  }
  static Lanes load(const T* p) {
    Lanes r;
    for (int i = 0; i < kLanes<T>; ++i) r.v[i] = p[i];
    return r;
  }
  Lanes& operator+=(const Lanes& o) {
    for (int i = 0; i < kLanes<T>; ++i) v[i] += o.v[i];
    return *this;
  }
};

template <typename A> A zero_of() { return A(0); }
template <> inline Lanes<float> zero_of<Lanes<float>>() { return Lanes<float>::zero(); }
template <> inline Lanes<double> zero_of<Lanes<double>>() { return Lanes<double>::zero(); }

inline int64_t ceil_log2(int64_t x) {
  if (x <= 2) return 1;
  return 64 - __builtin_clzll(uint64_t(x - 1));
}

// kRows sums of `size` items each: load(i, k) is item i of sum k.
template <typename A, int kRows, typename Load>
std::array<A, kRows> multi_row_sum(const Load& load, int64_t size) {
  constexpr int kLevels = 4;
  const int64_t level_power = std::max<int64_t>(4, ceil_log2(size) / kLevels);
  const int64_t level_step = int64_t(1) << level_power;
  const int64_t level_mask = level_step - 1;
  A acc[kLevels][kRows];
  for (auto& level : acc)
    for (A& a : level) a = zero_of<A>();
  int64_t i = 0;
  while (i + level_step <= size) {
    for (int64_t j = 0; j < level_step; ++j, ++i)
      for (int k = 0; k < kRows; ++k) acc[0][k] += load(i, k);
    for (int j = 1; j < kLevels; ++j) {
      for (int k = 0; k < kRows; ++k) {
        acc[j][k] += acc[j - 1][k];
        acc[j - 1][k] = zero_of<A>();
      }
      if ((i & (level_mask << (j * level_power))) != 0) break;
    }
  }
  for (; i < size; ++i)
    for (int k = 0; k < kRows; ++k) acc[0][k] += load(i, k);
  for (int j = 1; j < kLevels; ++j)
    for (int k = 0; k < kRows; ++k) acc[0][k] += acc[j][k];
  std::array<A, kRows> out;
  for (int k = 0; k < kRows; ++k) out[k] = acc[0][k];
  return out;
}

// The sum of `size` items load(i): four interleaved multi_row_sums, the tail, then the four.
template <typename A, typename Load>
A row_sum(const Load& load, int64_t size) {
  const int64_t size_ilp = size / 4;
  auto partial = multi_row_sum<A, 4>([&](int64_t i, int k) { return load(i * 4 + k); }, size_ilp);
  for (int64_t i = size_ilp * 4; i < size; ++i) partial[0] += load(i);
  for (int k = 1; k < 4; ++k) partial[0] += partial[k];
  return partial[0];
}

// Sum of n contiguous values.
template <typename T>
T inner_sum(const T* x, int64_t n) {
  constexpr int V = kLanes<T>;
  if (n < V) return T(0) + row_sum<T>([&](int64_t i) { return x[i]; }, n);
  const int64_t vectors = n / V;
  const Lanes<T> lanes = row_sum<Lanes<T>>([&](int64_t i) { return Lanes<T>::load(x + i * V); }, vectors);
  T total = T(0);
  for (int64_t k = vectors * V; k < n; ++k) total += x[k];
  for (int k = 0; k < V; ++k) total += lanes.v[k];
  return T(0) + total;
}

// out[j] = the sum of column j of x (R rows of `cols` values, row stride ld), for `cols` columns.
template <typename T>
void column_sums(const T* x, int64_t R, int64_t cols, int64_t ld, T* out) {
  constexpr int V = kLanes<T>;
  auto column = [&](int64_t j) { return T(0) + row_sum<T>([&](int64_t i) { return x[i * ld + j]; }, R); };
  int64_t j = 0;
  if (cols >= V) {  // vectors of columns
    for (; j + 4 * V <= cols; j += 4 * V) {
      auto sums = multi_row_sum<Lanes<T>, 4>(
          [&](int64_t i, int k) { return Lanes<T>::load(x + i * ld + j + k * V); }, R);
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < V; ++l) out[j + k * V + l] = T(0) + sums[k].v[l];
    }
    for (; j + V <= cols; j += V) {
      const Lanes<T> s = row_sum<Lanes<T>>([&](int64_t i) { return Lanes<T>::load(x + i * ld + j); }, R);
      for (int l = 0; l < V; ++l) out[j + l] = T(0) + s.v[l];
    }
  } else {  // fewer columns than a vector: groups of 4 scalar columns
    for (; j + 3 < cols; j += 4) {
      auto sums = multi_row_sum<T, 4>([&](int64_t i, int k) { return x[i * ld + j + k]; }, R);
      for (int k = 0; k < 4; ++k) out[j + k] = T(0) + sums[k];
    }
  }
  for (; j < cols; ++j) out[j] = column(j);
}

// The 2-norm of n contiguous values as PyTorch's last-dim norm kernel makes it
// (AVX2 set): squares accumulated lane-wise (multiply, then add: unfused),
// the lanes summed in order, then the tail: groups of 4 squared and added one
// by one, the last 1-3 values fused (as its compiler vectorized and contracted
// that loop); the square root last. Needs -ffp-contract=off (reduce.cpp).
template <typename T>
T norm2(const T* x, int64_t n) {
  constexpr int V = kLanes<T>;
  T acc[V] = {};
  int64_t d = 0;
  for (; d < n - n % V; d += V)
    for (int l = 0; l < V; ++l) acc[l] = acc[l] + x[d + l] * x[d + l];
  T total = acc[0];
  for (int l = 1; l < V; ++l) total = total + acc[l];
  for (; n - d >= 4; d += 4)
    for (int l = 0; l < 4; ++l) total = total + x[d + l] * x[d + l];
  for (; d < n; ++d) total = std::fma(x[d], x[d], total);
  return std::sqrt(total);
}

}  // namespace cascade
}  // namespace ember
