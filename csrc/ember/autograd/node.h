#pragma once
// The autograd graph. A Node is the backward of one forward op: it maps the
// gradients of the op's outputs to gradients of its inputs, and its
// `next_edges` point at the Nodes of those inputs (or at AccumulateGrad for
// leaves). The engine (engine.cpp) runs Nodes in dependency order.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ember/core/tensor.h"

namespace ember {

class Node;

struct Edge {
  intrusive_ptr<Node> fn;
  uint32_t input_nr = 0;
  bool valid() const { return bool(fn); }
};

// Shape/dtype/device of a gradient a Node expects for one of its inputs
// (= one output of the forward op); the engine checks and reduces against it.
struct GradMeta {
  DimVector shape;
  ScalarType dtype;
  Device device;
};

using TensorHook = std::function<Tensor(const Tensor&)>;  // returns an undefined Tensor to keep the grad

class EMBER_API Node : public RefCounted {
 public:
  Node();
  ~Node() override;

  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grads) = 0;
  virtual std::string name() const = 0;
  // Frees what the node saved for backward (after a backward without retain_graph).
  virtual void release_saved() {}

  std::vector<Edge> next_edges;
  std::vector<GradMeta> grad_meta;  // one per forward output
  uint64_t sequence_nr;             // creation order: later nodes run first
  // Hooks on the gradient of forward output `first` (Tensor.register_hook on non-leaves, retain_grad).
  std::vector<std::pair<uint32_t, TensorHook>> pre_hooks;
  std::vector<std::pair<uint32_t, TensorHook>> retain_hooks;  // run after pre_hooks, as PyTorch runs retain_grad last
  std::string forward_trace;        // set under detect_anomaly: where the forward ran

 protected:
  void destroy() const override;
};

// A tensor saved for backward, with the version it had when saved: unpacking
// it after an in-place change is an error instead of a wrong gradient.
class EMBER_API SavedTensor {
 public:
  SavedTensor() = default;
  // `is_output`: the tensor is an output of the node that saves it; it is kept
  // without its grad_fn (which would be a reference cycle) and re-linked on unpack.
  SavedTensor(const Tensor& t, bool is_output);
  Tensor unpack(Node* owner) const;
  void reset() { data_ = Tensor(); released_ = true; }
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint32_t version_ = 0;
  bool is_output_ = false;
  bool requires_grad_ = false;
  uint32_t output_nr_ = 0;
  bool released_ = false;
};

// A Node whose backward is a lambda. Its captured state (saved tensors) is
// destroyed by release_saved(); running it afterwards is the "backward through
// the graph a second time" error.
template <typename F>
class LambdaNode final : public Node {
 public:
  LambdaNode(const char* name, F fn, bool saves) : name_(name), fn_(std::move(fn)), saves_(saves) {}
  std::vector<Tensor> apply(std::vector<Tensor>&& grads) override;
  std::string name() const override { return name_; }
  void release_saved() override {
    if (saves_) fn_.reset();
  }

 private:
  const char* name_;
  std::optional<F> fn_;
  bool saves_;
};

[[noreturn]] EMBER_API void throw_freed_graph_error();

template <typename F>
std::vector<Tensor> LambdaNode<F>::apply(std::vector<Tensor>&& grads) {
  if (!fn_) throw_freed_graph_error();
  return (*fn_)(this, grads);
}

}  // namespace ember
