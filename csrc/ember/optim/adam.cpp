// Adam and AdamW (decoupled weight decay), PyTorch's _single_tensor_adam:
//   g = -grad if maximize                 (AdamW: p = p * (1 - lr*wd))
//   g = g + wd*p            [fma]         (Adam with weight_decay)
//   m = lerp(m, g, 1-beta1) [fma]
//   v = v*beta2;  v = v + ((1-beta2)*g)*g [fma]
//   vmax = maximum(vmax, v)                 (amsgrad; NaN propagates)
//   denom = sqrt(v or vmax) / sqrt(1-beta2^t) + eps
//   p = p + (-lr/(1-beta1^t) * m) / denom
// Bias corrections in double, as Python computes them; other scalars cast to T.
#include "ember/autograd/autograd.h"
#include "ember/optim/multi_tensor.h"

namespace ember {
namespace {

template <typename T, bool COUPLED_WD, bool SMALL_LERP, bool AMSGRAD>
struct AdamKernel {
  const optim::GroupData& g;
  const AdamOptions& o;
  const std::vector<double>& steps;
  // Python numbers become T in PyTorch's kernels; 1 - lr*wd is 1 without decoupled weight decay.
  const T sign, wd, decay, one_minus_beta1, beta2, one_minus_beta2, eps;

  AdamKernel(const optim::GroupData& g, const AdamOptions& o, const std::vector<double>& steps)
      : g(g), o(o), steps(steps), sign(o.maximize ? -1 : 1), wd(T(o.weight_decay)),
        decay(o.decoupled_weight_decay ? T(1 - o.lr * o.weight_decay) : T(1)), one_minus_beta1(T(1 - o.beta1)),
        beta2(T(o.beta2)), one_minus_beta2(T(1 - o.beta2)), eps(T(o.eps)) {}

  EMBER_OPTIM_INLINE void operator()(size_t i, int64_t lo, int64_t hi) const {
    const double bias_correction1 = 1 - std::pow(o.beta1, steps[i]);
    const double bias_correction2 = 1 - std::pow(o.beta2, steps[i]);
    const T neg_step_size = T(-(o.lr / bias_correction1));
    const T bias_correction2_sqrt = T(std::pow(bias_correction2, 0.5));
    T* __restrict p = g.ptr<T>(i, 0);
    const T* __restrict grad = g.ptr<T>(i, 1);
    T* __restrict m = g.ptr<T>(i, 2);
    T* __restrict v = g.ptr<T>(i, 3);
    T* __restrict vmax = AMSGRAD ? g.ptr<T>(i, 4) : nullptr;
    #pragma GCC ivdep
    for (int64_t j = lo; j < hi; ++j) {
      T gj = grad[j] * sign;
      const T pj = p[j];
      if (COUPLED_WD) gj = std::fma(pj, wd, gj);
      const T mj = optim::lerp<T, SMALL_LERP>(m[j], gj, one_minus_beta1);
      const T vj = std::fma(one_minus_beta2 * gj, gj, v[j] * beta2);
      T vhat = vj;
      if (AMSGRAD) {
        const T a = vmax[j];
        vhat = ((a > vj) | (a != a)) ? a : vj;  // torch.maximum: NaN wins
        vmax[j] = vhat;
      }
      const T denom = std::sqrt(vhat) / bias_correction2_sqrt + eps;
      p[j] = pj * decay + (neg_step_size * mj) / denom;
      m[j] = mj;
      v[j] = vj;
    }
  }
};

template <typename T>
void run_adam(const optim::GroupData& g, const AdamOptions& o, const std::vector<double>& steps) {
  const bool coupled = o.weight_decay != 0 && !o.decoupled_weight_decay;
  optim::with_flags([&](auto coupled_wd, auto small_lerp, auto amsgrad) {
    optim::run_kernel<T>(g, AdamKernel<T, coupled_wd, small_lerp, amsgrad>(g, o, steps));
  }, coupled, optim::lerp_is_small<T>(1 - o.beta1), o.amsgrad);
}

void cpu_adam(const optim::GroupData& g, const AdamOptions& o, const std::vector<double>& steps) {
  run_adam<float>(g, o, steps);
  run_adam<double>(g, o, steps);
}

}  // namespace

DispatchStub<optim::AdamStepFn> optim::adam_stub("Adam step");
namespace {
const bool registered = (optim::adam_stub.set(DeviceType::CPU, cpu_adam), true);
}  // namespace

void fused_adam(const TensorList& params, const TensorList& grads, const TensorList& exp_avgs,
                const TensorList& exp_avg_sqs, const TensorList& max_exp_avg_sqs, const TensorList& state_steps,
                const AdamOptions& o) {
  const char* name = o.decoupled_weight_decay ? "AdamW" : "Adam";
  GradModeGuard no_grad(false);
  std::vector<optim::OperandList> lists = {
      {&params, "params", true}, {&grads, "grads", false}, {&exp_avgs, "exp_avgs", true},
      {&exp_avg_sqs, "exp_avg_sqs", true}};
  if (o.amsgrad) lists.push_back({&max_exp_avg_sqs, "max_exp_avg_sqs", true});
  optim::GroupData g(name, lists);
  const optim::AdamStepFn step = optim::adam_stub[g.device()];  // before the steps are counted
  const std::vector<double> steps = optim::increment_steps(name, state_steps, params.size());
  step(g, o, steps);
  g.finish();
}

}  // namespace ember
