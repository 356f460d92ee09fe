// Adagrad (dense gradients), PyTorch's _single_tensor_adagrad:
//   g = -grad if maximize;  g = g + wd*p        [fma]
//   sum = sum + g*g                              [fma]
//   p = p + (-clr*g) / (sqrt(sum) + eps),  clr = lr / (1 + (t-1)*lr_decay) in double
#include "ember/autograd/autograd.h"
#include "ember/optim/multi_tensor.h"

namespace ember {
namespace {

template <typename T, bool WD>
struct AdagradKernel {
  const optim::GroupData& g;
  const AdagradOptions& o;
  const std::vector<double>& steps;
  const T sign, wd, eps;

  AdagradKernel(const optim::GroupData& g, const AdagradOptions& o, const std::vector<double>& steps)
      : g(g), o(o), steps(steps), sign(o.maximize ? -1 : 1), wd(T(o.weight_decay)), eps(T(o.eps)) {}

  EMBER_OPTIM_INLINE void operator()(size_t i, int64_t lo, int64_t hi) const {
    const T neg_clr = T(-(o.lr / (1 + (steps[i] - 1) * o.lr_decay)));
    T* __restrict p = g.ptr<T>(i, 0);
    const T* __restrict grad = g.ptr<T>(i, 1);
    T* __restrict sum = g.ptr<T>(i, 2);
    #pragma GCC ivdep
    for (int64_t j = lo; j < hi; ++j) {
      T gj = grad[j] * sign;
      const T pj = p[j];
      if (WD) gj = std::fma(pj, wd, gj);
      const T sj = std::fma(gj, gj, sum[j]);
      sum[j] = sj;
      p[j] = pj + (neg_clr * gj) / (std::sqrt(sj) + eps);
    }
  }
};

template <typename T>
void run_adagrad(const optim::GroupData& g, const AdagradOptions& o, const std::vector<double>& steps) {
  optim::with_flags([&](auto wd) { optim::run_kernel<T>(g, AdagradKernel<T, wd>(g, o, steps)); },
                    o.weight_decay != 0);
}

void cpu_adagrad(const optim::GroupData& g, const AdagradOptions& o, const std::vector<double>& steps) {
  run_adagrad<float>(g, o, steps);
  run_adagrad<double>(g, o, steps);
}

}  // namespace

DispatchStub<optim::AdagradStepFn> optim::adagrad_stub("Adagrad step");
namespace {
const bool registered = (optim::adagrad_stub.set(DeviceType::CPU, cpu_adagrad), true);
}  // namespace

void fused_adagrad(const TensorList& params, const TensorList& grads, const TensorList& state_sums,
                   const TensorList& state_steps, const AdagradOptions& o) {
  GradModeGuard no_grad(false);
  optim::GroupData g("Adagrad",
                     {{&params, "params", true}, {&grads, "grads", false}, {&state_sums, "state_sums", true}});
  const optim::AdagradStepFn step = optim::adagrad_stub[g.device()];  // before the steps are counted
  const std::vector<double> steps = optim::increment_steps("Adagrad", state_steps, params.size());
  step(g, o, steps);
  g.finish();
}

}  // namespace ember
