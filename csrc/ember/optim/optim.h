#pragma once
// Fused optimizer updates behind ember.optim: each function updates every
// parameter of one param group in a single pass over memory (p, grad and the
// state are read once and written once per element), splitting the elements
// of all the group's tensors evenly over the threads. float32 and float64.
//
// The arithmetic is PyTorch's single-tensor (foreach=False) implementation,
// operation by operation: the same order, the same rounding, and a fused
// multiply-add exactly where PyTorch's CPU kernels use one (add with alpha,
// addcmul, lerp), so results match torch.optim bit for bit except where
// PyTorch's sqrt (MKL's, up to 1 ulp off) differs from the exact one.
//
// Lists are per param (index i of every list belongs to params[i]); state
// tensors have their param's shape and dtype; steps are 0-d float tensors
// (PyTorch's state["step"]) incremented here. Nothing is recorded for autograd.
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

using TensorList = std::vector<Tensor>;

struct SgdOptions {
  double lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false, maximize = false;
};
// momentum_buffers: empty when momentum == 0; an undefined entry (a param's
// first step) is created here and holds the gradient, as in PyTorch.
EMBER_API void fused_sgd(const TensorList& params, const TensorList& grads, TensorList& momentum_buffers,
                         const SgdOptions& o);

struct AdamOptions {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool amsgrad = false, maximize = false, decoupled_weight_decay = false;  // decoupled: AdamW
};
// max_exp_avg_sqs: empty unless amsgrad.
EMBER_API void fused_adam(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                          const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs,
                          const TensorList& state_steps, const AdamOptions& o);

struct RmspropOptions {
  double lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0;
  bool centered = false, maximize = false;
};
// grad_avgs: empty unless centered; momentum_buffers: empty unless momentum > 0.
EMBER_API void fused_rmsprop(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                             const TensorList& grad_avgs, const TensorList& momentum_buffers,
                             const TensorList& state_steps, const RmspropOptions& o);

struct AdagradOptions {
  double lr = 1e-2, lr_decay = 0, weight_decay = 0, eps = 1e-10;
  bool maximize = false;
};
EMBER_API void fused_adagrad(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                             const TensorList& state_steps, const AdagradOptions& o);

struct AdadeltaOptions {
  double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0;
  bool maximize = false;
};
EMBER_API void fused_adadelta(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                              const TensorList& acc_deltas, const TensorList& state_steps, const AdadeltaOptions& o);

}  // namespace ember
