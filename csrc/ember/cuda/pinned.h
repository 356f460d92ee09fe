#pragma once
// Tensor.pin_memory() and Tensor.is_pinned() (pinned.cpp).
#include "ember/core/tensor.h"

namespace ember::cuda {

// A copy of CPU tensor `self` in page-locked memory (self itself when it is already pinned).
Tensor pin_memory(const Tensor& self);
// Whether a CPU tensor's bytes are page-locked memory CUDA knows of.
bool is_pinned(const Tensor& self);

}  // namespace ember::cuda
