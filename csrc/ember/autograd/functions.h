#pragma once
// Nodes that are not the backward of a single op: AccumulateGrad (leaves),
// CopySlices / AsStridedBackward (in-place ops on views), and FunctionNode
// (custom functions from Python or C++ extensions).
#include "ember/autograd/autograd.h"

namespace ember {

// Adds the incoming gradient into a leaf's .grad with PyTorch's rules.
class EMBER_API AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(Tensor variable);
  ~AccumulateGrad() override;
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return "AccumulateGrad"; }
  const Tensor& variable() const { return variable_; }

 private:
  Tensor variable_;
};

// Base after an in-place op on one of its views: the gradient of the old base
// is the incoming one with the view's region zeroed; the region goes to the
// in-place op's result.
class EMBER_API CopySlices final : public Node {
 public:
  CopySlices(const Tensor& base, const Tensor& view);
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return "CopySlices"; }

 private:
  DimVector base_sizes_, base_strides_, view_sizes_, view_strides_;
  int64_t view_offset_;  // relative to the base's offset
};

// A view (sizes/strides/offset) of a base: scatters the view's gradient into
// zeros shaped like the base.
class EMBER_API AsStridedBackward final : public Node {
 public:
  AsStridedBackward(const Tensor& base, const Tensor& view);
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return "AsStridedBackward0"; }

 private:
  DimVector base_sizes_, base_strides_, view_sizes_, view_strides_;
  int64_t view_offset_;
};

// Backward given as a function object; used by Python's autograd.Function and
// by C++ extension ops.
class EMBER_API FunctionNode final : public Node {
 public:
  using Fn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;
  FunctionNode(std::string name, Fn fn) : name_(std::move(name)), fn_(std::move(fn)) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override {
    if (!fn_) throw_freed_graph_error();
    return fn_(grads);
  }
  std::string name() const override { return name_; }
  void release_saved() override {
    if (release_) release_();
  }
  std::function<void()> release_;  // frees saved state (set by the creator)

 private:
  std::string name_;
  Fn fn_;
};

}  // namespace ember
