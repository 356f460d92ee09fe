#include "ember/core/tensor.h"

#include "ember/core/error.h"

namespace ember {

TensorImpl::TensorImpl(intrusive_ptr<Storage> storage, ScalarType dtype, DimVector sizes,
                       DimVector strides, int64_t storage_offset)
    : sizes_(std::move(sizes)),
      strides_(std::move(strides)),
      storage_offset_(storage_offset),
      dtype_(dtype),
      storage_(std::move(storage)) {
  refresh_numel_and_contiguity();
}

TensorImpl::~TensorImpl() = default;

void TensorImpl::throw_not_on_cpu(Device d) {
  throw_error(ErrorKind::NotImplemented,
              str("ember: this op has no ", d.type == DeviceType::CUDA ? "CUDA" : "device", " kernel: it was given a "
                  "tensor on ", d.str(), " and runs on the CPU only. Move the tensors with .cpu() first."));
}

void check_same_device(const char* op, std::initializer_list<const Tensor*> tensors) {
  const Tensor* first = nullptr;
  for (const Tensor* t : tensors) {
    if (!t || !t->defined()) continue;
    if (!first) first = t;
    else if (t->device() != first->device())
      throw_error(ErrorKind::Runtime,
                  str("Expected all tensors to be on the same device, but found at least two devices, ",
                      first->device().str(), " and ", t->device().str(), "! (in ", op, ")"));
  }
}

void TensorImpl::set_geometry(DimVector sizes, DimVector strides, int64_t storage_offset) {
  sizes_ = std::move(sizes);
  strides_ = std::move(strides);
  storage_offset_ = storage_offset;
  refresh_numel_and_contiguity();
}

void TensorImpl::refresh_numel_and_contiguity() {
  numel_ = 1;
  for (int64_t s : sizes_)  // a view's sizes are not checked by an allocation (expand(2**40, 2**40))
    EMBER_CHECK(!__builtin_mul_overflow(numel_, s, &numel_), "numel: integer multiplication overflow");
  // Contiguous as PyTorch defines it: size-1 dims may have any stride.
  is_contiguous_ = true;
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (sizes_[i] == 1) continue;
    if (strides_[i] != expected) { is_contiguous_ = numel_ == 0; break; }
    expected *= sizes_[i];
  }
}

const intrusive_ptr<VersionCounter>& TensorImpl::version_counter() {
  if (!version_) version_ = make_intrusive<VersionCounter>();
  return version_;
}

int64_t Tensor::size(int64_t d) const {
  int64_t n = dim();
  EMBER_CHECK_INDEX(d >= -n && d < n && n > 0, "Dimension out of range (expected to be in range of [",
                    -n, ", ", n - 1, "], but got ", d, ")");
  return sizes()[d < 0 ? d + n : d];
}

int64_t Tensor::stride(int64_t d) const {
  int64_t n = dim();
  EMBER_CHECK_INDEX(d >= -n && d < n && n > 0, "Dimension out of range (expected to be in range of [",
                    -n, ", ", n - 1, "], but got ", d, ")");
  return strides()[d < 0 ? d + n : d];
}

std::string describe(const Tensor& t) {
  return str(dtype_name(t.dtype()), " tensor of shape ", t.sizes());
}

DimVector contiguous_strides(const DimVector& sizes) {
  DimVector st(sizes.size());
  int64_t acc = 1;
  for (int64_t i = int64_t(sizes.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= std::max<int64_t>(sizes[i], 1);
  }
  return st;
}

int64_t shape_numel(const DimVector& sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

// The bytes a contiguous tensor of `sizes` takes, with PyTorch's checks: its
// strides, its element count and its byte count must each fit in an int64
// (a wrapped product would allocate too little and let kernels write past it).
size_t storage_bytes(const DimVector& sizes, ScalarType dtype) {
  for (int64_t s : sizes)
    EMBER_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": ", sizes);
  int64_t stride = 1;
  for (size_t i = sizes.size(); i-- > 1;)
    EMBER_CHECK(!__builtin_mul_overflow(stride, std::max<int64_t>(sizes[i], 1), &stride),
                "Stride calculation overflowed");
  uint64_t bytes = 1;  // in uint64 as PyTorch's, then held to int64's range
  bool overflowed = false;
  for (int64_t s : sizes) overflowed |= __builtin_mul_overflow(bytes, uint64_t(s), &bytes);
  overflowed |= __builtin_mul_overflow(bytes, uint64_t(itemsize(dtype)), &bytes);
  overflowed |= bytes > uint64_t(INT64_MAX);
  EMBER_CHECK(!overflowed, "Storage size calculation overflowed with sizes=", sizes);
  return size_t(bytes);
}

Tensor empty(const DimVector& sizes, ScalarType dtype, Device device) {
  auto storage = Storage::create(storage_bytes(sizes, dtype), device);
  return Tensor(make_intrusive<TensorImpl>(std::move(storage), dtype, sizes, contiguous_strides(sizes), 0));
}

Tensor make_view(const Tensor& base, DimVector sizes, DimVector strides, int64_t offset) {
  auto impl = make_intrusive<TensorImpl>(base.impl()->storage(), base.dtype(), std::move(sizes),
                                         std::move(strides), offset);
  impl->share_version_counter(base.impl()->version_counter());
  impl->set_view_base(base.impl()->is_view() ? base.impl()->view_base() : base.ptr());
  return Tensor(std::move(impl));
}

}  // namespace ember
