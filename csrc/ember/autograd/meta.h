#pragma once
// Autograd metadata of a tensor; allocated only for tensors that take part in
// autograd, so plain tensors pay one null pointer.
#include "ember/core/tensor.h"

namespace ember {

struct AutogradMeta {
  bool requires_grad = false;
  Tensor grad;
};

}  // namespace ember
