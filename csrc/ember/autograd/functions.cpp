#include "ember/autograd/functions.h"

#include <algorithm>

#include "ember/ops/ops.h"

namespace ember {

namespace {
// Strides that cover numel elements exactly once (a permutation of a contiguous layout).
bool dense_layout(const Tensor& t) {
  std::vector<int64_t> order(t.dim());
  for (int64_t i = 0; i < t.dim(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return t.strides()[a] < t.strides()[b]; });
  int64_t expected = 1;
  for (int64_t d : order) {
    if (t.sizes()[d] == 1) continue;
    if (t.strides()[d] != expected) return false;
    expected *= t.sizes()[d];
  }
  return true;
}
}  // namespace

AccumulateGrad::AccumulateGrad(Tensor variable) : variable_(std::move(variable)) {
  sequence_nr = UINT64_MAX;  // leaves accumulate as soon as their gradient is complete
  grad_meta.push_back({variable_.sizes(), variable_.dtype(), variable_.device()});
}

AccumulateGrad::~AccumulateGrad() {
  AutogradMeta* m = variable_.impl()->autograd();
  if (m && m->grad_accumulator == this) m->grad_accumulator = nullptr;
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grads) {
  Tensor g = std::move(grads[0]);
  if (!g.defined()) return {};
  AutogradMeta& m = variable_.impl()->autograd_mut();
  for (auto& hook : m.hooks) {
    Tensor r = hook(g);
    if (r.defined()) g = r;
  }
  if (!m.grad.defined()) {
    // The first gradient is taken as is when nothing else can see it and its
    // layout matches the leaf's; under create_graph it keeps its history.
    const bool same_layout = g.strides() == variable_.strides() || variable_.is_contiguous();
    if (!grad_enabled() && g.impl()->use_count() == 1 && g.is_contiguous() && !g.impl()->is_view() && same_layout) {
      m.grad = detach(g);
    } else if (!grad_enabled() && !variable_.is_contiguous() && dense_layout(variable_)) {
      // .grad gets the leaf's strides (e.g. a transposed parameter), as PyTorch.
      Tensor flat = empty({variable_.numel()}, g.dtype(), g.device());
      Tensor like = as_strided(flat, variable_.sizes().vec(), variable_.strides().vec(), 0);
      copy_(like, g);
      m.grad = detach(like);
    } else {
      m.grad = grad_enabled() ? clone(g) : detach(clone(g));
    }
  } else if (!grad_enabled()) {
    binary_(BinaryOp::Add, m.grad, Operand(g));  // in place: .grad stays the same tensor
  } else {
    m.grad = add(m.grad, g);
  }
  return {};
}

namespace {
void geometry(const Tensor& base, const Tensor& view, DimVector& bs, DimVector& bst, DimVector& vs, DimVector& vst,
              int64_t& off) {
  bs = base.sizes();
  bst = base.strides();
  vs = view.sizes();
  vst = view.strides();
  off = view.storage_offset() - base.storage_offset();
}

// The view's region inside a tensor with the base's exact strides
// (base_layout_copy), so the view's base-relative geometry applies to it as is.
Tensor region(const Tensor& like_base, const DimVector& vs, const DimVector& vst, int64_t off) {
  return as_strided(like_base, vs.vec(), vst.vec(), like_base.storage_offset() + off);
}

Tensor base_layout_copy(const Tensor& g, const DimVector& bs, const DimVector& bst) {
  // A tensor with the base's exact strides holding g's values, so view
  // geometry (recorded against the base's storage) applies to it.
  int64_t span = 1;
  for (size_t i = 0; i < bs.size(); ++i) span += (bs[i] - 1) * bst[i];
  Tensor flat = zeros({std::max<int64_t>(span, 0)}, g.dtype(), g.device());
  Tensor b = as_strided(flat, bs.vec(), bst.vec(), 0);
  {
    GradModeGuard no_grad(false);
    copy_(b, g);
  }
  return b;
}
}  // namespace

CopySlices::CopySlices(const Tensor& base, const Tensor& view) {
  geometry(base, view, base_sizes_, base_strides_, view_sizes_, view_strides_, view_offset_);
}

std::vector<Tensor> CopySlices::apply(std::vector<Tensor>&& grads) {
  const Tensor& g = grads[0];
  if (!g.defined()) return {Tensor(), Tensor()};
  GradModeGuard no_grad(false);
  Tensor gb = base_layout_copy(g, base_sizes_, base_strides_);
  Tensor r = region(gb, view_sizes_, view_strides_, view_offset_);
  Tensor g_result = clone(r);
  zero_(r);
  return {contiguous(gb), g_result};
}

AsStridedBackward::AsStridedBackward(const Tensor& base, const Tensor& view) {
  geometry(base, view, base_sizes_, base_strides_, view_sizes_, view_strides_, view_offset_);
}

std::vector<Tensor> AsStridedBackward::apply(std::vector<Tensor>&& grads) {
  const Tensor& g = grads[0];
  if (!g.defined()) return {Tensor()};
  if (grad_enabled()) {
    // create_graph: the same scatter with recorded ops (the base view is taken
    // after the in-place add so that it carries the add's history).
    int64_t span = 1;
    for (size_t i = 0; i < base_sizes_.size(); ++i) span += (base_sizes_[i] - 1) * base_strides_[i];
    Tensor flat = zeros({std::max<int64_t>(span, 0)}, g.dtype(), g.device());
    Tensor r = as_strided(flat, view_sizes_.vec(), view_strides_.vec(), view_offset_);
    binary_(BinaryOp::Add, r, Operand(g));
    return {contiguous(as_strided(flat, base_sizes_.vec(), base_strides_.vec(), 0))};
  }
  Tensor gb = base_layout_copy(zeros(base_sizes_, g.dtype(), g.device()), base_sizes_, base_strides_);
  Tensor r = region(gb, view_sizes_, view_strides_, view_offset_);
  binary_(BinaryOp::Add, r, Operand(g));
  return {contiguous(gb)};
}

}  // namespace ember
