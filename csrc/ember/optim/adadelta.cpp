// Adadelta, PyTorch's _single_tensor_adadelta:
//   g = -grad if maximize;  g = g + wd*p                  [fma]
//   sq = sq*rho;  sq = sq + ((1-rho)*g)*g                  [fma]
//   delta = sqrt(acc + eps) / sqrt(sq + eps) * g
//   acc = acc*rho;  acc = acc + ((1-rho)*delta)*delta      [fma]
//   p = p + (-lr)*delta                                    [fma]
#include "ember/autograd/autograd.h"
#include "ember/optim/multi_tensor.h"

namespace ember {
namespace {

template <typename T, bool WD>
struct AdadeltaKernel {
  const optim::GroupData& g;
  const T sign, wd, rho, one_minus_rho, eps, neg_lr;

  AdadeltaKernel(const optim::GroupData& g, const AdadeltaOptions& o)
      : g(g), sign(o.maximize ? -1 : 1), wd(T(o.weight_decay)), rho(T(o.rho)), one_minus_rho(T(1 - o.rho)),
        eps(T(o.eps)), neg_lr(T(-o.lr)) {}

  EMBER_OPTIM_INLINE void operator()(size_t i, int64_t lo, int64_t hi) const {
    T* __restrict p = g.ptr<T>(i, 0);
    const T* __restrict grad = g.ptr<T>(i, 1);
    T* __restrict sq = g.ptr<T>(i, 2);
    T* __restrict acc = g.ptr<T>(i, 3);
    #pragma GCC ivdep
    for (int64_t j = lo; j < hi; ++j) {
      T gj = grad[j] * sign;
      const T pj = p[j];
      if (WD) gj = std::fma(pj, wd, gj);
      const T sj = std::fma(one_minus_rho * gj, gj, sq[j] * rho);
      const T aj = acc[j];
      const T delta = std::sqrt(aj + eps) / std::sqrt(sj + eps) * gj;
      sq[j] = sj;
      acc[j] = std::fma(one_minus_rho * delta, delta, aj * rho);
      p[j] = std::fma(delta, neg_lr, pj);
    }
  }
};

template <typename T>
void run_adadelta(const optim::GroupData& g, const AdadeltaOptions& o) {
  optim::with_flags([&](auto wd) { optim::run_kernel<T>(g, AdadeltaKernel<T, wd>(g, o)); }, o.weight_decay != 0);
}

void cpu_adadelta(const optim::GroupData& g, const AdadeltaOptions& o) {
  run_adadelta<float>(g, o);
  run_adadelta<double>(g, o);
}

}  // namespace

DispatchStub<optim::AdadeltaStepFn> optim::adadelta_stub("Adadelta step");
namespace {
const bool registered = (optim::adadelta_stub.set(DeviceType::CPU, cpu_adadelta), true);
}  // namespace

void fused_adadelta(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                    const TensorList& acc_deltas, const TensorList& state_steps, const AdadeltaOptions& o) {
  GradModeGuard no_grad(false);
  optim::GroupData g("Adadelta", {{&params, "params", true}, {&grads, "grads", false},
                                  {&square_avgs, "square_avgs", true}, {&acc_deltas, "acc_deltas", true}});
  const optim::AdadeltaStepFn step = optim::adadelta_stub[g.device()];  // before the steps are counted
  optim::increment_steps("Adadelta", state_steps, params.size());
  step(g, o);
  g.finish();
}

}  // namespace ember
