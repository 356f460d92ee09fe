// Page-locked ("pinned") host memory for Tensor.pin_memory(): CPU tensors
// whose bytes the GPU reads by DMA, so a host-to-device copy skips the
// driver's staging through its own pinned buffer. Copies from them are still
// synchronous (non_blocking is accepted and does not overlap the copy with
// the host), so a pinned tensor may be reused as soon as a copy returns.
#include "ember/cuda/pinned.h"

#include <algorithm>

#include "ember/cuda/cuda_common.h"
#include "ember/ops/ops.h"

namespace ember::cuda {

Tensor pin_memory(const Tensor& self) {
  EMBER_CHECK(self.device().is_cpu(), "cannot pin '", self.device().str(), "' memory: only dense CPU tensors can be "
              "pinned");
  if (is_pinned(self)) return self;
  const size_t nbytes = size_t(self.numel()) * itemsize(self.dtype());
  void* data = nullptr;
  EMBER_CUDA_CHECK(cudaHostAlloc(&data, std::max<size_t>(nbytes, 1), cudaHostAllocDefault));
  auto storage = make_intrusive<Storage>(data, nbytes, Device{}, [](void* p) { (void)cudaFreeHost(p); }, data);
  Tensor out(make_intrusive<TensorImpl>(std::move(storage), self.dtype(), self.sizes(),
                                        contiguous_strides(self.sizes()), 0));
  copy_(out, self);
  return out;
}

bool is_pinned(const Tensor& self) {
  if (!self.defined() || !self.device().is_cpu() || self.numel() == 0) return false;
  cudaPointerAttributes attributes;
  if (cudaPointerGetAttributes(&attributes, self.impl()->storage()->data()) != cudaSuccess) {
    (void)cudaGetLastError();  // memory CUDA never saw: not pinned
    return false;
  }
  return attributes.type == cudaMemoryTypeHost;
}

}  // namespace ember::cuda
