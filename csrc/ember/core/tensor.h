#pragma once
// Tensor = a handle to a TensorImpl (shape, strides, offset, dtype, device,
// version counter, autograd metadata) over a refcounted Storage.
// Copying a Tensor copies the handle; views are TensorImpls sharing a Storage.
#include <initializer_list>
#include <memory>

#include "ember/core/device.h"
#include "ember/core/dim_vector.h"
#include "ember/core/dtype.h"
#include "ember/core/error.h"
#include "ember/core/intrusive_ptr.h"
#include "ember/core/macros.h"
#include "ember/core/storage.h"

namespace ember {

struct AutogradMeta;  // autograd/meta.h
struct EMBER_API AutogradMetaDeleter { void operator()(AutogradMeta* m) const; };

// Counts in-place modifications; shared by a tensor and its views so that
// autograd can tell that a tensor saved for backward was changed afterwards.
struct VersionCounter : RefCounted {
  uint32_t version = 0;
};

class EMBER_API TensorImpl : public RefCounted {
 public:
  TensorImpl(intrusive_ptr<Storage> storage, ScalarType dtype, DimVector sizes, DimVector strides,
             int64_t storage_offset);
  ~TensorImpl() override;

  const DimVector& sizes() const { return sizes_; }
  const DimVector& strides() const { return strides_; }
  int64_t dim() const { return int64_t(sizes_.size()); }
  int64_t numel() const { return numel_; }
  int64_t storage_offset() const { return storage_offset_; }
  ScalarType dtype() const { return dtype_; }
  Device device() const { return storage_->device(); }
  bool is_contiguous() const { return is_contiguous_; }
  const intrusive_ptr<Storage>& storage() const { return storage_; }
  // The first element, for CPU code: a tensor on another device here means an
  // op without a kernel for that device got it, which must be an error, not a
  // read of device memory (one compare, on the storage's cache line).
  void* data() const {
    if (__builtin_expect(!storage_->device().is_cpu(), 0)) throw_not_on_cpu(storage_->device());
    return device_data();
  }
  // The first element wherever it lives (device kernels, DLPack, data_ptr()).
  void* device_data() const {
    return static_cast<char*>(storage_->data()) + storage_offset_ * itemsize(dtype_);
  }
  [[noreturn]] static void throw_not_on_cpu(Device d);

  // Replaces shape/strides/offset in place (resize of an output, set_ of .data).
  void set_geometry(DimVector sizes, DimVector strides, int64_t storage_offset);
  void set_storage(intrusive_ptr<Storage> storage, ScalarType dtype) {
    storage_ = std::move(storage);
    dtype_ = dtype;
  }

  // Version counter: created on first need and shared with views.
  const intrusive_ptr<VersionCounter>& version_counter();
  void share_version_counter(const intrusive_ptr<VersionCounter>& vc) { version_ = vc; }
  void bump_version() { ++version_counter()->version; }
  uint32_t version() const { return version_ ? version_->version : 0; }

  // A view's base: the tensor whose storage it views (the root, for views of views).
  const intrusive_ptr<TensorImpl>& view_base() const { return view_base_; }
  bool is_view() const { return bool(view_base_); }
  void set_view_base(intrusive_ptr<TensorImpl> b) { view_base_ = std::move(b); }

  AutogradMeta* autograd() const { return autograd_.get(); }
  AutogradMeta& autograd_mut();  // creates it
  void clear_autograd() { autograd_.reset(); }


 private:
  void refresh_numel_and_contiguity();

  DimVector sizes_, strides_;
  int64_t storage_offset_ = 0;
  int64_t numel_ = 1;
  ScalarType dtype_;
  bool is_contiguous_ = true;
  intrusive_ptr<Storage> storage_;
  intrusive_ptr<VersionCounter> version_;
  intrusive_ptr<TensorImpl> view_base_;
  std::unique_ptr<AutogradMeta, AutogradMetaDeleter> autograd_;
};

class EMBER_API Tensor {
 public:
  Tensor() = default;
  explicit Tensor(intrusive_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return bool(impl_); }
  TensorImpl* impl() const { return impl_.get(); }
  const intrusive_ptr<TensorImpl>& ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  const DimVector& sizes() const { return impl_->sizes(); }
  const DimVector& strides() const { return impl_->strides(); }
  int64_t size(int64_t d) const;    // negative d counts from the end
  int64_t stride(int64_t d) const;
  int64_t dim() const { return impl_->dim(); }
  int64_t numel() const { return impl_->numel(); }
  ScalarType dtype() const { return impl_->dtype(); }
  Device device() const { return impl_->device(); }
  bool is_contiguous() const { return impl_->is_contiguous(); }
  int64_t storage_offset() const { return impl_->storage_offset(); }
  void* raw_data() const { return impl_->data(); }             // CPU memory only (checked)
  void* device_data() const { return impl_->device_data(); }  // any device
  Tensor contiguous() const;  // self if already contiguous, else a contiguous copy
  template <typename T>
  T* data_ptr() const {
    EMBER_CHECK(CppTypeToScalarType<T>::value == dtype(), "expected scalar type ",
                dtype_short_name(CppTypeToScalarType<T>::value), " but found ", dtype_short_name(dtype()));
    return static_cast<T*>(impl_->data());
  }

 private:
  intrusive_ptr<TensorImpl> impl_;
};

// "float32 tensor of shape [2, 3]"-style description for messages
EMBER_API std::string describe(const Tensor& t);

// RuntimeError in PyTorch's words unless every defined tensor is on one device.
EMBER_API void check_same_device(const char* op, std::initializer_list<const Tensor*> tensors);

// Contiguous strides for a shape (row-major).
EMBER_API DimVector contiguous_strides(const DimVector& sizes);
EMBER_API int64_t shape_numel(const DimVector& sizes);
// The bytes a contiguous tensor of `sizes` takes, checked as empty() checks it
// (negative sizes, stride, element and byte counts beyond int64 raise). Ops
// that build per-output tables call it before the tables, not after.
EMBER_API size_t storage_bytes(const DimVector& sizes, ScalarType dtype);

// Uninitialized tensor of the given shape; the basic factory every op uses.
EMBER_API Tensor empty(const DimVector& sizes, ScalarType dtype, Device device = Device{});
// A new TensorImpl over the same storage (a view); shares the version counter.
EMBER_API Tensor make_view(const Tensor& base, DimVector sizes, DimVector strides, int64_t offset);

}  // namespace ember
