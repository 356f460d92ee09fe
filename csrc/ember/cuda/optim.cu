// The fused SGD, Adam/AdamW, RMSprop, Adagrad and Adadelta steps on CUDA
// (optim/multi_tensor.h's tables): one launch per dtype per param group. The
// group's params of that dtype are cut into chunks of kChunk elements; block b
// updates chunk b, reading its param's pointers and per-param scalars from a
// table copied to the device with the launch.
//
// Rounding as the CPU kernels (optim/sgd.cpp, adam.cpp, rmsprop.cpp,
// adagrad.cpp, adadelta.cpp), operation by operation: this file is compiled
// with --fmad=false (CMakeLists.txt), so the only fused multiply-adds are the
// explicit fma() calls, where the CPU kernels call std::fma; division and sqrt
// are IEEE (nvcc's default -prec-div/-prec-sqrt). Scalars travel as the doubles
// the CPU kernels compute, cast to T here as there.
#include <vector>

#include "ember/cuda/loop.cuh"
#include "ember/optim/multi_tensor.h"

namespace ember::cuda {
namespace {

constexpr int64_t kChunk = 65536;

// One param: its operands (param, grad, state...), size, and two per-param scalars.
struct Param {
  void* p[5];
  int64_t numel;
  double s0, s1;
  int64_t flag;
};

// The device copy of a dtype's params and chunks ((param, start) pairs).
struct Table {
  Tensor buf;  // keeps the device memory until the launch is queued (the allocator orders reuse on the stream)
  const Param* params = nullptr;
  const int64_t* chunks = nullptr;
  int64_t nchunks = 0;
};

// Fills `t` for the group's params of dtype T; fill(i, param) sets the per-param scalars. False: none.
template <typename T, typename Fill>
bool make_table(const optim::GroupData& g, size_t nops, Fill fill, Table& t) {
  std::vector<Param> params;
  std::vector<int64_t> chunks;
  for (size_t i = 0; i < g.size(); ++i) {
    if (g.dtype(i) != CppTypeToScalarType<T>::value || g.numel(i) == 0) continue;
    Param q{};
    for (size_t k = 0; k < nops; ++k) q.p[k] = g.ptr<T>(i, k);
    q.numel = g.numel(i);
    fill(i, q);
    for (int64_t start = 0; start < q.numel; start += kChunk) {
      chunks.push_back(int64_t(params.size()));
      chunks.push_back(start);
    }
    params.push_back(q);
  }
  if (params.empty()) return false;
  const size_t pbytes = params.size() * sizeof(Param), cbytes = chunks.size() * sizeof(int64_t);
  std::vector<char> staging(pbytes + cbytes);
  std::memcpy(staging.data(), params.data(), pbytes);
  std::memcpy(staging.data() + pbytes, chunks.data(), cbytes);
  const Device d = g.device();
  t.buf = empty({int64_t((staging.size() + 7) / 8)}, ScalarType::Int64, d);
  char* dev = static_cast<char*>(t.buf.device_data());
  // From pageable memory: returns once the bytes are staged, so `staging` may go.
  EMBER_CUDA_CHECK(cudaMemcpyAsync(dev, staging.data(), staging.size(), cudaMemcpyHostToDevice,
                                   current_stream(d.index)));
  t.params = reinterpret_cast<const Param*>(dev);
  t.chunks = reinterpret_cast<const int64_t*>(dev + pbytes);
  t.nchunks = int64_t(chunks.size() / 2);
  return true;
}

// Runs body(param, j) for every element j of every chunk.
#define EMBER_CHUNK_LOOP(table, q, j)                                                     \
  for (int64_t c = blockIdx.x; c < table##_n; c += gridDim.x)                             \
    for (const Param* q = &table[table##_chunks[2 * c]]; q; q = nullptr)                  \
      for (int64_t j = table##_chunks[2 * c + 1] + threadIdx.x,                           \
                   j##_end = min(q->numel, table##_chunks[2 * c + 1] + kChunk);           \
           j < j##_end; j += blockDim.x)

// For the group's float32 and then its float64 params: builds the table (fill(i, param) sets the per-param scalars)
// and calls launch(T(), table, blocks, stream), which queues the kernel for T.
template <typename Fill, typename Launch>
void run_step(const optim::GroupData& g, size_t nops, Fill fill, Launch launch) {
  const Device d = g.device();
  DeviceGuard guard(d.index);
  auto one = [&](auto zero) {
    Table t;
    if (!make_table<decltype(zero)>(g, nops, fill, t)) return;
    launch(zero, t, unsigned(std::min<int64_t>(t.nchunks, 1 << 20)), current_stream(d.index));
    check_launch();
  };
  one(float(0));
  one(double(0));
}

__device__ __forceinline__ float fma_(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ __forceinline__ double fma_(double a, double b, double c) { return __fma_rn(a, b, c); }

// PyTorch's lerp(self, end, weight) for a scalar weight, as optim::lerp (small: |weight| < 0.5).
template <typename T>
__device__ __forceinline__ T lerp_(T self, T end, T weight, bool small) {
  return small ? fma_(weight, end - self, self) : fma_(weight - T(1), end - self, end);
}

// ---- SGD: per-param flag = first step (the momentum buffer takes the gradient) ----------------------
struct SgdScalars {
  double sign, wd, momentum, one_minus_dampening, neg_lr;
  bool weight_decay, use_momentum, nesterov;
};

template <typename T>
__global__ void sgd_k(const Param* params, const int64_t* params_chunks, int64_t params_n, SgdScalars o) {
  const T sign = T(o.sign), wd = T(o.wd), momentum = T(o.momentum), omd = T(o.one_minus_dampening),
          neg_lr = T(o.neg_lr);
  EMBER_CHUNK_LOOP(params, q, j) {
    T* p = static_cast<T*>(q->p[0]);
    const T* grad = static_cast<const T*>(q->p[1]);
    T gj = grad[j] * sign;
    const T pj = p[j];
    if (o.weight_decay) gj = fma_(pj, wd, gj);
    if (o.use_momentum) {
      T* buf = static_cast<T*>(q->p[2]);
      const T b = q->flag ? gj : fma_(gj, omd, buf[j] * momentum);
      buf[j] = b;
      gj = o.nesterov ? fma_(b, momentum, gj) : b;
    }
    p[j] = fma_(gj, neg_lr, pj);
  }
}

void cuda_sgd(const optim::GroupData& g, const SgdOptions& o, const std::vector<char>& first_step) {
  const SgdScalars s{o.maximize ? -1.0 : 1.0, o.weight_decay, o.momentum, 1 - o.dampening, -o.lr,
                     o.weight_decay != 0, o.momentum != 0, o.nesterov};
  run_step(g, o.momentum != 0 ? 3 : 2, [&](size_t i, Param& q) { q.flag = o.momentum != 0 && first_step[i]; },
           [&](auto zero, const Table& t, unsigned blocks, cudaStream_t stream) {
             sgd_k<decltype(zero)><<<blocks, kThreads, 0, stream>>>(t.params, t.chunks, t.nchunks, s);
           });
}

// ---- Adam/AdamW: per-param scalars -lr/(1 - beta1^t) and sqrt(1 - beta2^t) ---------------------------
struct AdamScalars {
  double sign, wd, decay, one_minus_beta1, beta2, one_minus_beta2, eps;
  bool coupled_wd, amsgrad;
};

template <typename T>
__global__ void adam_k(const Param* params, const int64_t* params_chunks, int64_t params_n, AdamScalars o,
                       bool small_lerp) {
  const T sign = T(o.sign), wd = T(o.wd), decay = T(o.decay), w = T(o.one_minus_beta1), beta2 = T(o.beta2),
          one_minus_beta2 = T(o.one_minus_beta2), eps = T(o.eps);
  EMBER_CHUNK_LOOP(params, q, j) {
    const T neg_step_size = T(q->s0), bias_correction2_sqrt = T(q->s1);
    T* p = static_cast<T*>(q->p[0]);
    const T* grad = static_cast<const T*>(q->p[1]);
    T* m = static_cast<T*>(q->p[2]);
    T* v = static_cast<T*>(q->p[3]);
    T gj = grad[j] * sign;
    const T pj = p[j];
    if (o.coupled_wd) gj = fma_(pj, wd, gj);
    const T mj = lerp_(m[j], gj, w, small_lerp);
    const T vj = fma_(one_minus_beta2 * gj, gj, v[j] * beta2);
    T vhat = vj;
    if (o.amsgrad) {
      T* vmax = static_cast<T*>(q->p[4]);
      const T a = vmax[j];
      vhat = (a > vj || a != a) ? a : vj;  // torch.maximum: NaN wins
      vmax[j] = vhat;
    }
    const T denom = ::sqrt(vhat) / bias_correction2_sqrt + eps;
    p[j] = pj * decay + (neg_step_size * mj) / denom;
    m[j] = mj;
    v[j] = vj;
  }
}

void cuda_adam(const optim::GroupData& g, const AdamOptions& o, const std::vector<double>& steps) {
  const AdamScalars s{o.maximize ? -1.0 : 1.0, o.weight_decay,
                      o.decoupled_weight_decay ? 1 - o.lr * o.weight_decay : 1.0, 1 - o.beta1, o.beta2,
                      1 - o.beta2, o.eps, o.weight_decay != 0 && !o.decoupled_weight_decay, o.amsgrad};
  auto fill = [&](size_t i, Param& q) {  // as AdamKernel: in double, cast to T on the device
    q.s0 = -(o.lr / (1 - std::pow(o.beta1, steps[i])));
    q.s1 = std::pow(1 - std::pow(o.beta2, steps[i]), 0.5);
  };
  run_step(g, o.amsgrad ? 5 : 4, fill, [&](auto zero, const Table& t, unsigned blocks, cudaStream_t stream) {
    using T = decltype(zero);
    adam_k<T><<<blocks, kThreads, 0, stream>>>(t.params, t.chunks, t.nchunks, s, optim::lerp_is_small<T>(1 - o.beta1));
  });
}

// ---- RMSprop (optim/rmsprop.cpp) ------------------------------------------------------------------
struct RmspropScalars {
  double sign, wd, alpha, one_minus_alpha, eps, momentum, neg_lr;
  bool weight_decay, centered, use_momentum;
};

template <typename T>
__global__ void rmsprop_k(const Param* params, const int64_t* params_chunks, int64_t params_n, RmspropScalars o,
                          bool small_lerp) {
  const T sign = T(o.sign), wd = T(o.wd), alpha = T(o.alpha), one_minus_alpha = T(o.one_minus_alpha), eps = T(o.eps),
          momentum = T(o.momentum), neg_lr = T(o.neg_lr);
  EMBER_CHUNK_LOOP(params, q, j) {
    T* p = static_cast<T*>(q->p[0]);
    const T* grad = static_cast<const T*>(q->p[1]);
    T* sq = static_cast<T*>(q->p[2]);
    T gj = grad[j] * sign;
    const T pj = p[j];
    if (o.weight_decay) gj = fma_(pj, wd, gj);
    const T sj = fma_(one_minus_alpha * gj, gj, sq[j] * alpha);
    sq[j] = sj;
    T avg;
    if (o.centered) {
      T* ga = static_cast<T*>(q->p[3]);
      const T gaj = lerp_(ga[j], gj, one_minus_alpha, small_lerp);
      ga[j] = gaj;
      avg = ::sqrt(fma_(-gaj, gaj, sj));
    } else {
      avg = ::sqrt(sj);
    }
    avg = avg + eps;
    if (o.use_momentum) {
      T* buf = static_cast<T*>(q->p[o.centered ? 4 : 3]);
      const T b = buf[j] * momentum + gj / avg;
      buf[j] = b;
      p[j] = fma_(b, neg_lr, pj);
    } else {
      p[j] = pj + (neg_lr * gj) / avg;
    }
  }
}

void cuda_rmsprop(const optim::GroupData& g, const RmspropOptions& o) {
  const RmspropScalars s{o.maximize ? -1.0 : 1.0, o.weight_decay, o.alpha, 1 - o.alpha, o.eps, o.momentum, -o.lr,
                         o.weight_decay != 0, o.centered, o.momentum > 0};
  run_step(g, 3 + o.centered + (o.momentum > 0), [](size_t, Param&) {},
           [&](auto zero, const Table& t, unsigned blocks, cudaStream_t stream) {
             using T = decltype(zero);
             rmsprop_k<T><<<blocks, kThreads, 0, stream>>>(t.params, t.chunks, t.nchunks, s,
                                                           optim::lerp_is_small<T>(1 - o.alpha));
           });
}

// ---- Adagrad (optim/adagrad.cpp): per-param scalar -lr / (1 + (t - 1) * lr_decay) ------------------------
struct AdagradScalars {
  double sign, wd, eps;
  bool weight_decay;
};

template <typename T>
__global__ void adagrad_k(const Param* params, const int64_t* params_chunks, int64_t params_n, AdagradScalars o) {
  const T sign = T(o.sign), wd = T(o.wd), eps = T(o.eps);
  EMBER_CHUNK_LOOP(params, q, j) {
    const T neg_clr = T(q->s0);
    T* p = static_cast<T*>(q->p[0]);
    const T* grad = static_cast<const T*>(q->p[1]);
    T* sum = static_cast<T*>(q->p[2]);
    T gj = grad[j] * sign;
    const T pj = p[j];
    if (o.weight_decay) gj = fma_(pj, wd, gj);
    const T sj = fma_(gj, gj, sum[j]);
    sum[j] = sj;
    p[j] = pj + (neg_clr * gj) / (::sqrt(sj) + eps);
  }
}

void cuda_adagrad(const optim::GroupData& g, const AdagradOptions& o, const std::vector<double>& steps) {
  const AdagradScalars s{o.maximize ? -1.0 : 1.0, o.weight_decay, o.eps, o.weight_decay != 0};
  auto fill = [&](size_t i, Param& q) { q.s0 = -(o.lr / (1 + (steps[i] - 1) * o.lr_decay)); };  // as AdagradKernel
  run_step(g, 3, fill, [&](auto zero, const Table& t, unsigned blocks, cudaStream_t stream) {
    adagrad_k<decltype(zero)><<<blocks, kThreads, 0, stream>>>(t.params, t.chunks, t.nchunks, s);
  });
}

// ---- Adadelta (optim/adadelta.cpp) ------------------------------------------------------------------
struct AdadeltaScalars {
  double sign, wd, rho, one_minus_rho, eps, neg_lr;
  bool weight_decay;
};

template <typename T>
__global__ void adadelta_k(const Param* params, const int64_t* params_chunks, int64_t params_n, AdadeltaScalars o) {
  const T sign = T(o.sign), wd = T(o.wd), rho = T(o.rho), one_minus_rho = T(o.one_minus_rho), eps = T(o.eps),
          neg_lr = T(o.neg_lr);
  EMBER_CHUNK_LOOP(params, q, j) {
    T* p = static_cast<T*>(q->p[0]);
    const T* grad = static_cast<const T*>(q->p[1]);
    T* sq = static_cast<T*>(q->p[2]);
    T* acc = static_cast<T*>(q->p[3]);
    T gj = grad[j] * sign;
    const T pj = p[j];
    if (o.weight_decay) gj = fma_(pj, wd, gj);
    const T sj = fma_(one_minus_rho * gj, gj, sq[j] * rho);
    const T aj = acc[j];
    const T delta = ::sqrt(aj + eps) / ::sqrt(sj + eps) * gj;
    sq[j] = sj;
    acc[j] = fma_(one_minus_rho * delta, delta, aj * rho);
    p[j] = fma_(delta, neg_lr, pj);
  }
}

void cuda_adadelta(const optim::GroupData& g, const AdadeltaOptions& o) {
  const AdadeltaScalars s{o.maximize ? -1.0 : 1.0, o.weight_decay, o.rho, 1 - o.rho, o.eps, -o.lr,
                          o.weight_decay != 0};
  run_step(g, 4, [](size_t, Param&) {}, [&](auto zero, const Table& t, unsigned blocks, cudaStream_t stream) {
    adadelta_k<decltype(zero)><<<blocks, kThreads, 0, stream>>>(t.params, t.chunks, t.nchunks, s);
  });
}

}  // namespace

void register_optim_kernels() {
  optim::sgd_stub.set(DeviceType::CUDA, cuda_sgd);
  optim::adam_stub.set(DeviceType::CUDA, cuda_adam);
  optim::rmsprop_stub.set(DeviceType::CUDA, cuda_rmsprop);
  optim::adagrad_stub.set(DeviceType::CUDA, cuda_adagrad);
  optim::adadelta_stub.set(DeviceType::CUDA, cuda_adadelta);
}

}  // namespace ember::cuda
