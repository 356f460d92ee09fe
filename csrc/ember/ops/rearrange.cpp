// Ops that move elements around without arithmetic, built from views and
// copies (so they run on every device that has copy_): roll, diagonal/diag,
// repeat_interleave, diff, the in-place view ops (squeeze_, unsqueeze_, t_,
// transpose_) and resize_. Each computes its result with grad mode off and
// records one node named as PyTorch names it.
#include <algorithm>
#include <cstdlib>

#include "ember/autograd/autograd.h"
#include "ember/ops/ops.h"

namespace ember {

namespace {

// Records `bw` (g -> the input's gradient) as `out`'s grad_fn when `self` requires grad.
template <typename F>
void record_unary_grad(const char* name, const Tensor& self, const Tensor& out, F bw) {
  if (grad_enabled() && requires_grad(self))
    record(name, {&self}, out, [bw](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{bw(g[0])}; },
           false);
}

}  // namespace

// ---- roll -------------------------------------------------------------------------------
// Along each rolled dim the output is the input's tail [n-s, n) followed by its head [0, n-s):
// each of the 2^k combinations of head/tail pieces over the k dims is one copy_.
Tensor roll(const Tensor& self, const Dims& shifts, const std::optional<Dims>& dims) {
  EMBER_CHECK(!shifts.empty(), "`shifts` required");
  if (!dims || dims->empty()) {
    EMBER_CHECK(shifts.size() == 1, "shifts and dimensions must align. shifts: ", shifts.size(), ", dims:", 0);
    Tensor out;
    {
      GradModeGuard no_grad(false);
      out = view(roll(reshape(self, {-1}), shifts, Dims{0}), self.sizes().vec());
    }
    record_unary_grad("RollBackward0", self, out, [shifts](const Tensor& g) {
      return roll(g, Dims{-shifts[0]}, std::nullopt);
    });
    return out;
  }
  EMBER_CHECK(shifts.size() == dims->size(), "shifts and dimensions must align. shifts: ", shifts.size(),
              ", dims:", dims->size());
  EMBER_CHECK_INDEX(self.dim() > 0, "Dimension specified as ", (*dims)[0], " but tensor has no dimensions");
  // A dim named twice rolls by the sum of its shifts.
  std::vector<int64_t> shift_of(self.dim(), 0);
  std::vector<bool> rolled(self.dim(), false);
  for (size_t i = 0; i < dims->size(); ++i) {
    const int64_t d = wrap_dim((*dims)[i], self.dim());
    const int64_t n = self.sizes()[d];
    rolled[d] = true;
    if (n > 0) shift_of[d] = ((shift_of[d] + shifts[i] % n) % n + n) % n;
  }
  Tensor out = empty(self.sizes(), self.dtype(), self.device());
  {
    GradModeGuard no_grad(false);
    std::vector<int64_t> active;
    for (int64_t d = 0; d < self.dim(); ++d)
      if (rolled[d] && shift_of[d] != 0) active.push_back(d);
    if (out.numel() > 0) {
      for (uint64_t mask = 0; mask < (uint64_t(1) << active.size()); ++mask) {
        Tensor src = self, dst = out;
        bool empty_piece = false;
        for (size_t k = 0; k < active.size(); ++k) {
          const int64_t d = active[k], n = self.sizes()[d], s = shift_of[d];
          // bit set: the input's tail [n-s, n) lands at [0, s); clear: its head [0, n-s) at [s, n)
          const bool tail = (mask >> k) & 1;
          const int64_t len = tail ? s : n - s;
          empty_piece = empty_piece || len == 0;
          src = narrow(src, d, tail ? n - s : 0, len);
          dst = narrow(dst, d, tail ? 0 : s, len);
        }
        if (!empty_piece) copy_(dst, src);
      }
    }
  }
  const Dims back_dims = *dims;
  Dims back_shifts;
  for (int64_t s : shifts) back_shifts.push_back(-s);
  record_unary_grad("RollBackward0", self, out, [back_shifts, back_dims](const Tensor& g) {
    return roll(g, back_shifts, back_dims);
  });
  return out;
}

// ---- diagonal, diag -------------------------------------------------------------------------
Tensor diagonal(const Tensor& self, int64_t offset, int64_t dim1, int64_t dim2) {
  const int64_t nd = self.dim();
  const int64_t d1 = wrap_dim(dim1, nd), d2 = wrap_dim(dim2, nd);
  EMBER_CHECK(d1 != d2, "diagonal dimensions cannot be identical ", dim1, ", ", dim2);
  const int64_t s1 = self.sizes()[d1], s2 = self.sizes()[d2];
  int64_t len = offset >= 0 ? std::min(s1, s2 - offset) : std::min(s1 + offset, s2);
  len = std::max<int64_t>(len, 0);
  int64_t start = self.storage_offset();
  if (len > 0) start += offset >= 0 ? offset * self.strides()[d2] : -offset * self.strides()[d1];
  DimVector sizes, strides;
  for (int64_t d = 0; d < nd; ++d)
    if (d != d1 && d != d2) {
      sizes.push_back(self.sizes()[d]);
      strides.push_back(self.strides()[d]);
    }
  sizes.push_back(len);
  strides.push_back(self.strides()[d1] + self.strides()[d2]);
  Tensor out = make_view(self, std::move(sizes), std::move(strides), start);
  const DimVector in = self.sizes();
  record_unary_grad("DiagonalBackward0", self, out, [in, offset, d1, d2](const Tensor& g) {
    Tensor gi = zeros(in, g.dtype(), g.device());
    Tensor part = diagonal(gi, offset, d1, d2);
    copy_(part, g);
    return gi;
  });
  return out;
}

Tensor diag(const Tensor& self, int64_t k) {
  EMBER_CHECK(self.dim() == 1 || self.dim() == 2, "diag(): Supports 1D or 2D tensors. Got ", self.dim(), "D");
  Tensor out;
  if (self.dim() == 1) {  // a square matrix with self on its k-th diagonal
    const int64_t n = self.sizes()[0] + std::abs(k);
    out = zeros({n, n}, self.dtype(), self.device());
    {
      GradModeGuard no_grad(false);
      Tensor d = diagonal(out, k, 0, 1);
      copy_(d, self);
    }
    record_unary_grad("DiagEmbedBackward0", self, out, [k](const Tensor& g) { return diagonal(g, k, 0, 1); });
    return out;
  }
  {
    GradModeGuard no_grad(false);
    out = clone(diagonal(self, k, 0, 1));
  }
  const DimVector in = self.sizes();
  record_unary_grad("DiagonalBackward0_copy", self, out, [in, k](const Tensor& g) {
    Tensor gi = zeros(in, g.dtype(), g.device());
    Tensor part = diagonal(gi, k, 0, 1);
    copy_(part, g);
    return gi;
  });
  return out;
}

// ---- repeat_interleave ------------------------------------------------------------------------
// The index form: each i in [0, len(repeats)) repeated repeats[i] times (repeats' dtype). The counts
// are read on the host, as PyTorch does to size the output.
Tensor repeat_interleave(const Tensor& repeats, std::optional<int64_t> output_size) {
  EMBER_CHECK(repeats.dim() == 1, "repeat_interleave only accept 1D vector as repeat");
  EMBER_CHECK_KIND(NotImplemented, repeats.dtype() == ScalarType::Int64 || repeats.dtype() == ScalarType::Int32,
                   "\"repeat_interleave_cpu\" not implemented for '", dtype_short_name(repeats.dtype()), "'");
  Tensor counts = contiguous(to_device(repeats, Device{}, ScalarType::Int64));
  const int64_t* c = counts.data_ptr<int64_t>();
  int64_t total = 0;
  for (int64_t i = 0; i < counts.numel(); ++i) {
    EMBER_CHECK(c[i] >= 0, "repeats can not be negative");
    total += c[i];
  }
  EMBER_CHECK(!output_size || *output_size == total, "allocated size does not match required size");
  Tensor idx = empty({total}, ScalarType::Int64);
  int64_t* p = idx.data_ptr<int64_t>();
  for (int64_t i = 0; i < counts.numel(); ++i) p = std::fill_n(p, c[i], i);
  return to_device(idx, repeats.device(), repeats.dtype());
}

Tensor repeat_interleave(const Tensor& self, const Tensor& repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  Tensor input = dim ? self : reshape(self, {-1});
  const int64_t d = dim ? wrap_dim(*dim, self.dim()) : 0;
  EMBER_CHECK(repeats.dim() <= 1, "repeats must be 0-dim or 1-dim tensor");
  const int64_t n = input.dim() == 0 ? 1 : input.sizes()[d];
  Tensor reps = repeats;
  if (repeats.dim() == 0 || (repeats.numel() == 1 && n != 1)) reps = expand(reshape(repeats, {1}), {n});
  EMBER_CHECK(reps.sizes()[0] == n, "repeats must have the same size as input along dim, but got repeats.size(0) = ",
              reps.sizes()[0], " and input.size(", d, ") = ", n);
  Tensor index = repeat_interleave(reps, output_size);
  return index_select(input, d, index);
}

Tensor repeat_interleave(const Tensor& self, int64_t repeats, std::optional<int64_t> dim,
                         std::optional<int64_t> output_size) {
  EMBER_CHECK(repeats >= 0, "Repeats must be non-negative");
  // Each element is followed by repeats - 1 copies: unsqueeze after dim, expand, copy, fold back.
  Tensor input = dim ? self : reshape(self, {-1});
  const int64_t d = dim ? wrap_dim(*dim, self.dim()) : 0;
  Tensor expanded = unsqueeze(input, d + 1);
  Dims sizes = expanded.sizes().vec();
  sizes[d + 1] = repeats;
  Dims final_shape = input.sizes().vec();
  if (input.dim() > 0) final_shape[d] *= repeats;
  if (output_size)
    EMBER_CHECK(*output_size == (input.dim() > 0 ? final_shape[d] : repeats),
                "repeat_interleave: Invalid output_size, expected ", input.dim() > 0 ? final_shape[d] : repeats,
                " but got ", *output_size);
  return view(clone(expand(expanded, sizes)), final_shape);
}

// ---- diff ---------------------------------------------------------------------------------------
Tensor diff(const Tensor& self, int64_t n, int64_t dim, const OptTensor& prepend, const OptTensor& append) {
  EMBER_CHECK(self.dim() >= 1, "diff expects input to be at least one-dimensional");
  EMBER_CHECK(n >= 0, "order must be non-negative but got ", n);
  dim = wrap_dim(dim, self.dim());
  std::vector<Tensor> parts;
  for (const OptTensor* extra : {&prepend, &append}) {
    if (!*extra) continue;
    const Tensor& e = **extra;
    EMBER_CHECK(e.dim() == self.dim(), "diff expects prepend or append to be the same dimension as input");
    for (int64_t d = 0; d < self.dim(); ++d)
      EMBER_CHECK(d == dim || e.sizes()[d] == self.sizes()[d], "diff expects the shape of tensor to prepend or "
                  "append to match that of input except along the differencing dimension; input.size(", d,
                  ") = ", self.sizes()[d], ", but got tensor.size(", d, ") = ", e.sizes()[d]);
  }
  Tensor x = self;
  if (prepend || append) {
    if (prepend) parts.push_back(*prepend);
    parts.push_back(self);
    if (append) parts.push_back(*append);
    x = cat(parts, dim);
  }
  for (int64_t i = 0; i < n; ++i) {
    const int64_t len = x.sizes()[dim];
    if (len == 0) break;
    Tensor hi = narrow(x, dim, 1, len - 1), lo = narrow(x, dim, 0, len - 1);
    x = x.dtype() == ScalarType::Bool ? binary(BinaryOp::LogicalXor, hi, lo) : sub(hi, lo);
  }
  return x;
}

// ---- in-place view ops -----------------------------------------------------------------------------
namespace {
// self takes the geometry of `as_view` (a view of self computed with grad mode off), a new version, and
// a node `name` whose backward is `bw` on top of its old history (PyTorch's SqueezeBackward3, TBackward1, ...).
template <typename F>
Tensor& restride_(Tensor& self, const Tensor& as_view, const char* name, F bw) {
  check_inplace(self);
  const bool rec = grad_enabled() && requires_grad(self);
  // The edge to self's history as it is now (a view's grad_fn would otherwise be rebuilt from the new geometry).
  Edge old = rec ? gradient_edge(self) : Edge{};
  self.impl()->set_geometry(as_view.sizes(), as_view.strides(), as_view.storage_offset());
  self.impl()->bump_version();
  if (rec) {
    auto fn = [bw](Node*, const std::vector<Tensor>& g) { return std::vector<Tensor>{bw(g[0])}; };
    set_history_edges({self}, make_intrusive<LambdaNode<decltype(fn)>>(name, fn, false), {old});
  }
  return self;
}

template <typename MakeView>
Tensor no_grad_view(MakeView make) {
  GradModeGuard no_grad(false);
  return make();
}
}  // namespace

Tensor& squeeze_(Tensor& self, const std::optional<Dims>& dims) {
  Tensor v = no_grad_view([&] { return squeeze(self, dims); });
  const DimVector in = self.sizes();
  const char* name = !dims ? "SqueezeBackward3" : dims->size() == 1 ? "SqueezeBackward4" : "SqueezeBackward5";
  return restride_(self, v, name, [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor& unsqueeze_(Tensor& self, int64_t dim) {
  Tensor v = no_grad_view([&] { return unsqueeze(self, dim); });
  const DimVector in = self.sizes();
  return restride_(self, v, "UnsqueezeBackward1", [in](const Tensor& g) { return reshape(g, in.vec()); });
}

Tensor& t_(Tensor& self) {
  EMBER_CHECK(self.dim() <= 2, "t_() expects a tensor with <= 2 dimensions, but self is ", self.dim(), "D");
  Tensor v = no_grad_view([&] { return t(self); });
  return restride_(self, v, "TBackward1", [](const Tensor& g) { return t(g); });
}

Tensor& transpose_(Tensor& self, int64_t d0, int64_t d1) {
  Tensor v = no_grad_view([&] { return transpose(self, d0, d1); });
  return restride_(self, v, "TransposeBackward1", [d0, d1](const Tensor& g) { return transpose(g, d0, d1); });
}

// resize_: contiguous geometry of the new sizes at the same offset; a storage too small for it is
// replaced by a larger one holding the old bytes (other tensors on the old storage keep it).
Tensor& resize_(Tensor& self, const Dims& sizes) {
  EMBER_CHECK(!requires_grad(self), "cannot resize variables that require grad");
  const DimVector shape(sizes);
  if (shape == self.sizes()) return self;  // as PyTorch: same sizes, nothing changes (strides and version kept)
  const int64_t item = itemsize(self.dtype());
  int64_t numel = 1, bytes = 0;
  for (int64_t s : sizes)
    EMBER_CHECK(s >= 0 && !__builtin_mul_overflow(numel, s, &numel), "numel: integer multiplication overflow");
  EMBER_CHECK(!__builtin_add_overflow(numel, self.storage_offset(), &bytes) &&
                  !__builtin_mul_overflow(bytes, item, &bytes),
              "numel: integer multiplication overflow");
  const size_t needed = size_t(bytes);
  const size_t have = self.impl()->storage()->nbytes();
  if (needed > have) {
    Tensor grown = empty({int64_t(needed / item)}, self.dtype(), self.device());
    const int64_t old_elems = int64_t(have / item);
    if (old_elems > 0) {
      Tensor old = make_view(self, {old_elems}, {1}, 0);
      Tensor head = narrow(grown, 0, 0, old_elems);
      copy_(head, old);
    }
    self.impl()->set_storage(grown.impl()->storage(), self.dtype());
  }
  self.impl()->set_geometry(shape, contiguous_strides(shape), self.storage_offset());
  self.impl()->bump_version();
  return self;
}

}  // namespace ember
