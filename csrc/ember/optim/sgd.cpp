// SGD with momentum, dampening, Nesterov and weight decay, PyTorch's _single_tensor_sgd:
//   g = -grad if maximize
//   g = g + wd*p                       [fma]
//   buf = g (first step), else buf = buf*momentum + (1-dampening)*g  [fma]
//   g = g + momentum*buf (nesterov) [fma], else g = buf
//   p = p + (-lr)*g                    [fma]
#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"
#include "ember/optim/multi_tensor.h"

namespace ember {
namespace {

template <typename T, bool WD, bool MOMENTUM, bool NESTEROV>
struct SgdKernel {
  const optim::GroupData& g;
  const std::vector<char>& first_step;
  const T sign, wd, momentum, one_minus_dampening, neg_lr;

  SgdKernel(const optim::GroupData& g, const SgdOptions& o, const std::vector<char>& first_step)
      : g(g), first_step(first_step), sign(o.maximize ? -1 : 1), wd(T(o.weight_decay)), momentum(T(o.momentum)),
        one_minus_dampening(T(1 - o.dampening)), neg_lr(T(-o.lr)) {}

  EMBER_OPTIM_INLINE void operator()(size_t i, int64_t lo, int64_t hi) const {
    T* __restrict p = g.ptr<T>(i, 0);
    const T* __restrict grad = g.ptr<T>(i, 1);
    T* __restrict buf = MOMENTUM ? g.ptr<T>(i, 2) : nullptr;
    const bool first = MOMENTUM && first_step[i];
    #pragma GCC ivdep
    for (int64_t j = lo; j < hi; ++j) {
      T gj = grad[j] * sign;
      const T pj = p[j];
      if (WD) gj = std::fma(pj, wd, gj);
      if (MOMENTUM) {
        const T b = first ? gj : std::fma(gj, one_minus_dampening, buf[j] * momentum);
        buf[j] = b;
        gj = NESTEROV ? std::fma(b, momentum, gj) : b;
      }
      p[j] = std::fma(gj, neg_lr, pj);
    }
  }
};

template <typename T>
void run_sgd(const optim::GroupData& g, const SgdOptions& o, const std::vector<char>& first_step) {
  optim::with_flags([&](auto wd, auto momentum, auto nesterov) {
    optim::run_kernel<T>(g, SgdKernel<T, wd, momentum, nesterov>(g, o, first_step));
  }, o.weight_decay != 0, o.momentum != 0, o.nesterov);
}

void cpu_sgd(const optim::GroupData& g, const SgdOptions& o, const std::vector<char>& first_step) {
  run_sgd<float>(g, o, first_step);
  run_sgd<double>(g, o, first_step);
}

}  // namespace

DispatchStub<optim::SgdStepFn> optim::sgd_stub("SGD step");
namespace {
const bool registered = (optim::sgd_stub.set(DeviceType::CPU, cpu_sgd), true);
}  // namespace

void fused_sgd(const TensorList& params, const TensorList& grads, TensorList& momentum_buffers,
               const SgdOptions& o) {
  GradModeGuard no_grad(false);
  std::vector<optim::OperandList> lists = {{&params, "params", true}, {&grads, "grads", false}};
  std::vector<char> first_step;
  if (o.momentum != 0) {
    EMBER_CHECK(momentum_buffers.size() == params.size(), "SGD: expected ", params.size(),
                " momentum_buffers (one per param), got ", momentum_buffers.size());
    first_step.resize(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
      if (momentum_buffers[i].defined() || !params[i].defined()) continue;
      momentum_buffers[i] = empty(params[i].sizes(), params[i].dtype(), params[i].device());
      first_step[i] = 1;
    }
    lists.push_back({&momentum_buffers, "momentum_buffers", true});
  }
  optim::GroupData g("SGD", lists);
  optim::sgd_stub[g.device()](g, o, first_step);
  g.finish();
}

}  // namespace ember
