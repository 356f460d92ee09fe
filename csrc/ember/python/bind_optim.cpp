// Optimizer bindings: the fused per-param-group updates behind ember.optim's
// step() (see optim/optim.h). Argument conversion and GIL release only.
#include "ember/optim/optim.h"
#include "ember/python/pyutils.h"

namespace ember {

void bind_optim(py::module_& m) {
  using Opt = std::optional<Tensor>;
  m.def("_fused_sgd", [](const TensorList& params, const TensorList& grads, const std::vector<Opt>& momentum_buffers,
                         double lr, double momentum, double dampening, double weight_decay, bool nesterov,
                         bool maximize) {
    TensorList bufs;
    for (const Opt& b : momentum_buffers) bufs.push_back(b ? *b : Tensor());
    {
      py::gil_scoped_release release;
      fused_sgd(params, grads, bufs, SgdOptions{lr, momentum, dampening, weight_decay, nesterov, maximize});
    }
    return bufs;
  }, py::arg("params"), py::arg("grads"), py::arg("momentum_buffers"), py::arg("lr"), py::arg("momentum"),
     py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"), py::arg("maximize"));

  m.def("_fused_adam", [](const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                          const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs,
                          const TensorList& state_steps, double lr, double beta1, double beta2, double eps,
                          double weight_decay, bool amsgrad, bool maximize, bool decoupled_weight_decay) {
    py::gil_scoped_release release;
    fused_adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, state_steps,
               AdamOptions{lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay});
  }, py::arg("params"), py::arg("grads"), py::arg("exp_avgs"), py::arg("exp_avg_sqs"), py::arg("max_exp_avg_sqs"),
     py::arg("state_steps"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"), py::arg("eps"),
     py::arg("weight_decay"), py::arg("amsgrad"), py::arg("maximize"), py::arg("decoupled_weight_decay"));

  m.def("_fused_rmsprop", [](const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                             const TensorList& grad_avgs, const TensorList& momentum_buffers,
                             const TensorList& state_steps, double lr, double alpha, double eps, double weight_decay,
                             double momentum, bool centered, bool maximize) {
    py::gil_scoped_release release;
    fused_rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, state_steps,
                  RmspropOptions{lr, alpha, eps, weight_decay, momentum, centered, maximize});
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("grad_avgs"), py::arg("momentum_buffers"),
     py::arg("state_steps"), py::arg("lr"), py::arg("alpha"), py::arg("eps"), py::arg("weight_decay"),
     py::arg("momentum"), py::arg("centered"), py::arg("maximize"));

  m.def("_fused_adagrad", [](const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                             const TensorList& state_steps, double lr, double lr_decay, double weight_decay, double eps,
                             bool maximize) {
    py::gil_scoped_release release;
    fused_adagrad(params, grads, state_sums, state_steps, AdagradOptions{lr, lr_decay, weight_decay, eps, maximize});
  }, py::arg("params"), py::arg("grads"), py::arg("state_sums"), py::arg("state_steps"), py::arg("lr"),
     py::arg("lr_decay"), py::arg("weight_decay"), py::arg("eps"), py::arg("maximize"));

  m.def("_fused_adadelta", [](const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                              const TensorList& acc_deltas, const TensorList& state_steps, double lr, double rho,
                              double eps, double weight_decay, bool maximize) {
    py::gil_scoped_release release;
    fused_adadelta(params, grads, square_avgs, acc_deltas, state_steps,
                   AdadeltaOptions{lr, rho, eps, weight_decay, maximize});
  }, py::arg("params"), py::arg("grads"), py::arg("square_avgs"), py::arg("acc_deltas"), py::arg("state_steps"),
     py::arg("lr"), py::arg("rho"), py::arg("eps"), py::arg("weight_decay"), py::arg("maximize"));
}

}  // namespace ember
