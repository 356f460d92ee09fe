// In-place write checks (core/mem_overlap.h).
#include "ember/core/mem_overlap.h"

#include <algorithm>

#include "ember/core/error.h"

namespace ember {

bool is_non_overlapping_and_dense(const Tensor& t) {
  if (t.is_contiguous()) return true;
  const int64_t n = t.dim();
  DimVector order(n);
  for (int64_t d = 0; d < n; ++d) order[d] = d;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return t.strides()[a] < t.strides()[b]; });
  int64_t expected = 1;
  for (int64_t d : order) {
    const int64_t size = t.sizes()[d];
    if (size == 1) continue;  // a dim of one element has no stride that matters
    if (t.strides()[d] != expected) return false;
    expected *= size;
  }
  return true;
}

bool has_internal_overlap(const Tensor& t) {
  if (t.is_contiguous()) return false;  // the common case, one flag
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.strides()[d] == 0 && t.sizes()[d] > 1) return true;
  return false;
}

void assert_no_internal_overlap(const Tensor& t) {
  EMBER_CHECK(!has_internal_overlap(t),
              "unsupported operation: more than one element of the written-to tensor refers to a single memory "
              "location. Please clone() the tensor before performing the operation.");
}

namespace {
enum class Overlap { None, Full, Partial, TooHard };

Overlap overlap_status(const Tensor& a, const Tensor& b) {
  if (a.is_same(b)) return Overlap::Full;
  if (a.numel() == 0 || b.numel() == 0) return Overlap::None;
  if (a.impl()->storage().get() != b.impl()->storage().get()) return Overlap::None;
  if (!is_non_overlapping_and_dense(a) || !is_non_overlapping_and_dense(b)) return Overlap::TooHard;
  const char* a_begin = static_cast<const char*>(a.device_data());
  const char* b_begin = static_cast<const char*>(b.device_data());
  const char* a_end = a_begin + a.numel() * itemsize(a.dtype());
  const char* b_end = b_begin + b.numel() * itemsize(b.dtype());
  if (a_begin == b_begin && a_end == b_end) return a.strides() == b.strides() ? Overlap::Full : Overlap::Partial;
  if (a_begin < b_end && b_begin < a_end) return Overlap::Partial;
  return Overlap::None;
}
}  // namespace

void assert_no_partial_overlap(const Tensor& out, const Tensor& in) {
  EMBER_CHECK(overlap_status(out, in) != Overlap::Partial,
              "unsupported operation: some elements of the input tensor and the written-to tensor refer to a single "
              "memory location. Please clone() the tensor before performing the operation.");
}

void check_overlapping_write(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  assert_no_internal_overlap(out);
  for (const Tensor* in : inputs)
    if (in) assert_no_partial_overlap(out, *in);
}

}  // namespace ember
