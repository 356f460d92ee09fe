#include "ember/cpu/loops.h"

#include <algorithm>
#include <numeric>

#include "ember/core/error.h"

namespace ember {
namespace {
// An input on another device than the output: raised here as well as by the
// op front ends, so no kernel can ever be handed another device's memory.
[[noreturn]] __attribute__((cold, noinline)) void mixed_devices(Device out, Device in) {
  throw_error(ErrorKind::Runtime, str("Expected all tensors to be on the same device, but found at least two devices, ",
                                      in.str(), " and ", out.str(), "!"));
}
}  // namespace

StridedLoop StridedLoop::make(const Tensor& out, std::initializer_list<const Tensor*> inputs) {
  StridedLoop L;
  L.device = out.device();
  // Fast path: everything contiguous with the output's shape is one flat run.
  bool flat = out.is_contiguous();
  for (const Tensor* t : inputs) flat = flat && t->is_contiguous() && t->sizes() == out.sizes();
  if (flat) {
    L.numel = out.numel();
    L.shape = DimVector{L.numel};
    L.strides[0] = DimVector{itemsize(out.dtype())};
    L.data[0] = static_cast<char*>(out.device_data());
    L.noperands = 1;
    for (const Tensor* t : inputs) {
      if (__builtin_expect(t->device() != L.device, 0)) mixed_devices(L.device, t->device());
      L.strides[L.noperands] = DimVector{itemsize(t->dtype())};
      L.data[L.noperands++] = static_cast<char*>(t->device_data());
    }
    return L;
  }
  L.shape = out.sizes();
  const int nd = int(L.shape.size());
  EMBER_CHECK(nd <= 16, "tensors with more than 16 dimensions are not supported");
  L.numel = out.numel();
  auto add = [&](const Tensor& t) {
    if (__builtin_expect(t.device() != L.device, 0)) mixed_devices(L.device, t.device());
    int k = L.noperands++;
    const int64_t item = itemsize(t.dtype());
    DimVector st(nd, 0);
    const int off = nd - int(t.dim());
    for (int d = 0; d < int(t.dim()); ++d)
      st[off + d] = t.sizes()[d] == 1 && L.shape[off + d] != 1 ? 0 : t.strides()[d] * item;
    L.strides[k] = std::move(st);
    L.data[k] = static_cast<char*>(t.device_data());
  };
  add(out);
  for (const Tensor* t : inputs) add(*t);
  L.finish();
  return L;
}

void StridedLoop::add_scalar_operand(void* ptr) {
  int k = noperands++;
  strides[k] = DimVector(shape.size(), 0);
  data[k] = static_cast<char*>(ptr);
  host_scalars |= uint8_t(1u << k);
}

void StridedLoop::finish() {
  // Size-1 dims contribute nothing; drop them first.
  std::array<int, 16> dims;
  int nd = 0;
  for (int i = 0; i < int(shape.size()); ++i)
    if (shape[i] != 1) dims[nd++] = i;
  // Order dims so the output's smallest stride is innermost (stable: equal
  // strides, e.g. broadcast dims, keep their logical order).
  const DimVector& os = strides[0];
  std::stable_sort(dims.begin(), dims.begin() + nd,
                   [&](int a, int b) { return std::abs(os[a]) > std::abs(os[b]); });
  // Merge a dim into the previous (outer) one when every operand steps linearly.
  DimVector cshape;
  std::array<DimVector, kMaxOperands> cstr;
  for (int j = 0; j < nd; ++j) {
    const int i = dims[j];
    if (!cshape.empty()) {
      bool mergeable = true;
      for (int k = 0; k < noperands && mergeable; ++k)
        mergeable = cstr[k].back() == strides[k][i] * shape[i];
      if (mergeable) {
        cshape.back() *= shape[i];
        for (int k = 0; k < noperands; ++k) cstr[k].back() = strides[k][i];
        continue;
      }
    }
    cshape.push_back(shape[i]);
    for (int k = 0; k < noperands; ++k) cstr[k].push_back(strides[k][i]);
  }
  if (cshape.empty()) {  // a single element
    cshape.push_back(1);
    for (int k = 0; k < noperands; ++k) cstr[k].push_back(0);
  }
  shape = std::move(cshape);
  for (int k = 0; k < noperands; ++k) strides[k] = std::move(cstr[k]);
}

void StridedLoop::swap_operands(int i, int j) {
  std::swap(strides[i], strides[j]);
  std::swap(data[i], data[j]);
  const uint8_t bi = (host_scalars >> i) & 1u, bj = (host_scalars >> j) & 1u;
  host_scalars = uint8_t((host_scalars & ~((1u << i) | (1u << j))) | (bi << j) | (bj << i));
}

}  // namespace ember
