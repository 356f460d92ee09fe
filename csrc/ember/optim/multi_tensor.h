#pragma once
// Machinery shared by the fused optimizer kernels (internal to optim/): the
// checks of a param group's tensor lists, a loop that spreads all elements of
// all the group's tensors evenly over the threads, and the choice between an
// AVX2+FMA build of each kernel and a baseline x86-64 one.
//
// A param's operands never overlap, so the kernels' loops carry `#pragma GCC
// ivdep` (GCC cannot prove it for five pointers and would not vectorize).
//
// Rounding: these files are compiled with -ffp-contract=off, so the only
// fused multiply-adds are the explicit std::fma calls, placed where PyTorch's
// kernels fuse. On the baseline build std::fma is libm's fma(): slower, same bits.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <vector>

#include "ember/core/dispatch.h"
#include "ember/cpu/parallel.h"
#include "ember/optim/optim.h"

#define EMBER_OPTIM_INLINE __attribute__((always_inline)) inline

namespace ember {
namespace optim {

// One operand list of a param group; the first list given is the params.
struct OperandList {
  const TensorList* tensors;
  const char* name;
  bool written;
};

// A param group's contiguous element pointers: ptr<T>(i, k) is operand k of
// param i. A non-contiguous operand is updated through a contiguous copy that
// finish() writes back, and so is a float16/bfloat16 one, through a float32
// copy (computed in float32 and rounded once per step, as PyTorch's opmath); finish() also bumps the written tensors' versions.
// All tensors of a group are on one device (the pointers are that device's).
class GroupData {
 public:
  GroupData(const char* optimizer, const std::vector<OperandList>& lists);
  size_t size() const { return numel_.size(); }
  int64_t numel(size_t i) const { return numel_[i]; }
  ScalarType dtype(size_t i) const { return dtype_[i]; }
  Device device() const { return device_; }
  template <typename T>
  T* ptr(size_t i, size_t k) const { return static_cast<T*>(data_[i * nops_ + k]); }
  void finish();

 private:
  size_t nops_;
  Device device_;
  std::vector<void*> data_;
  std::vector<int64_t> numel_;
  std::vector<ScalarType> dtype_;
  std::vector<Tensor> written_, stand_ins_;
  std::vector<std::pair<Tensor, Tensor>> write_back_;  // (original, contiguous copy)
};

// The per-device update kernels (the CPU ones in sgd.cpp, adam.cpp, rmsprop.cpp,
// adagrad.cpp, adadelta.cpp, the CUDA ones in cuda/optim.cu). first_step[i]:
// param i's momentum buffer is new (it takes the gradient); steps[i]: param i's new step.
using SgdStepFn = void (*)(const GroupData& g, const SgdOptions& o, const std::vector<char>& first_step);
using AdamStepFn = void (*)(const GroupData& g, const AdamOptions& o, const std::vector<double>& steps);
using RmspropStepFn = void (*)(const GroupData& g, const RmspropOptions& o);
using AdagradStepFn = void (*)(const GroupData& g, const AdagradOptions& o, const std::vector<double>& steps);
using AdadeltaStepFn = void (*)(const GroupData& g, const AdadeltaOptions& o);
extern EMBER_API DispatchStub<SgdStepFn> sgd_stub;
extern EMBER_API DispatchStub<AdamStepFn> adam_stub;
extern EMBER_API DispatchStub<RmspropStepFn> rmsprop_stub;
extern EMBER_API DispatchStub<AdagradStepFn> adagrad_stub;
extern EMBER_API DispatchStub<AdadeltaStepFn> adadelta_stub;

// state["step"] += 1 for each param (0-d float32/float64 tensors, as PyTorch
// keeps them); returns the new values.
std::vector<double> increment_steps(const char* optimizer, const TensorList& steps, size_t nparams);

// PyTorch's lerp(self, end, weight) for a scalar weight, as its vectorized CPU kernel rounds it.
// SMALL: |weight| < 0.5, see lerp_is_small.
template <typename T, bool SMALL>
EMBER_OPTIM_INLINE T lerp(T self, T end, T weight) {
  return SMALL ? std::fma(weight, end - self, self) : std::fma(weight - T(1), end - self, end);
}
template <typename T>
bool lerp_is_small(double weight) { return std::abs(T(weight)) < T(0.5); }

// Calls f(std::bool_constant<flags>...): an option becomes a template
// parameter of the kernel, so each combination's loop is branch-free and vectorizes.
template <typename F>
void with_flags(F&& f) {
  f();
}
template <typename F, typename... B>
void with_flags(F&& f, bool first, B... rest) {
  if (first)
    with_flags([&](auto... c) { f(std::true_type{}, c...); }, rest...);
  else
    with_flags([&](auto... c) { f(std::false_type{}, c...); }, rest...);
}

bool cpu_has_avx2_fma();

// k(i, lo, hi) updates elements [lo, hi) of param i; built once per instruction set.
#if defined(__x86_64__)
template <typename K>
__attribute__((target("avx2,fma"))) void call_avx2(const K& k, size_t i, int64_t lo, int64_t hi) { k(i, lo, hi); }
#endif
template <typename K>
void call_baseline(const K& k, size_t i, int64_t lo, int64_t hi) { k(i, lo, hi); }

// Elements per thread below which one thread does the whole group.
constexpr int64_t kOptimGrain = 16384;

// Runs kernel k over every element of the group's params of dtype T: the
// params' elements taken end to end and cut into one range per thread, so
// many small tensors and one huge tensor both use every core.
template <typename T, typename K>
void run_kernel(const GroupData& g, const K& k) {
  std::vector<size_t> index;
  std::vector<int64_t> offset{0};
  for (size_t i = 0; i < g.size(); ++i) {
    if (g.dtype(i) != CppTypeToScalarType<T>::value || g.numel(i) == 0) continue;
    index.push_back(i);
    offset.push_back(offset.back() + g.numel(i));
  }
  if (index.empty()) return;
  auto call = &call_baseline<K>;
#if defined(__x86_64__)
  if (cpu_has_avx2_fma()) call = &call_avx2<K>;
#endif
  parallel_for(0, offset.back(), kOptimGrain, [&](int64_t b, int64_t e) {
    size_t j = size_t(std::upper_bound(offset.begin(), offset.end(), b) - offset.begin()) - 1;
    for (; b < e; ++j) {
      const int64_t stop = std::min(e, offset[j + 1]);
      call(k, index[j], b - offset[j], stop - offset[j]);
      b = stop;
    }
  });
}

}  // namespace optim
}  // namespace ember
