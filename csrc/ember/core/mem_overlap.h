#pragma once
// Whether a write would read memory it has already written: PyTorch refuses an
// in-place op or copy whose output has two elements at one address (an
// expanded tensor) or that partly overlaps an input (y[1:] = y[:-1]), rather
// than give a result that depends on the kernel's loop order. The same rules
// and messages as PyTorch's mem-overlap checks, so the same programs fail.
#include "ember/core/tensor.h"

namespace ember {

// Elements at distinct addresses that fill a block with no gaps, in some
// order of the dims (a permutation of a contiguous tensor).
EMBER_API bool is_non_overlapping_and_dense(const Tensor& t);

// Some dim of stride 0 and size > 1: two elements at one address.
EMBER_API bool has_internal_overlap(const Tensor& t);

// Raises when `t` has a dim of stride 0 and size > 1 (other overlaps are too
// hard to prove, and pass, as in PyTorch).
EMBER_API void assert_no_internal_overlap(const Tensor& t);

// Raises when `out` and `in` share some but not all of their memory, or cover
// the same block with different strides (x.copy_(x.t())).
EMBER_API void assert_no_partial_overlap(const Tensor& out, const Tensor& in);

// Both checks for an op writing `out` from `inputs` (null entries are skipped):
// what PyTorch's TensorIterator checks for every in-place op and out= argument.
EMBER_API void check_overlapping_write(const Tensor& out, std::initializer_list<const Tensor*> inputs);

}  // namespace ember
