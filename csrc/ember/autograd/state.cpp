// Grad mode, per-tensor autograd state, recording of nodes, and the in-place
// rules (leaf checks, history rebase, CopySlices for views).
#include <atomic>

#include "ember/autograd/autograd.h"
#include "ember/autograd/functions.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {
thread_local bool t_grad_enabled = true;
std::atomic<bool> g_anomaly{false};
std::string (*g_trace_source)() = nullptr;
thread_local uint64_t t_sequence_nr = 0;
}  // namespace

bool grad_enabled() { return t_grad_enabled; }
void set_grad_enabled(bool enabled) { t_grad_enabled = enabled; }
bool anomaly_enabled() { return g_anomaly.load(std::memory_order_relaxed); }
void set_anomaly_enabled(bool enabled) { g_anomaly = enabled; }
void set_anomaly_trace_source(std::string (*fn)()) { g_trace_source = fn; }

Node::Node() : sequence_nr(t_sequence_nr++) {
  if (anomaly_enabled() && g_trace_source) forward_trace = g_trace_source();
}
Node::~Node() = default;

// Freeing a graph frees its nodes one after another from a queue: a node's
// last reference may be dropped while another node is being destroyed, and
// recursing there would overflow the stack on a 100,000-op chain.
void Node::destroy() const {
  thread_local std::vector<const Node*> queue;
  thread_local bool draining = false;
  queue.push_back(this);
  if (draining) return;
  draining = true;
  while (!queue.empty()) {
    const Node* n = queue.back();
    queue.pop_back();
    delete n;
  }
  draining = false;
}

void throw_freed_graph_error() {
  EMBER_ERROR("Trying to backward through the graph a second time (or directly access saved tensors after they "
              "have already been freed). Saved intermediate values of the graph are freed when you call "
              ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the graph "
              "a second time or if you need to access saved tensors after calling backward.");
}

// ---- SavedTensor ----
SavedTensor::SavedTensor(const Tensor& t, bool is_output) {
  if (!t.defined()) return;
  version_ = t.impl()->version_counter()->version;
  // An output is saved before its node is attached, but will have it as grad_fn.
  requires_grad_ = is_output || requires_grad(t);
  is_output_ = is_output;
  if (is_output) {
    // Keep the data (shared storage and version counter) but not the grad_fn.
    output_nr_ = output_nr_of(t);
    data_ = detach(t);
  } else {
    data_ = t;
  }
}

Tensor SavedTensor::unpack(Node* owner) const {
  if (released_) throw_freed_graph_error();
  if (!data_.defined()) return data_;
  uint32_t now = data_.impl()->version();
  if (now != version_) {
    // PyTorch names the forward op here: "output 0 of Exp" for ExpBackward0.
    auto op = [](std::string n) {
      size_t k = n.rfind("Backward");
      return k == std::string::npos ? n : n.substr(0, k);
    };
    std::string what = is_output_ ? str("output ", output_nr_, " of ", op(owner->name()))
                                  : grad_fn_of(data_) ? str("output ", output_nr_of(data_), " of ",
                                                            op(grad_fn_of(data_)->name()))
                                                      : std::string("a leaf or an input");
    EMBER_ERROR("one of the variables needed for gradient computation has been modified by an inplace operation: "
                "[torch.", dtype_short_name(data_.dtype()), "Tensor ", data_.sizes(), "], which is ", what,
                ", is at version ", now, "; expected version ", version_, " instead. Hint: enable anomaly detection "
                "to find the operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True).");
  }
  if (is_output_ && requires_grad_ && grad_enabled()) {
    // Double backward needs the output connected to the node that made it.
    Tensor t = detach(data_);
    AutogradMeta& m = t.impl()->autograd_mut();
    m.grad_fn = intrusive_ptr<Node>(owner);
    m.output_nr = output_nr_;
    return t;
  }
  return data_;
}

// ---- tensor state ----
bool is_leaf(const Tensor& t) {
  const AutogradMeta* m = t.impl()->autograd();
  return !m || !m->grad_fn;
}

void set_requires_grad(const Tensor& t, bool value, bool legacy_message) {
  if (!is_leaf(t)) {
    EMBER_CHECK(value, "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach().");
    return;
  }
  EMBER_CHECK(!value || is_floating(t.dtype()),
              legacy_message ? "only Tensors of floating point dtype can require gradients"
                             : "only Tensors of floating point and complex dtype can require gradients");
  if (!value && !t.impl()->autograd()) return;
  t.impl()->autograd_mut().requires_grad = value;
}

Tensor grad_of(const Tensor& t) {
  const AutogradMeta* m = t.impl()->autograd();
  return m ? m->grad : Tensor();
}

void set_grad(const Tensor& t, const Tensor& grad) {
  if (grad.defined()) {
    EMBER_CHECK(grad.sizes() == t.sizes(), "attempting to assign a gradient of size '", grad.sizes(),
                "' to a tensor of size '", t.sizes(), "'. Please ensure that the gradient and the tensor are the "
                "same size");
    EMBER_CHECK(grad.dtype() == t.dtype(), "assigned grad has data of a different type");
    EMBER_CHECK(grad.device() == t.device(), "assigned grad has data located on a different device");
  } else if (!t.impl()->autograd()) {
    return;
  }
  t.impl()->autograd_mut().grad = grad;
}

namespace {
// A view whose base was changed in place after the view was made (the shared
// version counter moved on) gets a fresh grad_fn: a view of the base's
// current history, as PyTorch regenerates it.
void refresh_view_history(const Tensor& t) {
  AutogradMeta* m = t.impl()->autograd();
  if (!m || !m->grad_fn || !t.impl()->is_view() || t.impl()->version() == m->history_version) return;
  Tensor base(t.impl()->view_base());
  if (!requires_grad(base)) return;
  auto node = make_intrusive<AsStridedBackward>(base, t);
  node->next_edges = {gradient_edge(base)};
  node->grad_meta.push_back({t.sizes(), t.dtype(), t.device()});
  m->grad_fn = node;
  m->output_nr = 0;
  m->history_version = t.impl()->version();
}
}  // namespace

intrusive_ptr<Node> grad_fn_of(const Tensor& t) {
  refresh_view_history(t);
  const AutogradMeta* m = t.impl()->autograd();
  return m ? m->grad_fn : intrusive_ptr<Node>();
}

uint32_t output_nr_of(const Tensor& t) {
  const AutogradMeta* m = t.impl()->autograd();
  return m ? m->output_nr : 0;
}

Edge gradient_edge(const Tensor& t) {
  refresh_view_history(t);
  AutogradMeta* m = t.impl()->autograd();
  if (!m) return {};
  if (m->grad_fn) return {m->grad_fn, m->output_nr};
  if (!m->requires_grad) return {};
  if (m->grad_accumulator) return {intrusive_ptr<Node>(m->grad_accumulator), 0};
  auto acc = make_intrusive<AccumulateGrad>(t);
  m->grad_accumulator = acc.get();
  return {acc, 0};
}

void retain_grad(const Tensor& t) {
  EMBER_CHECK(requires_grad(t), "can't retain_grad on Tensor that has requires_grad=False");
  if (is_leaf(t)) return;  // leaves keep .grad anyway
  AutogradMeta& m = t.impl()->autograd_mut();
  if (m.retain_cell) return;
  m.retain_cell = std::make_shared<RetainGradCell>();
  m.retain_cell->tensor = t.impl();
  std::weak_ptr<RetainGradCell> cell = m.retain_cell;
  m.grad_fn->retain_hooks.push_back({m.output_nr, [cell](const Tensor& g) {
    auto c = cell.lock();
    if (!c || !c->tensor || !g.defined()) return Tensor();
    AutogradMeta& tm = c->tensor->autograd_mut();
    if (!tm.grad.defined()) tm.grad = grad_enabled() ? clone(g) : detach(clone(g));
    else tm.grad = add(tm.grad, g);
    return Tensor();
  }});
}

bool retains_grad(const Tensor& t) {
  const AutogradMeta* m = t.impl()->autograd();
  return m && m->retain_cell;
}

void register_hook(const Tensor& t, TensorHook hook) {
  EMBER_CHECK(requires_grad(t), "cannot register a hook on a tensor that doesn't require gradient");
  AutogradMeta& m = t.impl()->autograd_mut();
  if (m.grad_fn) m.grad_fn->pre_hooks.push_back({m.output_nr, std::move(hook)});
  else m.hooks.push_back(std::move(hook));
}

Tensor detach(const Tensor& t) {
  auto impl = make_intrusive<TensorImpl>(t.impl()->storage(), t.dtype(), t.sizes(), t.strides(), t.storage_offset());
  impl->share_version_counter(t.impl()->version_counter());
  if (t.impl()->is_view()) impl->set_view_base(t.impl()->view_base());
  return Tensor(std::move(impl));
}

void detach_(const Tensor& t) {
  AutogradMeta* m = t.impl()->autograd();
  if (!m) return;
  m->grad_fn.reset();
  m->output_nr = 0;
  m->requires_grad = false;
}

Tensor data_of(const Tensor& t) {
  return Tensor(make_intrusive<TensorImpl>(t.impl()->storage(), t.dtype(), t.sizes(), t.strides(),
                                           t.storage_offset()));
}

void set_data(const Tensor& t, const Tensor& other) {
  t.impl()->set_storage(other.impl()->storage(), other.dtype());
  t.impl()->set_geometry(other.sizes(), other.strides(), other.storage_offset());
}

// ---- recording ----
void set_history_edges(const std::vector<Tensor>& outputs, const intrusive_ptr<Node>& node, std::vector<Edge> edges) {
  node->next_edges = std::move(edges);
  node->grad_meta.reserve(outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    node->grad_meta.push_back({out.defined() ? out.sizes() : DimVector{},
                               out.defined() ? out.dtype() : ScalarType::Float32,
                               out.defined() ? out.device() : Device{}});
    if (!out.defined() || !is_floating(out.dtype())) continue;  // integer outputs are not differentiable
    AutogradMeta& m = out.impl()->autograd_mut();
    m.grad_fn = node;
    m.output_nr = uint32_t(i);
    m.requires_grad = false;
    m.history_version = out.impl()->version();
  }
}

void set_history(const std::vector<Tensor>& outputs, const intrusive_ptr<Node>& node,
                 std::initializer_list<const Tensor*> inputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor* t : inputs) edges.push_back(t && t->defined() ? gradient_edge(*t) : Edge{});
  set_history_edges(outputs, node, std::move(edges));
}

void check_inplace(const Tensor& self) {
  if (!grad_enabled()) return;
  if (requires_grad(self) && is_leaf(self)) {
    if (self.impl()->is_view()) {
      Tensor base(self.impl()->view_base());
      EMBER_CHECK(!(requires_grad(base) && is_leaf(base)),
                  "a view of a leaf Variable that requires grad is being used in an in-place operation.");
    }
    EMBER_ERROR("a leaf Variable that requires grad is being used in an in-place operation.");
  }
  if (self.impl()->is_view()) {
    Tensor base(self.impl()->view_base());
    EMBER_CHECK(!(requires_grad(base) && is_leaf(base)),
                "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
}

void rebase_history(const Tensor& self, const Tensor& result) {
  if (!self.impl()->is_view()) {
    AutogradMeta& m = self.impl()->autograd_mut();
    m.grad_fn = grad_fn_of(result);
    m.output_nr = output_nr_of(result);
    m.requires_grad = false;
    m.history_version = self.impl()->version();
    return;
  }
  // self views base's storage: base's new value is "old base with the viewed
  // region replaced by result" (CopySlices); self becomes a view of that.
  Tensor base(self.impl()->view_base());
  auto copy_slices = make_intrusive<CopySlices>(base, self);
  set_history_edges({base}, copy_slices, {gradient_edge(base), gradient_edge(result)});
  auto view_node = make_intrusive<AsStridedBackward>(base, self);
  set_history_edges({self}, view_node, {gradient_edge(base)});
}

Tensor sum_to(const Tensor& grad, const DimVector& shape) {
  if (grad.sizes() == shape) return grad;
  const int64_t lead = grad.dim() - int64_t(shape.size());
  Dims dims;
  for (int64_t i = 0; i < lead; ++i) dims.push_back(i);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] == 1 && grad.sizes()[lead + i] != 1) dims.push_back(lead + int64_t(i));
  Tensor r = dims.empty() ? grad : sum(grad, dims, true);
  if (lead > 0 || r.sizes() != shape) r = reshape(r, shape.vec());
  return r;
}

}  // namespace ember
