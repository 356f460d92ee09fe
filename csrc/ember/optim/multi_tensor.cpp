#include "ember/optim/multi_tensor.h"

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember {
namespace optim {

GroupData::GroupData(const char* optimizer, const std::vector<OperandList>& lists) : nops_(lists.size()) {
  const TensorList& params = *lists[0].tensors;
  const size_t n = params.size();
  for (const OperandList& l : lists)
    EMBER_CHECK(l.tensors->size() == n, optimizer, ": expected ", n, " ", l.name, " (one per param), got ",
                l.tensors->size());
  GradModeGuard no_grad(false);
  data_.resize(n * nops_);
  numel_.resize(n);
  dtype_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const Tensor& p = params[i];
    EMBER_CHECK(p.defined(), optimizer, ": ", lists[0].name, "[", i, "] is None");
    EMBER_CHECK(is_floating(p.dtype()), optimizer, ": ", lists[0].name, "[", i, "] is ", describe(p),
                "; only floating-point params can be optimized");
    if (i == 0) device_ = p.device();
    EMBER_CHECK(p.device() == device_, optimizer, ": ", lists[0].name, "[", i, "] is on ", p.device().str(),
                " but ", lists[0].name, "[0] is on ", device_.str(), "; a param group's params must share a device");
    numel_[i] = p.numel();
    dtype_[i] = opmath_dtype(p.dtype());  // float16/bfloat16 operands are updated as float32 copies
    for (size_t k = 0; k < nops_; ++k) {
      const Tensor& t = (*lists[k].tensors)[i];
      if (k > 0) {
        EMBER_CHECK(t.defined(), optimizer, ": ", lists[k].name, "[", i, "] is None");
        EMBER_CHECK(t.dtype() == p.dtype() && t.sizes() == p.sizes() && t.device() == p.device(), optimizer,
                    ": ", lists[k].name, "[", i, "] is ", describe(t), " but its param is ", describe(p));
      }
      Tensor work = t;
      if (!t.is_contiguous() || is_reduced_float(t.dtype())) {
        work = contiguous(to_dtype(t, opmath_dtype(t.dtype())));
        if (lists[k].written) write_back_.emplace_back(t, work);
        stand_ins_.push_back(work);
      } else if (lists[k].written) {
        written_.push_back(t);
      }
      data_[i * nops_ + k] = work.device_data();
    }
  }
}

void GroupData::finish() {
  GradModeGuard no_grad(false);
  for (auto& [orig, work] : write_back_) copy_(orig, work);
  for (const Tensor& t : written_) t.impl()->bump_version();
}

std::vector<double> increment_steps(const char* optimizer, const TensorList& steps, size_t nparams) {
  EMBER_CHECK(steps.size() == nparams, optimizer, ": expected ", nparams, " state_steps (one per param), got ",
              steps.size());
  std::vector<double> out(nparams);
  for (size_t i = 0; i < nparams; ++i) {
    const Tensor& s = steps[i];
    EMBER_CHECK(s.defined() && s.numel() == 1 &&
                    (s.dtype() == ScalarType::Float32 || s.dtype() == ScalarType::Float64) && s.device().is_cpu(),
                optimizer, ": state_steps[", i, "] must be a one-element float32 or float64 tensor on the CPU, got ",
                s.defined() ? describe(s) : std::string("None"));
    if (s.dtype() == ScalarType::Float32) {
      float* v = static_cast<float*>(s.raw_data());
      out[i] = *v += 1.0f;
    } else {
      double* v = static_cast<double*>(s.raw_data());
      out[i] = *v += 1.0;
    }
    s.impl()->bump_version();
  }
  return out;
}

bool cpu_has_avx2_fma() {
#if defined(__x86_64__)
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
#else
  return false;
#endif
}

}  // namespace optim
}  // namespace ember
