#pragma once
// Autograd metadata of a tensor; allocated only for tensors that take part in
// autograd (requires_grad, a grad_fn, a .grad, hooks), so plain tensors pay
// one null pointer.
#include <memory>
#include <vector>

#include "ember/autograd/node.h"
#include "ember/core/tensor.h"

namespace ember {

// Lets a retain_grad hook (owned by a Node) find its tensor without owning it.
struct RetainGradCell {
  TensorImpl* tensor = nullptr;
};

struct AutogradMeta {
  bool requires_grad = false;        // set on leaves by the user
  Tensor grad;
  intrusive_ptr<Node> grad_fn;       // non-leaves: the node that made this tensor
  uint32_t output_nr = 0;            // which output of grad_fn
  uint32_t history_version = 0;      // version when grad_fn was set: a view whose base changed since regenerates it
  Node* grad_accumulator = nullptr;  // leaves: their AccumulateGrad (it clears this when destroyed)
  std::vector<TensorHook> hooks;     // leaves: run on the gradient before it is accumulated
  std::shared_ptr<RetainGradCell> retain_cell;

  ~AutogradMeta() {
    if (retain_cell) retain_cell->tensor = nullptr;
  }
};

}  // namespace ember
