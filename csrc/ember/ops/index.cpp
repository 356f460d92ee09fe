// Indexing: t[...] and t[...] = v (basic indices become views; integer and
// boolean tensor indices gather/scatter with NumPy's placement rules), and
// gather, scatter, index_select, masked_fill, nonzero.
#include <cstring>

#include "ember/autograd/autograd.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// The advanced (tensor) part of an index: int64 index tensors on the indexed
// tensor's device and the dims of the view they index.
struct AdvIndex {
  std::vector<Tensor> adv;
  std::vector<int64_t> dims;
  bool in_range = true;  // every index came from a mask (nonzero) or a bool: no range check needed
};

// The result of applying the basic part of an index: a view, plus the advanced part.
struct IndexPlan {
  Tensor view;
  AdvIndex adv;
};

void check_index_dtype(const Tensor& t) {
  EMBER_CHECK_INDEX(t.dtype() == ScalarType::Int64 || t.dtype() == ScalarType::Int32 ||
                        t.dtype() == ScalarType::Bool,
                    "tensors used as indices must be long, int, byte or bool tensors");
}

// An index tensor on the indexed tensor's device: CPU indices move there, as in PyTorch.
Tensor index_on(const Tensor& t, Device device, ScalarType dtype) {
  EMBER_CHECK_INDEX(t.device() == device || t.device().is_cpu(), "indices should be either on cpu or on the same "
                    "device as the indexed tensor (", device.str(), ")");
  return to_device(t, device, dtype);
}

// PyTorch's IndexError when the index tensors do not broadcast together.
void check_index_shapes(const std::vector<Tensor>& idx) {
  DimVector b;
  bool ok = true;
  for (const Tensor& t : idx) {
    const DimVector& s = t.sizes();
    while (b.size() < s.size()) b.insert(0, 1);
    for (size_t k = 1; k <= s.size(); ++k) {
      int64_t& have = b[b.size() - k];
      const int64_t want = s[s.size() - k];
      if (have == 1) have = want;
      else if (want != 1 && want != have) ok = false;
    }
  }
  if (ok) return;
  std::string shapes;
  for (const Tensor& t : idx) shapes += (shapes.empty() ? "" : ", ") + str(t.sizes());
  throw_error(ErrorKind::Index, "shape mismatch: indexing tensors could not be broadcast together with shapes " + shapes);
}

IndexPlan plan_index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  int64_t consumed = 0;
  bool has_ellipsis = false;
  for (const auto& ix : indices) {
    switch (ix.kind) {
      case TensorIndex::Kind::Int: case TensorIndex::Kind::Slice: ++consumed; break;
      case TensorIndex::Kind::Tensor:
        check_index_dtype(ix.tensor);
        consumed += ix.tensor.dtype() == ScalarType::Bool ? std::max<int64_t>(ix.tensor.dim(), 0) : 1;
        break;
      case TensorIndex::Kind::Ellipsis:
        EMBER_CHECK_INDEX(!has_ellipsis, "an index can only have a single ellipsis ('...')");
        has_ellipsis = true;
        break;
      default: break;
    }
  }
  EMBER_CHECK_INDEX(consumed <= self.dim(), "too many indices for tensor of dimension ", self.dim());
  IndexPlan p;
  Tensor v = self;
  int64_t d = 0;     // current dim of v
  int64_t orig = 0;  // the dim of self it came from (for messages)
  for (const auto& ix : indices) {
    switch (ix.kind) {
      case TensorIndex::Kind::Int: {
        const int64_t size = v.sizes()[d];
        EMBER_CHECK_INDEX(ix.integer >= -size && ix.integer < size, "index ", ix.integer,
                          " is out of bounds for dimension ", orig, " with size ", size);
        v = select(v, d, ix.integer);
        ++orig;
        break;
      }
      case TensorIndex::Kind::Slice:
        v = slice(v, d, ix.start, ix.stop, ix.step);
        ++d;
        ++orig;
        break;
      case TensorIndex::Kind::None:
        v = unsqueeze(v, d);
        ++d;
        break;
      case TensorIndex::Kind::Bool: {  // t[True] / t[False]: a 0-d mask (a copy, as in PyTorch)
        v = unsqueeze(v, d);
        p.adv.adv.push_back(ix.boolean ? zeros({1}, ScalarType::Int64, self.device())
                                       : empty({0}, ScalarType::Int64, self.device()));
        p.adv.dims.push_back(d);
        ++d;
        break;
      }
      case TensorIndex::Kind::Ellipsis:
        d += self.dim() - consumed;
        orig += self.dim() - consumed;
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = ix.tensor;
        if (t.dtype() == ScalarType::Bool) {
          for (int64_t k = 0; k < t.dim(); ++k)
            EMBER_CHECK_INDEX(t.sizes()[k] == v.sizes()[d + k], "The shape of the mask ", t.sizes(),
                              " at index ", k, " does not match the shape of the indexed tensor ", v.sizes(),
                              " at index ", d + k);
          if (t.dim() == 0) {  // a 0-d mask acts like a bool scalar
            v = unsqueeze(v, d);
            p.adv.adv.push_back(index_on(reshape(nonzero(reshape(t, {1})), {-1}), self.device(), ScalarType::Int64));
            p.adv.dims.push_back(d);
            ++d;
            break;
          }
          Tensor nz = index_on(nonzero(t), self.device(), ScalarType::Int64);  // (n, t.dim())
          for (int64_t k = 0; k < t.dim(); ++k) {
            p.adv.adv.push_back(select(nz, 1, k));
            p.adv.dims.push_back(d + k);
          }
          d += t.dim();
          orig += t.dim();
        } else {
          p.adv.adv.push_back(index_on(t, self.device(), ScalarType::Int64));
          p.adv.dims.push_back(d);
          p.adv.in_range = false;
          ++d;
          ++orig;
        }
        break;
      }
    }
  }
  check_index_shapes(p.adv.adv);
  p.view = v;
  return p;
}

// Advanced indexing over plan.view, in "gather order": the result's dims are the
// index tensors' broadcast shape, then the view's other (rest) dims in order. Each
// index position's element offset in the indexed tensor is computed by a device
// kernel (index_offsets_stub, which also checks the indices' range); the elements
// then move with gather_scatter_stub, over views that see the indexed tensor with
// stride 0 along the index dims and the offsets with stride 0 along the rest dims.
struct Gather {
  DimVector bshape;           // broadcast shape of the index tensors
  DimVector rest_shape;       // the non-indexed dims of the view, in order
  std::vector<int64_t> rest_dims;
  bool adjacent = true;       // advanced dims consecutive: the result keeps them in place
  int64_t first_adv = 0;
  Tensor offsets;             // int64 (bshape): element offsets from the indexed tensor's storage offset
  DimVector shape() const {   // the gather-order shape
    DimVector s = bshape;
    for (int64_t r : rest_shape) s.push_back(r);
    return s;
  }
};

// Geometry of an advanced index on `t`, a tensor shaped like the indexed view (the view itself, or a gradient).
Gather make_gather(const Tensor& t, const AdvIndex& ai) {
  Gather g;
  DimVector b;
  for (const Tensor& i : ai.adv) b = broadcast_shapes(b, i.sizes());
  g.bshape = b;
  for (size_t i = 1; i < ai.dims.size(); ++i) g.adjacent &= ai.dims[i] == ai.dims[i - 1] + 1;
  g.first_adv = ai.dims[0];
  std::vector<bool> is_adv(t.dim(), false);
  for (int64_t d : ai.dims) is_adv[d] = true;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!is_adv[d]) { g.rest_dims.push_back(d); g.rest_shape.push_back(t.sizes()[d]); }
  g.offsets = empty(b, ScalarType::Int64, t.device());
  if (g.offsets.numel() == 0) return g;
  std::vector<Tensor> idx;
  std::vector<IndexDim> dims;
  for (size_t j = 0; j < ai.adv.size(); ++j) {
    const int64_t d = ai.dims[j];
    idx.push_back(contiguous(expand(ai.adv[j], b.vec())));
    dims.push_back({t.sizes()[d], t.strides()[d], d});
  }
  index_offsets_stub[t.device()](idx, dims, ai.in_range, g.offsets);
  return g;
}

// The operands of the element moves: t seen in gather order with stride 0 along the index dims (its storage offset
// kept), and the offsets broadcast across the rest dims.
std::pair<Tensor, Tensor> gather_views(const Tensor& t, const Gather& g) {
  const DimVector shape = g.shape(), ostrides = contiguous_strides(g.bshape);
  DimVector ts(g.bshape.size(), 0), os = ostrides;
  for (int64_t d : g.rest_dims) {
    ts.push_back(t.strides()[d]);
    os.push_back(0);
  }
  return {make_view(t, shape, ts, t.storage_offset()), make_view(g.offsets, shape, os, 0)};
}

// Result dims are (bshape..., rest...) in gather order; with adjacent
// advanced dims they move to where the first one was.
Dims gather_to_result_perm(const Gather& g) {
  const int64_t nb = g.bshape.size(), nr = g.rest_shape.size();
  Dims perm;
  if (!g.adjacent) {
    for (int64_t i = 0; i < nb + nr; ++i) perm.push_back(i);
    return perm;
  }
  // rest dims before first_adv, then bshape, then the remaining rest dims
  int64_t before = 0;
  for (int64_t d : g.rest_dims) before += d < g.first_adv;
  for (int64_t i = 0; i < before; ++i) perm.push_back(nb + i);
  for (int64_t i = 0; i < nb; ++i) perm.push_back(i);
  for (int64_t i = before; i < nr; ++i) perm.push_back(nb + i);
  return perm;
}

// The CPU's fast case, the common t[idx] and t[mask] on a contiguous tensor:
// the view's non-indexed dims are its trailing dims and contiguous, so each
// index position names one contiguous row at t's data + offsets[k], moved
// whole. Returns the row's length in elements, or -1 where that does not hold.
int64_t contiguous_row(const Tensor& t, const Gather& g) {
  if (!t.device().is_cpu()) return -1;
  const int64_t nr = int64_t(g.rest_dims.size());
  int64_t row = 1;
  for (int64_t i = nr - 1; i >= 0; --i) {
    const int64_t d = g.rest_dims[size_t(i)];
    if (d != t.dim() - nr + i || (t.sizes()[d] != 1 && t.strides()[d] != row)) return -1;
    row *= t.sizes()[d];
  }
  return row;
}

// out's row k (out contiguous, in gather order) = t's row at offsets[k].
void take_rows(const Tensor& t, const Gather& g, int64_t row, const Tensor& out) {
  const size_t item = itemsize(t.dtype()), bytes = size_t(row) * item;
  const char* src = static_cast<const char*>(t.raw_data());
  char* dst = static_cast<char*>(out.raw_data());
  const int64_t* off = g.offsets.data_ptr<int64_t>();
  parallel_for(0, g.offsets.numel(), std::max<int64_t>(1, kGrainSize / std::max<int64_t>(row, 1)),
               [&](int64_t k0, int64_t k1) {
                 for (int64_t k = k0; k < k1; ++k) std::memcpy(dst + k * bytes, src + off[k] * item, bytes);
               });
}

// Serial, so that of repeated positions the last row is the one written (or all add up).
void put_rows(Tensor& t, const Gather& g, int64_t row, const Tensor& rows, bool accumulate) {
  const int64_t* off = g.offsets.data_ptr<int64_t>();
  const int64_t n = g.offsets.numel();
  EMBER_DISPATCH_ALL_AND_HALF(t.dtype(), accumulate ? "index_put_with_accumulate" : "index_put", [&] {
    using T = scalar_t;
    T* dst = static_cast<T*>(t.raw_data());
    const T* src = rows.data_ptr<T>();
    for (int64_t k = 0; k < n; ++k) {
      T* o = dst + off[k];
      const T* v = src + k * row;
      if (!accumulate) std::memcpy(o, v, size_t(row) * sizeof(T));
      else for (int64_t j = 0; j < row; ++j) o[j] = T(o[j] + v[j]);
    }
  });
}

// The values at t's indexed positions, in result layout (no autograd).
Tensor take(const Tensor& t, const AdvIndex& ai) {
  Gather g = make_gather(t, ai);
  Tensor out = empty(g.shape(), t.dtype(), t.device());
  const int64_t row = contiguous_row(t, g);
  if (out.numel() && row > 0) {
    take_rows(t, g, row, out);
  } else if (out.numel()) {
    auto [elems, offsets] = gather_views(t, g);
    auto L = StridedLoop::make(out, {&elems, &offsets});
    gather_scatter_stub[t.device()](IndexMode::Gather, L, t.dtype(), 0, -1, itemsize(t.dtype()));
  }
  return contiguous(permute(out, gather_to_result_perm(g)));
}

// A value written into `dims` dims loses its leading 1s beyond them, as in PyTorch (y[:] = ones(1, 5)
// for a 1-D y).
Tensor drop_leading_ones(const Tensor& src, int64_t dims) {
  int64_t extra = 0;
  while (src.dim() - extra > dims && src.sizes()[extra] == 1) ++extra;
  return extra ? reshape(src, Dims(src.sizes().begin() + extra, src.sizes().end())) : src;
}

// Writes `value` (broadcast to the indexing result's shape) into t's indexed positions, or adds it (accumulate:
// repeated positions add up); otherwise a repeated position keeps one of its values (on the CPU the last).
void put(Tensor& t, const AdvIndex& ai, const Operand& value, bool accumulate) {
  Gather g = make_gather(t, ai);
  const int64_t row = contiguous_row(t, g);
  if (row >= 0 && value.is_scalar && !accumulate) {  // t[idx] = 0: one row of the value, copied to each position
    if (row > 0 && g.offsets.numel()) {
      Tensor one = empty({row}, t.dtype());
      assign_scalar_(one, value.scalar);
      const size_t item = itemsize(t.dtype()), bytes = size_t(row) * item;
      const char* src = static_cast<const char*>(one.raw_data());
      char* dst = static_cast<char*>(t.raw_data());
      const int64_t* off = g.offsets.data_ptr<int64_t>();
      // Each thread writes the rows whose offset falls in its share (off / row mod threads), so a
      // repeated position is never written by two threads at once.
      const int64_t n = g.offsets.numel();
      const int64_t parts = n * row < kGrainSize ? 1 : get_num_threads();
      parallel_for(0, parts, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t k = 0; k < n; ++k)
          if ((off[k] / row) % parts >= p0 && (off[k] / row) % parts < p1) std::memcpy(dst + off[k] * item, src, bytes);
      });
    }
    t.impl()->bump_version();
    return;
  }
  const DimVector gshape = g.shape();
  const Dims perm = gather_to_result_perm(g);
  DimVector rshape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) rshape[i] = gshape[perm[i]];
  Tensor vals = empty(rshape, t.dtype(), t.device());
  if (value.is_scalar) {
    assign_scalar_(vals, value.scalar);
  } else {
    Tensor src = drop_leading_ones(value.tensor, int64_t(rshape.size()));
    bool fits = src.dim() <= int64_t(rshape.size());
    for (int64_t k = 1; fits && k <= src.dim(); ++k) {
      const int64_t have = src.sizes()[src.dim() - k];
      fits = have == 1 || have == rshape[rshape.size() - k];
    }
    EMBER_CHECK(fits, "shape mismatch: value tensor of shape ", src.sizes(),
                " cannot be broadcast to indexing result of shape ", rshape);
    copy_(vals, src);
  }
  if (vals.numel()) {
    Dims inverse(perm.size());
    for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = int64_t(i);
    Tensor ordered = contiguous(permute(vals, inverse));  // back to gather order
    if (row > 0) {
      put_rows(t, g, row, ordered, accumulate);
      t.impl()->bump_version();
      return;
    }
    auto [elems, offsets] = gather_views(t, g);
    // Planned over the values, so that the loop runs in gather order (rows of t's rest dims innermost, and the
    // last of repeated positions written last), then t's view made the output.
    auto L = StridedLoop::make(ordered, {&elems, &offsets});
    L.swap_operands(0, 1);
    gather_scatter_stub[t.device()](accumulate ? IndexMode::ScatterAdd : IndexMode::Scatter, L, t.dtype(), 0, -1,
                                    itemsize(t.dtype()));
  }
  t.impl()->bump_version();
}

Tensor put_with_grad(const Tensor& self, const AdvIndex& ai, const Operand& value, bool accumulate);

// t[indices] with autograd: the gradient is added back into the indexed positions (repeats accumulate).
Tensor take_with_grad(const Tensor& t, const AdvIndex& ai) {
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = take(t, ai);
  }
  if (grad_enabled() && requires_grad(t)) {
    DimVector in = t.sizes();
    record("IndexBackward0", {&t}, out, [ai, in](Node*, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{put_with_grad(zeros(in, g[0].dtype(), g[0].device()), ai, Operand(g[0]), true)};
    });
  }
  return out;
}

// self with the indexed positions set to (or, accumulate, increased by) value, out of place, with autograd.
Tensor put_with_grad(const Tensor& self, const AdvIndex& ai, const Operand& value, bool accumulate) {
  const Tensor* vt = value.is_scalar ? nullptr : &value.tensor;
  Tensor result;
  {
    GradModeGuard no_grad(false);
    result = clone(self);
    put(result, ai, value, accumulate);
  }
  if (grad_enabled() && any_requires_grad({&self, vt}))
    record("IndexPutBackward0", {&self, vt}, result, [ai, accumulate](Node*, const std::vector<Tensor>& g) {
      Tensor g_self = accumulate ? g[0] : put_with_grad(g[0], ai, Operand(Scalar(0.0)), false);
      return std::vector<Tensor>{g_self, take_with_grad(g[0], ai)};
    });
  return result;
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  IndexPlan p = plan_index(self, indices);  // basic indices: views, recorded by the view ops
  if (p.adv.adv.empty()) return p.view.is_same(self) ? alias(self) : p.view;
  return take_with_grad(p.view, p.adv);
}

void index_put_(Tensor& self, const std::vector<TensorIndex>& indices, const Operand& value, bool accumulate) {
  IndexPlan p = plan_index(self, indices);
  if (p.adv.adv.empty()) {  // basic indexing: write through the view (copy_/fill_/add_ handle autograd)
    Tensor v = p.view;
    const Operand val = value.is_scalar ? value : Operand(drop_leading_ones(value.tensor, v.dim()));
    if (!val.is_scalar && val.tensor.sizes() != v.sizes()) {
      GradModeGuard no_grad(false);
      expand(val.tensor, v.sizes().vec());  // PyTorch's message for a value that doesn't fit
    }
    if (accumulate) binary_(BinaryOp::Add, v, val);
    else if (val.is_scalar) assign_scalar_(v, val.scalar);
    else copy_(v, val.tensor);
    return;
  }
  Tensor target = p.view;
  const Tensor* vt = value.is_scalar ? nullptr : &value.tensor;
  const bool rec = grad_enabled() && (requires_grad(target) || (vt && requires_grad(*vt)) ||
                                      (target.impl()->is_view() && requires_grad(Tensor(target.impl()->view_base()))));
  if (!rec) {
    GradModeGuard no_grad(false);
    put(target, p.adv, value, accumulate);
    return;
  }
  // With autograd: the result is "target with the positions replaced"; target takes its history.
  check_inplace(target);
  Tensor result = put_with_grad(target, p.adv, value, accumulate);
  {
    GradModeGuard no_grad(false);
    copy_(target, result);
  }
  rebase_history(target, result);
}

Tensor& index_put_(Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  EMBER_CHECK(values.dtype() == self.dtype(), "Index put requires the source and destination dtypes match, got ",
              dtype_short_name(self.dtype()), " for the destination and ", dtype_short_name(values.dtype()),
              " for the source.");
  EMBER_CHECK(!indices.empty(), "index_put_(): expected at least one index tensor");
  std::vector<TensorIndex> ix;
  int64_t dims = 0;
  for (const Tensor& t : indices) {
    ix.push_back(TensorIndex{TensorIndex::Kind::Tensor});
    ix.back().tensor = t;
    dims += t.dtype() == ScalarType::Bool ? t.dim() : 1;
  }
  EMBER_CHECK_INDEX(dims <= self.dim(), "too many indices for tensor of dimension ", self.dim(), " (got ", dims, ")");
  index_put_(self, ix, Operand(values), accumulate);
  return self;
}

Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor out = clone(self);
  return index_put_(out, indices, values, accumulate);
}

namespace {
// index_select, unlike tensor indexing, takes no negative index: every index
// must lie in [0, size) ("index out of range in self", as PyTorch says). Off
// the CPU the device gather checks the range itself.
void check_select_range(const Tensor& index, int64_t size) {
  if (!index.device().is_cpu()) return;
  const Tensor i = contiguous(index);
  auto check = [&](const auto* p) {
    for (int64_t k = 0; k < i.numel(); ++k) EMBER_CHECK_INDEX(p[k] >= 0 && p[k] < size, "index out of range in self");
  };
  if (i.dtype() == ScalarType::Int64) check(i.data_ptr<int64_t>());
  else check(i.data_ptr<int32_t>());
}
}  // namespace

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  EMBER_CHECK_INDEX(index.dim() <= 1, "index_select(): Index is supposed to be a vector");
  EMBER_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
              "index_select(): Expected dtype int32 or int64 for index");
  check_same_device("index_select", {&self, &index});
  dim = wrap_dim(dim, self.dim());
  EMBER_CHECK_INDEX(self.dim() > 0 || index.numel() == 1, "index_select(): Index to scalar can have only 1 value, got ",
                    index.numel(), " value(s)");
  check_select_range(index, self.dim() == 0 ? 1 : self.sizes()[dim]);
  std::vector<TensorIndex> ix(dim, TensorIndex{TensorIndex::Kind::Slice});
  TensorIndex t{TensorIndex::Kind::Tensor};
  t.tensor = reshape(index, {-1});
  ix.push_back(t);
  Tensor out;
  {
    GradModeGuard no_grad(false);
    // Off the CPU, a gather with the index broadcast across the other dims (one device kernel).
    auto select = [&](const Tensor& x) {
      if (x.device().is_cpu()) return ember::index(x, ix);
      Dims shape(x.dim(), 1);
      shape[dim] = -1;
      DimVector out_shape = x.sizes();
      out_shape[dim] = t.tensor.numel();
      return gather(x, dim, expand(reshape(t.tensor, shape), out_shape.vec()));
    };
    if (self.dim() == 0) {  // a 0-d tensor is indexed as if it had one element, and stays 0-d
      Tensor r = select(reshape(self, {1}));
      out = reshape(r, {});
    } else {
      out = select(self);
    }
  }
  if (grad_enabled() && requires_grad(self)) {
    DimVector in = self.sizes();
    record("IndexSelectBackward0", {&self}, out, [in, dim, I = SavedTensor(t.tensor, false)](Node* n, const std::vector<Tensor>& g) {
      // index_add: scatter-add each selected slice back along dim.
      if (in.empty()) return std::vector<Tensor>{reshape(g[0], {})};
      Dims shape(in.size(), 1);
      shape[dim] = -1;
      Tensor idx = expand(reshape(I.unpack(n), shape), g[0].sizes().vec());
      return std::vector<Tensor>{scatter_add(zeros(in, g[0].dtype(), g[0].device()), dim, contiguous(idx), g[0])};
    });
  }
  return out;
}

namespace {

// Checks shared by gather and scatter; returns self's geometry restricted to
// index's shape, with stride 0 along `dim` (the index supplies that offset).
Tensor restricted_view(const Tensor& self, int64_t dim, const Tensor& index, const char* op) {
  EMBER_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32, op,
              "(): Expected dtype int32/int64 for index");
  EMBER_CHECK(index.dim() == self.dim() || (index.dim() <= 1 && self.dim() <= 1), "Index tensor must have the "
              "same number of dimensions as ", op == std::string("gather") ? "input" : "self", " tensor");
  DimVector st = self.strides();
  for (int64_t d = 0; d < index.dim(); ++d)
    if (d != dim)
      EMBER_CHECK(index.sizes()[d] <= self.sizes()[d], "Size does not match at dimension ", d,
                  " expected index ", index.sizes(), " to be smaller than self ", self.sizes(),
                  " apart from dimension ", dim);
  if (self.dim() == 0) return self;
  st[dim] = 0;
  return make_view(self, index.sizes(), st, self.storage_offset());
}

}  // namespace

namespace {

// The CPU slot of index_offsets_stub. The first index out of range (in index order, then position) raises.
void cpu_index_offsets(const std::vector<Tensor>& indices, const std::vector<IndexDim>& dims, bool,
                       const Tensor& offsets) {
  const int64_t n = offsets.numel();
  int64_t* out = offsets.data_ptr<int64_t>();
  std::fill(out, out + n, int64_t(0));
  for (size_t j = 0; j < indices.size(); ++j) {
    const int64_t* pi = indices[j].data_ptr<int64_t>();
    const IndexDim& d = dims[j];
    for (int64_t k = 0; k < n; ++k) {
      const int64_t i = pi[k];
      EMBER_CHECK_INDEX(i >= -d.size && i < d.size, "index ", i, " is out of bounds for dimension ", d.dim,
                        " with size ", d.size);
      out[k] += (i < 0 ? i + d.size : i) * d.stride;
    }
  }
}

}  // namespace
DispatchStub<IndexOffsetsFn> index_offsets_stub("index");
namespace {
const bool index_offsets_registered = (index_offsets_stub.set(DeviceType::CPU, cpu_index_offsets), true);

// The CPU slot of gather_scatter_stub. Scatter runs serially: repeated indices must combine deterministically.
void cpu_gather_scatter(IndexMode mode, const StridedLoop& L, ScalarType dtype, int64_t dim, int64_t size,
                        int64_t stride_bytes) {
  EMBER_DISPATCH_ALL_AND_HALF(dtype, mode == IndexMode::Gather ? "gather" : "scatter", [&] {
    using T = scalar_t;
    L.run(
        [&](char** p, const int64_t* s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            int64_t ix = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
            EMBER_CHECK(size < 0 || (ix >= 0 && ix < size), "index ", ix, " is out of bounds for dimension ", dim, " with size ",
                        size);
            if (mode == IndexMode::Gather) {
              *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const T*>(p[1] + i * s[1] + ix * stride_bytes);
              continue;
            }
            T* o = reinterpret_cast<T*>(p[0] + i * s[0] + ix * stride_bytes);
            T v = *reinterpret_cast<const T*>(p[1] + i * s[1]);
            if (mode == IndexMode::Scatter) *o = v;
            else if (mode == IndexMode::ScatterAdd) *o = T(*o + v);
            else *o = T(*o * v);
          }
        },
        mode == IndexMode::Gather ? kGrainSize : INT64_MAX);
  });
}

}  // namespace
DispatchStub<GatherScatterFn> gather_scatter_stub("gather/scatter");
namespace {
const bool gather_scatter_registered = (gather_scatter_stub.set(DeviceType::CPU, cpu_gather_scatter), true);
}  // namespace

namespace {
Tensor gather_impl(const Tensor& self, int64_t dim, const Tensor& index_in) {
  EMBER_CHECK(index_in.dtype() == ScalarType::Int64 || index_in.dtype() == ScalarType::Int32,
              "gather(): Expected dtype int32/int64 for index");
  check_same_device("gather", {&self, &index_in});
  Tensor index = to_dtype(index_in, ScalarType::Int64);
  Tensor src = restricted_view(self, dim, index, "gather");
  Tensor out = empty(index.sizes(), self.dtype(), self.device());
  if (out.numel() == 0) return out;
  const int64_t size = self.dim() ? self.sizes()[dim] : 1;
  const int64_t stride_bytes = (self.dim() ? self.strides()[dim] : 0) * itemsize(self.dtype());
  auto L = StridedLoop::make(out, {&src, &index});
  gather_scatter_stub[self.device()](IndexMode::Gather, L, self.dtype(), dim, size, stride_bytes);
  return out;
}

Tensor& scatter_impl_(Tensor& self, int64_t dim, const Tensor& index_in, const Operand& src,
                      const std::string& reduce) {
  EMBER_CHECK(index_in.dtype() == ScalarType::Int64 || index_in.dtype() == ScalarType::Int32,
              "scatter(): Expected dtype int32/int64 for index");
  check_same_device("scatter", {&self, &index_in, src.is_scalar ? nullptr : &src.tensor});
  Tensor index = to_dtype(index_in, ScalarType::Int64);
  EMBER_CHECK(reduce.empty() || reduce == "add" || reduce == "multiply",
              "reduce argument must be either add or multiply.");
  Tensor dst = restricted_view(self, dim, index, "scatter");
  if (index.numel() == 0) return self;
  Tensor values;
  if (src.is_scalar) {
    check_convertible(src.scalar, self.dtype());  // scatter checks as fill_ does, float16 included
    values = expand(scalar_tensor(src.scalar, self.dtype(), self.device()), index.sizes().vec());
  } else {
    EMBER_CHECK(src.tensor.dtype() == self.dtype(), "scatter(): Expected self.dtype to be equal to src.dtype");
    for (int64_t d = 0; d < index.dim(); ++d)
      EMBER_CHECK(index.sizes()[d] <= src.tensor.sizes()[d], "Expected index ", index.sizes(),
                  " to be smaller than src ", src.tensor.sizes(), " apart from dimension ", dim);
    values = make_view(src.tensor, index.sizes(), src.tensor.strides(), src.tensor.storage_offset());
  }
  const int64_t size = self.dim() ? self.sizes()[dim] : 1;
  const int64_t stride_bytes = (self.dim() ? self.strides()[dim] : 0) * itemsize(self.dtype());
  auto L = StridedLoop::make(dst, {&values, &index});
  const IndexMode mode = reduce.empty() ? IndexMode::Scatter : reduce == "add" ? IndexMode::ScatterAdd
                                                                               : IndexMode::ScatterMul;
  gather_scatter_stub[self.device()](mode, L, self.dtype(), dim, size, stride_bytes);
  self.impl()->bump_version();
  return self;
}

}  // namespace

Tensor gather(const Tensor& self, int64_t dim, const Tensor& index) {
  dim = wrap_dim(dim, self.dim());
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = gather_impl(self, dim, index);
  }
  if (grad_enabled() && requires_grad(self)) {
    DimVector in = self.sizes();
    record("GatherBackward0", {&self}, out, [in, dim, I = SavedTensor(index, false)](Node* n, const std::vector<Tensor>& g) {
      return std::vector<Tensor>{scatter_add(zeros(in, g[0].dtype(), g[0].device()), dim, I.unpack(n), g[0])};
    });
  }
  return out;
}

Tensor scatter(const Tensor& self, int64_t dim, const Tensor& index, const Operand& src, const std::string& reduce) {
  dim = wrap_dim(dim, self.dim());
  const Tensor* ts = src.is_scalar ? nullptr : &src.tensor;
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = clone(self);
    scatter_impl_(out, dim, index, src, reduce);
  }
  if (grad_enabled() && any_requires_grad({&self, ts})) {
    EMBER_CHECK(reduce.empty() || reduce == "add", "the derivative of scatter with reduce='", reduce,
                "' is not implemented");
    const bool add_mode = reduce == "add";
    record(add_mode ? "ScatterAddBackward0" : ts ? "ScatterBackward0" : "ScatterBackward1", {&self, ts}, out,
           [dim, add_mode, has_src = bool(ts), I = SavedTensor(index, false)](Node* n, const std::vector<Tensor>& g) {
             Tensor idx = I.unpack(n);
             Tensor g_self = add_mode ? g[0] : scatter(g[0], dim, idx, Operand(Scalar(0.0)));
             Tensor g_src = has_src ? gather(g[0], dim, idx) : Tensor();
             return std::vector<Tensor>{g_self, g_src};
           });
  }
  return out;
}

Tensor& scatter_(Tensor& self, int64_t dim, const Tensor& index, const Operand& src, const std::string& reduce) {
  dim = wrap_dim(dim, self.dim());
  const Tensor* ts = src.is_scalar ? nullptr : &src.tensor;
  check_overlapping_write(self, {ts, &index});
  if (!(grad_enabled() && any_requires_grad({&self, ts}))) {
    GradModeGuard no_grad(false);
    return scatter_impl_(self, dim, index, src, reduce);
  }
  check_inplace(self);
  Tensor result = scatter(self, dim, index, src, reduce);
  {
    GradModeGuard no_grad(false);
    copy_(self, result);
  }
  rebase_history(self, result);
  return self;
}

Tensor scatter_add(const Tensor& self, int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter(self, dim, index, Operand(src), "add");
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, const Operand& value) {
  EMBER_CHECK(mask.dtype() == ScalarType::Bool, "masked_fill_ only supports boolean masks, but got mask with dtype ",
              dtype_name(mask.dtype()));
  if (!value.is_scalar)
    EMBER_CHECK(value.tensor.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                "with ", value.tensor.dim(), " dimension(s).");
  if (value.is_scalar) check_convertible(value.scalar, self.dtype());  // as fill_, float16 included
  Tensor out;
  {
    GradModeGuard no_grad(false);
    Tensor v = value.is_scalar ? scalar_tensor(value.scalar, self.dtype(), self.device())
                               : to_dtype(value.tensor, self.dtype());
    out = where(mask, Operand(v), Operand(self));
  }
  const Tensor* vt = value.is_scalar ? nullptr : &value.tensor;
  if (grad_enabled() && any_requires_grad({&self, vt}) && is_floating(out.dtype()))
    record("MaskedFillBackward0", {&self, vt}, out, [M = SavedTensor(mask, false), has_v = bool(vt)](
        Node* n, const std::vector<Tensor>& g) {
      Tensor m = M.unpack(n);
      Operand zero(Scalar(0.0));
      return std::vector<Tensor>{where(m, zero, g[0]), has_v ? sum(where(m, g[0], zero)) : Tensor()};
    });
  return out;
}

Tensor& masked_fill_(Tensor& self, const Tensor& mask, const Operand& value) {
  DimVector b = broadcast_shapes(self.sizes(), mask.sizes());
  EMBER_CHECK(b == self.sizes(), "The expanded size of the mask ", mask.sizes(), " must match the size of self ",
              self.sizes());
  if (has_internal_overlap(self)) {
    // PyTorch still fills an expanded tensor, writing only where the mask is true (deprecated).
    warn("Use of masked_fill_ on expanded tensors is deprecated. Please clone() the tensor before performing "
         "this operation. This also applies to advanced indexing e.g. tensor[mask] = scalar");
    Tensor v = value.is_scalar ? scalar_tensor(value.scalar, self.dtype(), self.device())
                               : to_dtype(value.tensor, self.dtype());
    if (value.is_scalar) check_convertible(value.scalar, self.dtype());
    return index_put_(self, {expand(mask, self.sizes().vec())}, v, false);
  }
  Tensor r = masked_fill(self, mask, value);
  return copy_(self, r);
}

namespace {
// The CPU slot of nonzero_stub.
Tensor cpu_nonzero(const Tensor& mask) {
  const int64_t nd = mask.dim(), n = mask.numel();
  const bool* p = mask.data_ptr<bool>();
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += p[i];
  Tensor out = empty({count, nd}, ScalarType::Int64, mask.device());
  int64_t* o = out.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (!p[i]) continue;
    for (int64_t d = nd - 1, rem = i; d >= 0; --d) {
      o[d] = rem % mask.sizes()[d];
      rem /= mask.sizes()[d];
    }
    o += nd;
  }
  return out;
}
}  // namespace
DispatchStub<NonzeroFn> nonzero_stub("nonzero");
namespace {
const bool nonzero_registered = (nonzero_stub.set(DeviceType::CPU, cpu_nonzero), true);
}  // namespace

Tensor nonzero(const Tensor& self) {
  Tensor mask;
  {
    GradModeGuard no_grad(false);
    mask = contiguous(self.dtype() == ScalarType::Bool ? self : binary(BinaryOp::Ne, self, Scalar(int64_t(0))));
  }
  return nonzero_stub[self.device()](mask);
}

std::vector<Tensor> nonzero_tuple(const Tensor& self) {
  const Tensor x = self.dim() == 0 ? reshape(self, {1}) : self;
  const Tensor nz = nonzero(x);
  std::vector<Tensor> out;
  for (int64_t d = 0; d < x.dim(); ++d) out.push_back(contiguous(select(nz, 1, d)));
  return out;
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  EMBER_CHECK(mask.dtype() == ScalarType::Bool, "masked_select: expected BoolTensor for mask");
  DimVector b = broadcast_shapes(self.sizes(), mask.sizes());
  TensorIndex t{TensorIndex::Kind::Tensor};
  Tensor out;
  {
    GradModeGuard no_grad(false);
    t.tensor = contiguous(expand(mask, b.vec()));
    out = index(expand(self, b.vec()), {t});
  }
  if (grad_enabled() && requires_grad(self))
    record("MaskedSelectBackward0", {&self}, out, [b, M = SavedTensor(t.tensor, false)](Node* n, const std::vector<Tensor>& g) {
      // The selected values go back to the mask's positions (the engine sums a broadcast away).
      Tensor full_grad = zeros(b, g[0].dtype(), g[0].device());
      TensorIndex ti{TensorIndex::Kind::Tensor};
      ti.tensor = M.unpack(n);
      index_put_(full_grad, {ti}, Operand(g[0]));
      return std::vector<Tensor>{full_grad};
    });
  return out;
}

}  // namespace ember
