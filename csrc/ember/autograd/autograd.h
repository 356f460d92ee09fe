#pragma once
// Autograd API used by ops: grad mode, whether an op must record, and
// recording a node for an op's outputs. Ops call `record(...)` after
// computing their result; see ops/binary.cpp for the pattern.
#include <initializer_list>
#include <memory>
#include <optional>

#include "ember/autograd/meta.h"
#include "ember/autograd/node.h"

namespace ember {

// ---- grad mode (thread-local, like PyTorch) ----
EMBER_API bool grad_enabled();
EMBER_API void set_grad_enabled(bool enabled);
struct GradModeGuard {
  bool prev;
  explicit GradModeGuard(bool enabled) : prev(grad_enabled()) { set_grad_enabled(enabled); }
  ~GradModeGuard() { set_grad_enabled(prev); }
};
EMBER_API bool anomaly_enabled();
EMBER_API void set_anomaly_enabled(bool enabled);
// Source of the forward traceback shown by anomaly mode (set by the bindings).
EMBER_API void set_anomaly_trace_source(std::string (*fn)());

// ---- tensor autograd state ----
inline bool requires_grad(const Tensor& t) {
  const AutogradMeta* m = t.defined() ? t.impl()->autograd() : nullptr;
  return m && (m->requires_grad || m->grad_fn);
}
inline bool any_requires_grad(std::initializer_list<const Tensor*> ts) {
  for (const Tensor* t : ts)
    if (t && requires_grad(*t)) return true;
  return false;
}
// True when an op with these inputs must record a node.
inline bool should_record(std::initializer_list<const Tensor*> inputs) {
  return grad_enabled() && any_requires_grad(inputs);
}
EMBER_API bool is_leaf(const Tensor& t);
// legacy_message: requires_grad_() words its dtype error differently in PyTorch.
EMBER_API void set_requires_grad(const Tensor& t, bool value, bool legacy_message = false);
EMBER_API Tensor grad_of(const Tensor& t);
EMBER_API void set_grad(const Tensor& t, const Tensor& grad);
EMBER_API intrusive_ptr<Node> grad_fn_of(const Tensor& t);
EMBER_API uint32_t output_nr_of(const Tensor& t);
// The edge a gradient for `t` flows along: its grad_fn, or its AccumulateGrad if a leaf.
EMBER_API Edge gradient_edge(const Tensor& t);
EMBER_API void retain_grad(const Tensor& t);
EMBER_API bool retains_grad(const Tensor& t);
EMBER_API void register_hook(const Tensor& t, TensorHook hook);

// A tensor sharing t's storage (and version counter) with no autograd history.
EMBER_API Tensor detach(const Tensor& t);
EMBER_API void detach_(const Tensor& t);
// `.data`: shares storage, not the version counter, no autograd.
EMBER_API Tensor data_of(const Tensor& t);
// `t.data = other`: t takes other's storage and geometry.
EMBER_API void set_data(const Tensor& t, const Tensor& other);

// ---- recording ----
// Makes `node` the grad_fn of `outputs` (in order) with edges to `inputs`.
EMBER_API void set_history(const std::vector<Tensor>& outputs, const intrusive_ptr<Node>& node,
                           std::initializer_list<const Tensor*> inputs);
EMBER_API void set_history_edges(const std::vector<Tensor>& outputs, const intrusive_ptr<Node>& node,
                                 std::vector<Edge> edges);

// Records `backward` (a lambda (Node*, const std::vector<Tensor>& grads) -> std::vector<Tensor>,
// one gradient per input, undefined for none) as the grad_fn of `out`.
template <typename F>
void record(const char* name, std::initializer_list<const Tensor*> inputs, const Tensor& out, F backward,
            bool saves = true) {
  auto node = make_intrusive<LambdaNode<F>>(name, std::move(backward), saves);
  set_history({out}, node, inputs);
}
template <typename F>
void record_multi(const char* name, std::initializer_list<const Tensor*> inputs, const std::vector<Tensor>& outs,
                  F backward, bool saves = true) {
  auto node = make_intrusive<LambdaNode<F>>(name, std::move(backward), saves);
  set_history(outs, node, inputs);
}

// Checks before an in-place op changes `self` (leaf that requires grad, views of one).
EMBER_API void check_inplace(const Tensor& self);
// After an in-place op wrote `result`'s values into `self`: self takes result's
// history (and, for a view, its base gets a CopySlices history).
EMBER_API void rebase_history(const Tensor& self, const Tensor& result);

// Sum `grad` down to `shape` (undoing broadcasting).
EMBER_API Tensor sum_to(const Tensor& grad, const DimVector& shape);

// ---- running backward ----
// Accumulates into leaves' .grad (Tensor.backward).
EMBER_API void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots, bool retain_graph,
                        bool create_graph, const std::vector<Tensor>& inputs = {});
// Returns d(roots)/d(inputs) without touching .grad (autograd.grad).
EMBER_API std::vector<Tensor> grad(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
                                   const std::vector<Tensor>& inputs, bool retain_graph, bool create_graph,
                                   bool allow_unused);

}  // namespace ember
