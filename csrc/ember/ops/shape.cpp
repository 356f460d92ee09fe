// Shape ops. Views (view, reshape when possible, transpose, permute, expand,
// narrow/select/slice, split, squeeze/unsqueeze, ...) share storage like PyTorch's;
// cat, stack, repeat, flip, tril/triu copy.
#include <algorithm>

#include "ember/autograd/autograd.h"
#include "ember/autograd/functions.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/stubs.h"

namespace ember {

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dims -1 and 0
  EMBER_CHECK_INDEX(dim >= -n && dim < n, "Dimension out of range (expected to be in range of [", -n, ", ",
                    n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}

DimVector broadcast_shapes(const DimVector& a, const DimVector& b) {
  if (a == b) return a;
  const size_t n = std::max(a.size(), b.size());
  DimVector out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1, "The size of tensor a (", da,
                ") must match the size of tensor b (", db, ") at non-singleton dimension ", i);
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

// A view op with its backward: `bw` maps the view's gradient to the input's.
template <typename F>
Tensor view_with_grad(const char* name, const Tensor& self, DimVector sizes, DimVector strides, int64_t offset, F bw) {
  Tensor out = make_view(self, std::move(sizes), std::move(strides), offset);
  if (grad_enabled() && requires_grad(self))
    record(name, {&self}, out, [bw](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{bw(g[0])}; },
           false);
  return out;
}

// Gradient of a view that picks part of its input: zeros with the part set to g.
template <typename MakeView>
Tensor scatter_into_zeros(const Tensor& g, const DimVector& in_shape, const MakeView& make) {
  Tensor gi = zeros(in_shape, g.dtype(), g.device());
  Tensor part = make(gi);
  copy_(part, g);  // recorded (CopySlices) only under create_graph
  return gi;
}

// Resolves one -1 in a requested shape against numel.
DimVector infer_size(const Dims& shape, int64_t numel) {
  DimVector out(shape.begin(), shape.end());
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      EMBER_CHECK(infer < 0, "only one dimension can be inferred");
      infer = int64_t(i);
    } else {
      EMBER_CHECK(out[i] >= 0, "invalid shape dimension ", out[i]);
      known *= out[i];
    }
  }
  if (infer >= 0) {
    EMBER_CHECK(!(known == 0 && numel != 0), "shape '", DimVector(shape), "' is invalid for input of size ", numel);
    EMBER_CHECK(known != 0, "cannot reshape tensor of 0 elements into shape ", DimVector(shape),
                " because the unspecified dimension size -1 can be any value and is ambiguous");
    EMBER_CHECK(numel % known == 0, "shape '", DimVector(shape), "' is invalid for input of size ", numel);
    out[infer] = numel / known;
  } else {
    EMBER_CHECK(known == numel, "shape '", DimVector(shape), "' is invalid for input of size ", numel);
  }
  return out;
}

// Strides that let `shape` view memory laid out as (old_sizes, old_strides), if
// any: groups of old dims that are contiguous with each other may be re-split.
std::optional<DimVector> view_strides(const DimVector& old_sizes, const DimVector& old_strides,
                                      const DimVector& shape) {
  DimVector st(shape.size());
  if (shape_numel(old_sizes) == 0 || old_sizes.empty()) return contiguous_strides(shape);
  int64_t view_d = int64_t(shape.size()) - 1;
  int64_t chunk_base_stride = old_strides.empty() ? 1 : old_strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = int64_t(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[d];
    if (d == 0 || (old_sizes[d - 1] != 1 && old_strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        st[view_d] = view_numel * chunk_base_stride;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return st;
}

}  // namespace

Tensor view(const Tensor& self, const Dims& shape) {
  DimVector sizes = infer_size(shape, self.numel());
  auto st = view_strides(self.sizes(), self.strides(), sizes);
  EMBER_CHECK(st.has_value(),
              "view size is not compatible with input tensor's size and stride (at least one dimension spans "
              "across two contiguous subspaces). Use .reshape(...) instead.");
  DimVector in = self.sizes();
  return view_with_grad("ViewBackward0", self, std::move(sizes), std::move(*st), self.storage_offset(),
                        [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor unsafe_view(const Tensor& self, const Dims& shape) {
  DimVector sizes = infer_size(shape, self.numel());
  auto st = view_strides(self.sizes(), self.strides(), sizes);
  EMBER_CHECK(st.has_value(), "unsafe_view: the tensor cannot be viewed with shape ", sizes);
  DimVector in = self.sizes();
  return view_with_grad("UnsafeViewBackward0", self, std::move(sizes), std::move(*st), self.storage_offset(),
                        [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor alias(const Tensor& self) {
  return view_with_grad("AliasBackward0", self, self.sizes(), self.strides(), self.storage_offset(),
                        [](const Tensor& g) { return g; });
}

Tensor reshape(const Tensor& self, const Dims& shape) {
  DimVector sizes = infer_size(shape, self.numel());
  auto st = view_strides(self.sizes(), self.strides(), sizes);
  DimVector in = self.sizes();
  if (st)
    return view_with_grad("ViewBackward0", self, std::move(sizes), std::move(*st), self.storage_offset(),
                          [in](const Tensor& g) { return reshape(g, in.vec()); });
  Tensor c = clone(self);
  return view_with_grad("UnsafeViewBackward0", c, sizes, contiguous_strides(sizes), 0,
                        [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor flatten(const Tensor& self, int64_t start_dim, int64_t end_dim) {
  if (self.dim() == 0) {  // a 0-d tensor takes dims -1 and 0
    wrap_dim(start_dim, 0);
    wrap_dim(end_dim, 0);
    return reshape(self, {1});
  }
  start_dim = wrap_dim(start_dim, self.dim());
  end_dim = wrap_dim(end_dim, self.dim());
  EMBER_CHECK(start_dim <= end_dim, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (start_dim == end_dim) return self;
  Dims shape;
  int64_t flat = 1;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d < start_dim || d > end_dim) shape.push_back(self.sizes()[d]);
    else {
      flat *= self.sizes()[d];
      if (d == end_dim) shape.push_back(flat);
    }
  }
  return reshape(self, shape);
}

Tensor unflatten(const Tensor& self, int64_t dim, const Dims& sizes) {
  dim = wrap_dim(dim, self.dim());
  EMBER_CHECK(!sizes.empty(), "unflatten: sizes must be non-empty");
  int64_t known = 1;
  bool infer = false;
  for (int64_t s : sizes) (s == -1 ? infer = true : known *= s, 0);
  EMBER_CHECK(infer ? known != 0 && self.sizes()[dim] % known == 0 : known == self.sizes()[dim],
              "unflatten: Provided sizes ", DimVector(sizes), " don't multiply up to the size of dim ", dim, " (",
              self.sizes()[dim], ") in the input tensor");
  DimVector inner = infer_size(sizes, self.sizes()[dim]);
  Dims shape;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d == dim) shape.insert(shape.end(), inner.begin(), inner.end());
    else shape.push_back(self.sizes()[d]);
  }
  return view(self, shape);
}

Tensor squeeze(const Tensor& self, const std::optional<Dims>& dims) {
  std::vector<bool> drop(self.dim(), false);
  if (!dims) {
    for (int64_t d = 0; d < self.dim(); ++d) drop[d] = self.sizes()[d] == 1;
  } else {
    std::vector<bool> seen(std::max<int64_t>(self.dim(), 1), false);
    for (int64_t d : *dims) {
      int64_t w = wrap_dim(d, self.dim());
      EMBER_CHECK(!seen[w], "dim ", w, " appears multiple times in the list of dims");
      seen[w] = true;
      if (self.dim() > 0) drop[w] = self.sizes()[w] == 1;
    }
  }
  DimVector sizes, strides;
  for (int64_t d = 0; d < self.dim(); ++d)
    if (!drop[d]) { sizes.push_back(self.sizes()[d]); strides.push_back(self.strides()[d]); }
  DimVector in = self.sizes();
  return view_with_grad(dims ? "SqueezeBackward1" : "SqueezeBackward0", self, sizes, strides, self.storage_offset(),
                        [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor unsqueeze(const Tensor& self, int64_t dim) {
  dim = wrap_dim(dim, self.dim() + 1);
  DimVector sizes = self.sizes(), strides = self.strides();
  int64_t st = dim < self.dim() ? sizes[dim] * strides[dim] : 1;
  sizes.insert(dim, 1);
  strides.insert(dim, st);
  DimVector in = self.sizes();
  return view_with_grad("UnsqueezeBackward0", self, sizes, strides, self.storage_offset(),
                        [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor transpose(const Tensor& self, int64_t d0, int64_t d1) {
  d0 = wrap_dim(d0, self.dim());
  d1 = wrap_dim(d1, self.dim());
  DimVector sizes = self.sizes(), strides = self.strides();
  if (self.dim() > 0) {
    std::swap(sizes[d0], sizes[d1]);
    std::swap(strides[d0], strides[d1]);
  }
  return view_with_grad("TransposeBackward0", self, sizes, strides, self.storage_offset(),
                        [d0, d1](const Tensor& g) { return transpose(g, d0, d1); });
}

Tensor permute(const Tensor& self, const Dims& dims) {
  EMBER_CHECK(int64_t(dims.size()) == self.dim(),
              "permute(sparse_coo): number of dimensions in the tensor input does not match the length of the "
              "desired ordering of dimensions i.e. input.dim() = ", self.dim(), " is not equal to len(dims) = ",
              dims.size());
  DimVector sizes(dims.size()), strides(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = wrap_dim(dims[i], self.dim());
    EMBER_CHECK(!seen[d], "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sizes[i] = self.sizes()[d];
    strides[i] = self.strides()[d];
  }
  Dims inverse(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) inverse[wrap_dim(dims[i], self.dim())] = int64_t(i);
  return view_with_grad("PermuteBackward0", self, sizes, strides, self.storage_offset(),
                        [inverse](const Tensor& g) { return permute(g, inverse); });
}

Tensor t(const Tensor& self) {
  EMBER_CHECK(self.dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  DimVector sizes = self.sizes(), strides = self.strides();
  if (self.dim() == 2) {
    std::swap(sizes[0], sizes[1]);
    std::swap(strides[0], strides[1]);
  }
  return view_with_grad("TBackward0", self, sizes, strides, self.storage_offset(),
                        [](const Tensor& g) { return t(g); });
}

Tensor mT(const Tensor& self) {
  EMBER_CHECK(self.dim() >= 2, "tensor.mT is only supported on matrices or batches of matrices. Got ", self.dim(),
              "-D tensor.");
  return transpose(self, -2, -1);
}

Tensor expand(const Tensor& self, const Dims& req) {
  const int64_t n = int64_t(req.size());
  EMBER_CHECK(n >= self.dim(), "expand(", describe(self),
              "): the number of sizes provided (", n, ") must be greater or equal to the number of dimensions in "
              "the tensor (", self.dim(), ")");
  DimVector sizes(n), strides(n);
  for (int64_t i = n - 1; i >= 0; --i) {
    int64_t j = i - (n - self.dim());
    int64_t target = req[i];
    if (j < 0) {
      EMBER_CHECK(target >= 0, "The expanded size of the tensor (", target,
                  ") isn't allowed in a leading, non-existing dimension ", i);
      sizes[i] = target;
      strides[i] = 0;
      continue;
    }
    int64_t cur = self.sizes()[j];
    if (target == -1) target = cur;
    if (cur == target) {
      sizes[i] = cur;
      strides[i] = self.strides()[j];
    } else {
      EMBER_CHECK(cur == 1, "The expanded size of the tensor (", target, ") must match the existing size (", cur,
                  ") at non-singleton dimension ", i, ".  Target sizes: ", DimVector(req),
                  ".  Tensor sizes: ", self.sizes());
      sizes[i] = target;
      strides[i] = 0;
    }
  }
  DimVector in = self.sizes();
  return view_with_grad("ExpandBackward0", self, sizes, strides, self.storage_offset(),
                        [in](const Tensor& g) { return sum_to(g, in); });
}

Tensor broadcast_to(const Tensor& self, const DimVector& shape) { return expand(self, shape.vec()); }

Tensor slice(const Tensor& self, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end,
             int64_t step) {
  EMBER_CHECK(self.dim() > 0, "slice() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, self.dim());
  EMBER_CHECK_VALUE(step > 0, "step must be greater than zero");
  const int64_t size = self.sizes()[dim];
  int64_t s = start.value_or(0), e = end.value_or(size);
  if (s < 0) s += size;
  if (e < 0) e += size;
  s = std::clamp<int64_t>(s, 0, size);
  e = std::clamp<int64_t>(e, s, size);
  DimVector sizes = self.sizes(), strides = self.strides();
  sizes[dim] = (e - s + step - 1) / step;
  strides[dim] *= step;
  DimVector in = self.sizes();
  return view_with_grad("SliceBackward0", self, sizes, strides, self.storage_offset() + s * self.strides()[dim],
                        [in, dim, s, e, step](const Tensor& g) {
                          return scatter_into_zeros(g, in, [&](const Tensor& z) { return slice(z, dim, s, e, step); });
                        });
}

Tensor narrow(const Tensor& self, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(self.dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, self.dim());
  const int64_t size = self.sizes()[dim];
  EMBER_CHECK_INDEX(start >= -size && start <= size, "start out of range (expected to be in range of [", -size,
                    ", ", size, "], but got ", start, ")");
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0, "narrow(): length must be non-negative.");
  EMBER_CHECK(start + length <= size, "start (", start, ") + length (", length, ") exceeds dimension size (", size,
              ").");
  return slice(self, dim, start, start + length, 1);
}

Tensor select(const Tensor& self, int64_t dim, int64_t index) {
  EMBER_CHECK_INDEX(self.dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  dim = wrap_dim(dim, self.dim());
  const int64_t size = self.sizes()[dim];
  EMBER_CHECK_INDEX(index >= -size && index < size, "select(): index ", index, " out of range for tensor of size ",
                    self.sizes(), " at dimension ", dim);
  if (index < 0) index += size;
  DimVector sizes = self.sizes(), strides = self.strides();
  int64_t offset = self.storage_offset() + index * strides[dim];
  sizes.erase(dim);
  strides.erase(dim);
  DimVector in = self.sizes();
  return view_with_grad("SelectBackward0", self, sizes, strides, offset, [in, dim, index](const Tensor& g) {
    return scatter_into_zeros(g, in, [&](const Tensor& z) { return select(z, dim, index); });
  });
}

namespace {
// Records one node for several outputs of a split-like op: the gradient of
// the input is the outputs' gradients put back together (zeros for unused ones).
template <typename Join>
void record_pieces(const char* name, const Tensor& self, const std::vector<Tensor>& pieces, Join join) {
  if (!(grad_enabled() && requires_grad(self))) return;
  std::vector<DimVector> shapes;
  for (const Tensor& t : pieces) shapes.push_back(t.sizes());
  const ScalarType dtype = self.dtype();
  record_multi(name, {&self}, pieces, [shapes, dtype, join](Node*, const std::vector<Tensor>& g) {
    std::vector<Tensor> parts;
    for (size_t i = 0; i < shapes.size(); ++i)
      parts.push_back(i < g.size() && g[i].defined() ? g[i] : zeros(shapes[i], dtype));
    return std::vector<Tensor>{join(parts)};
  }, false);
}

std::vector<Tensor> split_impl(const char* name, const Tensor& self, const Dims& sizes, int64_t dim);
}  // namespace

std::vector<Tensor> split_with_sizes(const Tensor& self, const Dims& sizes, int64_t dim) {
  return split_impl("SplitWithSizesBackward0", self, sizes, dim);
}

namespace {
std::vector<Tensor> split_impl(const char* name, const Tensor& self, const Dims& sizes, int64_t dim) {
  dim = wrap_dim(dim, self.dim());
  int64_t total = 0;
  for (int64_t s : sizes) {
    EMBER_CHECK(s >= 0, "split_with_sizes expects split_sizes have only non-negative entries, but got ",
                DimVector(sizes));
    total += s;
  }
  EMBER_CHECK(total == self.sizes()[dim], "split_with_sizes expects split_sizes to sum exactly to ",
              self.sizes()[dim], " (input tensor's size at dimension ", dim, "), but got split_sizes=",
              DimVector(sizes));
  std::vector<Tensor> out;
  {
    GradModeGuard no_grad(false);
    int64_t start = 0;
    for (int64_t s : sizes) {
      out.push_back(narrow(self, dim, start, s));
      start += s;
    }
  }
  record_pieces(name, self, out, [dim](const std::vector<Tensor>& parts) { return cat(parts, dim); });
  return out;
}
}  // namespace

std::vector<Tensor> split(const Tensor& self, int64_t split_size, int64_t dim) {
  dim = wrap_dim(dim, self.dim());
  EMBER_CHECK(split_size > 0 || self.sizes()[dim] == 0, "split_size can only be 0 if dimension size is 0, but got dimension size of ", self.sizes()[dim]);
  const int64_t size = self.sizes()[dim];
  Dims sizes;
  if (split_size == 0) sizes.push_back(0);
  for (int64_t s = 0; s < size; s += split_size) sizes.push_back(std::min(split_size, size - s));
  if (sizes.empty()) sizes.push_back(0);
  return split_impl("SplitBackward0", self, sizes, dim);
}

std::vector<Tensor> chunk(const Tensor& self, int64_t chunks, int64_t dim) {
  EMBER_CHECK(chunks > 0, "chunk expects `chunks` to be greater than 0, got: ", chunks);
  dim = wrap_dim(dim, self.dim());
  const int64_t size = self.sizes()[dim];
  const int64_t each = (size + chunks - 1) / chunks;
  if (each == 0) return split_with_sizes(self, Dims(chunks, 0), dim);  // an empty dim: `chunks` empty pieces
  return split(self, each, dim);
}

std::vector<Tensor> unbind(const Tensor& self, int64_t dim) {
  EMBER_CHECK_INDEX(self.dim() > 0, "Dimension specified as 0 but tensor has no dimensions");
  dim = wrap_dim(dim, self.dim());
  std::vector<Tensor> out;
  {
    GradModeGuard no_grad(false);
    for (int64_t i = 0; i < self.sizes()[dim]; ++i) out.push_back(select(self, dim, i));
  }
  record_pieces("UnbindBackward0", self, out, [dim](const std::vector<Tensor>& parts) { return stack(parts, dim); });
  return out;
}

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK_VALUE(!tensors.empty(), "torch.cat(): expected a non-empty list of Tensors");
  // 1-D empty tensors are skipped, as PyTorch does for legacy reasons.
  const Tensor* ref = nullptr;
  ResultType rt;
  for (const Tensor& t : tensors) {
    rt.add(t);
    if (!(t.dim() == 1 && t.numel() == 0) && !ref) ref = &t;
  }
  ScalarType dtype = rt.result();
  for (const Tensor& t : tensors) dtype = promote_types(dtype, t.dtype());
  if (!ref) return empty({0}, dtype, tensors[0].device());
  EMBER_CHECK(ref->dim() > 0, "zero-dimensional tensor (at position ", ref - tensors.data(),
              ") cannot be concatenated");
  dim = wrap_dim(dim, ref->dim());
  DimVector shape = ref->sizes();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    if (t.dim() == 1 && t.numel() == 0) continue;
    EMBER_CHECK(t.dim() == ref->dim(), "Tensors must have same number of dimensions: got ", ref->dim(), " and ",
                t.dim());
    EMBER_CHECK(t.device() == ref->device(), "Expected all tensors to be on the same device, but found at least "
                "two devices, ", ref->device().str(), " and ", t.device().str(), "!");
    for (int64_t d = 0; d < t.dim(); ++d)
      EMBER_CHECK(d == dim || t.sizes()[d] == shape[d], "Sizes of tensors must match except in dimension ", dim,
                  ". Expected size ", shape[d], " but got size ", t.sizes()[d], " for tensor number ", i,
                  " in the list.");
    total += t.sizes()[dim];
  }
  shape[dim] = total;
  Tensor out = empty(shape, dtype, ref->device());
  Dims sizes_along;  // each input's extent along dim (0 for skipped empties)
  bool rec = false;
  {
    GradModeGuard no_grad(false);
    int64_t offset = 0;
    for (const Tensor& t : tensors) {
      if (t.dim() == 1 && t.numel() == 0) { sizes_along.push_back(-1); continue; }
      Tensor part = narrow(out, dim, offset, t.sizes()[dim]);
      copy_(part, t);
      offset += t.sizes()[dim];
      sizes_along.push_back(t.sizes()[dim]);
    }
  }
  for (const Tensor& t : tensors) rec = rec || requires_grad(t);
  if (rec && grad_enabled()) {
    std::vector<Edge> edges;
    for (const Tensor& t : tensors) edges.push_back(gradient_edge(t));
    auto fn = [dim, sizes_along](Node*, const std::vector<Tensor>& g) {
      std::vector<Tensor> grads;
      int64_t offset = 0;
      for (int64_t s : sizes_along) {
        if (s < 0) { grads.push_back(Tensor()); continue; }
        grads.push_back(narrow(g[0], dim, offset, s));
        offset += s;
      }
      return grads;
    };
    set_history_edges({out}, make_intrusive<LambdaNode<decltype(fn)>>("CatBackward0", fn, false), std::move(edges));
  }
  return out;
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  EMBER_CHECK(!tensors.empty(), "stack expects a non-empty TensorList");
  for (size_t i = 1; i < tensors.size(); ++i)
    EMBER_CHECK(tensors[i].sizes() == tensors[0].sizes(), "stack expects each tensor to be equal size, but got ",
                tensors[0].sizes(), " at entry 0 and ", tensors[i].sizes(), " at entry ", i);
  dim = wrap_dim(dim, tensors[0].dim() + 1);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    std::vector<Tensor> parts;
    for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, dim));
    out = cat(parts, dim);
  }
  bool rec = false;
  for (const Tensor& t : tensors) rec = rec || requires_grad(t);
  if (rec && grad_enabled()) {
    std::vector<Edge> edges;
    for (const Tensor& t : tensors) edges.push_back(gradient_edge(t));
    auto fn = [dim](Node*, const std::vector<Tensor>& g) { return unbind(g[0], dim); };
    set_history_edges({out}, make_intrusive<LambdaNode<decltype(fn)>>("StackBackward0", fn, false), std::move(edges));
  }
  return out;
}

Tensor repeat(const Tensor& self, const Dims& repeats) {
  EMBER_CHECK(int64_t(repeats.size()) >= self.dim(),
              "Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor");
  for (int64_t r : repeats) EMBER_CHECK(r >= 0, "Trying to create tensor with negative dimension ", r);
  // View self as (1, s0, 1, s1, ...), expand to (r0, s0, r1, s1, ...), copy, reshape.
  const int64_t n = int64_t(repeats.size()), lead = n - self.dim();
  Dims padded(lead, 1), expanded, final_shape;
  for (int64_t s : self.sizes()) padded.push_back(s);
  Dims interleaved;
  for (int64_t i = 0; i < n; ++i) {
    interleaved.push_back(1);
    interleaved.push_back(padded[i]);
    expanded.push_back(repeats[i]);
    expanded.push_back(padded[i]);
    final_shape.push_back(repeats[i] * padded[i]);
  }
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = reshape(clone(expand(reshape(self, interleaved), expanded)), final_shape);
  }
  if (grad_enabled() && requires_grad(self)) {
    DimVector in = self.sizes();
    Dims tiled;  // (r0, s0, r1, s1, ...) of the gradient; the r axes are summed
    for (int64_t i = 0; i < n; ++i) { tiled.push_back(repeats[i]); tiled.push_back(padded[i]); }
    record("RepeatBackward0", {&self}, out, [tiled, in, n](Node*, const std::vector<Tensor>& g) {
      Dims axes;
      for (int64_t i = 0; i < n; ++i) axes.push_back(2 * i);
      Tensor s = sum(reshape(g[0], tiled), axes, false);
      return std::vector<Tensor>{reshape(s, in.vec())};
    }, false);
  }
  return out;
}

Tensor flip(const Tensor& self, const Dims& dims) {
  // A negative-stride view (internal only) copied into a fresh tensor.
  DimVector strides = self.strides();
  int64_t offset = self.storage_offset();
  std::vector<bool> seen(std::max<int64_t>(self.dim(), 1), false);
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, self.dim());
    EMBER_CHECK(!seen[w], "dims has duplicates, original flip dims size=", dims.size());
    seen[w] = true;
    if (self.dim() == 0) continue;
    if (self.sizes()[w] > 0) offset += (self.sizes()[w] - 1) * strides[w];
    strides[w] = -strides[w];
  }
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = self.numel() == 0 ? clone(self) : clone(make_view(self, self.sizes(), strides, offset));
  }
  if (grad_enabled() && requires_grad(self))
    record("FlipBackward0", {&self}, out, [dims](Node*, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{flip(g[0], dims)};
    }, false);
  return out;
}

namespace {
void cpu_triangle(const Tensor& x, int64_t rows, int64_t cols, int64_t diagonal, bool lower) {
  const int64_t batches = x.numel() / (rows * cols);
  EMBER_DISPATCH_ALL_AND_HALF(x.dtype(), lower ? "tril" : "triu", [&] {
    scalar_t* p = x.data_ptr<scalar_t>();
    for (int64_t b = 0; b < batches; ++b)
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t j = 0; j < cols; ++j) {
          bool keep = lower ? j - i <= diagonal : j - i >= diagonal;
          if (!keep) p[(b * rows + i) * cols + j] = scalar_t(0);
        }
  });
}
}  // namespace
DispatchStub<TriangleFn> triangle_stub("tril/triu");
namespace {
const bool triangle_registered = (triangle_stub.set(DeviceType::CPU, cpu_triangle), true);

Tensor triangle(const Tensor& self, int64_t diagonal, bool lower) {
  EMBER_CHECK(self.dim() >= 2, lower ? "tril" : "triu", ": input tensor must have at least 2 dimensions");
  Tensor out = contiguous(clone(self));
  const int64_t rows = self.sizes()[self.dim() - 2], cols = self.sizes()[self.dim() - 1];
  if (out.numel() > 0) triangle_stub[self.device()](out, rows, cols, diagonal, lower);
  return out;
}
}  // namespace

Tensor tril(const Tensor& self, int64_t diagonal) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = triangle(self, diagonal, true);
  }
  if (grad_enabled() && requires_grad(self))
    record("TrilBackward0", {&self}, out, [diagonal](Node*, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{tril(g[0], diagonal)};
    }, false);
  return out;
}

Tensor triu(const Tensor& self, int64_t diagonal) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = triangle(self, diagonal, false);
  }
  if (grad_enabled() && requires_grad(self))
    record("TriuBackward0", {&self}, out, [diagonal](Node*, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{triu(g[0], diagonal)};
    }, false);
  return out;
}

Tensor as_strided(const Tensor& self, const Dims& sizes, const Dims& strides, std::optional<int64_t> offset) {
  EMBER_CHECK(sizes.size() == strides.size(), "mismatch in length of strides and shape");
  int64_t off = offset.value_or(self.storage_offset());
  int64_t max_index = off;
  for (size_t i = 0; i < sizes.size(); ++i) {
    EMBER_CHECK(sizes[i] >= 0 && strides[i] >= 0, "as_strided: Negative sizes or strides are not supported");
    if (sizes[i] == 0) { max_index = -1; break; }
    max_index += (sizes[i] - 1) * strides[i];
  }
  EMBER_CHECK(max_index < int64_t(self.impl()->storage()->nbytes() / itemsize(self.dtype())),
              "setStorage: sizes ", DimVector(sizes), ", strides ", DimVector(strides), ", storage offset ", off,
              " requiring a storage size out of bounds");
  Tensor out = make_view(self, DimVector(sizes), DimVector(strides), off);
  if (grad_enabled() && requires_grad(self)) {
    auto node = make_intrusive<AsStridedBackward>(self, out);
    set_history_edges({out}, node, {gradient_edge(self)});
  }
  return out;
}

}  // namespace ember
