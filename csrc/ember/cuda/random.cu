// Random numbers on CUDA devices: ember's own counter-based generator, not
// PyTorch's stream (docs/cuda.md, "Random numbers"). Each device has a seed
// (ember.cuda.manual_seed; PyTorch's default seed until then) and a count of
// the draws made so far. Draw number k fills its tensor from Philox4x32-10
// with key = seed and counter = (element group, k): element group i gives the
// values of elements 4i..4i+3 (float) or 2i..2i+1 (double), so the values
// depend only on the seed, the draw's number and the element's position, not
// on the launch configuration.
#include <array>
#include <mutex>

#include "ember/cuda/loop.cuh"

namespace ember::cuda {
namespace {

struct DeviceRng {
  uint64_t seed = 67280421310721ULL;  // PyTorch's default CUDA seed
  uint64_t draws = 0;
};
std::mutex g_rng_mutex;
std::array<DeviceRng, 64> g_rng;

// The draw number of a new draw on `device`.
uint64_t next_draw(int device, uint64_t& seed) {
  std::lock_guard<std::mutex> lock(g_rng_mutex);
  DeviceRng& r = g_rng[size_t(device)];
  seed = r.seed;
  return r.draws++;
}

struct U4 { uint32_t x, y, z, w; };

__device__ __forceinline__ U4 philox(uint64_t group, uint64_t draw, uint64_t seed) {
  uint32_t c0 = uint32_t(group), c1 = uint32_t(group >> 32), c2 = uint32_t(draw), c3 = uint32_t(draw >> 32);
  uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const uint32_t hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    const uint32_t hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    const uint32_t n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0; c1 = lo1; c2 = n2; c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return {c0, c1, c2, c3};
}

// Uniform in [0, 1) with T's precision: 24 bits (float) or 53 bits (double).
__device__ __forceinline__ float unit(uint32_t a) { return float(a >> 8) * (1.0f / 16777216.0f); }
__device__ __forceinline__ double unit(uint32_t a, uint32_t b) {
  return double((uint64_t(a) << 21) ^ (uint64_t(b) >> 11)) * (1.0 / 9007199254740992.0);
}

// Values per Philox call: 4 for float and bool, 2 for double.
template <typename T> constexpr int kPer = std::is_same_v<T, double> ? 2 : 4;

template <typename T>
__device__ __forceinline__ void units(const U4& r, T* u) {
  if constexpr (std::is_same_v<T, double>) {
    u[0] = unit(r.x, r.y);
    u[1] = unit(r.z, r.w);
  } else {
    u[0] = unit(r.x); u[1] = unit(r.y); u[2] = unit(r.z); u[3] = unit(r.w);
  }
}

// out: contiguous, n elements. Uniform [a, b), Normal (mean a, std b; Box-Muller), Bernoulli (p = a; out bool).
template <typename T, typename Out>
__global__ void random_k(Out* out, int64_t n, RandomOp op, double a, double b, uint64_t seed, uint64_t draw) {
  constexpr int P = kPer<T>;
  EMBER_GRID_LOOP(group, (n + P - 1) / P) {
    T u[P];
    units<T>(philox(uint64_t(group), draw, seed), u);
    Out v[P];
    if (op == RandomOp::Uniform) {
      const T from = T(a), to = T(b);
      for (int k = 0; k < P; ++k) {
        const T x = u[k] * (to - from) + from;
        v[k] = Out(x >= to && to > from ? from : x);  // rounding must not reach `to`
        if constexpr (is_reduced_float_v<Out>) {  // nor rounding to float16/bfloat16
          if (to > from && float(v[k]) >= float(Out(float(to)))) v[k] = Out(float(from));
        }
      }
    } else if (op == RandomOp::Normal) {
      for (int k = 0; k < P; k += 2) {
        const T r = ::sqrt(T(-2) * ::log(T(1) - u[k]));  // 1 - u in (0, 1]: no log(0)
        const T theta = T(6.283185307179586) * u[k + 1];
        v[k] = Out(T(a) + T(b) * r * ::cos(theta));
        v[k + 1] = Out(T(a) + T(b) * r * ::sin(theta));
      }
    } else {
      for (int k = 0; k < P; ++k) v[k] = Out(double(u[k]) < a);
    }
    const int64_t base = int64_t(group) * P;
    for (int k = 0; k < P && base + k < n; ++k) out[base + k] = v[k];
  }
}

void cuda_random(RandomOp op, const Tensor& self, double a, double b) {
  const Device d = self.device();
  const int64_t n = self.numel();
  if (n == 0) return;
  uint64_t seed;
  const uint64_t draw = next_draw(d.index, seed);
  DeviceGuard guard(d.index);
  cudaStream_t s = current_stream(d.index);
  if (op == RandomOp::Bernoulli) {
    random_k<float, bool><<<blocks_for((n + 3) / 4), kThreads, 0, s>>>(static_cast<bool*>(self.device_data()), n, op,
                                                                        a, b, seed, draw);
  } else {
    // float16/bfloat16 draw float32 values and round them, as PyTorch does.
    auto fill = [&](auto out) {
      using Out = std::remove_pointer_t<decltype(out)>;
      using T = std::conditional_t<is_reduced_float_v<Out>, float, Out>;
      random_k<T, Out><<<blocks_for((n + kPer<T> - 1) / kPer<T>), kThreads, 0, s>>>(out, n, op, a, b, seed, draw);
    };
    switch (self.dtype()) {
      EMBER_DISPATCH_CASES_FLOATING([&] { fill(out_ptr<scalar_t>(self)); })
      EMBER_DISPATCH_CASES_HALF([&] { fill(out_ptr<scalar_t>(self)); })
      EMBER_CUDA_DISPATCH_FAIL(op == RandomOp::Uniform ? "uniform" : "normal", self.dtype())
    }
  }
  check_launch();
}

}  // namespace

void manual_seed(int device, uint64_t seed) {
  std::lock_guard<std::mutex> lock(g_rng_mutex);
  g_rng[size_t(device)] = DeviceRng{seed, 0};
}

uint64_t initial_seed(int device) {
  std::lock_guard<std::mutex> lock(g_rng_mutex);
  return g_rng[size_t(device)].seed;
}

void register_random_kernels() { random_stub.set(DeviceType::CUDA, cuda_random); }

}  // namespace ember::cuda
