// The fused SGD and Adam/AdamW steps on CUDA (optim/multi_tensor.h's tables):
// one launch per dtype per param group. The group's params of that dtype are
// cut into chunks of kChunk elements; block b updates chunk b, reading its
// param's pointers and per-param scalars from a table copied to the device
// with the launch.
//
// Rounding as the CPU kernels (optim/sgd.cpp, optim/adam.cpp), operation by
// operation: this file is compiled with --fmad=false (CMakeLists.txt), so the
// only fused multiply-adds are the explicit fma() calls, where the CPU kernels
// call std::fma; division and sqrt are IEEE (nvcc's default -prec-div/-prec-sqrt).
// Scalars travel as the doubles the CPU kernels compute, cast to T here as there.
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

__device__ __forceinline__ float fma_(float a, float b, float c) { return __fmaf_rn(a, b, c); }
__device__ __forceinline__ double fma_(double a, double b, double c) { return __fma_rn(a, b, c); }

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
  const size_t nops = o.momentum != 0 ? 3 : 2;
  const Device d = g.device();
  DeviceGuard guard(d.index);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    Table t;
    if (!make_table<T>(g, nops, [&](size_t i, Param& q) { q.flag = o.momentum != 0 && first_step[i]; }, t)) return;
    sgd_k<T><<<unsigned(std::min<int64_t>(t.nchunks, 1 << 20)), kThreads, 0, current_stream(d.index)>>>(
        t.params, t.chunks, t.nchunks, s);
    check_launch();
  };
  run(float(0));
  run(double(0));
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
    const T mprev = m[j];
    const T mj = small_lerp ? fma_(w, gj - mprev, mprev) : fma_(w - T(1), gj - mprev, gj);  // lerp(m, g, 1-beta1)
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
  const size_t nops = o.amsgrad ? 5 : 4;
  const Device d = g.device();
  DeviceGuard guard(d.index);
  auto run = [&](auto zero) {
    using T = decltype(zero);
    Table t;
    auto fill = [&](size_t i, Param& q) {  // as AdamKernel: in double, cast to T on the device
      q.s0 = -(o.lr / (1 - std::pow(o.beta1, steps[i])));
      q.s1 = std::pow(1 - std::pow(o.beta2, steps[i]), 0.5);
    };
    if (!make_table<T>(g, nops, fill, t)) return;
    adam_k<T><<<unsigned(std::min<int64_t>(t.nchunks, 1 << 20)), kThreads, 0, current_stream(d.index)>>>(
        t.params, t.chunks, t.nchunks, s, optim::lerp_is_small<T>(1 - o.beta1));
    check_launch();
  };
  run(float(0));
  run(double(0));
}

}  // namespace

void register_optim_kernels() {
  optim::sgd_stub.set(DeviceType::CUDA, cuda_sgd);
  optim::adam_stub.set(DeviceType::CUDA, cuda_adam);
}

}  // namespace ember::cuda
