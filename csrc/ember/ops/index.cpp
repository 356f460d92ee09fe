// Indexing: t[...] and t[...] = v (basic indices become views; integer and
// boolean tensor indices gather/scatter with NumPy's placement rules), and
// gather, scatter, index_select, masked_fill, nonzero.
#include <cstring>

#include "ember/autograd/autograd.h"
#include "ember/ops/elementwise.h"
#include "ember/ops/stubs.h"

namespace ember {
namespace {

// The result of applying the basic part of an index: a view, plus the
// advanced (tensor) indices and the view dims they apply to.
struct IndexPlan {
  Tensor view;
  std::vector<Tensor> adv;       // int64 index tensors
  std::vector<int64_t> adv_dims; // dim of `view` each indexes
};

void check_index_dtype(const Tensor& t) {
  EMBER_CHECK_INDEX(t.dtype() == ScalarType::Int64 || t.dtype() == ScalarType::Int32 ||
                        t.dtype() == ScalarType::Bool,
                    "tensors used as indices must be long, int, byte or bool tensors");
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
        Tensor idx = ix.boolean ? zeros({1}, ScalarType::Int64) : empty({0}, ScalarType::Int64);
        p.adv.push_back(idx);
        p.adv_dims.push_back(d);
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
            Tensor idx = nonzero(reshape(t, {1}));
            p.adv.push_back(reshape(idx, {-1}));
            p.adv_dims.push_back(d);
            ++d;
            break;
          }
          Tensor nz = nonzero(t);  // (n, t.dim())
          for (int64_t k = 0; k < t.dim(); ++k) {
            p.adv.push_back(select(nz, 1, k));
            p.adv_dims.push_back(d + k);
          }
          d += t.dim();
          orig += t.dim();
        } else {
          p.adv.push_back(to_dtype(t, ScalarType::Int64));
          p.adv_dims.push_back(d);
          ++d;
          ++orig;
        }
        break;
      }
    }
  }
  p.view = v;
  return p;
}

// Precomputed addressing for advanced indexing over plan.view:
// element (b, r) lives at base[b] + rest[r] (in elements).
struct Gather {
  DimVector bshape;           // broadcast shape of the index tensors
  DimVector rest_shape;       // the non-indexed dims of view, in order
  std::vector<int64_t> rest_dims;
  std::vector<int64_t> base;  // per broadcast index position
  std::vector<int64_t> rest;  // per rest position
  bool adjacent = true;       // advanced dims consecutive: result keeps them in place
  int64_t first_adv = 0;
};

Gather make_gather(const IndexPlan& p) {
  Gather g;
  const Tensor& v = p.view;
  DimVector b;
  for (const Tensor& t : p.adv) b = broadcast_shapes(b, t.sizes());
  g.bshape = b;
  for (size_t i = 1; i < p.adv_dims.size(); ++i) g.adjacent &= p.adv_dims[i] == p.adv_dims[i - 1] + 1;
  g.first_adv = p.adv_dims[0];
  std::vector<bool> is_adv(v.dim(), false);
  for (int64_t d : p.adv_dims) is_adv[d] = true;
  for (int64_t d = 0; d < v.dim(); ++d)
    if (!is_adv[d]) { g.rest_dims.push_back(d); g.rest_shape.push_back(v.sizes()[d]); }
  const int64_t nb = shape_numel(b);
  g.base.assign(nb, v.storage_offset());
  for (size_t j = 0; j < p.adv.size(); ++j) {
    Tensor idx = contiguous(expand(p.adv[j], b.vec()));
    const int64_t* pi = idx.data_ptr<int64_t>();
    const int64_t d = p.adv_dims[j], size = v.sizes()[d], stride = v.strides()[d];
    for (int64_t k = 0; k < nb; ++k) {
      int64_t i = pi[k];
      EMBER_CHECK_INDEX(i >= -size && i < size, "index ", i, " is out of bounds for dimension ", d,
                        " with size ", size);
      g.base[k] += (i < 0 ? i + size : i) * stride;
    }
  }
  const int64_t nr = shape_numel(g.rest_shape);
  g.rest.assign(nr, 0);
  for (int64_t r = 0; r < nr; ++r) {
    int64_t rem = r, off = 0;
    for (int64_t k = int64_t(g.rest_dims.size()) - 1; k >= 0; --k) {
      int64_t sz = g.rest_shape[k];
      off += (rem % sz) * v.strides()[g.rest_dims[k]];
      rem /= sz;
    }
    g.rest[r] = off;
  }
  return g;
}

// Result dims are (bshape..., rest...) in "gather order"; with adjacent
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

template <typename W>
void copy_gathered(const Gather& g, const char* src, char* dst) {
  const int64_t nb = g.base.size(), nr = g.rest.size();
  const W* s = reinterpret_cast<const W*>(src);
  W* o = reinterpret_cast<W*>(dst);
  parallel_for(0, nb, std::max<int64_t>(1, kGrainSize / std::max<int64_t>(nr, 1)), [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b)
      for (int64_t r = 0; r < nr; ++r) o[b * nr + r] = s[g.base[b] + g.rest[r]];
  });
}

template <typename W>
void scatter_gathered(const Gather& g, const char* src, char* dst) {
  const int64_t nb = g.base.size(), nr = g.rest.size();
  const W* s = reinterpret_cast<const W*>(src);
  W* o = reinterpret_cast<W*>(dst);
  for (int64_t b = 0; b < nb; ++b)  // serial: repeated indices must keep the last write
    for (int64_t r = 0; r < nr; ++r) o[g.base[b] + g.rest[r]] = s[b * nr + r];
}

template <typename F>
void by_width(int64_t width, const F& f) {
  switch (width) {
    case 1: f(uint8_t()); break;
    case 2: f(uint16_t()); break;
    case 4: f(uint32_t()); break;
    case 8: f(uint64_t()); break;
    default: EMBER_ERROR("indexing: no element width ", width);
  }
}



// Gradient plumbing for advanced indexing, on a contiguous tensor shaped like the indexed view.
struct AdvIndex {
  std::vector<Tensor> adv;
  std::vector<int64_t> dims;
  Gather on(const Tensor& t) const {
    IndexPlan p;
    p.view = t;
    p.adv = adv;
    p.adv_dims = dims;
    return make_gather(p);
  }
};

// The values at the indexed positions of t, in result layout.
Tensor take(const Tensor& t, const AdvIndex& ai) {
  Gather g = ai.on(t);
  DimVector gshape = g.bshape;
  for (int64_t s : g.rest_shape) gshape.push_back(s);
  Tensor out = empty(gshape, t.dtype(), t.device());
  by_width(itemsize(t.dtype()), [&](auto w) {
    copy_gathered<decltype(w)>(g, static_cast<const char*>(t.impl()->storage()->data()),
                               static_cast<char*>(out.raw_data()));
  });
  return contiguous(permute(out, gather_to_result_perm(g)));
}

// Back from result layout to gather order.
Tensor to_gather_order(const Tensor& v, const Gather& g) {
  Dims perm = gather_to_result_perm(g);
  Dims inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[perm[i]] = int64_t(i);
  return contiguous(permute(v, inverse));
}

// Off the CPU, one tensor index (integer, or a boolean mask) among basic ones:
// the basic indices as a view, then an index_select along the indexed dim(s)
// (a mask's dims flattened into one; its true positions found on the CPU, a
// synchronization, as PyTorch's nonzero). Several tensor indices raise.
Tensor index_on_device(const Tensor& self, const std::vector<TensorIndex>& indices) {
  int64_t which = -1, consumed = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    const TensorIndex& ix = indices[i];
    if (ix.kind == TensorIndex::Kind::Tensor) {
      EMBER_CHECK_KIND(NotImplemented, which < 0, "indexing a ", self.device().str(), " tensor with more than one "
                       "tensor index is not supported by ember yet (only the CPU has that kernel)");
      check_index_dtype(ix.tensor);
      which = int64_t(i);
      consumed += ix.tensor.dtype() == ScalarType::Bool ? ix.tensor.dim() : 1;
    } else if (ix.kind == TensorIndex::Kind::Bool) {
      throw_error(ErrorKind::NotImplemented, str("indexing a ", self.device().str(), " tensor with True/False is "
                                                 "not supported by ember yet (only the CPU has that kernel)"));
    } else if (ix.kind == TensorIndex::Kind::Int || ix.kind == TensorIndex::Kind::Slice) {
      ++consumed;
    }
  }
  const Tensor t = indices[size_t(which)].tensor;
  const bool mask = t.dtype() == ScalarType::Bool;
  const int64_t k = mask ? t.dim() : 1;  // dims of self the tensor index covers
  EMBER_CHECK_INDEX(consumed <= self.dim(), "too many indices for tensor of dimension ", self.dim());
  // The same indices with the tensor replaced by full slices; d: where its dims land in that view.
  std::vector<TensorIndex> basic;
  int64_t d = 0;
  for (size_t i = 0; i < indices.size(); ++i) {
    const TensorIndex& ix = indices[i];
    if (int64_t(i) == which) {
      for (int64_t j = 0; j < k; ++j) basic.push_back(TensorIndex{TensorIndex::Kind::Slice});
      continue;
    }
    basic.push_back(ix);
    if (int64_t(i) < which) {
      if (ix.kind == TensorIndex::Kind::Slice || ix.kind == TensorIndex::Kind::None) ++d;
      else if (ix.kind == TensorIndex::Kind::Ellipsis) d += self.dim() - consumed;
    }
  }
  Tensor v = index(self, basic);
  DimVector shape = v.sizes();
  if (mask) {
    for (int64_t j = 0; j < k; ++j)
      EMBER_CHECK_INDEX(t.sizes()[j] == shape[d + j], "The shape of the mask ", t.sizes(), " at index ", j,
                        " does not match the shape of the indexed tensor ", shape, " at index ", d + j);
    Dims flat_shape(shape.begin(), shape.begin() + d);
    flat_shape.push_back(-1);
    flat_shape.insert(flat_shape.end(), shape.begin() + d + k, shape.end());
    Tensor positions;
    {
      GradModeGuard no_grad(false);
      positions = reshape(nonzero(reshape(to_device(t, Device{}, t.dtype()), {-1})), {-1});
    }
    return index_select(reshape(v, flat_shape), d, to_device(positions, self.device(), ScalarType::Int64));
  }
  const int64_t size = shape[d];
  Tensor idx = reshape(to_device(t, self.device(), ScalarType::Int64), {-1});
  {  // negative indices count from the end, as on the CPU
    GradModeGuard no_grad(false);
    idx = where(binary(BinaryOp::Lt, idx, Scalar(int64_t(0))), Operand(add(idx, Scalar(size))), Operand(idx));
  }
  Tensor r = index_select(v, d, idx);
  Dims out_shape(shape.begin(), shape.begin() + d);
  out_shape.insert(out_shape.end(), t.sizes().begin(), t.sizes().end());
  out_shape.insert(out_shape.end(), shape.begin() + d + 1, shape.end());
  return reshape(r, out_shape);
}

}  // namespace

Tensor index(const Tensor& self, const std::vector<TensorIndex>& indices) {
  if (!self.device().is_cpu())
    for (const TensorIndex& ix : indices)
      if (ix.kind == TensorIndex::Kind::Tensor || ix.kind == TensorIndex::Kind::Bool)
        return index_on_device(self, indices);
  IndexPlan p = plan_index(self, indices);  // basic indices: views, recorded by the view ops
  if (p.adv.empty()) return p.view.is_same(self) ? alias(self) : p.view;
  AdvIndex ai{p.adv, p.adv_dims};
  Tensor out;
  {
    GradModeGuard no_grad(false);
    out = take(p.view, ai);
  }
  if (grad_enabled() && requires_grad(p.view)) {
    DimVector in = p.view.sizes();
    record("IndexBackward0", {&p.view}, out, [ai, in](Node*, const std::vector<Tensor>& grads) {
      // Scatter-add the gradient back to the indexed positions (repeated
      // indices accumulate), written with ember ops so it is differentiable.
      const int64_t numel = shape_numel(in);
      Tensor positions;
      Gather g;
      {
        GradModeGuard no_grad(false);
        g = ai.on(empty(in, grads[0].dtype(), grads[0].device()));  // contiguous: offsets are linear indices
        positions = empty({int64_t(g.base.size()), int64_t(g.rest.size())}, ScalarType::Int64);
        int64_t* pp = positions.data_ptr<int64_t>();
        for (size_t b = 0; b < g.base.size(); ++b)
          for (size_t r = 0; r < g.rest.size(); ++r) pp[b * g.rest.size() + r] = g.base[b] + g.rest[r];
      }
      Tensor src = reshape(to_gather_order(grads[0], g), {-1});
      Tensor flat = scatter_add(zeros({numel}, grads[0].dtype(), grads[0].device()), 0, reshape(positions, {-1}), src);
      return std::vector<Tensor>{reshape(flat, in.vec())};
    });
  }
  return out;
}

namespace {
// Writes `value` (broadcast to the indexing result) into target's advanced positions.
void put_advanced(Tensor& target, const AdvIndex& ai, const Operand& value) {
  Gather g = ai.on(target);
  DimVector gshape = g.bshape;
  for (int64_t s : g.rest_shape) gshape.push_back(s);
  Dims perm = gather_to_result_perm(g);
  DimVector rshape(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) rshape[i] = gshape[perm[i]];
  Tensor vals = empty(rshape, target.dtype(), target.device());
  if (value.is_scalar) {
    fill_(vals, value.scalar);
  } else {
    Tensor src = value.tensor;
    if (src.dim() > int64_t(rshape.size())) {  // extra leading 1s are allowed
      EMBER_CHECK(src.numel() == shape_numel(rshape) || src.numel() == 1, "shape mismatch: value tensor of shape ",
                  src.sizes(), " cannot be broadcast to indexing result of shape ", rshape);
      src = reshape(src, src.numel() == 1 ? Dims{} : rshape.vec());
    }
    DimVector b = broadcast_shapes(rshape, src.sizes());
    EMBER_CHECK(b == rshape, "shape mismatch: value tensor of shape ", value.tensor.sizes(),
                " cannot be broadcast to indexing result of shape ", rshape);
    copy_(vals, src);
  }
  Tensor ordered = to_gather_order(vals, g);
  by_width(itemsize(target.dtype()), [&](auto w) {
    scatter_gathered<decltype(w)>(g, static_cast<const char*>(ordered.raw_data()),
                                  static_cast<char*>(target.impl()->storage()->data()));
  });
  target.impl()->bump_version();
}
}  // namespace

void index_put_(Tensor& self, const std::vector<TensorIndex>& indices, const Operand& value) {
  IndexPlan p = plan_index(self, indices);
  if (p.adv.empty()) {  // basic indexing: write through the view (copy_/fill_ handle autograd)
    Tensor v = p.view;
    if (value.is_scalar) {
      fill_(v, value.scalar);
    } else {
      if (value.tensor.sizes() != v.sizes()) {
        GradModeGuard no_grad(false);
        expand(value.tensor, v.sizes().vec());  // PyTorch's message for a value that doesn't fit
      }
      copy_(v, value.tensor);
    }
    return;
  }
  AdvIndex ai{p.adv, p.adv_dims};
  Tensor target = p.view;
  const Tensor* vt = value.is_scalar ? nullptr : &value.tensor;
  const bool rec = grad_enabled() && (requires_grad(target) || (vt && requires_grad(*vt)) ||
                                      (target.impl()->is_view() && requires_grad(Tensor(target.impl()->view_base()))));
  if (!rec) {
    GradModeGuard no_grad(false);
    put_advanced(target, ai, value);
    return;
  }
  // With autograd: the result is "target with the positions replaced"; target takes its history.
  check_inplace(target);
  Tensor result;
  {
    GradModeGuard no_grad(false);
    result = clone(target);
    put_advanced(result, ai, value);
  }
  record("IndexPutBackward0", {&target, vt}, result, [ai](Node*, const std::vector<Tensor>& grads) {
    GradModeGuard no_grad(false);
    Tensor g = contiguous(grads[0]);
    Tensor g_value = take(g, ai);
    Tensor g_self = clone(g);
    put_advanced(g_self, ai, Operand(Scalar(0.0)));
    return std::vector<Tensor>{g_self, g_value};
  }, false);
  {
    GradModeGuard no_grad(false);
    copy_(target, result);
  }
  rebase_history(target, result);
}

Tensor index_select(const Tensor& self, int64_t dim, const Tensor& index) {
  EMBER_CHECK_INDEX(index.dim() <= 1, "index_select(): Index is supposed to be a vector");
  EMBER_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
              "index_select(): Expected dtype int32 or int64 for index");
  check_same_device("index_select", {&self, &index});
  dim = wrap_dim(dim, self.dim());
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
    if (self.dim() == 0) {  // a 0-d tensor is indexed as if it had one element
      Tensor r = select(reshape(self, {1}));
      out = index.dim() == 0 ? reshape(r, {}) : r;
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

// The CPU slot of gather_scatter_stub. Scatter runs serially: repeated indices must combine deterministically.
void cpu_gather_scatter(IndexMode mode, const StridedLoop& L, ScalarType dtype, int64_t dim, int64_t size,
                        int64_t stride_bytes) {
  EMBER_DISPATCH_ALL_AND_HALF(dtype, mode == IndexMode::Gather ? "gather" : "scatter", [&] {
    using T = scalar_t;
    L.run(
        [&](char** p, const int64_t* s, int64_t n) {
          for (int64_t i = 0; i < n; ++i) {
            int64_t ix = *reinterpret_cast<const int64_t*>(p[2] + i * s[2]);
            EMBER_CHECK(ix >= 0 && ix < size, "index ", ix, " is out of bounds for dimension ", dim, " with size ",
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
  if (src.is_scalar) values = expand(scalar_tensor(src.scalar, self.dtype(), self.device()), index.sizes().vec());
  else {
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
  Tensor r = masked_fill(self, mask, value);
  return copy_(self, r);
}

Tensor nonzero(const Tensor& self) {
  Tensor c = contiguous(self);
  const int64_t nd = self.dim(), n = self.numel();
  std::vector<int64_t> hits;
  EMBER_DISPATCH_ALL_AND_HALF(self.dtype(), "nonzero", [&] {
    const scalar_t* p = c.data_ptr<scalar_t>();
    for (int64_t i = 0; i < n; ++i)
      if (p[i] != scalar_t(0)) hits.push_back(i);
  });
  Tensor out = empty({int64_t(hits.size()), nd}, ScalarType::Int64, self.device());
  int64_t* o = out.data_ptr<int64_t>();
  for (size_t h = 0; h < hits.size(); ++h) {
    int64_t rem = hits[h];
    for (int64_t d = nd - 1; d >= 0; --d) {
      o[h * nd + d] = rem % self.sizes()[d];
      rem /= self.sizes()[d];
    }
  }
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
