// RMSprop, PyTorch's _single_tensor_rmsprop:
//   g = -grad if maximize;  g = g + wd*p                  [fma]
//   sq = sq*alpha;  sq = sq + ((1-alpha)*g)*g              [fma]
//   centered: ga = lerp(ga, g, 1-alpha) [fma];  avg = sqrt(sq + (-ga)*ga) [fma]
//   else avg = sqrt(sq)
//   avg = avg + eps
//   momentum > 0: buf = buf*momentum + g/avg;  p = p + (-lr)*buf  [fma]
//   else p = p + (-lr*g)/avg
#include "ember/autograd/autograd.h"
#include "ember/optim/multi_tensor.h"

namespace ember {
namespace {

template <typename T, bool WD, bool CENTERED, bool SMALL_LERP, bool MOMENTUM>
struct RmspropKernel {
  const optim::GroupData& g;
  const T sign, wd, alpha, one_minus_alpha, eps, momentum, neg_lr;

  RmspropKernel(const optim::GroupData& g, const RmspropOptions& o)
      : g(g), sign(o.maximize ? -1 : 1), wd(T(o.weight_decay)), alpha(T(o.alpha)), one_minus_alpha(T(1 - o.alpha)),
        eps(T(o.eps)), momentum(T(o.momentum)), neg_lr(T(-o.lr)) {}

  EMBER_OPTIM_INLINE void operator()(size_t i, int64_t lo, int64_t hi) const {
    T* __restrict p = g.ptr<T>(i, 0);
    const T* __restrict grad = g.ptr<T>(i, 1);
    T* __restrict sq = g.ptr<T>(i, 2);
    T* __restrict ga = CENTERED ? g.ptr<T>(i, 3) : nullptr;
    T* __restrict buf = MOMENTUM ? g.ptr<T>(i, CENTERED ? 4 : 3) : nullptr;
    #pragma GCC ivdep
    for (int64_t j = lo; j < hi; ++j) {
      T gj = grad[j] * sign;
      const T pj = p[j];
      if (WD) gj = std::fma(pj, wd, gj);
      const T sj = std::fma(one_minus_alpha * gj, gj, sq[j] * alpha);
      sq[j] = sj;
      T avg;
      if (CENTERED) {
        const T gaj = optim::lerp<T, SMALL_LERP>(ga[j], gj, one_minus_alpha);
        ga[j] = gaj;
        avg = std::sqrt(std::fma(-gaj, gaj, sj));
      } else {
        avg = std::sqrt(sj);
      }
      avg = avg + eps;
      if (MOMENTUM) {
        const T b = buf[j] * momentum + gj / avg;
        buf[j] = b;
        p[j] = std::fma(b, neg_lr, pj);
      } else {
        p[j] = pj + (neg_lr * gj) / avg;
      }
    }
  }
};

template <typename T>
void run_rmsprop(const optim::GroupData& g, const RmspropOptions& o) {
  optim::with_flags([&](auto wd, auto centered, auto small_lerp, auto momentum) {
    optim::run_kernel<T>(g, RmspropKernel<T, wd, centered, small_lerp, momentum>(g, o));
  }, o.weight_decay != 0, o.centered, o.centered && optim::lerp_is_small<T>(1 - o.alpha), o.momentum > 0);
}

void cpu_rmsprop(const optim::GroupData& g, const RmspropOptions& o) {
  run_rmsprop<float>(g, o);
  run_rmsprop<double>(g, o);
}

}  // namespace

DispatchStub<optim::RmspropStepFn> optim::rmsprop_stub("RMSprop step");
namespace {
const bool registered = (optim::rmsprop_stub.set(DeviceType::CPU, cpu_rmsprop), true);
}  // namespace

void fused_rmsprop(const TensorList& params, const TensorList& grads, const TensorList& square_avgs,
                   const TensorList& grad_avgs, const TensorList& momentum_buffers, const TensorList& state_steps,
                   const RmspropOptions& o) {
  GradModeGuard no_grad(false);
  std::vector<optim::OperandList> lists = {
      {&params, "params", true}, {&grads, "grads", false}, {&square_avgs, "square_avgs", true}};
  if (o.centered) lists.push_back({&grad_avgs, "grad_avgs", true});
  if (o.momentum > 0) lists.push_back({&momentum_buffers, "momentum_buffers", true});
  optim::GroupData g("RMSprop", lists);
  const optim::RmspropStepFn step = optim::rmsprop_stub[g.device()];  // before the steps are counted
  optim::increment_steps("RMSprop", state_steps, params.size());
  step(g, o);
  g.finish();
}

}  // namespace ember
